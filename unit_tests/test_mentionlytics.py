"""Mentionlytics: JSON refresh with rotating refresh tokens, publication dates in every form, day windows, totals."""

import copy
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, Level, Status

from .builders import check, ids, last_state, provider_config, query_of, run_read, trace_errors

API = "https://mly.test/v2"
REFRESH_URL = f"{API}/auth/refresh"
HINT = "Settings > API / Access Tokens"


def config(start_date="2026-11-20T00:00:00Z", **fields):
    return provider_config("mentionlytics", start_date=start_date, bearer_token="bearer-old", refresh_token="refresh-old", api_url=API, **fields)


def refreshed(access="bearer-new", refresh="refresh-new"):
    return {"json": {"access_token": access, "refresh_token": refresh, "expires_in": 3600, "refresh_expires_in": 2592000}}


def mention(mention_id, pub_date="2026-11-21T08:30:00.000Z", **fields):
    """A mention in the vendor's published shape (integer id, pub_date with milliseconds)."""
    return {"id": mention_id, "pub_date": pub_date, "uid": 603644472, "profile_meta": '{"location": "Clare, Ireland"}', "campaign": "Brand Key", **fields}


def serve_mentions(http, mentions, day_of=None):
    """GET /mentions as the API answers it: the mentions published on the requested days (startDate..endDate, inclusive)."""
    day_of = day_of or (lambda m: re.sub(r"\D", "", m.get("pub_datetime") or m["pub_date"])[:8])

    def answer(request, context):
        query = query_of(request)
        return {"mentions": [m for m in mentions if query["startDate"] <= day_of(m) <= query["endDate"]], "results_after": None}

    http.get(f"{API}/mentions", json=answer)


def read_mentions(mentions, stream="mentions", state=None, day_of=None, **config_fields):
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        serve_mentions(http, mentions, day_of)
        return run_read(config(**config_fields), stream, state=state)


def control_configs(captured):
    messages = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    return [m["control"]["connectorConfig"]["config"] for m in messages if m.get("type") == "CONTROL"]


def warnings(output):
    return [m.log.message for m in output.logs if m.log.level == Level.WARN]


# ---------------------------------------------------------------- the token refresh


def test_the_refresh_is_a_json_body_with_the_refresh_token_only():
    """The refresh request (components.auth.send_refresh_request) posts `build_refresh_request_body()` as `data=`."""
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        serve_mentions(http, [mention(1)])
        run_read(config(), "mentions")
    refresh = http.request_history[0]
    assert refresh.method == "POST" and refresh.url == REFRESH_URL
    assert refresh.headers["Content-Type"] == "application/json"
    assert json.loads(refresh.body) == {"refresh_token": "refresh-old"}


def test_the_rotated_tokens_are_used_and_handed_back_in_a_control_message(capsys):
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")  # one week window: one request sequence
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed("bearer-1", "refresh-1"), refreshed("bearer-2", "refresh-2")])
        http.get(f"{API}/mentions", [{"status_code": 401, "json": {"error": "token_expired"}}, {"json": {"mentions": [], "results_after": None}}])
        run_read(config(start_date=yesterday), "mentions")
    refreshes = [json.loads(r.body) for r in http.request_history if r.url == REFRESH_URL]
    assert refreshes == [{"refresh_token": "refresh-old"}, {"refresh_token": "refresh-1"}]  # the new refresh token is used next
    assert http.request_history[-1].headers["Authorization"] == "Bearer bearer-2"
    rotated = control_configs(capsys.readouterr().out)[-1]["provider"]
    assert (rotated["bearer_token"], rotated["refresh_token"]) == ("bearer-2", "refresh-2") and rotated["token_expiry_date"]


