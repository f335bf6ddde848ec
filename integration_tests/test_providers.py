"""Mentionlytics, Sociovite and Mentionlab against the sandbox: check, discover, full and incremental reads."""

import json
import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from airbyte_cdk.models import Status, SyncMode

from source_mentions.source import SourceMentions
from mentions_dev.sandbox import SOCIOVITE_TOKEN
from unit_tests.builders import ids, last_state, run_read
from unit_tests.contracts import fixtures, json_type


def check(config):
    return SourceMentions(config=config).check(logging.getLogger("airbyte"), config)


def stream_names(config):
    return sorted(stream.name for stream in SourceMentions(config=config).discover(logging.getLogger("airbyte"), config).streams)


@pytest.mark.parametrize(
    "provider, expected",
    [
        ("sociovite", ["mentions", "projects", "unified_mentions"]),
        ("mentionlab", ["ai_responses", "entities", "entity_visibility", "projects", "queries", "result_analyses", "sentiment_timeseries", "share_of_voice", "unified_mentions", "visibility_timeseries"]),
        ("mentionlytics", ["aggregation", "mentions", "unified_mentions"]),
    ],
)
def test_discover_lists_only_the_chosen_providers_streams(sandbox, provider, expected):
    assert stream_names(getattr(sandbox, f"{provider}_config")()) == expected


@pytest.mark.parametrize(
    "provider, bad",
    [("sociovite", {"access_token": "wrong"}), ("mentionlab", {"api_key": "ml_live_wrong"}), ("mentionlytics", {"refresh_token": "mly-refresh-wrong"})],
)
def test_check_passes_and_fails_cleanly_with_a_bad_credential(sandbox, provider, bad):
    make = getattr(sandbox, f"{provider}_config")
    assert check(make()).status == Status.SUCCEEDED
    failed = check(make(**bad))
    assert failed.status == Status.FAILED and "wrong" not in failed.message


# ---------------------------------------------------------------- Sociovite


def test_sociovite_data_set_not_a_multiple_of_the_page_size_arrives_exactly_once(sandbox):
    expected = sandbox.get("sociovite/mentions")
    assert len(expected) % 100 != 0
    output = run_read(sandbox.sociovite_config(), "mentions")
    assert sorted(ids(output)) == sorted(expected)
    records = [m.record.data for m in output.records]
    assert any(r.get("updated_at") is None for r in records)
    assert not any((r.get("updated_at") or "").startswith("0001") for r in records)


def test_sociovite_incremental_returns_new_posts(sandbox):
    config = sandbox.sociovite_config()
    first = run_read(config, "mentions")
    boundaries = {entry["partition"]["project_id"]: entry["cursor"]["createdat"] for entry in last_state(first)["states"]}
    time.sleep(1.1)
    added = sandbox.control("sociovite/add", count=7)
    second = run_read(config, "mentions", state=last_state(first))
    at_boundary = {m.record.data["id"] for m in first.records if m.record.data["createdat"] == boundaries[m.record.data["keywordid"]]}
    assert set(ids(second)) == set(added) | at_boundary  # each project's boundary second is re-read: equal timestamps may still arrive
    assert set(ids(first)) | set(ids(second)) == set(sandbox.get("sociovite/mentions"))


def test_sociovite_project_list_has_the_documented_shape_and_verifies_project_ids(sandbox):
    documented = next(f for f in fixtures("sociovite") if f.name == "project").data["responses"][0]["body"]
    answer = requests.get(f"{sandbox.url}/sociovite/api/project", params={"page": 1, "limit": 100}, headers={"Authorization": f"Bearer {SOCIOVITE_TOKEN}"}, timeout=10).json()
    assert set(answer) == set(documented) and answer["projects"]
    shape = {key: json_type(value) for key, value in documented["projects"][0].items()}
    assert all({key: json_type(value) for key, value in project.items()} == shape for project in answer["projects"])
    listed = [project["id"] for project in answer["projects"]]
    assert check(sandbox.sociovite_config(project_ids=listed)).status == Status.SUCCEEDED
    assert ids(run_read(sandbox.sociovite_config(project_ids=listed[:1]), "mentions"))


