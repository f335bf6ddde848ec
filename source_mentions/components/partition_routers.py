"""Partition routers the manifest cannot declare: a listing's partitions, with a fallback chosen at run time."""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass, field
from typing import Any, Iterable, Mapping, Optional

from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.partition_routers import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

logger = logging.getLogger("airbyte")


@dataclass
class ListingFallbackRouter(PartitionRouter):
    """A router whose partitions come from `listed` unless the subclass decides otherwise; request options stay `listed`'s."""

    listed: PartitionRouter
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def get_request_params(self, **kwargs: Any) -> Mapping[str, Any]:
        return self.listed.get_request_params(**kwargs)

    def get_request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return self.listed.get_request_headers(**kwargs)

    def get_request_body_data(self, **kwargs: Any) -> Any:
        return self.listed.get_request_body_data(**kwargs)

    def get_request_body_json(self, **kwargs: Any) -> Mapping[str, Any]:
        return self.listed.get_request_body_json(**kwargs)

    def set_initial_state(self, stream_state: StreamState) -> None:
        self.listed.set_initial_state(stream_state)

    def get_stream_state(self) -> Optional[Mapping[str, StreamState]]:
        return self.listed.get_stream_state()


@dataclass
class ListedOrAllPartitionRouter(ListingFallbackRouter):
    """One partition per item `listed` yields; when it yields none, one partition without an item (the whole API).

    Sociovite documents `project_id` on GET /mentions as optional, and GET /project (the listing) has not
    been seen answering: with Project IDs left empty, the listed projects are read when there are any,
    else every mention the token sees, with one INFO line (`all_message`) saying so. The manifest's
    partition routers cannot fall back.
    """

    all_partition: Mapping[str, Any] = field(default_factory=dict)  # the partition of "everything"
    all_message: str = "The listing shows no item: reading without one."

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._all_message = InterpolatedString.create(self.all_message, parameters=parameters)

    def stream_slices(self) -> Iterable[StreamSlice]:
        listed = False
        for stream_slice in self.listed.stream_slices():
            listed = True
            yield stream_slice
        if not listed:
            logger.info(self._all_message.eval(self.config))
            yield StreamSlice(partition=dict(self.all_partition), cursor_slice={})


@dataclass
class ConfiguredOrListedPartitionRouter(ListingFallbackRouter):
    """One partition for the id the config names (`configured`), without a request; else the partitions `listed` yields.

    Mention's account comes from GET /accounts/me unless Account ID is set; with it, asking the API
    for the account only to learn the id the config holds put one round trip before every other
    request of a sync (`check` still reads the account, and a wrong id answers 404 on its alert list,
    a config_error naming the Account ID). The partition has the shape `listed` gives it
    ({field: id, parent_slice: {}}), so states saved either way hold.
    """

    configured: str = ""
    partition_field: str = "id"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._configured = InterpolatedString.create(self.configured, parameters=parameters)

    def stream_slices(self) -> Iterable[StreamSlice]:
        configured = self._configured.eval(self.config)
        if configured in (None, ""):
            yield from self.listed.stream_slices()
            return
        yield StreamSlice(partition={self.partition_field: str(configured), "parent_slice": {}}, cursor_slice={})
