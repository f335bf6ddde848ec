"""Mention's per-alert lists (tags, authors, tasks) and mention children, read from the sandbox: exactly its data set."""

import logging
import re
from typing import Dict, List, Set, Tuple

from mentions_dev.sandbox.data import alert_authors, alert_tags, alert_tasks, all_children
from source_mentions.source import SourceMentions
from unit_tests.builders import ids, last_state, run_read

from .conftest import RunningSandbox

CHILDREN_REQUEST = re.compile(r"/api/accounts/[^/]+/alerts/([^/]+)/mentions/([^/]+)/children")


def sandbox_mentions(sandbox: RunningSandbox) -> Dict[str, List[dict]]:
    data = sandbox.server.sandbox.data
    with data.lock:
        return {alert: list(mentions) for alert, mentions in data.mentions.items()}


def author_key(row: dict) -> str:
    """The documented rule of the `authors` key: kind, then the first of author_unique_id, id, scored_id."""
    return f"{row['kind']}:{row.get('author_unique_id') or row.get('id') or row.get('scored_id')}"


def expected_authors(sandbox: RunningSandbox) -> Set[Tuple[str, str]]:
    return {(alert, author_key(row)) for alert, mentions in sandbox_mentions(sandbox).items() for row in alert_authors(alert, mentions)}


def expected_children(sandbox: RunningSandbox, mention_ids: Set[str] = None) -> Set[str]:
    account = sandbox.server.sandbox.data.account_id
    return {
        child["id"]
        for mentions in sandbox_mentions(sandbox).values()
        for mention in mentions
        if mention_ids is None or mention["id"] in mention_ids
        for child in all_children(mention, account)
    }


def children_requested(sandbox: RunningSandbox, since: int = 0) -> List[str]:
    """Mention ids whose children were requested, from the sandbox's request log (from position `since` on)."""
    return [match.group(2) for request in sandbox.get("requests")["requests"][since:] if (match := CHILDREN_REQUEST.search(request))]


def children_config(sandbox: RunningSandbox, **provider) -> dict:
    return sandbox.config(read_mention_children=True, **provider)


def warnings(output) -> List[str]:
    return [message.log.message for message in output.logs if message.log.level.value == "WARN"]


def test_tags_are_every_tag_of_every_alert_with_its_alert(sandbox):
    rows = [message.record.data for message in run_read(sandbox.config(), "tags").records]

    expected = [{**tag, "alert_id": alert} for alert, mentions in sandbox_mentions(sandbox).items() for tag in alert_tags(mentions)]
    assert sorted(rows, key=lambda row: (row["alert_id"], row["id"])) == sorted(expected, key=lambda row: (row["alert_id"], row["id"]))