def test_sociovite_projects_are_exactly_the_sandbox_list(sandbox):
    output = run_read(sandbox.sociovite_config(), "projects", sync_mode=SyncMode.full_refresh)
    assert ids(output) == sandbox.get("sociovite/projects")
    assert {m.record.data.get("updated_at") is None for m in output.records} == {True, False}  # the zero date arrives as null


def test_sociovite_without_project_ids_reads_each_listed_project_as_its_own_partition(sandbox):
    output = run_read(sandbox.sociovite_config(), "mentions")
    listed = sandbox.get("sociovite/projects")
    assert sorted(entry["partition"]["project_id"] for entry in last_state(output)["states"]) == sorted(listed)
    assert {m.record.data["keywordid"] for m in output.records} == set(listed)


def test_sociovite_with_project_ids_reads_exactly_those_projects_mentions(sandbox):
    chosen = sandbox.get("sociovite/projects")[-1]
    with sandbox.server.sandbox.sociovite.lock:
        expected = sorted(m["id"] for m in sandbox.server.sandbox.sociovite.mentions if m["keywordid"] == chosen)
    output = run_read(sandbox.sociovite_config(project_ids=[chosen]), "mentions")
    assert sorted(ids(output)) == expected
    assert [entry["partition"] for entry in last_state(output)["states"]] == [{"project_id": chosen}]


# ---------------------------------------------------------------- Mentionlab


def buckets(output):
    return {(r["project_id"], r["bucket"], r["entity_id"]): r for r in (m.record.data for m in output.records)}


@pytest.mark.parametrize("zone, hours", [("Europe/Brussels", {"23", "22"}), ("UTC", {"00"}), ("America/New_York", {"04", "05"})])
def test_mentionlab_day_buckets_start_at_local_midnight(sandbox, zone, hours):
    rows = buckets(run_read(sandbox.mentionlab_config(timezone=zone), "sentiment_timeseries"))
    assert rows and {bucket[11:13] for _, bucket, _ in rows} <= hours
    assert all(r["timezone"] == zone and r["bucket_size"] == "day" for r in rows.values())


def test_mentionlab_week_and_month_buckets(sandbox):
    weeks = buckets(run_read(sandbox.mentionlab_config(bucket_size="week", timezone="Europe/Brussels"), "sentiment_timeseries"))
    months = buckets(run_read(sandbox.mentionlab_config(start_days_ago=80, bucket_size="month"), "sentiment_timeseries"))
    assert {r["bucket_date"] for r in weeks.values()} and all(datetime.fromisoformat(r["bucket_date"]).weekday() == 0 for r in list(weeks.values())[1:])
    assert all(r["bucket_date"].endswith("-01") for r in list(months.values())[1:])


def test_mentionlab_re_reading_the_open_bucket_updates_its_row(sandbox):
    config = sandbox.mentionlab_config(timezone="Europe/Brussels")
    first = run_read(config, "sentiment_timeseries")
    sandbox.control("mentionlab/add", count=5, hours=0.5)
    second = run_read(config, "sentiment_timeseries", state=last_state(first))
    merged = {**buckets(first), **buckets(second)}  # what a destination deduplicating on the primary key holds
    fresh = buckets(run_read(config, "sentiment_timeseries"))
    assert {key: row["mentionCount"] for key, row in merged.items()} == {key: row["mentionCount"] for key, row in fresh.items()}
    for project in {key[0] for key in buckets(second)}:
        newest = max(key for key in buckets(second) if key[0] == project)
        before = buckets(first).get(newest, {"mentionCount": 0})["mentionCount"]
        assert buckets(second)[newest]["mentionCount"] == before + 5


def test_mentionlab_result_analyses_incremental_returns_exactly_the_new_answers(sandbox):
    config = sandbox.mentionlab_config(start_days_ago=100)
    first = run_read(config, "result_analyses")
    assert sorted(ids(first)) == sorted(sandbox.get("mentionlab/analyses"))  # several pages per project
    before = set(ids(first))
    sandbox.control("mentionlab/add", count=3)
    second = run_read(config, "result_analyses", state=last_state(first))
    assert len(ids(second)) == 6 and not before & set(ids(second))  # 3 per project, none read again
    assert before | set(ids(second)) == set(sandbox.get("mentionlab/analyses"))


