"""Mention statistics at the HTTP boundary: one row per alert and interval from GET /accounts/{id}/stats."""

from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional
from zoneinfo import ZoneInfo

import pytest
import requests_mock

from airbyte_cdk.models import FailureType

from .builders import ACCOUNT, API, check, config, last_state, mock_account, query_of, run_read, trace_errors

STATS_URL = f"{API}/accounts/{ACCOUNT}/stats"


def alert_stats(alert_id: str, per_interval: Mapping[str, Any], incomplete: Optional[List[str]] = None) -> Dict[str, Any]:
    """One alert's entry of the answer, in the shape imported from a live account (API-REFERENCE.md 2.9)."""
    counts = [n for n in per_interval.values() if isinstance(n, int)]
    return {
        "alert_id": int(alert_id),
        "incomplete_datapoints": incomplete or [],
        "mentions_per_interval": {"data": dict(per_interval), "avg": sum(counts) / max(len(counts), 1), "min": min(counts, default=0), "max": max(counts, default=0), "total": sum(counts)},
        "tones_total": {"data": {"-1": 1, "0": sum(counts) - 3, "1": 2}, "total": sum(counts)},
        "sources_total": {"data": {"web": sum(counts) - 1, "news": 1, "forums": 0}, "total": sum(counts)},
        "languages_total": {"data": {"en": sum(counts)}, "total": sum(counts)},
    }


def answer(*entries: Dict[str, Any], period_from: str = "2026-11-01T00:00:00.0+00:00", period_to: str = "2026-11-30T23:59:59.0+00:00") -> Dict[str, Any]:
    return {"from": period_from, "to": period_to, "stats": {str(entry["alert_id"]): entry for entry in entries}}


def read_statistics(body: Any, alerts: List[str] = ["1"], state: Optional[Dict[str, Any]] = None, **cfg: Any) -> Any:
    with requests_mock.Mocker() as http:
        mock_account(http, alerts)
        http.get(STATS_URL, json=body)
        output = run_read(config(**{"start_date": "2026-11-01T00:00:00Z", **cfg}), "statistics", state=state)
    output.queries = [query_of(request) for request in http.request_history if request.path.endswith("/stats")]
    return output


def rows(output: Any) -> List[Dict[str, Any]]:
    return [message.record.data for message in output.records]


def warnings(output: Any) -> List[str]:
    return [message.log.message for message in output.logs if message.log.level.name == "WARN"]


def test_one_row_per_alert_and_interval_with_the_interval_count():
    output = read_statistics(answer(alert_stats("1", {"2026-11-19": 6, "2026-11-20": 0, "2026-11-21": 7})))
    assert [(r["alert_id"], r["date"], r["mentions"]) for r in rows(output)] == [("1", "2026-11-19", 6), ("1", "2026-11-20", 0), ("1", "2026-11-21", 7)]


def test_each_partition_keeps_only_its_own_alert_of_an_answer_that_carries_several():
    body = answer(alert_stats("1", {"2026-11-20": 2}), alert_stats("2", {"2026-11-20": 5}), alert_stats("3", {"2026-11-20": 9}))
    output = read_statistics(body, alerts=["1", "2"])  # alert 3 is not an alert of the account: never emitted
    assert sorted((r["alert_id"], r["mentions"]) for r in rows(output)) == [("1", 2), ("2", 5)]
    assert sorted(q["alerts[]"] for q in output.queries) == ["1", "2"]


def test_tones_sources_and_languages_are_carried_as_totals_of_the_requested_period():
    output = read_statistics(answer(alert_stats("1", {"2026-11-20": 4, "2026-11-21": 6}), period_from="2026-11-20T00:00:00.0+01:00"))
    first, second = rows(output)
    assert first["period_tones"] == {"negative": 1, "neutral": 7, "positive": 2, "total": 10}
    assert first["period_sources"] == {"web": 9, "news": 1, "forums": 0} and first["period_languages"] == {"en": 10}
    assert (first["period_mentions"], first["period_from"], first["period_to"]) == (10, "2026-11-20T00:00:00.0+01:00", "2026-11-30T23:59:59.0+00:00")
    assert {key: value for key, value in second.items() if key.startswith("period_")} == {key: value for key, value in first.items() if key.startswith("period_")}


