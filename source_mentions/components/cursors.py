"""Cursors the 7.39 manifest cannot declare: an integer `since_id`, or an API keyset position, per partition.

The manifest names a stream's cursor in the stream's `source_mentions_cursor` (class_name and options):
the schema's `incremental_sync` takes no custom class, and the factory builds the class named there
(SourceMentionsComponentFactory.build_concurrent_cursor) with the stream's CursorContext.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, MutableMapping, Optional, Sequence, Tuple

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record, StreamSlice
from airbyte_cdk.utils.datetime_helpers import ab_datetime_parse, ab_datetime_try_parse
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

KEYSET_FIELDS = ("lastUpdatedAt", "lastId")  # Mentionlab's list-cursor position, in its own names
logger = logging.getLogger("airbyte")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_since_id(value: Any) -> Optional[int]:
    """The value as a since_id (a whole number, given as an integer or as digits), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():  # ASCII digits only: a third of a regex match's cost, per record
        return int(value)
    return None


def bad_state(stream_name: str, problem: str, state: Any, internal: Optional[str] = None) -> AirbyteTracedException:
    """A config_error for a saved state this connector cannot resume from, naming the stream and the value."""
    shown = json.dumps(state, default=str)
    shown = shown if len(shown) <= 300 else shown[:300] + "..."
    return AirbyteTracedException(
        message=(
            f"The saved state of stream `{stream_name}` cannot be used: {problem}. Reset the stream `{stream_name}` "
            f"(its next sync reads from start_date), or give it a state this connector wrote. State: {shown}"
        ),
        internal_message=f"bad state for {stream_name}: {internal or problem}",
        failure_type=FailureType.config_error,
    )


def _partition_states(stream_name: str, state: Optional[Mapping[str, Any]], partition_field: str, cursor_field: str) -> List[Tuple[str, int]]:
    """(partition, since_id) of each entry of `{"states": [{"partition": {..}, "cursor": {..}}]}`; bad_state for any other shape."""
    if not state:
        return []
    entries = state.get("states") if isinstance(state, Mapping) else None
    if not isinstance(entries, list):
        raise bad_state(stream_name, f'expected {{"states": [{{"partition": {{"{partition_field}": ...}}, "cursor": {{"{cursor_field}": ...}}}}]}}', state)
    parsed = []
    for entry in entries:
        partition = entry.get("partition") if isinstance(entry, Mapping) else None
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        if not isinstance(partition, Mapping) or partition.get(partition_field) in (None, "") or not isinstance(cursor, Mapping):
            raise bad_state(stream_name, f"the entry {json.dumps(entry, default=str)} has no {partition_field} or no cursor", state)
        since_id = as_since_id(cursor.get(cursor_field))
        if since_id is None:
            raise bad_state(stream_name, f"{cursor_field} {cursor.get(cursor_field)!r} of {partition_field} {partition[partition_field]} is not a whole number", state)
        parsed.append((str(partition[partition_field]), since_id))
    return parsed


@dataclass(frozen=True)
class CursorContext:
    """What every cursor of this module is built with: its stream, the stream's partitions and saved state, and where state goes."""

    stream_name: str
    partition_router: Any  # a StreamSlicer (a ParentStateCursor's is a substream partition router)
    stream_state: Optional[Mapping[str, Any]]
    connector_state_manager: ConnectorStateManager
    message_repository: MessageRepository


class PartitionStateCursor(Cursor):
    """What the cursors of this module share: the stream's context, a lock, and saving their `state` as a STATE message.

    A subclass reads `self._saved` (the stream's saved state) in its __init__, keeps its own state
    and saves it with `_save_state()` once the records it covers were emitted.
    """

    def __init__(self, context: CursorContext, cursor_field: str) -> None:
        self._stream_name = context.stream_name
        self._partition_router = context.partition_router
        self._saved = context.stream_state
        self.cursor_field = CursorField(cursor_field)
        self._connector_state_manager = context.connector_state_manager
        self._message_repository = context.message_repository
        self._lock = threading.Lock()

    def should_be_synced(self, record: Record) -> bool:
        return True

    def observe(self, record: Record) -> None:
        """Nothing to learn from a record, unless the subclass says otherwise."""

    def ensure_at_least_one_state_emitted(self) -> None:
        with self._lock:
            self._save_state()

    def _save_state(self) -> None:
        """Emits the current state (called under the lock)."""
        self._connector_state_manager.update_state_for_stream(self._stream_name, None, self.state)
        self._message_repository.emit_message(self._connector_state_manager.create_state_message(self._stream_name, None))


