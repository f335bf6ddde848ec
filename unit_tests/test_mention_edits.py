"""The re-read window: each incremental sync reads again the mentions published in the last N days, in every folder."""

from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

import requests_mock

from .builders import (
    config,
    ids,
    is_head_request,
    last_state,
    mention,
    mention_page_queries,
    mentions_page,
    mentions_url,
    mock_account,
    mock_mentions,
    query_of,
    run_read,
)

STATE = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "11"}}]}
LISTED = None  # the window read as the list without a folder filter (inbox and archive)
WINDOWS = [LISTED, "spam", "trash"]


def default_config(**provider):
    """A Mention config as a user leaves it: no mentions_lookback_days (7 days)."""
    cfg = config(**provider)
    if "mentions_lookback_days" not in provider:
        del cfg["provider"]["mentions_lookback_days"]
    return cfg


def parsed(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def is_window_request(request) -> bool:
    """With a saved state, every mention list but the head and the since_id pages is the window's."""
    return request.path.endswith("/mentions") and not is_head_request(request) and "since_id" not in query_of(request)


def window_queries(http) -> List[Dict[str, str]]:
    return [query_of(r) for r in http.request_history if is_window_request(r)]


def mock_window(http, alert_id: str, folder: Optional[str], *pages) -> None:
    """The window's answers in one folder (LISTED: inbox and archive), page after page."""
    matcher = lambda request: is_window_request(request) and query_of(request).get("folder") == folder  # noqa: E731
    http.get(mentions_url(alert_id), [{"json": page} for page in pages], additional_matcher=matcher)


def read_with_state(http, cfg=None, head="12", new=(), window=None):
    """Reads alert 1 from since_id 11: its head, the mentions found since (`new`) and the window's pages per folder (else none)."""
    mock_account(http, ["1"], heads={"1": head})
    mock_mentions(http, "1", json=mentions_page([mention(i) for i in new]))
    for folder in WINDOWS:
        mock_window(http, "1", folder, *(window or {}).get(folder, [mentions_page([])]))
    return run_read(cfg or default_config(), "mentions", state=STATE)


def test_an_incremental_sync_reads_each_alerts_last_7_days_again_as_listed_and_in_spam_and_trash():
    with requests_mock.Mocker() as http:
        before = datetime.now(timezone.utc)
        read_with_state(http)
        after = datetime.now(timezone.utc)
    queries = window_queries(http)
    assert sorted(query.get("folder", "") for query in queries) == ["", "spam", "trash"]
    for query in queries:
        assert query["limit"] == "1000" and "since_id" not in query
        assert before <= parsed(query["before_date"]) <= after
        assert parsed(query["before_date"]) - parsed(query["not_before_date"]) == timedelta(days=7)
    assert len({query["before_date"] for query in queries}) == 1  # one window for the whole sync


def test_the_window_length_is_the_setting():
    with requests_mock.Mocker() as http:
        read_with_state(http, default_config(mentions_lookback_days=30))
    for query in window_queries(http):
        assert parsed(query["before_date"]) - parsed(query["not_before_date"]) == timedelta(days=30)


def test_the_window_starts_no_earlier_than_start_date():
    start = (datetime.now(timezone.utc) - timedelta(days=2)).replace(microsecond=0)
    with requests_mock.Mocker() as http:
        read_with_state(http, default_config(start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert {parsed(query["not_before_date"]) for query in window_queries(http)} == {start}


def test_a_window_of_0_days_sends_no_window_request():
    with requests_mock.Mocker() as http:
        output = read_with_state(http, config(mentions_lookback_days=0), new=["12"])
    assert window_queries(http) == []
    assert ids(output) == ["12"]


def test_a_first_sync_reads_no_window():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "12"})
        mock_mentions(http, "1", json=mentions_page([mention("12")]))
        run_read(default_config(), "mentions")
    assert mention_page_queries(http) == [{"limit": "1000", "before_date": mention_page_queries(http)[0]["before_date"], "not_before_date": "2026-10-01T00:00:00Z"}]


def test_the_window_reads_no_head():
    with requests_mock.Mocker() as http:
        read_with_state(http, new=["12"])
    assert sum(1 for request in http.request_history if is_head_request(request)) == 0  # and the since_id read needs none when it finds mentions


def test_an_edited_mention_in_the_window_is_emitted_with_its_new_values_and_the_state_moves_by_since_id_only():
    window = {LISTED: [mentions_page([mention("5", tone=1)])], "trash": [mentions_page([mention("7", folder="trash", folder_set_by_user=True)])]}
    with requests_mock.Mocker() as http:
        output = read_with_state(http, new=["12"], window=window)
    records = {message.record.data["id"]: message.record.data for message in output.records}
    assert sorted(records) == ["12", "5", "7"]
    assert records["5"]["tone"] == 1 and records["7"]["folder"] == "trash"
    assert last_state(output) == {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "12"}}]}


