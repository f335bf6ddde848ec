"""Records without their primary key, ids that are not numbers, and saved states the connector cannot use."""

import json

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, Level

from .builders import (
    API,
    config,
    ids,
    last_state,
    mention,
    mention_page_queries,
    mentions_page,
    mock_account,
    mock_mentions,
    provider_config,
    run_read,
    trace_errors,
)

SOCIOVITE_API = "https://sv.test/api"
STREAM_URL = "https://stream.mention.test/api"


def warnings(output):
    return [m.log.message for m in output.logs if m.log.level == Level.WARN]


def all_logs(output):
    return " ".join(m.log.message for m in output.logs)


def sociovite_page(posts):
    return {"data": posts, "page": 1, "limit": 100, "total": len(posts), "totalPages": 1}


def sociovite_project(http):
    """One listed project: without Project IDs, mentions are read per listed project."""
    http.get(f"{SOCIOVITE_API}/project", json={"projects": [{"id": "kw-1", "name": "One"}]})


def post(post_id=None, **fields):
    return {**({"id": post_id} if post_id is not None else {}), "createdat": "2026-11-02T10:00:00Z", "content": "text", "keywordid": 3, **fields}


def cursors(output, field="id"):
    return {entry["partition"]["alert_id"]: entry["cursor"][field] for entry in last_state(output)["states"]}


# ---------------------------------------------------------------- records without their primary key


@pytest.mark.parametrize("stream, key", [("mentions", "id"), ("unified_mentions", "mention_id")])
def test_sociovite_records_without_id_are_skipped_with_a_warning_that_counts_them(stream, key):
    with requests_mock.Mocker() as http:
        sociovite_project(http)
        http.get(f"{SOCIOVITE_API}/mentions", json=sociovite_page([post(5), post(content="no id"), post(None, id=None), post(6)]))
        output = run_read(provider_config("sociovite", access_token="sv-token-123", api_url=SOCIOVITE_API), stream)
    assert [str(m.record.data[key]) for m in output.records] == ["5", "6"]
    skipped = [line for line in warnings(output) if "skipped a record" in line]
    assert len(skipped) == 2 and f"no `{key}`" in skipped[0] and "(2 skipped in this stream so far)" in skipped[1]
    assert f"{stream}: 2 record(s) skipped in this sync (no `{key}` (primary key): 2)" in warnings(output)
    assert not trace_errors(output)


def test_past_ten_skipped_records_only_the_count_grows_and_the_total_comes_at_the_end():
    with requests_mock.Mocker() as http:
        sociovite_project(http)
        http.get(f"{SOCIOVITE_API}/mentions", json=sociovite_page([post(content=f"no id {n}") for n in range(25)] + [post(7)]))
        output = run_read(provider_config("sociovite", access_token="sv-token-123", api_url=SOCIOVITE_API), "mentions")
    assert ids(output) == ["7"]  # an integer id arrives as the string the schema declares
    assert len([line for line in warnings(output) if "skipped a record" in line]) == 10
    assert warnings(output)[-1] == "mentions: 25 record(s) skipped in this sync (no `id` (primary key): 25)"


# ---------------------------------------------------------------- Mention ids that are not numbers


@pytest.mark.parametrize("stream, key", [("mentions", "id"), ("unified_mentions", "mention_id")])
def test_a_mention_id_that_is_not_a_number_is_skipped_with_a_warning_in_a_back_fill(stream, key):
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "50"})
        mock_mentions(http, "1", json=mentions_page([mention("20"), mention("abc"), mention("19")]))
        output = run_read(config(), stream)
    assert [m.record.data[key] for m in output.records] == ["20", "19"]
    assert any(f"`{key}` 'abc' (not a whole number)" in line for line in warnings(output))
    assert cursors(output, key) == {"1": "50"}
    assert not trace_errors(output) and "Traceback" not in all_logs(output)