MENTION_DATE = "%Y-%m-%dT%H:%M:%S.%f+00:00"  # Mention's W3C form, as the manifest sends before_date


@dataclass(frozen=True)
class RereadWindow:
    """What an incremental sync reads again of each alert: the mentions published in the last `days` days.

    Mention has no "changed since" filter: `since_id` follows the order mentions were found, and an
    edit (tone, folder, read, favourite, tags) does not change a mention's id. Its list filters by
    publication date (`before_date`/`not_before_date`) and by `folder`, so the window is a date
    window of publication, never earlier than start_date, read as the list without a folder filter
    (inbox and archive, what the since_id read reads too) and once per folder that list leaves out
    (`other_folders`: spam, trash), where mentions moved there are. The listed window keeps ids up
    to the saved since_id (newer ones come with the since_id read of the same sync); the other
    folders keep every id, as no other read sees them.
    """

    days: int
    other_folders: Tuple[str, ...]
    not_before: Optional[datetime]  # start_date

    WINDOW = "window"  # the cursor_slice key that marks a window's slice: "listed" or the folder
    LISTED = "listed"

    @classmethod
    def of(cls, days: Any, other_folders: Sequence[str], not_before: Any) -> Optional["RereadWindow"]:
        """The window the manifest's options describe, or None when `days` is 0 (or missing)."""
        length = int(days or 0)
        if length < 0:
            raise ValueError(f"the re-read window is {length} days; it must be 0 (off) or more")
        start = ab_datetime_parse(str(not_before)) if not_before not in (None, "") else None
        return cls(length, tuple(other_folders), start) if length else None

    def slices(self, partition: StreamSlice, since_id: int, head_field: Optional[str], now: datetime) -> List[StreamSlice]:
        """The listed window and one per other folder over [now - days, now), with the bounds the manifest sends."""
        start = now - timedelta(days=self.days)
        if self.not_before is not None and self.not_before > start:
            start = self.not_before
        bounds = {"not_before_date": start.astimezone(timezone.utc).strftime(MENTION_DATE), "before_date": now.astimezone(timezone.utc).strftime(MENTION_DATE)}
        extra = dict(partition.extra_fields or {})
        listed = StreamSlice(
            partition=partition.partition,
            cursor_slice={self.WINDOW: self.LISTED, **bounds},
            extra_fields={**extra, head_field: str(since_id)} if head_field else extra,  # UpToHeadRecordFilter: ids up to the state
        )
        others = [
            StreamSlice(partition=partition.partition, cursor_slice={self.WINDOW: folder, "folder": folder, **bounds}, extra_fields=extra)
            for folder in self.other_folders
        ]
        return [listed, *others]

    @classmethod
    def holds(cls, stream_slice: Optional[Mapping[str, Any]]) -> bool:
        """Whether the slice is one of a window's (its records never move the state)."""
        cursor_slice = stream_slice.cursor_slice if isinstance(stream_slice, StreamSlice) else {}
        return bool(cursor_slice and cursor_slice.get(cls.WINDOW))


