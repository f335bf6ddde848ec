"""Incremental mentions: state is the highest id per alert, resumed with since_id."""

import requests_mock

from .builders import config, ids, is_head_request, last_state, mention, mention_page_queries, mentions_page, mock_account, mock_mentions, run_read

STATE = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "998"}}]}


def cursors(output):
    return {entry["partition"]["alert_id"]: entry["cursor"]["id"] for entry in last_state(output)["states"]}


def test_first_sync_state_is_the_alert_head_not_the_highest_id_read():
    # 1500 was found before the sync but published before start_date: it must not come next time
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "1500"})
        mock_mentions(http, "1", json=mentions_page([mention("20"), mention("19")]))
        output = run_read(config(), "mentions")
    assert cursors(output) == {"1": "1500"}


def test_first_sync_leaves_mentions_found_after_the_head_to_the_next_sync():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "20"})
        mock_mentions(http, "1", json=mentions_page([mention("21"), mention("20"), mention("19")]))
        output = run_read(config(), "mentions")
    assert ids(output) == ["20", "19"]
    assert cursors(output) == {"1": "20"}


def test_state_is_the_highest_id_compared_as_numbers():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([mention("999"), mention("1000")]))
        output = run_read(config(), "mentions", state=STATE)
    assert cursors(output) == {"1": "1000"}


def test_second_sync_asks_for_mentions_found_since_the_state():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"json": mentions_page([mention("999", "2020-01-01T00:00:00.0+00:00")], more={"limit": 1000, "since_id": "999"})},
            {"json": mentions_page([mention("1001")])},
        ])
        output = run_read(config(), "mentions", state=STATE)
    assert mention_page_queries(http) == [{"limit": "1000", "since_id": "998"}, {"limit": "1000", "since_id": "999"}]
    assert ids(output) == ["999", "1001"]
    assert cursors(output) == {"1": "1001"}


def test_an_alert_with_nothing_new_costs_its_since_id_page_and_its_head_and_keeps_its_state():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "998"})
        mock_mentions(http, "1", json=mentions_page([]))
        output = run_read(config(), "mentions", state=STATE)
    assert mention_page_queries(http) == [{"limit": "1000", "since_id": "998"}]
    assert sum(1 for request in http.request_history if is_head_request(request)) == 1
    assert ids(output) == []
    assert cursors(output) == {"1": "998"}


def test_an_alert_with_new_mentions_is_read_from_its_since_id_without_a_head_request():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "1000"})
        mock_mentions(http, "1", json=mentions_page([mention("999"), mention("1000")]))
        output = run_read(config(), "mentions", state=STATE)
    assert not any(is_head_request(request) for request in http.request_history)
    assert ids(output) == ["999", "1000"] and cursors(output) == {"1": "1000"}


def test_state_of_other_alerts_is_kept_when_one_has_nothing_new():
    state = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "50"}}, {"partition": {"alert_id": "2"}, "cursor": {"id": "70"}}]}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        mock_mentions(http, "1", json=mentions_page([mention("51")]))
        mock_mentions(http, "2", json=mentions_page([]))
        output = run_read(config(), "mentions", state=state)
    assert cursors(output) == {"1": "51", "2": "70"}


def test_state_does_not_move_past_an_alert_that_failed():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"json": mentions_page([mention("999")], more={"limit": 1000, "since_id": "999"})},
            {"status_code": 400, "json": {"form": {"errors": ["bad page"], "children": {}}}},
        ])
        output = run_read(config(), "mentions", state=STATE, expect_failure=True)
    assert all(message.state.stream.stream_state.__dict__.get("states", []) in ([], STATE["states"]) for message in output.state_messages)