def test_a_mention_id_that_is_not_a_number_is_skipped_and_the_state_moves_on_the_others():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([mention("11"), mention("abc"), mention("12")]))
        output = run_read(config(), "mentions", state={"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "10"}}]})
    assert ids(output) == ["11", "12"]
    assert cursors(output) == {"1": "12"}
    assert "mentions: 1 record(s) skipped in this sync (`id` not a whole number (since_id cursor): 1)" in warnings(output)


def test_live_mentions_without_a_whole_number_id_or_an_alert_are_skipped_with_a_warning():
    lines = [
        {"type": "mark"},
        {"type": "mention", "mention": mention("101")},
        {"type": "mention", "mention": mention("abc")},
        {"type": "mention", "mention": {k: v for k, v in mention("102").items() if k != "alert_id"}},
        {"type": "mention", "mention": mention("103")},
        {"type": "mark"},
        {"type": "mark"},
    ]
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(f"{STREAM_URL}/accounts/acc_9/mentions", text="\n".join(json.dumps(line) for line in lines) + "\n")
        output = run_read(config(stream_url=STREAM_URL, stream_duration_seconds=30), "live_mentions")
    assert ids(output) == ["101", "103"]
    assert last_state(output) == {"since_id": {"1": "103"}}
    assert "live_mentions: 2 record(s) skipped in this sync (`id` not a whole number (since_id cursor): 1; no `alert_id` (primary key): 1)" in warnings(output)
    assert not trace_errors(output)


# ---------------------------------------------------------------- saved states the connector cannot use


def sociovite(http):
    sociovite_project(http)
    http.get(f"{SOCIOVITE_API}/mentions", json=sociovite_page([post(5)]))
    return provider_config("sociovite", access_token="sv-token-123", api_url=SOCIOVITE_API)


def mentionlytics(http):
    http.get("https://mly.test/v2/mentions", json={"mentions": []})
    return provider_config("mentionlytics", bearer_token="mly-bearer-1", refresh_token="mly-refresh-1", token_expiry_date="2099-01-01T00:00:00Z", api_url="https://mly.test/v2")


def mentionlab(http):
    http.get("https://mentionlab.test/api/projects/list", json=[{"id": "p-1", "name": "One"}])
    http.post("https://mentionlab.test/api/result-analysis/list-cursor", json={"cursor": {"limit": 500, "count": 0, "lastId": None, "lastUpdatedAt": None}, "results": []})
    return provider_config("mentionlab", start_date="2026-11-01T00:00:00Z", api_key="ml_live_unit_key_5", api_url="https://mentionlab.test")


def mention_account(http):
    mock_account(http, ["1"])
    mock_mentions(http, "1", json=mentions_page([mention("20")]))
    http.get(f"{API}/accounts/acc_9/stats", json={})
    return config()


BAD_STATES = {
    "mentions: since_id not a number": (mention_account, "mentions", {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "abc"}}]}, "'abc'"),
    "mentions: a global cursor": (mention_account, "mentions", {"id": "5"}, '{"id": "5"}'),
    "mentions: states not a list": (mention_account, "mentions", {"states": "x"}, '"states": "x"'),
    "mentions: entry without partition": (mention_account, "mentions", {"states": [{"cursor": {"id": "5"}}]}, '{"cursor": {"id": "5"}}'),
    "live_mentions: since_id not a number": (mention_account, "live_mentions", {"since_id": {"1": "abc"}}, "'abc'"),
    "live_mentions: since_id not a map": (mention_account, "live_mentions", {"since_id": "x"}, '"since_id": "x"'),
    "statistics: date that does not parse": (
        mention_account, "statistics", {"states": [{"partition": {"alert_id": "1", "parent_slice": {"account_id": "acc_9", "parent_slice": {}}}, "cursor": {"date": "11/03/2026"}}]}, "11/03/2026",
    ),
    "sociovite: date that does not parse": (sociovite, "mentions", {"createdat": "yesterday"}, "yesterday"),
    "sociovite: a number for a date": (sociovite, "mentions", {"createdat": 12}, '{"createdat": 12}'),
    "sociovite: states not a list": (sociovite, "mentions", {"states": "x"}, '"states": "x"'),
    "mentionlytics: date that does not parse": (mentionlytics, "mentions", {"published_at": "2026-13-01"}, "2026-13-01"),
    "mentionlab: keyset position without lastId": (
        mentionlab, "result_analyses", {"states": [{"partition": {"project_id": "p-1"}, "cursor": {"lastUpdatedAt": "2026-11-15T10:00:00.000Z"}}]}, "2026-11-15T10:00:00.000Z",
    ),
    "mentionlab: lastUpdatedAt that does not parse": (
        mentionlab, "result_analyses", {"states": [{"partition": {"project_id": "p-1"}, "cursor": {"lastUpdatedAt": "soon", "lastId": "a1"}}]}, "soon",
    ),
    "mentionlab: states not a list": (mentionlab, "unified_mentions", {"states": {"p-1": "a1"}}, '"p-1": "a1"'),
    "mentionlab: entry without partition": (mentionlab, "result_analyses", {"states": [{"cursor": {"lastId": "a1"}}]}, '{"cursor": {"lastId": "a1"}}'),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_STATES))