@pytest.mark.parametrize(
    "status, answer",
    [(401, {"error": "invalid_grant", "error_description": "revoked"}), (401, {"message": "invalid_refresh_token"}), (400, {"error": "invalid_token"})],
    ids=["invalid_grant", "invalid_refresh_token in message", "400 invalid_token"],
)
def test_a_rejected_refresh_token_ends_the_sync_with_one_config_error_and_no_retry(status, answer):
    """Three streams of eleven week windows each: one error trace, not one per window and stream plus a summary."""
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, status_code=status, json=answer)
        output = run_read(config(start_date="2026-09-20T00:00:00Z"), ["mentions", "aggregation", "unified_mentions"], expect_failure=True)
    errors = trace_errors(output)
    assert len(errors) == 1
    assert errors[0].failure_type == FailureType.config_error
    assert errors[0].message.startswith("Mentionlytics rejected the refresh token") and HINT in errors[0].message
    assert [r.url for r in http.request_history] == [REFRESH_URL]
    assert not output.records and not output.state_messages
    logs = [m.log for m in output.logs]
    assert not [log for log in logs if "Traceback" in log.message or log.level == Level.ERROR]
    assert "refresh-old" not in " ".join(log.message for log in logs) + " ".join(e.message + (e.internal_message or "") for e in errors)


def test_a_refresh_rejected_mid_sync_ends_it_with_one_config_error_and_no_retry():
    """The bearer dies mid-sync (`token_expired`), and the refresh token turns out revoked."""
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, status_code=401, json={"error": "invalid_grant"})
        http.get(f"{API}/mentions", [{"json": {"mentions": [mention(1)], "results_after": None}}, {"status_code": 401, "json": {"error": "token_expired"}}])
        output = run_read({**config(start_date="2026-10-01T00:00:00Z", token_expiry_date="2099-01-01T00:00:00Z"), "num_workers": 1}, "mentions", expect_failure=True)
    errors = trace_errors(output)
    assert len(errors) == 1 and errors[0].failure_type == FailureType.config_error and HINT in errors[0].message
    assert [r.url.split("?")[0] for r in http.request_history] == [f"{API}/mentions", f"{API}/mentions", REFRESH_URL]


def test_a_rejected_refresh_token_fails_check_with_the_providers_advice():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, status_code=401, json={"error": "invalid_grant"})
        status = check(config())
    assert status.status == Status.FAILED and HINT in status.message
    assert [r.url for r in http.request_history] == [REFRESH_URL]


def test_the_control_message_carries_the_users_config_with_only_the_rotated_tokens(capsys):
    """No `__airbyte_*` keys and none of the defaults the spec fills in (start_date, token_refresh_url, ...)."""
    users = {"provider": {"provider_type": "mentionlytics", "bearer_token": "bearer-old", "refresh_token": "refresh-old", "api_url": API, "trackers": ["7"]}, "num_workers": 1}
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed("bearer-1", "refresh-1")])
        serve_mentions(http, [mention(1)])
        run_read(copy.deepcopy(users), "mentions")
    saved = control_configs(capsys.readouterr().out)
    assert len(saved) == 1
    rotated = saved[0]
    assert (rotated["provider"]["bearer_token"], rotated["provider"]["refresh_token"]) == ("bearer-1", "refresh-1")
    assert rotated["provider"].pop("token_expiry_date")
    users["provider"].update(bearer_token="bearer-1", refresh_token="refresh-1")
    assert rotated == users


def test_after_a_refresh_the_request_is_sent_again_at_once_with_the_new_token(no_real_sleep):
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed("bearer-1", "refresh-1"), refreshed("bearer-2", "refresh-2")])
        http.get(f"{API}/mentions", [{"status_code": 401, "json": {"error": "token_expired"}}, {"json": {"mentions": [mention(1)], "results_after": None}}])
        output = run_read({**config(token_expiry_date="2099-01-01T00:00:00Z"), "num_workers": 1}, "mentions")
    sent = [(r.method, r.url.split("?")[0]) for r in http.request_history]
    assert sent[:3] == [("GET", f"{API}/mentions"), ("POST", REFRESH_URL), ("GET", f"{API}/mentions")]
    assert not [seconds for seconds in no_real_sleep if seconds >= 0.5], no_real_sleep  # no backoff wait after the refresh
    assert "1" in ids(output)
    assert any("retrying at once with the current token, after the refresh" in m.log.message for m in output.logs)


