"""Mentionlab's listings and analytics streams against the sandbox: each reads exactly the sandbox's
data set (over several pages where the API pages), and incremental syncs add exactly what is new."""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from unit_tests.builders import last_state, run_read

BRAND, COMPETITOR = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
NAMES = {"Acme Corp": BRAND, "Globex Inc": COMPETITOR}


def rows(output):
    return [m.record.data for m in output.records]


def sandbox_answers(sandbox, zone="UTC"):
    """(project, local date, row, query) of every analysed answer the sandbox holds."""
    api = sandbox.server.sandbox.mentionlab
    with api.lock:
        held = [(project, moment, row) for project, answers in api.answers.items() for moment, _, row in answers]
    return [(project, moment.astimezone(ZoneInfo(zone)).date(), row, api.query_of(project, row)) for project, moment, row in held]


def mentions_per_entity(sandbox, since: date, zone="UTC"):
    """{(project, entity id): (answers naming it, mentions of it)} from `since` (a local date) on."""
    counts = defaultdict(lambda: [0, 0])
    for project, day, row, _ in sandbox_answers(sandbox, zone):
        for brand in row["analysisResult"]["object"]["brands"]:
            if day >= since and brand["mentioned"]:
                counts[(project, NAMES[brand["name"]])][0] += 1
                counts[(project, NAMES[brand["name"]])][1] += brand["mention_count"]
    return {key: tuple(value) for key, value in counts.items()}


def monday_of(days_ago: int) -> date:
    day = (datetime.now(ZoneInfo("UTC")) - timedelta(days=days_ago)).date()
    return day - timedelta(days=day.weekday())


# ---------------------------------------------------------------- listings (page objects)


def test_queries_are_every_query_of_every_project_over_several_pages(start_sandbox):
    sandbox = start_sandbox(max_page_size=5)  # 12 queries per project: pages of 5, 5 and 2
    read = rows(run_read(sandbox.mentionlab_config(), "queries"))
    assert sorted(r["id"] for r in read) == sorted(sandbox.get("mentionlab/queries"))
    assert all(r["project_id"] == r["project"] and all(isinstance(tag, int) for tag in r["tags"]) for r in read)


def test_queries_follow_the_country_language_and_query_id_filters(sandbox):
    read = rows(run_read(sandbox.mentionlab_config(countries=["BE"], languages=["fr"]), "queries"))
    assert read and {(r["country"], r["language"]) for r in read} == {("BE", "fr")}
    wanted = sorted(sandbox.get("mentionlab/queries"))[:3]
    assert sorted(r["id"] for r in rows(run_read(sandbox.mentionlab_config(query_ids=wanted), "queries"))) == wanted


def test_entities_are_every_entity_of_every_project_over_several_pages(start_sandbox):
    sandbox = start_sandbox(max_page_size=5)
    read = rows(run_read(sandbox.mentionlab_config(), "entities"))
    projects = [p["id"] for p in sandbox.server.sandbox.mentionlab.projects]
    assert Counter(r["project_id"] for r in read) == {project: 12 for project in projects}
    assert len({(r["project_id"], r["id"]) for r in read}) == 24
    assert {r["name"] for r in read if r["isPrimary"]} == {"Acme Corp"}
    only = rows(run_read(sandbox.mentionlab_config(entity_ids=[COMPETITOR]), "entities"))
    assert {r["id"] for r in only} == {COMPETITOR} and len(only) == 2


# ---------------------------------------------------------------- ai_responses


def test_ai_responses_are_every_answer_over_several_pages_then_exactly_the_new_ones(start_sandbox):
    sandbox = start_sandbox(max_page_size=20)  # about 35 answers per query: two pages each
    config = sandbox.mentionlab_config(start_days_ago=100, timezone="America/New_York")
    first = run_read(config, "ai_responses")
    assert sorted(r["aiResponseId"] for r in rows(first)) == sorted(sandbox.get("mentionlab/ai_responses"))
    by_answer = {row["id"][:19] + "b" + row["id"][20:]: (project, query) for project, _, row, query in sandbox_answers(sandbox)}
    assert all(by_answer[r["aiResponseId"]] == (r["project_id"], r["query_id"]) for r in rows(first))

    before = set(sandbox.get("mentionlab/ai_responses"))
    sandbox.control("mentionlab/add", count=4, hours=1)
    second = run_read(config, "ai_responses", state=last_state(first))
    new = set(sandbox.get("mentionlab/ai_responses")) - before
    received = {r["aiResponseId"] for r in rows(second)}
    assert len(new) == 8 and new <= received and received | before == before | new
    newest = {}  # per query: its state (the newest answer read); the next sync starts one day before that day
    for r in rows(first):
        newest[r["query_id"]] = max(newest.get(r["query_id"], ""), r["initiatedAt"])
    assert all(r["initiatedAt"] >= (date.fromisoformat(newest[r["query_id"]][:10]) - timedelta(days=1)).isoformat() for r in rows(second))