class SinceIdCursor(PartitionStateCursor):
    """Per-partition highest id (compared as numbers), handed to the API as `since_id`.

    The manifest schema offers a datetime cursor, or an integer cursor without partitions; Mention
    needs an integer cursor per alert. A partition's state moves only once all of its records
    were emitted, so a sync stopped half-way re-reads that alert instead of skipping mentions.

    HeadFirstRetriever reads the alert's current highest id (its head) on the worker pool and hands
    it to `slice_to_read`: before a back-fill (no state yet), which reads up to that head and then
    stores the head itself (mentions found before the sync but published before start_date are
    thereby behind the state, not in the next sync); and after a since_id read that found nothing,
    so that a state beyond the head (a state from another account, ids renumbered) goes back to
    the head with a WARN, rather than waiting until the alert catches up.

    With a `reread_days` window (RereadWindow), an alert that has a state also gets slices that
    read its recently published mentions again (the list, then spam and trash), so edits made in
    Mention reach the destination; those slices read no head and never move the state.
    """

    def __init__(
        self,
        context: CursorContext,
        partition_field: str,
        cursor_field: str,
        head_field: Optional[str] = None,
        reread_days: Any = 0,
        reread_other_folders: Sequence[str] = (),
        reread_not_before: Any = None,
    ) -> None:
        super().__init__(context, cursor_field)
        self._partition_field = partition_field
        self.head_field = head_field
        self.reread = RereadWindow.of(reread_days, reread_other_folders, reread_not_before)
        self._committed: Dict[str, int] = dict(_partition_states(self._stream_name, self._saved, partition_field, cursor_field))
        self._pending: Dict[str, int] = {}
        self._heads: Dict[str, int] = {}  # per partition being read: the head its read stops at

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {
            "states": [
                {"partition": {self._partition_field: key}, "cursor": {self.cursor_field.cursor_field_key: str(value)}}
                for key, value in sorted(self._committed.items())
            ]
        }

    def stream_slices(self) -> Iterable[StreamSlice]:
        """One slice per partition, with its saved since_id, then its re-read window's: no request here (the heads are read in the partitions)."""
        now = datetime.now(timezone.utc)  # one window for the whole sync
        for partition in self._partition_router.stream_slices():
            with self._lock:
                since_id = self._committed.get(self._key(partition))
            yield StreamSlice(
                partition=partition.partition,
                cursor_slice={"since_id": str(since_id)} if since_id is not None else {},
                extra_fields=partition.extra_fields,
            )
            if self.reread is not None and since_id is not None:  # a back-fill reads everything anyway
                yield from self.reread.slices(partition, since_id, self.head_field, now)

    def slice_to_read(self, stream_slice: StreamSlice, head_id: Any) -> Optional[StreamSlice]:
        """The slice to read once the alert's head is known (the head in its extra fields), or None if nothing is new."""
        key = self._key(stream_slice)
        extra = {**(stream_slice.extra_fields or {}), **({self.head_field: "" if head_id is None else str(head_id)} if self.head_field else {})}
        planned = StreamSlice(partition=stream_slice.partition, cursor_slice=stream_slice.cursor_slice, extra_fields=extra)
        head = self._head(planned)
        with self._lock:
            since_id = self._committed.get(key)
            if since_id is not None and head is not None and head < since_id:
                logger.warning(
                    f"{self._stream_name}: the saved since_id {since_id} of {self._partition_field} {key} is beyond its newest "
                    f"mention {head}: it is read from {head}, and its state goes back to {head}"
                )
                self._committed[key] = since_id = head
            if since_id is not None and head is not None and head <= since_id:
                return None
            if head is not None:
                self._heads[key] = head
        return StreamSlice(
            partition=stream_slice.partition,
            cursor_slice={"since_id": str(since_id)} if since_id is not None else {},
            extra_fields=extra,
        )

    def observe(self, record: Record) -> None:
        if RereadWindow.holds(record.associated_slice):
            return
        key = self._key(record.associated_slice)
        value = as_since_id(self.cursor_field.extract_value(record))
        if value is None:  # never emitted: the record selector skips such records (components.record_selection)
            return
        with self._lock:
            if value > self._pending.get(key, -1):
                self._pending[key] = value

    def close_partition(self, partition: Partition) -> None:
        stream_slice = partition.to_slice()
        if RereadWindow.holds(stream_slice):
            return
        key = self._key(stream_slice)
        backfill = not (stream_slice or {}).get("since_id")
        with self._lock:
            head = self._heads.pop(key, None)
            seen = self._pending.pop(key, None)
            reached = head if backfill and head is not None else seen
            if reached is None or reached <= self._committed.get(key, -1):
                return
            self._committed[key] = reached
            self._save_state()

    def _key(self, stream_slice: Optional[Mapping[str, Any]]) -> str:
        partition = stream_slice.partition if isinstance(stream_slice, StreamSlice) else (stream_slice or {})
        return str(partition[self._partition_field])

    def _head(self, stream_slice: Optional[Mapping[str, Any]]) -> Optional[int]:
        extra = stream_slice.extra_fields if isinstance(stream_slice, StreamSlice) else {}
        head = (extra or {}).get(self.head_field) if self.head_field else None
        if head in (None, ""):
            return None
        value = as_since_id(head)
        if value is None:
            logger.warning(f"{self._stream_name}: the newest mention id {head!r} of {self._partition_field} {self._key(stream_slice)} is not a whole number; it is read without that bound")
        return value