def test_interval_and_timezone_are_sent_and_recorded_defaulting_to_a_day_in_utc():
    default = read_statistics(answer(alert_stats("1", {"2026-11-20": 1})))
    configured = read_statistics(answer(alert_stats("1", {"2026-11-16": 1})), stats_interval="P1W", stats_timezone="Europe/Brussels")
    assert (default.queries[0]["interval"], default.queries[0]["timezone"]) == ("P1D", "UTC")
    assert (configured.queries[0]["interval"], configured.queries[0]["timezone"]) == ("P1W", "Europe/Brussels")
    assert (rows(configured)[0]["interval"], rows(configured)[0]["timezone"]) == ("P1W", "Europe/Brussels")


@pytest.mark.parametrize(
    "interval, start_date, expected_from",
    [
        ("P1D", "2026-11-04T15:30:00Z", "2026-11-04T00:00:00.0"),  # midnight of that day
        ("P1W", "2026-11-04T15:30:00Z", "2026-11-02T00:00:00.0"),  # a Wednesday: its Monday
        ("P1M", "2026-11-04T15:30:00Z", "2026-11-01T00:00:00.0"),  # the 1st of its month
    ],
)
def test_the_first_sync_starts_at_the_start_of_the_interval_holding_start_date(interval, start_date, expected_from):
    output = read_statistics(answer(alert_stats("1", {})), start_date=start_date, stats_interval=interval, stats_timezone="America/New_York")
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert output.queries[0]["from"] == expected_from  # the docs' form, no offset: local to `timezone`
    assert output.queries[0]["to"] == f"{today.isoformat()}T23:59:59.0"


def test_state_is_the_newest_interval_read():
    output = read_statistics(answer(alert_stats("1", {"2026-11-21": 3, "2026-11-19": 6, "2026-11-20": 0})))
    assert last_state(output)["state"] == {"date": "2026-11-21"}
    assert last_state(output)["states"][0]["cursor"] == {"date": "2026-11-21"}


@pytest.mark.parametrize(
    "interval, newest, expected_from",
    [("P1D", "2026-11-21", "2026-11-20T00:00:00.0"), ("P1W", "2026-11-16", "2026-11-09T00:00:00.0"), ("P1M", "2026-11-01", "2026-10-01T00:00:00.0")],
)
def test_the_next_sync_reads_the_last_interval_again_and_emits_its_new_count(interval, newest, expected_from):
    """With the shortest re-read window (one day) a sync still reads at least the last whole interval again."""
    state = {"states": [{"partition": {"alert_id": "1", "parent_slice": {"account_id": ACCOUNT, "parent_slice": {}}}, "cursor": {"date": newest}}],
             "state": {"date": newest}, "use_global_cursor": False, "lookback_window": 1}  # fmt: skip
    output = read_statistics(answer(alert_stats("1", {newest: 12})), state=state, start_date="2026-10-01T00:00:00Z", stats_interval=interval, stats_lookback_days=1)
    assert output.queries[0]["from"] == expected_from
    assert [(r["date"], r["mentions"]) for r in rows(output)] == [(newest, 12)]
    assert last_state(output)["state"] == {"date": newest}


def test_a_late_change_in_a_past_intervals_count_reaches_the_destination_on_the_next_sync():
    """Mention finds old articles late: by default a sync reads the last 30 days again, in its one request per alert."""
    state = {"states": [{"partition": {"alert_id": "1", "parent_slice": {"account_id": ACCOUNT, "parent_slice": {}}}, "cursor": {"date": "2026-11-21"}}],
             "state": {"date": "2026-11-21"}, "use_global_cursor": False, "lookback_window": 1}  # fmt: skip
    output = read_statistics(answer(alert_stats("1", {"2026-11-05": 9, "2026-11-21": 3})), state=state, start_date="2026-10-01T00:00:00Z")
    assert output.queries[0]["from"] == "2026-10-22T00:00:00.0"
    assert sorted((r["date"], r["mentions"]) for r in rows(output)) == [("2026-11-05", 9), ("2026-11-21", 3)]


def test_an_alert_new_since_the_last_sync_starts_at_the_start_date_not_at_the_others_state():
    """The CDK would start it a sync's duration before the others' newest state: its history would never be read."""
    state = {"states": [{"partition": {"alert_id": "1", "parent_slice": {"account_id": ACCOUNT, "parent_slice": {}}}, "cursor": {"date": "2026-11-16"}}],
             "state": {"date": "2026-11-16"}, "use_global_cursor": False, "lookback_window": 40}  # fmt: skip
    output = read_statistics(answer(alert_stats("1", {"2026-11-16": 1}), alert_stats("2", {"2026-11-16": 2})), alerts=["1", "2"], state=state,
                             stats_interval="P1W", stats_lookback_days=1)  # fmt: skip
    # alert 1: one week before its state; alert 2: the Monday of the week holding start_date (2026-11-01)
    assert {q["alerts[]"]: q["from"] for q in output.queries} == {"1": "2026-11-09T00:00:00.0", "2": "2026-10-26T00:00:00.0"}


