"""Custom components: only what the 7.39 manifest language cannot declare."""

from __future__ import annotations

import threading
from dataclasses import InitVar, dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, Mapping, MutableMapping, Optional
from zoneinfo import ZoneInfo

from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    DeclarativeStream as DeclarativeStreamModel,
)
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.partitions.stream_slicer import StreamSlicer
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.types import Config, Record, StreamSlice, StreamState
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

SINCE_ID_PARAMETER = "since_id_cursor"


class SinceIdCursor(Cursor):
    """Per-partition highest id (compared as numbers), handed to the API as `since_id`.

    The manifest schema offers a datetime cursor, or an integer cursor without partitions; Mention
    needs an integer cursor per alert. A partition's state moves only once all of its records
    were emitted, so a sync stopped half-way re-reads that alert instead of skipping mentions.

    Each partition may carry the alert's current highest id (`head_field` in its extra fields).
    A back-fill (no state yet) reads up to that head and then stores the head itself: mentions
    found before the sync but published before start_date are thereby behind the state, not in
    the next sync. A partition whose head is not above its state has nothing new and is skipped.
    """

    def __init__(
        self,
        stream_name: str,
        partition_router: StreamSlicer,
        partition_field: str,
        cursor_field: str,
        head_field: Optional[str],
        stream_state: Optional[Mapping[str, Any]],
        connector_state_manager: ConnectorStateManager,
        message_repository: MessageRepository,
    ) -> None:
        self._stream_name = stream_name
        self._partition_router = partition_router
        self._partition_field = partition_field
        self._head_field = head_field
        self.cursor_field = CursorField(cursor_field)
        self._connector_state_manager = connector_state_manager
        self._message_repository = message_repository
        self._lock = threading.Lock()
        self._committed: Dict[str, int] = {
            str(entry["partition"][partition_field]): int(entry["cursor"][cursor_field])
            for entry in (stream_state or {}).get("states", [])
        }
        self._pending: Dict[str, int] = {}

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {
            "states": [
                {"partition": {self._partition_field: key}, "cursor": {self.cursor_field.cursor_field_key: str(value)}}
                for key, value in sorted(self._committed.items())
            ]
        }

    def stream_slices(self) -> Iterable[StreamSlice]:
        for partition in self._partition_router.stream_slices():
            since_id = self._committed.get(self._key(partition))
            head = self._head(partition)
            if since_id is not None and head is not None and head <= since_id:
                continue
            yield StreamSlice(
                partition=partition.partition,
                cursor_slice={"since_id": str(since_id)} if since_id is not None else {},
                extra_fields=partition.extra_fields,
            )

    def observe(self, record: Record) -> None:
        key = self._key(record.associated_slice)
        value = int(self.cursor_field.extract_value(record))
        with self._lock:
            if value > self._pending.get(key, -1):
                self._pending[key] = value

    def close_partition(self, partition: Partition) -> None:
        stream_slice = partition.to_slice()
        key = self._key(stream_slice)
        head = self._head(stream_slice)
        backfill = not (stream_slice or {}).get("since_id")
        with self._lock:
            seen = self._pending.pop(key, None)
            reached = head if backfill and head is not None else seen
            if reached is None or reached <= self._committed.get(key, -1):
                return
            self._committed[key] = reached
            self._emit_state()

    def ensure_at_least_one_state_emitted(self) -> None:
        with self._lock:
            self._emit_state()

    def should_be_synced(self, record: Record) -> bool:
        return True

    def _key(self, stream_slice: Optional[Mapping[str, Any]]) -> str:
        partition = stream_slice.partition if isinstance(stream_slice, StreamSlice) else (stream_slice or {})
        return str(partition[self._partition_field])

    def _head(self, stream_slice: Optional[Mapping[str, Any]]) -> Optional[int]:
        extra = stream_slice.extra_fields if isinstance(stream_slice, StreamSlice) else {}
        head = (extra or {}).get(self._head_field) if self._head_field else None
        return int(head) if head not in (None, "") else None

    def _emit_state(self) -> None:
        self._connector_state_manager.update_state_for_stream(self._stream_name, None, self.state)
        self._message_repository.emit_message(self._connector_state_manager.create_state_message(self._stream_name, None))


class RefreshRejectionHint:
    """Puts the provider's own advice in front of the CDK's message for a rejected refresh token.

    The CDK's text ("re-authenticate this source's credentials") cannot be set from the
    manifest; a user of a provider without OAuth consent screens needs to know where new tokens
    come from. Mixed into the authenticator's class by SourceMentionsComponentFactory.
    """

    refresh_rejected_hint: str = ""

    def refresh_access_token(self) -> Any:
        try:
            return super().refresh_access_token()  # type: ignore[misc]
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error and self.refresh_rejected_hint:
                error.message = f"{self.refresh_rejected_hint} ({error.message})"
            raise


class SourceMentionsComponentFactory(ModelToComponentFactory):
    """The two behaviours the 7.39 manifest schema cannot declare, keyed by `$parameters`.

    - `since_id_cursor` on a stream: its cursor is a SinceIdCursor (custom incremental_sync
      components are rejected by the schema).
    - `refresh_rejected_hint` on an OAuthAuthenticator: the hint leads a rejected-refresh error.
    Everything else is built by the CDK as usual.
    """

    @classmethod
    def adopt(cls, factory: ModelToComponentFactory) -> None:
        """Turn the factory the CDK built inside the source's __init__ (no way to pass one in) into this one."""
        factory.__class__ = cls
        factory._init_mappings()  # its model-to-constructor table holds bound methods of the old class

    def create_oauth_authenticator(self, model: Any, config: Config, **kwargs: Any) -> Any:
        authenticator = super().create_oauth_authenticator(model, config, **kwargs)
        hint = (model.parameters or {}).get("refresh_rejected_hint")
        if hint:
            base = type(authenticator)
            authenticator.__class__ = type(f"Hinted{base.__name__}", (RefreshRejectionHint, base), {})
            authenticator.refresh_rejected_hint = hint
        return authenticator

    def _build_concurrent_cursor(
        self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config
    ) -> Cursor:
        options = (model.parameters or {}).get(SINCE_ID_PARAMETER)
        if not options or stream_slicer is None:
            return super()._build_concurrent_cursor(model, stream_slicer, config)
        name = model.name or ""
        return SinceIdCursor(
            stream_name=name,
            partition_router=stream_slicer,
            partition_field=options["partition_field"],
            cursor_field=options["cursor_field"],
            head_field=options.get("head_field"),
            stream_state=self._connector_state_manager.get_stream_state(name, None),
            connector_state_manager=self._connector_state_manager,
            message_repository=self._message_repository,
        )



@dataclass
class AddLocalBucketDate(RecordTransformation):
    """Adds `bucket_date`, the bucket's calendar date in the configured timezone.

    Mentionlab reports a bucket as the UTC instant it starts (a Europe/Brussels day starts at
    23:00Z) but takes `startDate` as a local date; the manifest's Jinja cannot convert timezones.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Config] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        zone = ZoneInfo((self.config.get("provider") or {}).get("timezone") or "UTC")
        start = datetime.fromisoformat(record["bucket"].replace("Z", "+00:00"))
        record["bucket_date"] = start.astimezone(zone).strftime("%Y-%m-%d")