class StreamSinceIdCursor(PartitionStateCursor):
    """Highest mention id per alert for the stream endpoint, checkpointed while the stream is open.

    A stream partition (one connection per account) lasts the whole sync, and the CDK's cursors
    emit state only when a partition closes. This one also emits after every `checkpoint_every`
    records and whenever SinceIdStreamRetriever passes a keep-alive mark, so a killed sync resumes
    close to where it stopped. The CDK observes a record only after queueing it for output, so a
    state emitted here never covers a record that was not emitted before it.
    """

    def __init__(self, context: CursorContext, partition_field: str, group_field: str, cursor_field: str, checkpoint_every: int) -> None:
        super().__init__(context, cursor_field)
        self._partition_field = partition_field
        self._group_field = group_field
        self._checkpoint_every = int(checkpoint_every)
        self._since_id: Dict[str, int] = _since_id_map(self._stream_name, self._saved, partition_field)
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

    def required_fields(self) -> Tuple[str, ...]:
        """Fields a record needs to move this cursor: its alert and its id (SinceIdStreamRetriever skips others)."""
        return (self._partition_field, self.cursor_field.cursor_field_key)

    def observe(self, record: Record) -> None:
        alert = str(record.data.get(self._partition_field))
        value = as_since_id(self.cursor_field.extract_value(record))
        if value is None:  # never emitted: SinceIdStreamRetriever skips such records
            return
        with self._lock:
            if value > self._since_id.get(alert, -1):
                self._since_id[alert] = value
                self._changed = True
            self._unsaved += 1
            if self._unsaved >= self._checkpoint_every:
                self._save_state()

    def checkpoint(self) -> None:
        """Emit the state if it moved since the last one (called on keep-alive marks)."""
        with self._lock:
            if self._changed:
                self._save_state()

    def close_partition(self, partition: Partition) -> None:
        self.checkpoint()

    def _save_state(self) -> None:
        self._unsaved, self._changed = 0, False
        super()._save_state()


def _since_id_map(stream_name: str, state: Optional[Mapping[str, Any]], partition_field: str) -> Dict[str, int]:
    """The `{"since_id": {alert: id}}` state of the stream endpoint; bad_state for any other shape."""
    if not state:
        return {}
    since = state.get("since_id") if isinstance(state, Mapping) else None
    if not isinstance(since, Mapping):
        raise bad_state(stream_name, f'expected {{"since_id": {{"<{partition_field}>": "<id>"}}}}', state)
    parsed = {}
    for key, value in since.items():
        since_id = as_since_id(value)
        if since_id is None:
            raise bad_state(stream_name, f"since_id {value!r} of {partition_field} {key} is not a whole number", state)
        parsed[str(key)] = since_id
    return parsed


class KeysetPageCursor(PartitionStateCursor):
    """Per partition, the API's keyset position {lastUpdatedAt, lastId} after the last page whose records were all emitted.

    Mentionlab's list-cursor rows carry no updatedAt, so no record-based cursor (the manifest's
    datetime cursor included) can hold that position. KeysetPagination hands each page's position
    to `page_emitted` once the page's records are queued, and the state is emitted then: a resumed
    sync starts after the last checkpointed page, reading nothing up to it again and skipping
    nothing after it. A partition's slice carries its position, which the manifest sends as the
    first request's `cursor`.
    """

    def __init__(self, context: CursorContext, partition_field: str, cursor_field: str) -> None:
        super().__init__(context, cursor_field)
        self._partition_field = partition_field
        self._positions: Dict[str, Dict[str, str]] = _keyset_positions(self._stream_name, self._saved, partition_field)

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
            self._save_state()


    def close_partition(self, partition: Partition) -> None:
        """The last page's position was emitted by page_emitted already."""


def _is_date_time(value: Any) -> bool:
    return isinstance(value, str) and _DATE.match(value) is not None and ab_datetime_try_parse(value) is not None