def test_a_saved_state_the_connector_cannot_use_is_one_config_error_naming_the_stream_and_the_value(case):
    provider, stream, state, value = BAD_STATES[case]
    with requests_mock.Mocker() as http:
        output = run_read(provider(http), stream, state=state, expect_failure=True)
    errors = trace_errors(output)
    assert len(errors) == 1 and errors[0].failure_type == FailureType.config_error
    assert errors[0].message.startswith(f"The saved state of stream `{stream}` cannot be used")
    assert value in errors[0].message and f"Reset the stream `{stream}`" in errors[0].message
    assert "Something went wrong" not in errors[0].message and "Traceback" not in all_logs(output)
    assert not output.records


# ---------------------------------------------------------------- a state beyond the alert's head


def test_a_state_beyond_the_alerts_head_is_a_warning_and_the_alert_is_read_from_its_head():
    beyond = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "5000"}}]}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "1200"})
        mock_mentions(http, "1", json=mentions_page([]))
        first = run_read(config(), "mentions", state=beyond)
    assert cursors(first) == {"1": "1200"}
    assert any("since_id 5000 of alert_id 1 is beyond its newest mention 1200" in line for line in warnings(first))

    with requests_mock.Mocker() as http:  # the alert finds a new mention: the next sync asks for it
        mock_account(http, ["1"], heads={"1": "1201"})
        mock_mentions(http, "1", json=mentions_page([mention("1201")]))
        second = run_read(config(), "mentions", state=last_state(first))
    assert mention_page_queries(http) == [{"limit": "1000", "since_id": "1200"}]
    assert ids(second) == ["1201"] and cursors(second) == {"1": "1201"}


def test_a_head_that_is_not_a_number_is_a_warning_and_the_back_fill_is_read_without_that_bound():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "abc"})
        mock_mentions(http, "1", json=mentions_page([mention("21"), mention("20")]))
        output = run_read(config(), "mentions")
    assert ids(output) == ["21", "20"] and cursors(output) == {"1": "21"}
    assert any("newest mention id 'abc' of alert_id 1 is not a whole number" in line for line in warnings(output))


def test_a_state_at_the_alerts_head_is_no_warning():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"], heads={"1": "100", "2": "301"})
        mock_mentions(http, "2", json=mentions_page([mention("301", alert_id=2)]))
        output = run_read(config(), "mentions", state={"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "100"}}, {"partition": {"alert_id": "2"}, "cursor": {"id": "300"}}]})
    assert cursors(output) == {"1": "100", "2": "301"}
    assert not [line for line in warnings(output) if "beyond" in line]
