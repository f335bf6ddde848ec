"""Progress lines during long syncs, and API-budget waits explained at INFO."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, Iterable, Mapping, Optional

import requests

from airbyte_cdk.sources.declarative.extractors import RecordSelector
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget
from airbyte_cdk.sources.types import Record, StreamSlice, StreamState

from .records import RequiredFields, SkippedRecords

logger = logging.getLogger("airbyte")


class SyncProgress:
    """Records and pages read so far per stream, logged every `interval_s` seconds during a sync.

    The CDK logs a stream's total only when it ends; a sync of millions of mentions would be
    silent for an hour. Fed by ProgressRecordSelector (every page of every stream) and by
    SinceIdStreamRetriever; the thread that crosses the interval writes the lines.
    """

    def __init__(self, interval_s: float = 10.0) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._streams: Dict[str, Dict[str, Any]] = {}
        self._last_log = time.monotonic()

    def reset(self) -> None:
        """Start counting from zero (a new sync)."""
        with self._lock:
            self._streams.clear()
            self._last_log = time.monotonic()

    def add(self, stream: str, partition: Optional[Mapping[str, Any]], records: int, pages: int = 1) -> None:
        with self._lock:
            entry = self._streams.setdefault(stream, {"records": 0, "pages": 0, "partition": None})
            entry["records"] += records
            entry["pages"] += pages
            entry["partition"] = partition
            now = time.monotonic()
            if now - self._last_log < self.interval_s:
                return
            self._last_log = now
            # logged under the lock: partitions read at once would otherwise log their counts out of order
            for name, entry in sorted(self._streams.items()):
                logger.info(f"progress: {name}: {entry['records']:,} records, {entry['pages']:,} pages so far; last partition {_describe(entry['partition'])}")


def _describe(partition: Optional[Mapping[str, Any]]) -> str:
    values = dict(getattr(partition, "partition", None) or partition or {})
    values.pop("parent_slice", None)
    window = getattr(partition, "cursor_slice", None) or {}
    return ", ".join(f"{key}={value}" for key, value in {**values, **window}.items()) or "(whole stream)"


PROGRESS = SyncProgress()


class ProgressRecordSelector(RecordSelector):
    """A RecordSelector that reports each page and its record count to PROGRESS (no manifest hook exists for this).

    With `required_fields` (set by the factory from the stream's primary key and since_id cursor),
    it also skips the records that lack them, counted with a WARN in `skipped_records`.
    """

    required_fields: Optional[RequiredFields] = None
    skipped_records: Optional[SkippedRecords] = None

    def select_records(
        self,
        response: requests.Response,
        stream_state: StreamState,
        records_schema: Mapping[str, Any],
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Record]:
        count = 0
        required, skipped = self.required_fields, self.skipped_records
        for record in super().select_records(response, stream_state, records_schema, stream_slice, next_page_token):
            if required is not None and skipped is not None and skipped.skip(required, record.data):
                continue
            count += 1
            yield record
        PROGRESS.add(self.name, stream_slice, count)


class ExplainedAPIBudget(HttpAPIBudget):
    """The CDK's API budget, plus an INFO line whenever it holds a request back (the CDK logs that at DEBUG only)."""

    def acquire_call(self, request: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        started = time.monotonic()
        super().acquire_call(request, block=block, timeout=timeout)
        waited = time.monotonic() - started
        if waited >= 0.5:
            path = getattr(request, "path_url", None) or getattr(request, "url", "")
            logger.info(f"rate limit: waited {waited:.1f} s before {path} to stay within the provider's published request rate (API budget)")