def test_expired_bearer_answer_is_retried_not_fatal():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed("bearer-1", "refresh-1"), refreshed("bearer-2", "refresh-2")])
        http.get(f"{API}/mentions", [{"status_code": 401, "json": {"error": "token_expired"}}, {"json": {"mentions": [mention(1)], "results_after": None}}])
        output = run_read(config(), "mentions")
    assert "1" in ids(output)


# ---------------------------------------------------------------- publication dates and ids


@pytest.mark.parametrize(
    "fields, published_at",
    [
        ({"pub_date": "2019-01-24T00:00:00.000Z"}, "2019-01-24T00:00:00Z"),
        ({"pub_date": "2026-11-21T08:30:15.250Z"}, "2026-11-21T08:30:15Z"),
        ({"pub_date": "2026-05-04T14:23:00Z"}, "2026-05-04T14:23:00Z"),
        ({"pub_date": "2026-11-21 08:30:00"}, "2026-11-21T08:30:00Z"),
        ({"pub_date": "2026-11-21"}, "2026-11-21T00:00:00Z"),
        ({"pub_date": "20261121"}, "2026-11-21T00:00:00Z"),
        ({"pub_date": "2026-11-21T10:30:00+02:00"}, "2026-11-21T08:30:00Z"),
        ({"pub_date": "20260504", "pub_datetime": "2026-05-04T14:23:00Z"}, "2026-05-04T14:23:00Z"),
        ({"pub_date": "2026-07-08", "pub_datetime": "2026-07-09 10:00:00"}, "2026-07-09T10:00:00Z"),
        ({"pub_date": "20261121", "pub_datetime": "21.11.2026 10:00"}, "2026-11-21T00:00:00Z"),
    ],
    ids=["vendor sample", "milliseconds", "iso", "space, no zone", "date", "yyyymmdd", "offset", "pub_datetime iso", "pub_datetime space", "unreadable pub_datetime"],
)
def test_every_publication_date_form_becomes_rfc_3339_utc_and_the_raw_value_stays(fields, published_at):
    record = mention(1, **fields)
    output = read_mentions([record], start_date="2019-01-01T00:00:00Z", day_of=lambda m: "20261121")
    data = output.records[0].record.data
    assert data["published_at"] == published_at
    assert (data["pub_date"], data.get("pub_datetime")) == (fields["pub_date"], fields.get("pub_datetime"))


def test_an_integer_id_is_emitted_as_text_and_a_text_id_unchanged():
    output = read_mentions([mention(1000886319), mention("0x1F")])
    assert sorted(ids(output)) == ["0x1F", "1000886319"]
    assert {type(m.record.data["uid"]) for m in output.records} == {int}


def test_an_unreadable_date_is_a_warning_naming_it_the_record_is_kept_and_the_state_moves_on_the_others():
    mentions = [mention(7, "2026-11-21T08:30:00.000Z"), mention(8, "21/11/2026"), mention(9, "2026-11-22 09:00:00")]
    output = read_mentions(mentions, day_of=lambda m: "20261121" if m["id"] != 9 else "20261122")
    assert sorted(ids(output)) == ["7", "8", "9"]
    unreadable = next(m.record.data for m in output.records if m.record.data["id"] == "8")
    assert unreadable.get("published_at") is None and unreadable["pub_date"] == "21/11/2026"
    assert any("21/11/2026" in w and "8" in w for w in warnings(output))
    assert last_state(output)["published_at"] == "2026-11-22T09:00:00Z"


