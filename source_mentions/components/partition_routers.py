"""A partition router the manifest cannot declare: the listed items, or the whole API when the listing shows none."""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass, field
from typing import Any, Iterable, Mapping, Optional

from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.partition_routers import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

logger = logging.getLogger("airbyte")


@dataclass
class ListedOrAllPartitionRouter(PartitionRouter):
    """One partition per item `listed` yields; when it yields none, one partition without an item (the whole API).

    Sociovite documents `project_id` on GET /mentions as optional, and GET /project (the listing) has not
    been seen answering: with Project IDs left empty, the listed projects are read when there are any,
    else every mention the token sees, with one INFO line (`all_message`) saying so. The manifest's
    partition routers cannot fall back; the request options stay `listed`'s (the forced pass-throughs below).
    """

    listed: PartitionRouter
    config: Config
    parameters: InitVar[Mapping[str, Any]]
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
