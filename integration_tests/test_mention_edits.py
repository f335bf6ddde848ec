"""Edits users make in Mention after it found a mention (tone, folder) reach the destination in the next incremental sync."""

from typing import Any, Dict

from unit_tests.builders import ids, last_state, run_read

from .test_mention_alert_lists import children_requested, expected_children


def curate(sandbox) -> Dict[str, Dict[str, Any]]:
    """A user corrects the tone of 3 recent mentions and moves 1 to spam and 1 to trash; returns the edits by id."""
    chosen = sandbox.published_within(days=5)[:5]
    assert len(chosen) == 5, "the sandbox's data set has recent mentions"
    changes = [{"tone": (m["tone"] + 2) % 3 - 1} for m in chosen[:3]] + [{"folder": "spam"}, {"folder": "trash"}]
    edits = {m["id"]: change for m, change in zip(chosen, changes)}
    sandbox.control("edit_mentions", edits=[{"id": mention_id, **change} for mention_id, change in edits.items()])
    return edits


def records_by_id(output) -> Dict[str, Dict[str, Any]]:
    return {message.record.data["id"]: message.record.data for message in output.records}


def since_ids(state: Dict[str, Any]) -> Dict[str, int]:
    return {entry["partition"]["alert_id"]: int(entry["cursor"]["id"]) for entry in state["states"]}


def test_corrected_tones_and_mentions_moved_to_spam_or_trash_arrive_in_the_next_incremental_sync(sandbox):
    config = sandbox.config()  # the default window: 7 days
    first = run_read(config, "mentions")
    edits = curate(sandbox)
    found = {i for alert_ids in sandbox.control("discover", count=4, oldest_days=1).values() for i in alert_ids}
    requests_before = sandbox.get("requests")["count"]

    second = run_read(config, "mentions", state=last_state(first))

    read = records_by_id(second)
    for mention_id, change in edits.items():
        assert {name: read[mention_id][name] for name in change} == change
    assert {read[i]["folder"] for i in edits} == {"inbox", "spam", "trash"}
    assert len(ids(second)) == len(set(ids(second)))  # no mention twice in one sync
    assert found <= set(read) <= sandbox.reread_window_ids(since=requests_before) | found  # nothing published before the window


def test_the_state_still_moves_by_since_id_and_only_past_newly_found_mentions(sandbox):
    config = sandbox.config()
    first = run_read(config, "mentions")
    curate(sandbox)
    found = sandbox.control("discover", count=4, oldest_days=30)

    second = run_read(config, "mentions", state=last_state(first))

    before, after = since_ids(last_state(first)), since_ids(last_state(second))
    assert after == {alert: max([before[alert], *map(int, found.get(alert, []))]) for alert in before}


def test_the_unified_row_of_an_edited_mention_carries_its_new_sentiment_and_folder(sandbox):
    config = sandbox.config()
    first = run_read(config, "unified_mentions")
    edits = curate(sandbox)

    second = run_read(config, "unified_mentions", state=last_state(first))

    rows = {message.record.data["mention_id"]: message.record.data for message in second.records}
    assert {i: rows[i]["sentiment"] for i, change in edits.items() if "tone" in change} == {
        i: change["tone"] for i, change in edits.items() if "tone" in change
    }
    assert {i: rows[i]["folder"] for i, change in edits.items() if "folder" in change} == {
        i: change["folder"] for i, change in edits.items() if "folder" in change
    }


def test_a_window_of_0_days_reads_only_newly_found_mentions(sandbox):
    config = sandbox.config(mentions_lookback_days=0)
    first = run_read(config, "mentions")
    curate(sandbox)
    found = {i for alert_ids in sandbox.control("discover", count=4, oldest_days=1).values() for i in alert_ids}

    second = run_read(config, "mentions", state=last_state(first))

    assert sorted(ids(second)) == sorted(found)


def test_the_children_of_the_windows_mentions_are_read_again(sandbox):
    config = sandbox.config(read_mention_children=True)
    first = run_read(config, "mention_children")
    requests_before = sandbox.get("requests")["count"]
    found = {i for alert_ids in sandbox.control("discover", count=8, oldest_days=80).values() for i in alert_ids}

    second = run_read(config, "mention_children", state=last_state(first))

    window = sandbox.reread_window_ids(since=requests_before) - found
    assert window, "the sandbox's data set has mentions in the window"
    assert sorted(children_requested(sandbox, since=requests_before)) == sorted(found | window)
    assert set(ids(second)) == expected_children(sandbox, found | window)