def test_a_state_from_before_the_stream_emitted_dates_is_read():
    output = read_statistics(answer(alert_stats("1", {"2026-11-21": 1})), state={"date": "2026-11-21T00:00:00+00:00"}, stats_lookback_days=1)
    assert output.queries[0]["from"] == "2026-11-20T00:00:00.0"
    assert last_state(output)["state"] == {"date": "2026-11-21"}


def test_an_interval_that_starts_after_today_in_the_configured_timezone_is_not_emitted():
    zone = "Pacific/Kiritimati"  # UTC+14: its today is often UTC's tomorrow
    today = datetime.now(ZoneInfo(zone)).date()
    tomorrow = today + timedelta(days=1)
    output = read_statistics(answer(alert_stats("1", {today.isoformat(): 4, tomorrow.isoformat(): 0})), stats_timezone=zone)
    assert [r["date"] for r in rows(output)] == [today.isoformat()]
    assert last_state(output)["state"] == {"date": today.isoformat()}


def test_week_intervals_are_keyed_by_their_monday():
    output = read_statistics(answer(alert_stats("1", {"2026-11-02": 10, "2026-11-09": 0, "2026-11-16": 25}, incomplete=["2026-11-16"])), stats_interval="P1W")
    assert [(r["date"], r["mentions"], r["incomplete"], r["interval"]) for r in rows(output)] == [
        ("2026-11-02", 10, False, "P1W"),
        ("2026-11-09", 0, False, "P1W"),
        ("2026-11-16", 25, True, "P1W"),
    ]
    assert last_state(output)["state"] == {"date": "2026-11-16"}


def test_month_intervals_are_keyed_by_their_first_day():
    output = read_statistics(answer(alert_stats("1", {"2026-10-01": 80, "2026-11-01": 95})), start_date="2026-10-15T00:00:00Z", stats_interval="P1M")
    assert output.queries[0]["from"] == "2026-10-01T00:00:00.0"
    assert [(r["date"], r["mentions"]) for r in rows(output)] == [("2026-10-01", 80), ("2026-11-01", 95)]


def test_date_time_keys_and_datapoints_are_read_as_their_calendar_date():
    body = answer(alert_stats("1", {"2026-11-20T00:00:00.0+01:00": 3, "2026-11-21T00:00:00+01:00": 5}, incomplete=["2026-11-21T00:00:00.0+01:00"]))
    output = read_statistics(body, stats_timezone="Europe/Brussels")
    assert [(r["date"], r["mentions"], r["incomplete"]) for r in rows(output)] == [("2026-11-20", 3, False), ("2026-11-21", 5, True)]


def test_a_key_that_is_not_a_date_is_reported_with_its_count_and_the_others_are_emitted():
    output = read_statistics(answer(alert_stats("1", {"2026-11-20": 3, "yesterday": 8})))
    assert [r["date"] for r in rows(output)] == ["2026-11-20"]
    assert any("'yesterday'" in line and "(8)" in line for line in warnings(output)), warnings(output)


def test_empty_maps_sent_as_empty_arrays_are_read_as_empty():
    entry = alert_stats("1", {"2026-11-20": 0})
    entry["sources_total"]["data"] = []  # PHP encodes an empty map as []
    output = read_statistics(answer(entry, {"alert_id": 2, "mentions_per_interval": {"data": []}}), alerts=["1", "2"])
    assert [(r["alert_id"], r["period_sources"]) for r in rows(output)] == [("1", {})]
    assert not warnings(output)


def test_a_timezone_that_is_not_an_iana_name_is_a_config_error_naming_the_expected_form():
    cfg = config(stats_timezone="Europe/Brusels")
    status = check(cfg)
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        output = run_read(cfg, "statistics", expect_failure=True)
    error = trace_errors(output)[0]
    assert error.failure_type == FailureType.config_error
    assert "'Europe/Brusels' is not an IANA timezone name" in error.message and "Europe/Brussels" in error.message
    assert status.status.name == "FAILED" and "is not an IANA timezone name" in status.message
