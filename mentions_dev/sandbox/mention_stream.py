"""Mention's stream endpoint (api-docs 003, API-NOTES.md "Mention (stream)") as a line generator.

`GET /stream/api/accounts/{account_id}/mentions?alerts[]=A&since_id[A]=42` answers NDJSON that
never ends: per alert with a since_id, the history after it in ascending id order, at most
`history_cap` mentions (then the documented warning; the rest is withheld); then mentions
found while the connection is open, and a `{"type":"mark"}` keep-alive every mark interval.
Alerts without since_id get only what is found after the connection opened.
"""

from __future__ import annotations

import json
import threading
from time import monotonic, sleep  # keep-alive marks on the real clock, whatever a test does to time.sleep
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from .data import MentionDataSet

CAP_WARNING = {"type": "warning", "message": "Historical mentions capped to 1000."}
MALFORMED_LINE = b'{"type": "mention", "mention": {"id": "12'  # what a line cut by a proxy looks like


@dataclass
class StreamSettings:
    """Switches of the stream endpoint; tests shorten the mark interval."""

    mark_interval_s: float = 30.0
    history_cap: int = 1000
    live_per_mark: int = 0  # per alert and mark interval, the sandbox finds this many new mentions...
    live_marks: int = 0  # ...during the first N mark intervals of each connection
    drop_after_lines: int = 0  # cut every connection in the middle of its line N+1
    malformed_every: int = 0  # after every N lines, one line that is not JSON
    endless_line: bool = False  # after `endless_line_after` lines, a line that never ends (no newline, ever)
    endless_line_after: int = 0
    endless_line_bytes_per_s: int = 6_400_000


class MentionStream:
    """The stream of one account; records which mentions went out whole and which a cap withheld."""

    def __init__(self, data: MentionDataSet, token: str):
        self.data = data
        self.token = token
        self.settings = StreamSettings()
        self.lock = threading.Lock()
        self.connections = 0
        self.first_connection_at: Optional[float] = None  # time.monotonic() (this process) when the first connection opened
        self.sent: Set[str] = set()  # ids written completely on some connection
        self.sent_twice: List[str] = []
        self.withheld: Set[str] = set()  # ids a cap kept back on some connection
        self.endless_bytes = 0  # bytes of never-ending lines written
        self.stopped = threading.Event()

    def open(
        self, path: str, query: Mapping[str, List[str]], headers: Mapping[str, str]
    ) -> Tuple[int, Dict[str, str], Any]:
        """Validate the request: (200, {}, line iterator) or an error answer like the REST API's."""
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token != self.token:
            return 401, {}, {"error": "invalid_grant", "error_description": "The access token provided is invalid."}
        parts = [part for part in path.split("/") if part]  # stream, api, accounts, <id>, mentions
        if len(parts) != 5 or parts[2] != "accounts" or parts[4] != "mentions" or parts[3] != self.data.account_id:
            return 404, {}, {"error": "not_found", "error_description": "This resource does not exist."}
        alerts = query.get("alerts[]") or []
        if not alerts:
            return 400, {}, {"form": {"errors": [], "children": {"alerts": {"errors": ["This value should not be blank."]}}}}
        unknown = [alert for alert in alerts if alert not in self.data.mentions]
        if unknown:
            return 404, {}, {"error": "not_found", "error_description": f"Alert {unknown[0]} does not exist."}
        since = {alert: int(query[f"since_id[{alert}]"][0]) for alert in alerts if query.get(f"since_id[{alert}]")}
        with self.lock:
            self.connections += 1
            if self.first_connection_at is None:
                self.first_connection_at = monotonic()
        return 200, {}, self._lines(alerts, since)

    def delivered(self, mention_id: str) -> None:
        with self.lock:
            if mention_id in self.sent:
                self.sent_twice.append(mention_id)
            self.sent.add(mention_id)

    def _lines(self, alerts: List[str], since: Dict[str, int]) -> Iterator[Tuple[Optional[str], bytes]]:
        """(mention id or None, line) pairs, forever."""
        settings = self.settings
        seen: Dict[str, int] = {}  # per alert, how many of its mentions (ids ascending) are behind us
        history: List[Dict[str, Any]] = []
        capped = False
        with self.data.lock:
            for alert in alerts:
                mentions = self.data.mentions[alert]
                seen[alert] = len(mentions)
                if alert not in since:
                    continue
                newer = [m for m in mentions if int(m["id"]) > since[alert]]
                history.extend(newer[: settings.history_cap])
                if len(newer) > settings.history_cap:
                    capped = True
                    with self.lock:
                        self.withheld.update(m["id"] for m in newer[settings.history_cap :])
        for mention in sorted(history, key=lambda m: int(m["id"])):
            yield self._mention_line(mention)
        if capped:
            yield None, json.dumps(CAP_WARNING).encode()
        marks = 0
        next_mark = monotonic() + settings.mark_interval_s
        while not self.stopped.is_set():
            sleep(min(0.05, settings.mark_interval_s / 4))
            if monotonic() < next_mark:
                yield from self._found_since(alerts, seen)
                continue
            marks += 1
            next_mark += settings.mark_interval_s
            if marks <= settings.live_marks and settings.live_per_mark:
                for alert in alerts:
                    self.data.discover(alert, settings.live_per_mark, oldest_days=1)
            yield from self._found_since(alerts, seen)
            yield None, b'{"type":"mark"}'

    def _found_since(self, alerts: List[str], seen: Dict[str, int]) -> Iterator[Tuple[Optional[str], bytes]]:
        found: List[Dict[str, Any]] = []
        with self.data.lock:
            for alert in alerts:
                found.extend(self.data.mentions[alert][seen[alert] :])
                seen[alert] = len(self.data.mentions[alert])
        for mention in sorted(found, key=lambda m: int(m["id"])):
            yield self._mention_line(mention)

    @staticmethod
    def _mention_line(mention: Dict[str, Any]) -> Tuple[Optional[str], bytes]:
        return mention["id"], json.dumps({"type": "mention", "mention": mention}).encode()
