"""Which records a page emits: the record selector that counts them, the fields a record needs, and the up-to-head filter."""

from __future__ import annotations

import json
import logging
import threading
from collections import abc
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import requests
from airbyte_cdk.sources.declarative.extractors import RecordFilter, RecordSelector
from airbyte_cdk.sources.types import Record, StreamSlice, StreamState

from .cursors import as_since_id
from .normalization import KeptAsSent, SchemaTypes
from .progress import SyncProgress

logger = logging.getLogger("airbyte")

PrimaryKey = Union[str, Sequence[str], Sequence[Sequence[str]], None]


@dataclass(frozen=True)
class RequiredFields:
    """The fields a stream's records must carry to be emitted, checked for every stream alike.

    A record without its primary key would be deduplicated on null in the destination; a since_id
    cursor cannot order an id that is not a whole number. The manifest has no per-stream rule
    for either short of a Jinja condition on each stream's filter.
    """

    stream: str
    key_paths: Tuple[Tuple[str, ...], ...]
    whole_numbers: Tuple[str, ...] = ()

    @classmethod
    def of(cls, stream: str, primary_key: PrimaryKey, whole_numbers: Sequence[str] = ()) -> Optional["RequiredFields"]:
        """From a stream's primary key as the CDK gives it ("id", ["a", "b"] or [["a"], ["b", "c"]])."""
        keys = [primary_key] if isinstance(primary_key, str) else list(primary_key or [])
        paths = tuple((key,) if isinstance(key, str) else tuple(key) for key in keys)
        if not paths and not whole_numbers:
            return None
        return cls(stream=stream, key_paths=paths, whole_numbers=tuple(whole_numbers))

    def problem(self, data: Mapping[str, Any]) -> Optional[Tuple[str, str]]:
        """(kind, detail) of what makes the record unusable, or None."""
        for path in self.key_paths:
            value: Any = data
            for part in path:  # abc.Mapping: isinstance with typing's Mapping costs over a microsecond per record
                value = value.get(part) if type(value) is dict or isinstance(value, abc.Mapping) else None
            if value is None or value == "":
                name = ".".join(path)
                return f"no `{name}` (primary key)", f"no `{name}`"
        for name in self.whole_numbers:
            if as_since_id(data.get(name)) is None:
                return f"`{name}` not a whole number (since_id cursor)", f"`{name}` {data.get(name)!r} (not a whole number)"
        return None


class SkippedRecords:
    """Records skipped per stream and reason: a WARN naming each of the first few, and totals at the end of the sync."""

    SHOWN_PER_STREAM = 10

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Dict[str, Dict[str, int]] = {}

    def skip(self, fields: RequiredFields, data: Mapping[str, Any]) -> bool:
        """True (and counted, with a WARN) if the record lacks a required field."""
        found = fields.problem(data)
        if found is None:
            return False
        kind, detail = found
        with self._lock:
            kinds = self._counts.setdefault(fields.stream, {})
            kinds[kind] = kinds.get(kind, 0) + 1
            skipped = sum(kinds.values())
        if skipped <= self.SHOWN_PER_STREAM:
            shown = json.dumps(data, default=str)
            shown = shown if len(shown) <= 200 else shown[:200] + "..."
            logger.warning(f"{fields.stream}: skipped a record with {detail}: {shown} ({skipped} skipped in this stream so far)")
        if skipped == self.SHOWN_PER_STREAM:
            logger.warning(f"{fields.stream}: further skipped records are only counted; the totals come at the end of the sync")
        return True

    def summary(self) -> List[str]:
        """One line per stream that skipped records, with the count of each reason."""
        with self._lock:
            counts = {stream: dict(kinds) for stream, kinds in self._counts.items()}
        return [
            f"{stream}: {sum(kinds.values()):,} record(s) skipped in this sync ("
            + "; ".join(f"{kind}: {count:,}" for kind, count in sorted(kinds.items()))
            + ")"
            for stream, kinds in sorted(counts.items())
        ]


class ProgressRecordSelector(RecordSelector):
    """A RecordSelector that reports each page and its record count to the sync's progress (no manifest hook exists for this).

    With `required_fields` (set by the factory from the stream's primary key and since_id cursor),
    it also skips the records that lack them, counted with a WARN in `skipped_records`; with
    `kept_as_sent`, it converts each record's values to the types its stream's schema declares
    (components.normalization). The factory sets them from the source that builds it.
    """

    progress: Optional[SyncProgress] = None
    required_fields: Optional[RequiredFields] = None
    skipped_records: Optional[SkippedRecords] = None
    kept_as_sent: Optional[KeptAsSent] = None  # with it, records are converted to their schema's types (SchemaTypes)
    _schema_types: Optional[Tuple[int, SchemaTypes]] = None  # (id of the schema, its compiled types)

    def select_records(
        self,
        response: requests.Response,
        stream_state: StreamState,
        records_schema: Mapping[str, Any],
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Record]:
        count = 0
        required, skipped, kept = self.required_fields, self.skipped_records, self.kept_as_sent
        types = self.schema_types(records_schema) if kept is not None else None
        for record in super().select_records(response, stream_state, records_schema, stream_slice, next_page_token):
            if required is not None and skipped is not None and skipped.skip(required, record.data):
                continue
            if types is not None and kept is not None:
                types.normalize(record.data, self.name, kept)
            count += 1
            yield record
        if self.progress is not None:
            self.progress.add(self.name, stream_slice, count)

    def schema_types(self, records_schema: Mapping[str, Any]) -> SchemaTypes:
        """The stream schema compiled once (the CDK hands the same schema object to every page)."""
        cached = self._schema_types
        if cached is None or cached[0] != id(records_schema):
            cached = self._schema_types = (id(records_schema), SchemaTypes(records_schema))
        return cached[1]


@dataclass
class UpToHeadRecordFilter(RecordFilter):
    """In a back-fill (a slice without since_id), keeps the mentions whose id is at most the alert's head.

    Mentions found after the head was read come with the next since_id sync. The same rule as a
    Jinja `condition` is evaluated per record and cost about a fifth of a sync's throughput
    (measured with benchmarks/harness.py: 3,100 vs 3,700 records/s). A record whose id is not a
    whole number passes: the record selector skips it with a WARN (RequiredFields).
    """

    head_field: str = "head_id"

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: StreamState,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        head = (stream_slice.extra_fields or {}).get(self.head_field) if isinstance(stream_slice, StreamSlice) else None
        if not head or (stream_slice or {}).get("since_id"):
            yield from records
            return
        limit = as_since_id(head)
        if limit is None:  # SinceIdCursor warned about the head already
            yield from records
            return
        for record in records:
            since_id = as_since_id(record.get("id"))
            if since_id is None or since_id <= limit:
                yield record