def test_the_state_does_not_move_on_a_window_alone():
    with requests_mock.Mocker() as http:  # nothing found since the state
        output = read_with_state(http, head="11", window={LISTED: [mentions_page([mention("9", tone=-1, folder="archive")])]})
    assert ids(output) == ["9"]
    assert last_state(output) == STATE


def test_the_listed_window_leaves_newly_found_mentions_to_the_since_id_read():
    """A mention found since the last sync is in both reads; the since_id read brings it, the window only older ones."""
    window = {
        LISTED: [mentions_page([mention("13"), mention("10", tone=1)])],
        "spam": [mentions_page([mention("12", folder="spam")])],  # found and moved to spam since: no other read has it
    }
    with requests_mock.Mocker() as http:
        output = read_with_state(http, head="13", new=["13"], window=window)
    assert sorted(ids(output)) == ["10", "12", "13"]


def test_a_windows_next_page_keeps_its_folder_when_the_links_leave_it_out():
    more = {"limit": 1000, "cursor": "page2"}
    with requests_mock.Mocker() as http:
        output = read_with_state(http, window={"spam": [mentions_page([mention("3", folder="spam")], more=more), mentions_page([mention("2", folder="spam")])]})
    spam = [query for query in window_queries(http) if query.get("folder") == "spam"]
    assert spam[1] == {"limit": "1000", "cursor": "page2", "folder": "spam", "include_children": "0"}
    assert sorted(ids(output)) == ["2", "3"]
    assert [query for query in mention_page_queries(http) if "since_id" in query] == [{"limit": "1000", "since_id": "11"}]


def test_a_windows_next_page_keeps_its_lower_bound_when_the_links_give_only_before_date():
    more = {"limit": 1000, "before_date": "2026-12-01T10:00:00.0+00:00"}  # the 2018 recorded form of _links.more.params
    with requests_mock.Mocker() as http:
        output = read_with_state(http, window={LISTED: [mentions_page([mention("3")], more=more), mentions_page([mention("2")])]})
    listed = [query for query in window_queries(http) if "folder" not in query]
    assert listed[1] == {**more, "limit": "1000", "not_before_date": listed[0]["not_before_date"]}
    assert sorted(ids(output)) == ["2", "3"]


def test_spam_and_trash_windows_ask_for_mentions_without_their_children():
    with requests_mock.Mocker() as http:
        read_with_state(http)
    by_folder = {query.get("folder"): query for query in window_queries(http)}
    assert by_folder["spam"]["include_children"] == by_folder["trash"]["include_children"] == "0"  # both folders include them by default
    assert "include_children" not in by_folder[None]


def test_the_unified_row_of_an_edited_mention_carries_its_sentiment_and_folder():
    state = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"mention_id": "11"}}]}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "11"})
        for folder in WINDOWS:
            mock_window(http, "1", folder, mentions_page([mention("8", tone=-1, folder="spam")] if folder == "spam" else []))
        output = run_read(default_config(), "unified_mentions", state=state)
    [row] = [message.record.data for message in output.records]
    assert (row["mention_id"], row["sentiment"], row["folder"]) == ("8", -1, "spam")


def test_the_children_of_a_mention_in_the_window_are_read_again():
    state = {"parent_state": {"mentions": STATE}}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "11"})
        mock_mentions(http, "1", json=mentions_page([]))  # nothing found since the state
        for folder in WINDOWS:
            mock_window(http, "1", folder, mentions_page([mention("6")] if folder is LISTED else []))
        http.get(f"{mentions_url('1')}/6/children", json={"children": [{"id": "9006", "parent_id": 6}], "_links": []})
        output = run_read(default_config(read_mention_children=True), "mention_children", state=state)
    assert ids(output) == ["9006"]
    assert last_state(output) == state