def _keyset_positions(stream_name: str, state: Optional[Mapping[str, Any]], partition_field: str) -> Dict[str, Dict[str, str]]:
    """The `{"states": [{"partition": {..}, "cursor": {lastUpdatedAt, lastId}}]}` state of a keyset cursor.

    The date cursor an earlier version of this connector stored (one date-time per partition, or
    its global form) is read again from start_date with a WARN; any other shape is bad_state.
    """
    if not state:
        return {}
    entries = state.get("states") if isinstance(state, Mapping) else None
    if not isinstance(entries, list):
        raise bad_state(stream_name, f'expected {{"states": [{{"partition": {{"{partition_field}": ...}}, "cursor": {{"lastUpdatedAt": ..., "lastId": ...}}}}]}}', state)
    if not entries and isinstance(state.get("state"), Mapping):
        logger.warning(f"{stream_name}: the state is the date cursor of an earlier version ({json.dumps(state['state'])}); every {partition_field} is read again from start_date")
    positions: Dict[str, Dict[str, str]] = {}
    for entry in entries:
        partition = entry.get("partition") if isinstance(entry, Mapping) else None
        cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
        if not isinstance(partition, Mapping) or partition.get(partition_field) in (None, "") or not isinstance(cursor, Mapping):
            raise bad_state(stream_name, f"the entry {json.dumps(entry, default=str)} has no {partition_field} or no cursor", state)
        key = str(partition[partition_field])
        if not any(name in cursor for name in KEYSET_FIELDS) and cursor and all(_is_date_time(value) for value in cursor.values()):
            logger.warning(f"{stream_name}: the state of {partition_field} {key} is not a list-cursor position but the date cursor of an earlier version ({json.dumps(cursor)}); it is read again from start_date")
            continue
        last_updated, last_id = cursor.get("lastUpdatedAt"), cursor.get("lastId")
        if not _is_date_time(last_updated) or not isinstance(last_id, (str, int)) or isinstance(last_id, bool) or last_id == "":
            raise bad_state(stream_name, f"the cursor {json.dumps(cursor, default=str)} of {partition_field} {key} is not a list-cursor position (lastUpdatedAt a date-time, lastId an id)", state)
        positions[key] = {"lastUpdatedAt": str(last_updated), "lastId": str(last_id)}
    return positions


class ParentStateCursor(PartitionStateCursor):
    """The state of a substream whose only cursor is its parent's: `{"parent_state": {<parent>: <its state>}}`.

    The manifest keeps an `incremental_dependency` parent's state only inside a datetime cursor of
    the child; mention_children has no date to filter on (it reads every child of each mention the
    parent reads), so its state is the parent's alone: the `mentions` since_id per alert; its cursor
    field (the parent's id in each record) only names what the state orders. A snapshot
    of the parent's state is taken as each child partition is generated and saved once that
    partition and every one before it are read, so a stopped sync reads the children of the
    mentions after its last state again, and none are skipped.
    """

    def __init__(self, context: CursorContext, cursor_field: str) -> None:
        super().__init__(context, cursor_field)
        stream_state = self._saved
        if stream_state and not isinstance(stream_state.get("parent_state") if isinstance(stream_state, Mapping) else None, Mapping):
            raise bad_state(self._stream_name, 'expected {"parent_state": {"<parent stream>": <its state>}}', stream_state)
        self._committed: Dict[str, Any] = {"parent_state": dict(stream_state["parent_state"])} if stream_state else {}
        self._generated = 0
        self._open: Dict[str, List[int]] = {}  # partition key -> sequence numbers generated and not closed yet
        self._snapshots: List[Tuple[int, Dict[str, Any]]] = []  # (partitions that must be read first, parent state)

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._committed)

    def stream_slices(self) -> Iterable[StreamSlice]:
        for stream_slice in self._partition_router.stream_slices():
            with self._lock:
                self._generated += 1
                self._open.setdefault(_partition_key(stream_slice), []).append(self._generated)
                self._snapshot(self._generated)
            yield stream_slice
        with self._lock:
            self._snapshot(self._generated)
            self._commit()


    def close_partition(self, partition: Partition) -> None:
        with self._lock:
            pending = self._open.get(_partition_key(partition.to_slice()))
            if pending:
                pending.pop(0)
            self._commit()

    def _snapshot(self, read_first: int) -> None:
        parent_state = self._partition_router.get_stream_state() or {}
        if not self._snapshots or self._snapshots[-1][1] != parent_state:
            self._snapshots.append((read_first, copy.deepcopy(dict(parent_state))))

    def _commit(self) -> None:
        """Save the newest snapshot whose partitions, and all before them, were read."""
        still_open = min((seq for seqs in self._open.values() for seq in seqs), default=self._generated + 1)
        ready = [snapshot for snapshot in self._snapshots if snapshot[0] < still_open]
        if not ready:
            return
        self._snapshots = self._snapshots[len(ready) - 1 :]
        newest = {"parent_state": ready[-1][1]}
        if ready[-1][1] and newest != self._committed:
            self._committed = newest
            self._save_state()


def _partition_key(stream_slice: Optional[Mapping[str, Any]]) -> str:
    partition = stream_slice.partition if isinstance(stream_slice, StreamSlice) else (stream_slice or {})
    return json.dumps(partition, sort_keys=True, default=str)
