"""Mentionlytics: refreshing bearer token with rotating refresh tokens, day windows, pages."""

import json

import requests_mock
from airbyte_cdk.models import FailureType

from .builders import ids, provider_config, query_of, run_read, trace_errors

API = "https://mly.test/v2"
REFRESH_URL = f"{API}/auth/refresh"


def config(start_date="2026-11-20T00:00:00Z", **fields):
    return provider_config("mentionlytics", start_date=start_date, bearer_token="bearer-old", refresh_token="refresh-old", api_url=API, **fields)


def refreshed(access="bearer-new", refresh="refresh-new"):
    return {"json": {"access_token": access, "refresh_token": refresh, "expires_in": 3600, "refresh_expires_in": 2592000}}


def mention(mention_id, pub_date="2026-11-21 08:30:00"):
    return {"id": mention_id, "pub_date": pub_date, "title": "t", "sentiment": "neutral", "campaign": "101"}


def control_configs(captured):
    messages = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    return [m["control"]["connectorConfig"]["config"] for m in messages if m.get("type") == "CONTROL"]


def test_refreshes_the_bearer_and_hands_the_rotated_tokens_back(capsys):
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        http.get(f"{API}/mentions", json={"mentions": [mention("1")], "results_after": None})
        output = run_read(config(), "mentions")
    assert ids(output) == ["1"]
    assert "refresh_token=refresh-old" in http.request_history[0].body
    assert all(r.headers["Authorization"] == "Bearer bearer-new" for r in http.request_history[1:])
    rotated = control_configs(capsys.readouterr().out)
    assert rotated and rotated[-1]["provider"]["refresh_token"] == "refresh-new" and rotated[-1]["provider"]["bearer_token"] == "bearer-new"


def test_revoked_refresh_token_is_a_config_error_naming_where_to_get_new_tokens():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, status_code=401, json={"error": "invalid_grant", "error_description": "revoked"})
        output = run_read(config(), "mentions", expect_failure=True)
    assert any(error.failure_type == FailureType.config_error and "Settings > API / Access Tokens" in error.message for error in trace_errors(output))
    assert not any("pub_date" in repr(m.state.stream.stream_state) and "2026112" in repr(m.state.stream.stream_state) for m in output.state_messages)


def test_expired_bearer_answer_is_retried_not_fatal():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed("bearer-1", "refresh-1"), refreshed("bearer-2", "refresh-2")])
        http.get(f"{API}/mentions", [
            {"status_code": 401, "json": {"error": "token_expired"}},
            {"json": {"mentions": [mention("1")], "results_after": None}},
        ])
        output = run_read(config(start_date="2026-11-20T00:00:00Z"), "mentions")
    assert "1" in ids(output)


def test_mentions_are_read_in_day_windows_with_the_largest_page():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        http.get(f"{API}/mentions", json={"mentions": [], "results_after": None})
        run_read(config(start_date="2026-11-01T00:00:00Z", trackers=["101", "102"]), "mentions")
    windows = sorted((q["startDate"], q["endDate"]) for q in map(query_of, http.request_history[1:]))
    first = query_of(http.request_history[1])
    assert windows[0] == ("20261101", "20261107") and windows[1][0] == "20261108"
    assert first["per_page"] == "10000" and first["page_no"] == "0" and first["commtracks"] == "101,102"


def test_pub_date_arrives_as_iso_8601():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        http.get(f"{API}/mentions", json={"mentions": [mention("1")], "results_after": None})
        output = run_read(config(start_date="2026-11-20T00:00:00Z"), "mentions")
    assert output.records[0].record.data["pub_date"] == "2026-11-21T08:30:00Z"


def test_mentions_published_before_the_state_are_not_emitted_again():
    state = {"pub_date": "2026-11-21T12:00:00Z"}
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        http.get(f"{API}/mentions", json={"mentions": [mention("old", "2026-11-21 08:30:00"), mention("new", "2026-11-21 13:00:00")], "results_after": None})
        output = run_read(config(), "mentions", state=state)
    assert ids(output) == ["new"]
    assert query_of(http.request_history[-1])["startDate"] == "20261121"
