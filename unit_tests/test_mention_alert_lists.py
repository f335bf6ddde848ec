"""Mention's authors (paged, keyed by alert and author) and mention children (incremental through the mentions' since_id), at the HTTP boundary."""

import json

import requests_mock
from airbyte_cdk.models import FailureType, Level

from .builders import ALERTS_URL, config, ids, last_state, mention, mention_page_queries, mentions_page, mock_account, mock_mentions, query_of, run_read


def authors_url(alert_id: str) -> str:
    return f"{ALERTS_URL}/{alert_id}/authors"


def children_url(alert_id: str, mention_id: str) -> str:
    return f"{ALERTS_URL}/{alert_id}/mentions/{mention_id}/children"


def web_author(unique_id: str, **fields):
    return {"id": f"id-{unique_id}", "alert_id": "1", "kind": "web", "author_unique_id": unique_id, "name": unique_id, "score": 3, **fields}


def authors_page(authors, more=None):
    return {"authors": authors, "_links": {"more": {"href": "/more", "params": more}} if more else {}}


def child(child_id: str, parent_id, alert_id: int = 1):
    return {**mention(child_id, alert_id=alert_id), "parent_id": parent_id}


def children_config():
    return config(read_mention_children=True)


def warnings(output):
    return [message.log.message for message in output.logs if message.log.level == Level.WARN]


def test_authors_send_back_the_more_parameters_verbatim_until_an_answer_has_none():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(authors_url("1"), [
            {"json": authors_page([web_author("a.example")], more={"limit": 100, "cursor": "opaque+/="})},
            {"json": authors_page([web_author("b.example")])},
        ])  # fmt: skip
        output = run_read(config(), "authors")
    queries = [query_of(request) for request in http.request_history if request.path.endswith("/authors")]
    assert queries == [{"limit": "100"}, {"limit": "100", "cursor": "opaque+/="}]
    assert [m.record.data["author_key"] for m in output.records] == ["web:a.example", "web:b.example"]


def test_an_author_without_unique_id_is_keyed_by_its_id_and_the_alert_comes_from_the_request():
    twitter = {"id": "8130001", "kind": "twitter", "realname": "SneakerDealsUK", "score": 4}
    with requests_mock.Mocker() as http:
        mock_account(http, ["7"])
        http.get(authors_url("7"), json=authors_page([twitter]))
        output = run_read(config(), "authors")
    assert [(m.record.data["alert_id"], m.record.data["author_key"]) for m in output.records] == [("7", "twitter:8130001")]


def test_an_author_with_no_identity_at_all_is_skipped_with_a_warning_naming_it():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(authors_url("1"), json=authors_page([web_author("a.example"), {"kind": "web", "realname": "Nobody Known", "score": 1}]))
        output = run_read(config(), "authors")
    assert [m.record.data["author_key"] for m in output.records] == ["web:a.example"]
    assert any("authors: skipped a record with no `author_key`" in line and "Nobody Known" in line for line in warnings(output))


def test_children_are_requested_for_each_mention_the_sync_reads_with_the_mention_as_parent():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([mention("10"), mention("11")]))
        http.get(children_url("1", "10"), json={"children": [child("9001", 10), {**mention("9002")}], "_links": []})
        http.get(children_url("1", "11"), json={"children": [], "_links": []})
        output = run_read(children_config(), "mention_children")
    assert sorted(ids(output)) == ["9001", "9002"]
    assert {str(m.record.data["parent_id"]) for m in output.records} == {"10"}  # a child without parent_id gets its mention's


def test_children_with_saved_state_come_from_the_mentions_after_each_alerts_since_id():
    state = {"parent_state": {"mentions": {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "11"}}]}}}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "12"})
        mock_mentions(http, "1", json=mentions_page([mention("12")]))
        http.get(children_url("1", "12"), json={"children": [child("9003", 12)], "_links": []})
        output = run_read(children_config(), "mention_children", state=state)
    assert mention_page_queries(http) == [{"limit": "1000", "since_id": "11"}]
    assert ids(output) == ["9003"]
    assert last_state(output) == {"parent_state": {"mentions": {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "12"}}]}}}


def test_children_of_a_mention_deleted_mid_sync_are_skipped_with_a_warning():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([mention("10"), mention("11")]))
        http.get(children_url("1", "10"), status_code=404, json={"error": "not_found"})
        http.get(children_url("1", "11"), json={"children": [child("9004", 11)], "_links": []})
        output = run_read(children_config(), "mention_children")
    assert ids(output) == ["9004"] and not output.errors
    assert any("/mentions/10/children" in line and "the mention or its alert was deleted after this sync read it" in line for line in warnings(output))


def test_a_failed_children_request_keeps_the_state_before_its_mention():
    state = {"parent_state": {"mentions": {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "9"}}]}}}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "11"})
        mock_mentions(http, "1", json=mentions_page([mention("10"), mention("11")]))
        http.get(children_url("1", "10"), json={"children": [child("9005", 10)], "_links": []})
        http.get(children_url("1", "11"), status_code=400, json={"form": {"errors": ["This mention cannot be read."]}})
        output = run_read(children_config(), "mention_children", state=state, expect_failure=True)
    assert output.errors
    saved = [json.dumps(message.state.stream.stream_state.__dict__) for message in output.state_messages]
    assert not any('"11"' in line or '"10"' in line for line in saved)  # the next sync asks for 10's and 11's children again


def test_a_saved_children_state_of_another_shape_is_a_config_error_naming_the_stream():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        output = run_read(children_config(), "mention_children", state={"id": "5"}, expect_failure=True)
    error = output.errors[-1].trace.error
    assert error.failure_type == FailureType.config_error
    assert "The saved state of stream `mention_children` cannot be used" in error.message and '{"id": "5"}' in error.message
