"""Progress lines during long syncs."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, Mapping, Optional

logger = logging.getLogger("airbyte")


class SyncProgress:
    """Records and pages read so far per stream, logged every `interval_s` seconds during a sync.

    The CDK logs a stream's total only when it ends; a sync of millions of mentions would be
    silent for an hour. One per source (its factory hands it to every ProgressRecordSelector and
    SinceIdStreamRetriever it builds); the thread that crosses the interval writes the lines.
    """

    interval_s = 10.0  # seconds between two rounds of lines

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: Dict[str, Dict[str, Any]] = {}
        self._last_log = time.monotonic()

    def reset(self) -> None:
        """Start counting from zero (a new sync)."""
        with self._lock:
            self._streams.clear()
            self._last_log = time.monotonic()

    def records(self) -> Dict[str, int]:
        """Records counted so far, per stream."""
        with self._lock:
            return {name: entry["records"] for name, entry in self._streams.items()}

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
