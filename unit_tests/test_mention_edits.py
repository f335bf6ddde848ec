"""The re-read window: each incremental sync reads again, folder by folder, the mentions published in the last N days."""

from datetime import datetime, timedelta, timezone

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
    window_queries,
)

STATE = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "11"}}]}
FOLDERS = ["inbox", "archive", "spam", "trash"]


def parsed(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def in_folder(folder: str):
    return lambda request: query_of(request).get("folder") == folder


def mock_window(http, alert_id: str, folder: str, *pages) -> None:
    """The window's answers in one folder, page after page."""
    http.get(mentions_url(alert_id), [{"json": page} for page in pages], additional_matcher=in_folder(folder))


def read_with_state(http, cfg=None, head="12", new=(), window=None):
    """Reads alert 1 from since_id 11: its head, the mentions found since (`new`) and the window's pages per folder."""
    mock_account(http, ["1"], heads={"1": head})
    mock_mentions(http, "1", json=mentions_page([mention(i) for i in new]))
    for folder, pages in (window or {}).items():
        mock_window(http, "1", folder, *pages)
    return run_read(cfg or config(), "mentions", state=STATE)


def test_an_incremental_sync_reads_each_alerts_last_7_days_again_in_every_folder():
    with requests_mock.Mocker() as http:
        before = datetime.now(timezone.utc)
        read_with_state(http)
        after = datetime.now(timezone.utc)
    queries = window_queries(http)
    assert sorted(query["folder"] for query in queries) == sorted(FOLDERS)
    for query in queries:
        assert query["limit"] == "1000" and "since_id" not in query
        assert before <= parsed(query["before_date"]) <= after
        assert parsed(query["before_date"]) - parsed(query["not_before_date"]) == timedelta(days=7)
    assert len({query["before_date"] for query in queries}) == 1  # one window for the whole sync


def test_the_window_length_is_the_setting():
    with requests_mock.Mocker() as http:
        read_with_state(http, config(mentions_lookback_days=30))
    for query in window_queries(http):
        assert parsed(query["before_date"]) - parsed(query["not_before_date"]) == timedelta(days=30)


def test_the_window_starts_no_earlier_than_start_date():
    start = (datetime.now(timezone.utc) - timedelta(days=2)).replace(microsecond=0)
    with requests_mock.Mocker() as http:
        read_with_state(http, config(start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ")))
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
        run_read(config(), "mentions")
    assert window_queries(http) == []


def test_the_window_reads_no_head():
    with requests_mock.Mocker() as http:
        read_with_state(http)
    assert sum(1 for request in http.request_history if is_head_request(request)) == 1


def test_an_edited_mention_in_the_window_is_emitted_with_its_new_values_and_the_state_moves_by_since_id_only():
    window = {"inbox": [mentions_page([mention("5", tone=1)])], "trash": [mentions_page([mention("7", folder="trash", folder_set_by_user=True)])]}
    with requests_mock.Mocker() as http:
        output = read_with_state(http, new=["12"], window=window)
    records = {message.record.data["id"]: message.record.data for message in output.records}
    assert sorted(records) == ["12", "5", "7"]
    assert records["5"]["tone"] == 1 and records["7"]["folder"] == "trash"
    assert last_state(output) == {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "12"}}]}


def test_the_state_does_not_move_on_a_window_alone():
    with requests_mock.Mocker() as http:  # nothing found since the state
        output = read_with_state(http, head="11", window={"archive": [mentions_page([mention("9", tone=-1)])]})
    assert ids(output) == ["9"]
    assert last_state(output) == STATE


def test_inbox_and_archive_windows_leave_newly_found_mentions_to_the_since_id_read():
    """A mention found since the last sync is in both reads; the since_id read brings it, the window only older ones."""
    window = {
        "inbox": [mentions_page([mention("13"), mention("10", tone=1)])],
        "spam": [mentions_page([mention("12", folder="spam")])],  # found and moved to spam since: no other read has it
    }
    with requests_mock.Mocker() as http:
        output = read_with_state(http, head="13", new=["13"], window=window)
    assert sorted(ids(output)) == ["10", "12", "13"]


def test_a_windows_next_page_keeps_its_folder_when_the_links_leave_it_out():
    more = {"limit": 1000, "cursor": "page2"}
    with requests_mock.Mocker() as http:
        output = read_with_state(http, window={"spam": [mentions_page([mention("3", folder="spam")], more=more), mentions_page([mention("2", folder="spam")])]})
    spam = [query for query in window_queries(http) if query["folder"] == "spam"]
    assert spam[1] == {"limit": "1000", "cursor": "page2", "folder": "spam"}
    assert sorted(ids(output)) == ["2", "3"]
    assert mention_page_queries(http) == [{"limit": "1000", "since_id": "11"}]


def test_the_unified_row_of_an_edited_mention_carries_its_sentiment_and_folder():
    state = {"states": [{"partition": {"alert_id": "1"}, "cursor": {"mention_id": "11"}}]}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "11"})
        mock_window(http, "1", "spam", mentions_page([mention("8", tone=-1, folder="spam")]))
        output = run_read(config(), "unified_mentions", state=state)
    [row] = [message.record.data for message in output.records]
    assert (row["mention_id"], row["sentiment"], row["folder"]) == ("8", -1, "spam")


def test_the_children_of_a_mention_in_the_window_are_read_again():
    state = {"parent_state": {"mentions": STATE}}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"], heads={"1": "11"})
        mock_window(http, "1", "inbox", mentions_page([mention("6")]))
        http.get(f"{mentions_url('1')}/6/children", json={"children": [{"id": "9006", "parent_id": 6}], "_links": []})
        output = run_read(config(read_mention_children=True), "mention_children", state=state)
    assert ids(output) == ["9006"]
    assert last_state(output) == state
