"""live_mentions reads the stream in bounded chunks: a line past the cap drops the connection, which reopens from the state (issue 13, item 5)."""

import io
import json
from typing import Any, Dict

import requests_mock

from .builders import ACCOUNT, config, mock_account, run_read, trace_errors

STREAM_URL = f"https://stream.mention.test/api/accounts/{ACCOUNT}/mentions"
CAP = 1_048_576  # the manifest's max_line_bytes
CHUNK = 65_536  # what the retriever reads at a time


class TrackedBody(io.BytesIO):
    """A response body that remembers how far the client read it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_up_to = 0

    def read1(self, size: int = -1) -> bytes:
        data = super().read1(size)
        self.read_up_to = self.tell()
        return data

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.read_up_to = self.tell()
        return data


def mention_line(mention_id: str) -> bytes:
    return json.dumps({"type": "mention", "mention": {"id": mention_id, "alert_id": 1, "published_at": "2026-11-01T10:00:00.0+00:00", "title": "t"}}).encode() + b"\n"


def since_ids(request: Any) -> Dict[str, str]:
    return {name: values[0] for name, values in request.qs.items() if name.startswith("since_id")}


def test_a_line_past_the_cap_drops_the_connection_with_a_warning_and_the_next_one_resumes_from_the_state():
    endless = TrackedBody(mention_line("5") + b'{"type": "mention", "mention": {"title": "' + b"x" * (3 * CAP))
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(STREAM_URL, [{"body": endless}, {"body": io.BytesIO(mention_line("6"))}, {"body": io.BytesIO(b"\n")}])
        output = run_read(config(stream_url="https://stream.mention.test/api", stream_duration_seconds=300), "live_mentions", expect_failure=True)
    connections = [request for request in http.request_history if request.url.startswith(STREAM_URL)]

    assert [m.record.data["id"] for m in output.records] == ["5", "6"]
    assert endless.read_up_to <= len(mention_line("5")) + CAP + 2 * CHUNK  # the rest of the line was never read
    assert [since_ids(request) for request in connections[:3]] == [{"since_id[1]": "0"}, {"since_id[1]": "5"}, {"since_id[1]": "6"}]
    warnings = [m.log.message for m in output.logs if m.log.level.name == "WARN"]
    assert any(f"a line passed {CAP} bytes without ending; it began b'{{\"type\": \"mention\"" in line and "reconnecting" in line for line in warnings)
    # the connections after it deliver nothing: after six in a row the sync fails (the state keeps mention 6)
    assert "failed 6 times in a row" in trace_errors(output)[0].message
