"""Full and incremental syncs against the sandbox: nothing lost, nothing twice, also under faults."""

import time

from unit_tests.builders import ids, last_state, run_read


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
    config = sandbox.config()
    first = run_read(config, "mentions")
    found = sandbox.control("discover", count=6, oldest_days=80)  # published up to 80 days ago, found now
    second = run_read(config, "mentions", state=last_state(first))
    new_ids = {i for alert_ids in found.values() for i in alert_ids}
    assert set(ids(second)) == new_ids and len(ids(second)) == len(new_ids)
    assert set(ids(first)) | set(ids(second)) == sandbox.all_mention_ids()
    assert not set(ids(first)) & set(ids(second))


def test_incremental_sync_with_nothing_new_returns_nothing_and_keeps_state(sandbox):
    config = sandbox.config()
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
    assert ids(run_read(sandbox.config(), "mentions", state=future)) == []


def test_statistics_cover_every_day_once_across_30_day_windows(sandbox):
    from datetime import datetime, timedelta, timezone

    config = sandbox.config()
    config["start_date"] = (datetime.now(timezone.utc) - timedelta(days=75, hours=13)).strftime("%Y-%m-%dT%H:%M:%SZ")
    output = run_read(config, "statistics")
    start = datetime.strptime(config["start_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    first_day = start.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    expected_days = (datetime.now(timezone.utc) - first_day).days + 1
    keys = [(m.record.data["alert_id"], m.record.data["date"]) for m in output.records]
    assert len(keys) == len(set(keys))
    assert len(keys) == 3 * expected_days


def test_after_a_back_fill_bounded_by_start_date_the_next_sync_returns_only_new_finds(sandbox):
    from datetime import datetime, timedelta, timezone

    config = sandbox.config()
    config["start_date"] = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = run_read(config, "mentions")
    assert 0 < len(ids(first)) < len(sandbox.all_mention_ids())  # older mentions exist and stay out
    found = sandbox.control("discover", count=5, oldest_days=80)
    second = run_read(config, "mentions", state=last_state(first))
    assert sorted(ids(second)) == sorted(i for alert_ids in found.values() for i in alert_ids)
