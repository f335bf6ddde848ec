"""Full and incremental syncs against the sandbox: nothing lost, nothing twice, also under faults."""

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from unit_tests.builders import ids, last_state, run_read

from .conftest import interval_start


def test_full_sync_reads_every_mention_exactly_once(sandbox):
    output = run_read(sandbox.config(), "mentions")
    read = ids(output)
    assert len(read) == len(set(read))
    assert set(read) == sandbox.all_mention_ids()


def test_page_size_splitting_runs_of_equal_timestamps_loses_nothing(start_sandbox):
    sandbox = start_sandbox(max_page_size=5)  # runs of 7 mentions share one published_at
    read = ids(run_read(sandbox.config(), "mentions"))
    assert len(read) == len(set(read))
    assert set(read) == sandbox.all_mention_ids()


def test_incremental_sync_returns_late_finds_with_old_publication_dates(sandbox):
    config = sandbox.config(mentions_lookback_days=0)  # since_id alone; the re-read window: test_mention_edits.py
    first = run_read(config, "mentions")
    found = sandbox.control("discover", count=6, oldest_days=80)  # published up to 80 days ago, found now
    second = run_read(config, "mentions", state=last_state(first))
    new_ids = {i for alert_ids in found.values() for i in alert_ids}
    assert set(ids(second)) == new_ids and len(ids(second)) == len(new_ids)
    assert set(ids(first)) | set(ids(second)) == sandbox.all_mention_ids()
    assert not set(ids(first)) & set(ids(second))


def test_incremental_sync_with_nothing_new_returns_nothing_and_keeps_state(sandbox):
    config = sandbox.config(mentions_lookback_days=0)  # since_id alone; the re-read window: test_mention_edits.py
    first = run_read(config, "mentions")
    second = run_read(config, "mentions", state=last_state(first))
    assert ids(second) == []
    assert last_state(second) == last_state(first)


def test_alert_deleted_mid_sync_is_skipped(sandbox):
    sandbox.control("delete_alert", alert_id="2000001")
    output = run_read(sandbox.config(), "alerts")
    assert "2000001" not in ids(output)


def test_full_sync_survives_5xx_and_rate_limits(start_sandbox):
    sandbox = start_sandbox(max_page_size=40, error_rate=0.2, rate_limit_every=10)
    started = time.monotonic()
    read = ids(run_read(sandbox.config(), "mentions"))
    assert len(read) == len(set(read))
    assert set(read) == sandbox.all_mention_ids()
    assert time.monotonic() - started < 240


def test_full_sync_survives_dropped_connections_and_cut_bodies(start_sandbox):
    sandbox = start_sandbox(max_page_size=40, drop_rate=0.1, truncate_rate=0.1, broken_json_rate=0.1)
    read = ids(run_read(sandbox.config(), "mentions"))
    assert len(read) == len(set(read))
    assert set(read) == sandbox.all_mention_ids()


def test_abnormal_state_far_in_the_future_reads_no_mentions(sandbox):
    future = {"states": [{"partition": {"alert_id": alert}, "cursor": {"id": "999999999"}} for alert in ("2000000", "2000001", "2000002")]}
    assert ids(run_read(sandbox.config(mentions_lookback_days=0), "mentions", state=future)) == []


@pytest.mark.parametrize("interval, zone", [("P1D", "UTC"), ("P1W", "America/New_York"), ("P1M", "Asia/Tokyo")])
def test_statistics_count_exactly_the_sandbox_mentions_per_alert_and_interval(sandbox, interval, zone):
    output = run_read(sandbox.config(stats_interval=interval, stats_timezone=zone), "statistics")
    rows = {(r["alert_id"], r["date"]): r for r in records(output)}
    expected = sandbox.mention_counts(interval, zone)
    assert len(rows) == len(output.records)  # one row per alert and interval
    assert {alert for alert, _ in rows} == {"2000000", "2000001", "2000002"}
    assert {key: row["mentions"] for key, row in rows.items()} == {key: expected.get(key, 0) for key in rows}
    assert set(expected) <= set(rows)  # every interval with a mention has its row
    today = interval_start(datetime.now(ZoneInfo(zone)).date(), interval).isoformat()
    assert max(date for _, date in rows) == today and last_state(output)["state"] == {"date": today}
    assert all(row["incomplete"] == (row["date"] == today) for row in rows.values())


