"""Incremental mentions: state is the highest id per alert, resumed with since_id."""

import requests_mock

from .builders import config, ids, last_state, mention, mentions_page, mentions_url, mock_account, query_of, run_read

STATE = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "998"}}]}


def mentions_queries(http):
    return [query_of(r) for r in http.request_history if r.path.endswith("/mentions")]


def test_state_is_the_highest_id_compared_as_numbers():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(mentions_url("1"), json=mentions_page([mention("999"), mention("1000"), mention("99")]))
        output = run_read(config(), "mentions")
    assert last_state(output)["states"] == [{"partition": {"alert_id": "1"}, "cursor": {"id": "1000"}}]


def test_second_sync_asks_for_mentions_found_since_the_state():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(mentions_url("1"), [
            {"json": mentions_page([mention("999", "2020-01-01T00:00:00.0+00:00")], more={"limit": 1000, "since_id": "999"})},
            {"json": mentions_page([mention("1001")])},
        ])
        output = run_read(config(), "mentions", state=STATE)
    assert mentions_queries(http) == [{"limit": "1000", "since_id": "998"}, {"limit": "1000", "since_id": "999"}]
    assert ids(output) == ["999", "1001"]
    assert last_state(output)["states"][0]["cursor"] == {"id": "1001"}


def test_state_of_other_alerts_is_kept_when_one_has_nothing_new():
    state = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "50"}}, {"partition": {"alert_id": "2"}, "cursor": {"id": "70"}}]}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        http.get(mentions_url("1"), json=mentions_page([mention("51")]))
        http.get(mentions_url("2"), json=mentions_page([]))
        output = run_read(config(), "mentions", state=state)
    cursors = {entry["partition"]["alert_id"]: entry["cursor"]["id"] for entry in last_state(output)["states"]}
    assert cursors == {"1": "51", "2": "70"}


def test_state_does_not_move_past_an_alert_that_failed():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(mentions_url("1"), [
            {"json": mentions_page([mention("999")], more={"limit": 1000, "since_id": "999"})},
            {"status_code": 400, "json": {"form": {"errors": ["bad page"], "children": {}}}},
        ])
        output = run_read(config(), "mentions", state=STATE, expect_failure=True)
    assert all(message.state.stream.stream_state.__dict__.get("states", []) in ([], STATE["states"]) for message in output.state_messages)
