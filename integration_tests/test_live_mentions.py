"""`live_mentions`: Mention's endless NDJSON stream read as a bounded, resumable sync, against the sandbox."""

import threading
import time
from time import sleep as REAL_SLEEP  # the virtual clock replaces time.sleep in each test
from typing import Any, Dict, List, Set, Tuple

import pytest

from unit_tests.builders import ids, last_state, run_read, trace_errors

QUICK_MARKS = {"mark_interval_s": 0.3}


@pytest.fixture
def stream_sandbox(start_sandbox):
    """Two alerts of 1100 mentions each: more history than the stream's cap of 1000 per alert."""
    return start_sandbox(alerts=2, mentions_per_alert=1100)


def stream_settings(sandbox, **settings: Any) -> Dict[str, Any]:
    return sandbox.control("stream", **{**QUICK_MARKS, **settings})


def timed_read(config, state=None) -> Tuple[Any, float]:
    started = time.monotonic()
    output = run_read(config, "live_mentions", state=state)
    return output, time.monotonic() - started


def logs(output) -> List[str]:
    return [message.log.message for message in output.logs]


def expected_union(sandbox) -> Set[str]:
    """Every mention the sandbox has, minus those a cap withheld and no later connection sent."""
    report = sandbox.get("stream")
    return sandbox.all_mention_ids() - (set(report["withheld"]) - set(report["sent"]))


def test_first_sync_delivers_the_capped_backlog_and_live_mentions_then_ends_by_itself(stream_sandbox):
    stream_settings(stream_sandbox, live_per_mark=4, live_marks=2)
    output, elapsed = timed_read(stream_sandbox.config(stream_duration_seconds=20))

    received = ids(output)
    report = stream_sandbox.get("stream")
    assert len(report["withheld"]) == 2 * 100  # 1100 per alert, 1000 sent
    assert len(received) == len(set(received)) == 2 * 1000 + 2 * 2 * 4
    assert set(received) == set(report["sent"])
    assert elapsed < 20
    assert any("ended by a keep-alive interval without new mentions" in line for line in logs(output))
    assert any(m.log.level.name == "WARN" and "capped to 1000" in m.log.message and "`mentions` stream" in m.log.message for m in output.logs)


def test_second_sync_returns_only_newer_mentions_and_the_union_is_exact(stream_sandbox):
    stream_settings(stream_sandbox, live_per_mark=3, live_marks=2)
    config = stream_sandbox.config()
    first, _ = timed_read(config)
    state = last_state(first)
    stream_sandbox.control("discover", count=25, oldest_days=200)  # found between syncs, some published long ago
    stream_settings(stream_sandbox)  # nothing more is found during the second sync
    second, _ = timed_read(config, state)

    assert set(state["since_id"]) == {"2000000", "2000001"}
    assert len(ids(second)) == 2 * 25
    assert all(int(m.record.data["id"]) > int(state["since_id"][str(m.record.data["alert_id"])]) for m in second.records)
    assert not set(ids(first)) & set(ids(second))
    assert set(ids(first)) | set(ids(second)) == expected_union(stream_sandbox)


def test_a_connection_dropped_every_250_lines_loses_and_repeats_nothing(stream_sandbox):
    stream_settings(stream_sandbox, live_per_mark=3, live_marks=2, drop_after_lines=250)
    config = stream_sandbox.config()
    first, _ = timed_read(config)
    stream_sandbox.control("discover", count=300)
    second, _ = timed_read(config, last_state(first))

    received = ids(first) + ids(second)
    assert stream_sandbox.get("stream")["connections"] >= 10
    assert len(received) == len(set(received))
    assert set(received) == expected_union(stream_sandbox)
    assert any("reconnecting in 0 s from the saved since_id" in line for line in logs(first))


def test_a_malformed_line_is_logged_and_skipped_and_the_sync_completes(stream_sandbox):
    stream_settings(stream_sandbox, malformed_every=500)
    output, _ = timed_read(stream_sandbox.config())

    assert not trace_errors(output)
    assert len(ids(output)) == 2000
    assert sum("not valid JSON" in line for line in logs(output)) == 4


def test_a_stream_that_never_goes_quiet_ends_at_stream_duration_seconds(stream_sandbox, virtual_clock):
    """The deadline is on the test's clock: it passes once live mentions flow, so only the deadline can end this sync."""
    stream_settings(stream_sandbox, live_per_mark=1, live_marks=10_000)  # a mention every mark, for 50 minutes
    stream = stream_sandbox.server.sandbox.mention_stream
    history = 2 * 1000

    def pass_the_deadline_once_live_mentions_flow() -> None:
        while len(stream.sent) <= history + 2 and not stream.stopped.is_set():
            REAL_SLEEP(0.02)
        virtual_clock.advance(600)

    threading.Thread(target=pass_the_deadline_once_live_mentions_flow, daemon=True).start()
    output, _ = timed_read(stream_sandbox.config(stream_duration_seconds=600))

    assert any("ended by the time limit" in line for line in logs(output))
    assert len(ids(output)) > history  # live mentions came before the deadline...
    assert last_state(output)["since_id"]  # ...and everything emitted before it is saved


def test_state_is_checkpointed_while_streaming_and_never_ahead_of_emitted_records(stream_sandbox):
    stream_settings(stream_sandbox, live_per_mark=2, live_marks=3)
    output, _ = timed_read(stream_sandbox.config())

    emitted: Dict[str, int] = {}
    checkpoints = 0
    for message in output.records_and_state_messages:
        if message.record:
            alert = str(message.record.data["alert_id"])
            emitted[alert] = max(emitted.get(alert, 0), int(message.record.data["id"]))
        else:
            saved = {alert: int(value) for alert, value in message.state.stream.stream_state.__dict__["since_id"].items()}
            assert all(value <= emitted.get(alert, 0) for alert, value in saved.items())
            checkpoints += 1
    assert checkpoints >= 2000 // 1000 + 3  # every 1000 records, and on each mark that followed news


def test_a_rejected_token_fails_with_a_config_error_naming_the_fix(stream_sandbox):
    output = run_read(stream_sandbox.config(access_token="revoked-token"), "live_mentions", expect_failure=True)

    errors = trace_errors(output)
    assert errors and errors[0].failure_type.value == "config_error"
    assert "Access Token" in errors[0].message and "revoked-token" not in str([m.log.message for m in output.logs])