def test_mentionlab_unified_mentions_are_the_brands_each_answer_mentions(sandbox):
    config = sandbox.mentionlab_config(start_days_ago=100)
    first = run_read(config, "unified_mentions")
    rows = [m.record.data for m in first.records]
    assert sorted(r["mention_id"] for r in rows) == sorted(sandbox.get("mentionlab/brand_mentions"))
    assert {r["brand_name"] for r in rows} == {"Acme Corp", "Globex Inc"} and {r.get("sentiment") for r in rows} == {-1, 0, 1}
    sandbox.control("mentionlab/add", count=2)
    second = run_read(config, "unified_mentions", state=last_state(first))
    new = {m.record.data["mention_id"] for m in second.records}
    assert new and not new & {r["mention_id"] for r in rows} and {m.split(":")[1] for m in new} >= {"Acme Corp"}
    assert new | {r["mention_id"] for r in rows} == set(sandbox.get("mentionlab/brand_mentions"))


# ---------------------------------------------------------------- Mentionlytics


def test_mentionlytics_sync_outlives_its_tokens_and_hands_back_rotated_ones(start_sandbox, capsys):
    sandbox = start_sandbox(latency_ms=700)
    sandbox.control("mentionlytics/settings", token_lifetime_s=1.5)
    started = time.monotonic()
    output = run_read({**sandbox.mentionlytics_config(), "num_workers": 1}, "mentions")  # one request at a time
    took = time.monotonic() - started
    assert took > 3  # longer than two token lifetimes
    assert sorted(ids(output)) == sorted(sandbox.get("mentionlytics/mentions"))
    assert sandbox.control("mentionlytics/settings")["refreshes"] >= 2
    controls = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"CONTROL"' in line]
    newest = controls[-1]["control"]["connectorConfig"]["config"]["provider"]
    assert newest["refresh_token"] != "mly-refresh-initial" and newest["bearer_token"] != "mly-bearer-initial"
    replay = requests.post(f"{sandbox.url}/mentionlytics/v2/auth/refresh", json={"refresh_token": "mly-refresh-initial"}, timeout=10)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_grant"


def test_mentionlytics_incremental_returns_new_mentions(sandbox):
    config = sandbox.mentionlytics_config(mentions_lookback_days=0)  # the state alone; with the window: the next test
    first = run_read(config, "mentions")
    boundary = last_state(first)["published_at"]
    time.sleep(1.1)
    added = sandbox.control("mentionlytics/add", count=6)
    second = run_read(config, "mentions", state=last_state(first))
    at_boundary = {m.record.data["id"] for m in first.records if m.record.data["published_at"] == boundary}
    assert set(ids(second)) == set(added) | at_boundary
    assert set(ids(first)) | set(ids(second)) == set(sandbox.get("mentionlytics/mentions"))


def test_mentionlytics_incremental_reads_the_last_7_days_of_publication_again(sandbox):
    config = sandbox.mentionlytics_config()
    first = run_read(config, "mentions")
    state = last_state(first)
    window_start = datetime.fromisoformat(state["published_at"].replace("Z", "+00:00")) - timedelta(days=7)
    second = run_read(config, "mentions", state=state)
    in_window = {m.record.data["id"] for m in first.records if datetime.fromisoformat(m.record.data["published_at"].replace("Z", "+00:00")) >= window_start}
    assert in_window and set(ids(second)) == in_window
    assert last_state(second) == state


def test_mentionlytics_revoked_refresh_token_fails_with_config_error_and_no_state(sandbox):
    sandbox.control("mentionlytics/settings")
    requests.post(f"{sandbox.url}/mentionlytics/v2/auth/refresh", json={"refresh_token": "mly-refresh-initial"}, timeout=10)  # now used up
    output = run_read(sandbox.mentionlytics_config(), "mentions", expect_failure=True)
    messages = [m.trace.error.message for m in output.errors]
    assert any("Settings > API / Access Tokens" in message for message in messages)
    assert all(m.record is None for m in output.records)