def test_statistics_incremental_sync_reads_the_open_interval_again_with_its_new_mentions(sandbox):
    config = sandbox.config(stats_lookback_days=1)  # the shortest re-read window: the open interval and the one before
    first = run_read(config, "statistics")
    sandbox.control("discover", count=9, oldest_days=0.5)  # published in the last 12 hours: today or yesterday
    second = run_read(config, "statistics", state=last_state(first))
    merged = {(r["alert_id"], r["date"]): r["mentions"] for output in (first, second) for r in records(output)}
    expected = sandbox.mention_counts()
    assert merged == {key: expected.get(key, 0) for key in merged} and set(expected) <= set(merged)
    today = datetime.now(timezone.utc).date()
    assert sorted({r["date"] for r in records(second)}) == [(today - timedelta(days=1)).isoformat(), today.isoformat()]


def test_statistics_sync_reads_the_last_30_days_again_by_default(sandbox):
    """Mention finds old articles late: a count of a past interval that grew reaches the destination."""
    first = run_read(sandbox.config(), "statistics")
    sandbox.control("discover", count=30, oldest_days=20)  # found now, published up to 20 days ago
    second = run_read(sandbox.config(), "statistics", state=last_state(first))
    today = datetime.now(timezone.utc).date()
    assert min(r["date"] for r in records(second)) == (today - timedelta(days=30)).isoformat()
    merged = {(r["alert_id"], r["date"]): r["mentions"] for output in (first, second) for r in records(output)}
    expected = sandbox.mention_counts()
    assert merged == {key: expected.get(key, 0) for key in merged} and set(expected) <= set(merged)


def test_statistics_state_in_the_future_reads_nothing(sandbox):
    future = {"state": {"date": "2099-01-01"}, "states": [], "use_global_cursor": True, "lookback_window": 0}
    assert run_read(sandbox.config(), "statistics", state=future).records == []


def test_sandbox_stats_answer_several_alerts_in_one_object_and_reject_a_bad_interval_or_timezone(sandbox):
    url = f"{sandbox.url}/api/accounts/acc_1/stats"
    headers = {"Authorization": f"Bearer {sandbox.config()['provider']['access_token']}"}
    params = {"alerts[]": ["2000000", "2000001"], "from": "2026-11-02T00:00:00.0", "to": "2026-11-15T23:59:59.0", "interval": "P1W", "timezone": "Europe/Brussels"}
    body = requests.get(url, params=params, headers=headers, timeout=10).json()
    assert (body["from"], body["to"]) == ("2026-11-02T00:00:00.0+01:00", "2026-11-15T23:59:59.0+01:00")
    assert sorted(body["stats"]) == ["2000000", "2000001"] and body["stats"]["2000001"]["alert_id"] == 2000001
    assert list(body["stats"]["2000000"]["mentions_per_interval"]["data"]) == ["2026-11-02", "2026-11-09"]
    for bad in ({"interval": "PT1H"}, {"timezone": "Europe/Brusels"}):
        answer = requests.get(url, params={**params, **bad}, headers=headers, timeout=10)
        assert answer.status_code == 400 and list(answer.json()["form"]["children"]) == list(bad)


def records(output) -> list:
    return [message.record.data for message in output.records]


def test_after_a_back_fill_bounded_by_start_date_the_next_sync_returns_only_new_finds(sandbox):
    from datetime import datetime, timedelta, timezone

    config = sandbox.config(mentions_lookback_days=0)  # since_id alone; the re-read window: test_mention_edits.py
    config["start_date"] = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = run_read(config, "mentions")
    assert 0 < len(ids(first)) < len(sandbox.all_mention_ids())  # older mentions exist and stay out
    found = sandbox.control("discover", count=5, oldest_days=80)
    second = run_read(config, "mentions", state=last_state(first))
    assert sorted(ids(second)) == sorted(i for alert_ids in found.values() for i in alert_ids)