def test_ai_responses_of_queries_outside_the_countries_are_not_read(sandbox):
    read = rows(run_read(sandbox.mentionlab_config(countries=["DE"]), "ai_responses"))
    german = {q["id"] for queries in sandbox.server.sandbox.mentionlab.queries.values() for q in queries if q["country"] == "DE"}
    assert read and {r["query_id"] for r in read} <= german


# ---------------------------------------------------------------- analytics


def test_visibility_timeseries_counts_every_answer_naming_each_entity(sandbox):
    config = sandbox.mentionlab_config(start_days_ago=100, bucket_size="week", timezone="Europe/Brussels")
    read = rows(run_read(config, "visibility_timeseries"))
    present = Counter()
    for r in read:
        present[(r["project_id"], r["displayKey"])] += r["presentIn"]
    expected = mentions_per_entity(sandbox, date(2000, 1, 1), "Europe/Brussels")
    assert dict(present) == {key: answers for key, (answers, _) in expected.items()}
    assert all(date.fromisoformat(r["bucket_date"]).weekday() == 0 for r in read[1:]) and all(r["bucket"].endswith("00:00.000Z") for r in read)


def test_visibility_timeseries_re_read_buckets_replace_their_rows(sandbox):
    config = sandbox.mentionlab_config(timezone="Europe/Brussels")
    first = run_read(config, "visibility_timeseries")
    sandbox.control("mentionlab/add", count=5, hours=0.5)
    second = run_read(config, "visibility_timeseries", state=last_state(first))
    key = lambda r: (r["project_id"], r["bucket"], r["displayKey"])  # noqa: E731 - the primary key
    merged = {key(r): r["presentIn"] for r in rows(first) + rows(second)}
    assert len(rows(second)) < len(rows(first)) and merged == {key(r): r["presentIn"] for r in rows(run_read(config, "visibility_timeseries"))}


@pytest.mark.parametrize("stream", ["entity_visibility", "share_of_voice"])
def test_per_bucket_analytics_add_up_to_every_mention_of_each_entity(sandbox, stream):
    config = sandbox.mentionlab_config(start_days_ago=30, bucket_size="week")
    read = rows(run_read(config, stream))
    mentions = Counter()
    for r in read:
        mentions[(r["project_id"], r["displayKey"])] += r["mentionCount"]
    expected = mentions_per_entity(sandbox, monday_of(30))
    assert dict(mentions) == {key: count for key, (_, count) in expected.items()}
    assert {date.fromisoformat(r["bucket_date"]).weekday() for r in read} == {0} and {r["bucket_size"] for r in read} == {"week"}
    if stream == "share_of_voice":
        per_bucket = Counter()
        for r in read:
            per_bucket[(r["project_id"], r["bucket_date"])] += r["mentionCount"]
        assert all(r["totalMentions"] == per_bucket[(r["project_id"], r["bucket_date"])] for r in read)


@pytest.mark.parametrize("stream", ["entity_visibility", "share_of_voice"])
def test_per_bucket_analytics_incremental_re_reads_the_open_bucket_and_the_one_before(sandbox, stream):
    config = sandbox.mentionlab_config(start_days_ago=20, bucket_size="day")
    first = run_read(config, stream)
    sandbox.control("mentionlab/add", count=5, hours=0.5)
    second = run_read(config, stream, state=last_state(first))
    today = max(r["bucket_date"] for r in rows(first))
    assert {r["bucket_date"] for r in rows(second)} <= {today, (date.fromisoformat(today) - timedelta(days=1)).isoformat()}
    key = lambda r: (r["project_id"], r["bucket_date"], r["displayKey"])  # noqa: E731 - the primary key
    merged = {key(r): r["mentionCount"] for r in rows(first) + rows(second)}
    assert merged == {key(r): r["mentionCount"] for r in rows(run_read(config, stream))}