def test_mentions_are_read_in_week_windows_with_the_largest_page():
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        http.get(f"{API}/mentions", json={"mentions": [], "results_after": None})
        run_read(config(start_date="2026-11-01T00:00:00Z", trackers=["101", "102"]), "mentions")
    windows = sorted((q["startDate"], q["endDate"]) for q in map(query_of, http.request_history[1:]))
    first = query_of(http.request_history[1])
    assert windows[0] == ("20261101", "20261107") and windows[1][0] == "20261108"
    assert first["per_page"] == "10000" and first["page_no"] == "0" and first["commtracks"] == "101,102"


def test_without_a_re_read_window_mentions_published_before_the_state_are_not_emitted_again():
    state = {"published_at": "2026-11-21T12:00:00Z"}
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        serve_mentions(http, [mention("old", "2026-11-21T08:30:00.000Z"), mention("new", "2026-11-21 13:00:00")])
        output = run_read(config(mentions_lookback_days=0), "mentions", state=state)
    assert ids(output) == ["new"]
    assert min(query_of(r)["startDate"] for r in http.request_history[1:]) == "20261121"


def test_an_incremental_sync_reads_the_last_7_days_before_the_state_again_for_edited_sentiments():
    state = {"published_at": "2026-11-21T12:00:00Z"}
    mentions = [
        mention("older", "2026-11-14T11:00:00.000Z"),  # 7 days and 1 hour before the state
        mention("edited", "2026-11-15T08:30:00.000Z", sentiment="negative"),
        mention("new", "2026-11-21 13:00:00"),
    ]
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        serve_mentions(http, mentions)
        output = run_read(config(start_date="2026-11-01T00:00:00Z"), "mentions", state=state)
    assert sorted(ids(output)) == ["edited", "new"]
    assert min(query_of(r)["startDate"] for r in http.request_history[1:]) == "20261114"
    assert last_state(output) == {"published_at": "2026-11-21T13:00:00Z"}


def test_unified_mentions_take_the_text_id_and_the_parsed_date():
    output = read_mentions([mention(1000886319, "20261121", pub_datetime="2026-11-21T14:23:00Z", profile_name="grape surgeon", sentiment="negative")], stream="unified_mentions")
    data = output.records[0].record.data
    assert (data["mention_id"], data["published_at"], data["author_name"], data["sentiment"]) == ("1000886319", "2026-11-21T14:23:00Z", "grape surgeon", -1)
    assert data["project_id"] == "Brand Key"


# ---------------------------------------------------------------- aggregation (answer shape not published)


def read_aggregation(answer, start_date="2026-11-20T00:00:00Z", expect_failure=False):
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [refreshed()])
        http.get(f"{API}/aggregation", json=answer)
        output = run_read(config(start_date=start_date), "aggregation", expect_failure=expect_failure)
    return output, [query_of(r) for r in http.request_history[1:]]


def test_aggregation_asks_whole_days_one_at_a_time_and_keeps_every_number_by_name():
    output, queries = read_aggregation({"mentions": 12, "likes": 30, "sentiment": {"positive": 3, "negative": 1}, "top_channel": "twitter"}, start_date="2026-11-20T15:30:00Z")
    assert all(q["startDate"] == q["endDate"] for q in queries)  # also the last, partial day
    days = sorted(q["startDate"] for q in queries)
    assert days[0] == "20261120" and len(days) == len(set(days)) == (datetime.strptime(days[-1], "%Y%m%d") - datetime(2026, 11, 20)).days + 1
    rows = {m.record.data["date"]: m.record.data["totals"] for m in output.records}
    assert rows["2026-11-20"] == {"mentions": 12, "likes": 30, "sentiment.positive": 3, "sentiment.negative": 1}
    assert sorted(day.replace("-", "") for day in rows) == days
    assert sum("top_channel" in w for w in warnings(output)) == 1


def test_an_aggregation_answer_without_numbers_fails_naming_its_keys():
    output, _ = read_aggregation({"aggregation": [{"date": "2026-11-20", "count": 3}]}, expect_failure=True)
    assert any("/aggregation" in e.message and "['aggregation']" in e.message for e in trace_errors(output))
    assert not output.records
