"""Integration tests run the connector against the local sandbox on 127.0.0.1."""

import os
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from mentions_dev.sandbox import (
    MENTIONLAB_API_KEY,
    MENTIONLYTICS_BEARER,
    MENTIONLYTICS_REFRESH,
    SANDBOX_TOKEN,
    SOCIOVITE_TOKEN,
    MentionDataSet,
    Sandbox,
    SandboxHTTPServer,
)

from .virtual_clock import VirtualClock


class RunningSandbox:
    def __init__(self, server: SandboxHTTPServer):
        self.server = server
        self.url = server.base_url

    def config(self, **provider: Any) -> Dict[str, Any]:
        # start_date before the whole data set, so "the data set" and "what a full sync reads" are the same thing
        start = (datetime.now(timezone.utc) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
        provider = {"stream_url": f"{self.url}/stream/api", "stream_duration_seconds": 20, **provider}
        return {"provider": {"provider_type": "mention", "access_token": SANDBOX_TOKEN, "api_url": f"{self.url}/api", **provider}, "start_date": start}

    def sociovite_config(self, **provider: Any) -> Dict[str, Any]:
        return {"provider": {"provider_type": "sociovite", "access_token": SOCIOVITE_TOKEN, "api_url": f"{self.url}/sociovite/api", **provider}, "start_date": days_ago(90)}

    def mentionlab_config(self, start_days_ago: int = 40, **provider: Any) -> Dict[str, Any]:
        return {"provider": {"provider_type": "mentionlab", "api_key": MENTIONLAB_API_KEY, "api_url": f"{self.url}/mentionlab", **provider}, "start_date": days_ago(start_days_ago)}

    def mentionlytics_config(self, **provider: Any) -> Dict[str, Any]:
        provider = {"bearer_token": MENTIONLYTICS_BEARER, "refresh_token": MENTIONLYTICS_REFRESH, "api_url": f"{self.url}/mentionlytics/v2", **provider}
        return {"provider": {"provider_type": "mentionlytics", **provider}, "start_date": days_ago(60)}

    def get(self, name: str) -> Any:
        answer = requests.get(f"{self.url}/_sandbox/{name}", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def control(self, name: str, **body: Any) -> Any:
        answer = requests.post(f"{self.url}/_sandbox/{name}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def all_mention_ids(self) -> set:
        return {mention_id for ids in self.control("mentions").values() for mention_id in ids}

    def published_within(self, days: float) -> List[Dict[str, Any]]:
        """Copies of the mentions published in the last `days` days (what a re-read window of that length reads), oldest id first."""
        data = self.server.sandbox.data
        since = datetime.now(timezone.utc) - timedelta(days=days)
        with data.lock:
            found = [dict(m) for items in data.mentions.values() for m in items if datetime.fromisoformat(m["published_at"]) >= since]
        return sorted(found, key=lambda m: int(m["id"]))

    def reread_window_ids(self, since: int = 0) -> Set[str]:
        """Ids of the mentions that the re-read windows of the requests logged from `since` on cover (from the earliest not_before_date)."""
        mention_lists = [urlsplit(request) for request in self.get("requests")["requests"][since:] if urlsplit(request).path.endswith("/mentions")]
        queries = [parse_qs(url.query) for url in mention_lists]
        # with a state, a mention list asked with a not_before_date is a window's (a back-fill's would be too, without state)
        starts = [datetime.fromisoformat(query["not_before_date"][0]) for query in queries if "not_before_date" in query]
        assert starts, "no re-read window was read"
        start = min(starts)
        data = self.server.sandbox.data
        with data.lock:
            return {m["id"] for items in data.mentions.values() for m in items if datetime.fromisoformat(m["published_at"]) >= start}

    def mention_counts(self, interval: str = "P1D", zone: str = "UTC") -> Dict[Tuple[str, str], int]:
        """Mentions per (alert, first local date of the interval of their publication), counted here from the data set."""
        data = self.server.sandbox.data
        with data.lock:
            published = [(alert, mention["published_at"]) for alert, mentions in data.mentions.items() for mention in mentions]
        return Counter((alert, interval_start(datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)).date(), interval).isoformat()) for alert, moment in published)


def interval_start(day: date, interval: str) -> date:
    return {"P1D": day, "P1W": day - timedelta(days=day.weekday()), "P1M": day.replace(day=1)}[interval]


def days_ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def virtual_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Optional[VirtualClock]:
    """The connector's retry, rate-limit and budget waits in this process take no wall time (see virtual_clock.py).

    `@pytest.mark.real_clock` keeps real time, where the connector measures a time on a clock this one
    cannot move (a token's expiry, on `datetime`) against the sandbox's.
    """
    if request.node.get_closest_marker("real_clock"):
        return None
    return VirtualClock().install(monkeypatch)


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    servers = []

    def start(alerts: int = 3, mentions_per_alert: int = 120, max_page_size: int = 1000, **faults: Any) -> RunningSandbox:
        data = MentionDataSet(seed=42, alerts=alerts, mentions_per_alert=mentions_per_alert)
        sandbox = Sandbox(data, max_page_size=max_page_size)
        sandbox.set_faults(**faults)
        sandbox.mention_stream.settings.mark_interval_s = 0.3  # live_mentions ends after two quiet marks, not 60 s
        server = SandboxHTTPServer(sandbox).start_in_thread()
        servers.append(server)
        return RunningSandbox(server)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(start_sandbox) -> RunningSandbox:
    return start_sandbox()


# ---------------------------------------------------------------- the fault matrix's report

FAULT_ROW = "fault_matrix_row"


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Adds a row to the fault matrix's report. Rows travel with the test's report, so pytest-xdist workers share no file."""
    return lambda row: request.node.user_properties.append((FAULT_ROW, row))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault matrix's rows, in a stable order, printed after the run; written to $FAULT_REPORT when set (`make faults`)."""
    reports = [report for reports in terminalreporter.stats.values() for report in reports if getattr(report, "when", None) == "call"]
    rows = sorted({value for report in reports for name, value in getattr(report, "user_properties", ()) if name == FAULT_ROW})
    if not rows:
        return
    terminalreporter.write_sep("-", "fault matrix")
    terminalreporter.write_line("\n".join(rows))
    if os.environ.get("FAULT_REPORT"):
        Path(os.environ["FAULT_REPORT"]).write_text("\n".join(rows) + "\n")