def test_authors_are_every_author_of_every_alert_once_keyed_by_alert_and_author(sandbox):
    rows = [message.record.data for message in run_read(sandbox.config(), "authors").records]

    keys = [(row["alert_id"], row["author_key"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_authors(sandbox)


def test_authors_on_pages_smaller_than_the_limit_follow_the_more_link_to_the_last_page(start_sandbox):
    sandbox = start_sandbox(max_page_size=7)
    output = run_read(sandbox.config(), "authors")

    keys = [(m.record.data["alert_id"], m.record.data["author_key"]) for m in output.records]
    assert len(keys) == len(set(keys)) and set(keys) == expected_authors(sandbox)
    author_requests = [request for request in sandbox.get("requests")["requests"] if "/authors" in request]
    assert len(author_requests) > len(sandbox_mentions(sandbox))  # more than one page per alert
    assert sum("cursor=" not in request for request in author_requests) == len(sandbox_mentions(sandbox))  # one first page per alert


def test_tasks_are_every_task_of_every_alert_with_its_mention(sandbox):
    rows = [message.record.data for message in run_read(sandbox.config(), "tasks").records]

    expected = {task["id"]: (alert, task["mention"]["id"]) for alert, mentions in sandbox_mentions(sandbox).items() for task in alert_tasks(mentions)}
    assert expected and len(rows) == len(expected)
    assert {row["id"]: (row["alert_id"], row["mention"]["id"]) for row in rows} == expected


def test_mention_children_is_offered_only_with_the_setting_on(sandbox):
    def names(config: dict) -> Set[str]:
        return {stream.name for stream in SourceMentions(config=config).discover(logging.getLogger("airbyte"), config).streams}

    assert {"tags", "authors", "tasks"} <= names(sandbox.config()) and "mention_children" not in names(sandbox.config())
    assert "mention_children" not in names(sandbox.config(read_mention_children=False))
    assert "mention_children" in names(children_config(sandbox))


def test_first_children_sync_reads_the_children_of_every_mention_since_the_start_date(sandbox):
    output = run_read(children_config(sandbox), "mention_children")

    read = ids(output)
    assert len(read) == len(set(read)) and set(read) == expected_children(sandbox)
    assert sorted(children_requested(sandbox)) == sorted(sandbox.all_mention_ids())
    assert all(str(message.record.data["parent_id"]) in sandbox.all_mention_ids() for message in output.records)


def test_second_children_sync_requests_the_children_of_the_new_mentions_only(sandbox):
    config = children_config(sandbox, mentions_lookback_days=0)  # the re-read window's children: test_mention_edits.py
    first = run_read(config, "mention_children")
    requests_before = sandbox.get("requests")["count"]
    found = sandbox.control("discover", count=24, oldest_days=80)
    new_mentions = {mention_id for alert_ids in found.values() for mention_id in alert_ids}

    second = run_read(config, "mention_children", state=last_state(first))

    assert sorted(children_requested(sandbox, since=requests_before)) == sorted(new_mentions)
    assert set(ids(second)) == expected_children(sandbox, new_mentions) and len(ids(second)) == len(set(ids(second)))
    assert set(ids(first)) | set(ids(second)) == expected_children(sandbox)


def test_children_sync_with_nothing_new_requests_no_children_and_keeps_its_state(sandbox):
    config = children_config(sandbox, mentions_lookback_days=0)  # the re-read window's children: test_mention_edits.py
    first = run_read(config, "mention_children")
    requests_before = sandbox.get("requests")["count"]

    second = run_read(config, "mention_children", state=last_state(first))

    assert ids(second) == [] and children_requested(sandbox, since=requests_before) == []
    assert last_state(second) == last_state(first)


def test_children_state_is_the_since_id_of_each_alert_after_the_sync(sandbox):
    output = run_read(children_config(sandbox), "mention_children")

    states = last_state(output)["parent_state"]["mentions"]["states"]
    newest = {alert: max(int(mention["id"]) for mention in mentions) for alert, mentions in sandbox_mentions(sandbox).items()}
    assert {entry["partition"]["alert_id"]: int(entry["cursor"]["id"]) for entry in states} == newest


def test_an_alert_deleted_after_the_sync_listed_it_is_skipped_in_each_per_alert_stream_with_a_warning(sandbox):
    kept = {"2000000", "2000002"}

    for stream in ("tags", "authors", "tasks"):
        sandbox.control("delete_alert", alert_id="2000001", still_listed=True)  # listed by this sync, then deleted
        output = run_read(sandbox.config(), stream)
        assert not output.errors, stream
        assert {message.record.data["alert_id"] for message in output.records} == kept, stream
        assert any("deleted after this sync listed it" in line and f"/alerts/2000001/{stream}" in line for line in warnings(output)), stream
    sandbox.control("delete_alert", alert_id="2000001", still_listed=True)
    children = run_read(children_config(sandbox), "mention_children")
    assert not children.errors
    assert set(ids(children)) == expected_children(sandbox, {m["id"] for alert in kept for m in sandbox_mentions(sandbox)[alert]})