def test_mentionlytics_aggregation_reads_daily_totals(sandbox):
    rows = [m.record.data for m in run_read(sandbox.mentionlytics_config(), "aggregation").records]
    dates = [r["date"] for r in rows]
    assert len(dates) == len(set(dates)) and max(dates) == datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert sum(r["totals"]["mentions"] for r in rows) == len(sandbox.get("mentionlytics/mentions"))
    assert all(r["totals"]["mentions"] == sum(r["totals"][f"sentiment.{s}"] for s in ("positive", "neutral", "negative")) for r in rows)


def test_mentionlytics_mentions_carry_every_date_form_and_integer_ids(sandbox):
    raw = requests.get(f"{sandbox.url}/mentionlytics/v2/mentions", params={"per_page": 10000, "startDate": "20000101", "endDate": "29991231"}, headers={"Authorization": "Bearer mly-bearer-initial"}, timeout=10).json()["mentions"]
    assert all(isinstance(m["id"], int) for m in raw)
    assert {len(m["pub_date"]) for m in raw} == {8, 19, 24}  # YYYYMMDD (+ pub_datetime), "YYYY-MM-DD HH:MM:SS", milliseconds
    output = run_read(sandbox.mentionlytics_config(), "mentions")
    assert all(m.record.data["published_at"].endswith("Z") and isinstance(m.record.data["id"], str) for m in output.records)
    assert sorted(ids(output)) == sorted(sandbox.get("mentionlytics/mentions"))


def test_mentionlytics_refresh_takes_only_a_json_body(sandbox):
    form = requests.post(f"{sandbox.url}/mentionlytics/v2/auth/refresh", data={"refresh_token": "mly-refresh-initial"}, timeout=10)
    assert form.status_code == 415 and "JSON" in form.json()["message"]
    assert check(sandbox.mentionlytics_config()).status == Status.SUCCEEDED  # the connector sends JSON (the form try used nothing up)


@pytest.mark.real_clock  # the pace of real calls: a skipped wait elsewhere would bunch them on the sandbox's clock
def test_mentionlab_calls_stay_within_the_published_rate_without_a_429(sandbox):
    from mentions_dev.sandbox import MENTIONLAB_API_KEY
    from mentions_dev.sandbox.mentionlab_api import MentionlabApi

    sandbox.server.sandbox.mentionlab = MentionlabApi(MENTIONLAB_API_KEY, projects=14, per_day=1, days=3)
    config = sandbox.mentionlab_config(start_days_ago=3, entity_ids=["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"])
    config["num_workers"] = 16
    started = time.monotonic()
    output = run_read(config, "sentiment_timeseries")
    assert output.records and sandbox.get("mentionlab/stats")["rate_limited"] == 0
    assert time.monotonic() - started >= 2  # 29 calls at 10 per second take at least two seconds
    assert any("rate limit: waited" in m.log.message and "API budget" in m.log.message for m in output.logs)


def test_check_uses_the_chosen_providers_stream_even_with_a_stale_check_key(sandbox):
    config = sandbox.mentionlab_config()
    config["__airbyte_check_stream_names"] = ["mentions"]  # left behind by a config written for another provider
    assert check(config).status == Status.SUCCEEDED


def test_mentionlytics_tokens_rotate_while_the_default_workers_read_at_once(start_sandbox, capsys):
    # num_workers left to its default (16): bearers expire while several requests are in flight, and
    # each single-use refresh token must be spent once, by one thread at a time
    sandbox = start_sandbox(latency_ms=400)
    sandbox.control("mentionlytics/settings", token_lifetime_s=0.6)
    output = run_read(sandbox.mentionlytics_config(), "mentions")
    assert sorted(ids(output)) == sorted(sandbox.get("mentionlytics/mentions"))
    assert sandbox.control("mentionlytics/settings")["refreshes"] >= 2
    assert "invalid_grant" not in capsys.readouterr().out
