"""Cursors the 7.39 manifest cannot declare: an integer `since_id`, or an API keyset position, per partition."""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional

from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.partitions.stream_slicer import StreamSlicer
from airbyte_cdk.sources.types import Record, StreamSlice

SINCE_ID_PARAMETER = "since_id_cursor"
STREAM_SINCE_ID_PARAMETER = "stream_since_id_cursor"
logger = logging.getLogger("airbyte")
KEYSET_PARAMETER = "keyset_page_cursor"
KEYSET_FIELDS = ("lastUpdatedAt", "lastId")  # Mentionlab's list-cursor position, in its own names


class _PartitionStateCursor(Cursor):
    """What both since_id cursors share: the stream's name, a lock, and emitting their `state`."""

    def __init__(self, stream_name: str, cursor_field: str, connector_state_manager: ConnectorStateManager, message_repository: MessageRepository) -> None:
        self._stream_name = stream_name
        self.cursor_field = CursorField(cursor_field)
        self._connector_state_manager = connector_state_manager
        self._message_repository = message_repository
        self._lock = threading.Lock()

    def should_be_synced(self, record: Record) -> bool:
        return True

    def _emit_state(self) -> None:
        self._connector_state_manager.update_state_for_stream(self._stream_name, None, self.state)
        self._message_repository.emit_message(self._connector_state_manager.create_state_message(self._stream_name, None))


class SinceIdCursor(_PartitionStateCursor):
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
        super().__init__(stream_name, cursor_field, connector_state_manager, message_repository)
        self._partition_router = partition_router
        self._partition_field = partition_field
        self._head_field = head_field
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

    def _key(self, stream_slice: Optional[Mapping[str, Any]]) -> str:
        partition = stream_slice.partition if isinstance(stream_slice, StreamSlice) else (stream_slice or {})
        return str(partition[self._partition_field])

    def _head(self, stream_slice: Optional[Mapping[str, Any]]) -> Optional[int]:
        extra = stream_slice.extra_fields if isinstance(stream_slice, StreamSlice) else {}
        head = (extra or {}).get(self._head_field) if self._head_field else None
        return int(head) if head not in (None, "") else None


class StreamSinceIdCursor(_PartitionStateCursor):
    """Highest mention id per alert for the stream endpoint, checkpointed while the stream is open.

    A stream partition (one connection per account) lasts the whole sync, and the CDK's cursors
    emit state only when a partition closes. This one also emits after every `checkpoint_every`
    records and whenever SinceIdStreamRetriever passes a keep-alive mark, so a killed sync resumes
    close to where it stopped. The CDK observes a record only after queueing it for output, so a
    state emitted here never covers a record that was not emitted before it.
    """

    def __init__(
        self,
        stream_name: str,
        partition_router: StreamSlicer,
        partition_field: str,
        group_field: str,
        cursor_field: str,
        checkpoint_every: int,
        stream_state: Optional[Mapping[str, Any]],
        connector_state_manager: ConnectorStateManager,
        message_repository: MessageRepository,
    ) -> None:
        super().__init__(stream_name, cursor_field, connector_state_manager, message_repository)
        self._partition_router = partition_router
        self._partition_field = partition_field
        self._group_field = group_field
        self._checkpoint_every = checkpoint_every
        self._since_id: Dict[str, int] = {key: int(value) for key, value in ((stream_state or {}).get("since_id") or {}).items()}
        self._unsaved = 0
        self._changed = False

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {"since_id": {key: str(value) for key, value in sorted(self._since_id.items())}}

    def stream_slices(self) -> Iterable[StreamSlice]:
        """One slice per account, listing its alerts: the API allows one open stream per account."""
        alerts_by_account: Dict[str, List[str]] = {}
        for partition in self._partition_router.stream_slices():
            account = str(partition.partition["parent_slice"][self._group_field])
            alerts_by_account.setdefault(account, []).append(str(partition.partition[self._partition_field]))
        for account, alert_ids in alerts_by_account.items():
            yield StreamSlice(partition={self._group_field: account}, cursor_slice={}, extra_fields={"alert_ids": alert_ids})

    def since_ids(self, alert_ids: Iterable[str]) -> Dict[str, str]:
        """`since_id` per alert for the next connection: the state, or 0 (the history) for a new alert."""
        with self._lock:
            return {alert: str(self._since_id.get(alert, 0)) for alert in alert_ids}

    def observe(self, record: Record) -> None:
        alert = str(record.data["alert_id"])
        value = int(self.cursor_field.extract_value(record))
        with self._lock:
            if value > self._since_id.get(alert, -1):
                self._since_id[alert] = value
                self._changed = True
            self._unsaved += 1
            if self._unsaved >= self._checkpoint_every:
                self._emit_state()

    def checkpoint(self) -> None:
        """Emit the state if it moved since the last one (called on keep-alive marks)."""
        with self._lock:
            if self._changed:
                self._emit_state()

    def close_partition(self, partition: Partition) -> None:
        self.checkpoint()

    def ensure_at_least_one_state_emitted(self) -> None:
        with self._lock:
            self._emit_state()

    def _emit_state(self) -> None:
        self._unsaved, self._changed = 0, False
        super()._emit_state()


