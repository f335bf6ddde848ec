"""Statistics: daily, per alert, incremental by day."""

import requests_mock

from .builders import ACCOUNT, API, config, last_state, mock_account, query_of, run_read

STATS_URL = f"{API}/accounts/{ACCOUNT}/stats"


def day(date, volume=1):
    return {"alert_id": "1", "date": f"{date}T00:00:00+00:00", "volume": volume, "tones": {"negative": 0, "neutral": volume, "positive": 0}, "sources": {"web": volume}}


def test_statistics_are_requested_per_alert_and_day_window():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(STATS_URL, json={"stats": [day("2026-11-20"), day("2026-11-21", 3)]})
        output = run_read(config(start_date="2026-11-15T00:00:00Z"), "statistics")
    first = query_of(http.request_history[-1])
    assert first["alerts[]"] == "1" and first["interval"] == "P1D"
    assert first["from"].startswith("2026-11-15T00:00:00")
    assert [m.record.data["volume"] for m in output.records] == [1, 3]
    assert last_state(output)["state"] == {"date": "2026-11-21T00:00:00+00:00"}


def test_next_statistics_sync_starts_from_the_last_day_read():
    state = {"states": [{"partition": {"alert_id": "1", "parent_slice": {"account_id": ACCOUNT, "parent_slice": {}}}, "cursor": {"date": "2026-11-21T00:00:00+00:00"}}],
             "state": {"date": "2026-11-21T00:00:00+00:00"}, "use_global_cursor": False, "lookback_window": 1}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(STATS_URL, json={"stats": [day("2026-11-21", 5)]})
        run_read(config(start_date="2026-10-01T00:00:00Z"), "statistics", state=state)
    first = query_of(http.request_history[-1])
    assert first["from"] >= "2026-11-20"
