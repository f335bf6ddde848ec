"""Mentionlab: per-project POST bodies, local bucket dates, filters carried on records."""

import json

import requests_mock
from airbyte_cdk.models import FailureType, SyncMode

from .builders import last_state, provider_config, run_read, trace_errors

API = "https://mentionlab.test"
KEY = "ml_live_unit_key_5"
PROJECTS = [{"id": "p-1", "name": "One"}, {"id": "p-2", "name": "Two"}]


def config(**fields):
    return provider_config("mentionlab", start_date="2026-11-01T00:00:00Z", api_key=KEY, api_url=API, **fields)


def bucket(instant, count=3):
    return {"bucket": instant, "sentimentScore": 50.0, "positive": 1, "neutral": count - 2, "negative": 1, "mentionCount": count}


def mock(http, rows):
    http.get(f"{API}/api/projects", json={"data": PROJECTS})
    http.post(f"{API}/api/analytics/sentiment/timeseries", json=rows)


def bodies(http):
    return [(r.headers["x-project-id"], json.loads(r.body)) for r in http.request_history if r.method == "POST"]


def test_each_project_is_posted_with_its_header_and_a_body_without_empty_filters():
    with requests_mock.Mocker() as http:
        mock(http, [])
        run_read(config(models=["gpt-4o"]), "sentiment_timeseries")
    sent = bodies(http)
    assert sorted(project for project, _ in sent) == ["p-1", "p-2"]
    body = sent[0][1]
    assert body["bucketSize"] == "day" and body["timezone"] == "UTC" and body["models"] == ["gpt-4o"]
    assert body["startDate"] == "2026-11-01" and "endDate" in body
    assert not any(value is None for value in body.values()) and "entityIds" not in body
    assert all(r.headers["x-api-key"] == KEY for r in http.request_history)


def test_bucket_date_is_the_local_day_and_records_carry_their_filters():
    with requests_mock.Mocker() as http:
        mock(http, [bucket("2026-11-09T23:00:00.000Z")])
        output = run_read(config(timezone="Europe/Brussels", countries=["BE"], project_ids=["p-1"]), "sentiment_timeseries")
    record = output.records[0].record.data
    assert record["bucket_date"] == "2026-11-10"
    assert (record["project_id"], record["entity_id"], record["timezone"]) == ("p-1", "brand", "Europe/Brussels")
    assert record["filters"]["countries"] == ["BE"]
    assert last_state(output)["states"][0]["cursor"] == {"bucket_date": "2026-11-10"}


def test_one_series_per_configured_entity():
    with requests_mock.Mocker() as http:
        mock(http, [bucket("2026-11-10T00:00:00.000Z")])
        output = run_read(config(project_ids=["p-1"], entity_ids=["e-1", "e-2"]), "sentiment_timeseries")
    assert sorted(body["entityIds"] for _, body in bodies(http)) == [["e-1"], ["e-2"]]
    assert sorted(m.record.data["entity_id"] for m in output.records) == ["e-1", "e-2"]


def test_next_sync_re_reads_the_open_bucket():
    state = {"states": [{"partition": {"project_id": "p-1", "entity_id": "brand", "parent_slice": {}}, "cursor": {"bucket_date": "2026-11-16"}}],
             "use_global_cursor": False, "state": {"bucket_date": "2026-11-16"}, "lookback_window": 0}
    with requests_mock.Mocker() as http:
        mock(http, [])
        run_read(config(project_ids=["p-1"], bucket_size="week"), "sentiment_timeseries", state=state)
    assert bodies(http)[0][1]["startDate"] == "2026-11-09"  # the previous week: its bucket and the open one


def test_projects_are_listed_and_a_bad_key_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/api/projects", json={"data": PROJECTS})
        assert len(run_read(config(), "projects", sync_mode=SyncMode.full_refresh).records) == 2
    with requests_mock.Mocker() as http:
        http.get(f"{API}/api/projects", status_code=401, json={"error": "Unauthorized", "message": "Invalid API key"})
        output = run_read(config(), "projects", sync_mode=SyncMode.full_refresh, expect_failure=True)
    assert any(error.failure_type == FailureType.config_error and "API Key" in error.message for error in trace_errors(output))