class KeysetPageCursor(_PartitionStateCursor):
    """Per partition, the API's keyset position {lastUpdatedAt, lastId} after the last page whose records were all emitted.

    Mentionlab's list-cursor rows carry no updatedAt, so no record-based cursor (the manifest's
    datetime cursor included) can hold that position. KeysetPagination hands each page's position
    to `page_emitted` once the page's records are queued, and the state is emitted then: a resumed
    sync starts after the last checkpointed page, reading nothing up to it again and skipping
    nothing after it. A partition's slice carries its position, which the manifest sends as the
    first request's `cursor`.
    """

    def __init__(
        self,
        stream_name: str,
        partition_router: StreamSlicer,
        partition_field: str,
        cursor_field: str,
        stream_state: Optional[Mapping[str, Any]],
        connector_state_manager: ConnectorStateManager,
        message_repository: MessageRepository,
    ) -> None:
        super().__init__(stream_name, cursor_field, connector_state_manager, message_repository)
        self._partition_router = partition_router
        self._partition_field = partition_field
        self._positions: Dict[str, Dict[str, str]] = {}
        for entry in (stream_state or {}).get("states", []):
            key, cursor = str((entry.get("partition") or {}).get(partition_field)), entry.get("cursor") or {}
            if all(cursor.get(name) for name in KEYSET_FIELDS):
                self._positions[key] = {name: str(cursor[name]) for name in KEYSET_FIELDS}
            else:  # e.g. the date cursor of an earlier version of this connector
                logger.warning(f"{stream_name}: the state of {partition_field} {key} is not a list-cursor position ({cursor}); it is read again from start_date")

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {
            "states": [
                {"partition": {self._partition_field: key}, "cursor": dict(position)} for key, position in sorted(self._positions.items())
            ]
        }

    def stream_slices(self) -> Iterable[StreamSlice]:
        for partition in self._partition_router.stream_slices():
            with self._lock:
                position = dict(self._positions.get(str(partition.partition[self._partition_field]), {}))
            yield StreamSlice(partition=partition.partition, cursor_slice=position, extra_fields=partition.extra_fields)

    def page_emitted(self, stream_slice: StreamSlice, position: Mapping[str, str]) -> None:
        """Called by KeysetPagination once every record of the page at `position` went to the output queue."""
        key = str(stream_slice.partition[self._partition_field])
        with self._lock:
            self._positions[key] = {name: str(position[name]) for name in KEYSET_FIELDS}
            self._emit_state()

    def observe(self, record: Record) -> None:
        """Nothing to learn from a row: the position comes with the page (page_emitted)."""

    def close_partition(self, partition: Partition) -> None:
        """The last page's position was emitted by page_emitted already."""

    def ensure_at_least_one_state_emitted(self) -> None:
        with self._lock:
            self._emit_state()

