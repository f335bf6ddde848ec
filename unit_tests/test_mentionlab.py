"""Mentionlab at the HTTP boundary: the project list, list-cursor paging and its per-project state,
brands per AI answer, and the sentiment time series (per-project POST bodies, local bucket dates)."""

import json

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, Level, Status, SyncMode

from .builders import check, last_state, provider_config, run_read, trace_errors

API = "https://mentionlab.test"
KEY = "ml_live_unit_key_5"
PROJECTS_URL = f"{API}/api/projects/list"
LIST_CURSOR_URL = f"{API}/api/result-analysis/list-cursor"
TIMESERIES_URL = f"{API}/api/analytics/sentiment/timeseries"


def config(**fields):
    return {**provider_config("mentionlab", start_date="2026-11-01T00:00:00Z", api_key=KEY, api_url=API, **fields), "num_workers": 1}


def project(project_id, name="Project"):
    """A project as GET /api/projects/list documents it."""
    return {
        "id": project_id, "name": name, "recurrence": "daily", "recurrenceStatus": "active", "llmProviders": ["openai"],
        "executionCount": 3, "organisation": "org-1", "updatedAt": "2026-11-02T10:00:00.000Z",
    }  # fmt: skip


PROJECTS = [project("p-1", "One"), project("p-2", "Two")]


def brand(name, score=70, mentioned=True, rank=1):
    return {"name": name, "mentioned": mentioned, "mention_count": 1 if mentioned else 0, "sentiment_score": score, "ranking_position": rank}


def analysis(result_id, brands=None, time="2026-11-10T09:00:00.000Z", model="gpt-5-mini"):
    """A result-analysis row in the documented shape."""
    return {
        "id": result_id, "cachedJob": "job-1", "time": time,
        "analysisResult": {"model": model, "executionKey": f"{model}:0", "executionNumber": 0, "object": {"brands": brands or [brand("Acme")]}},
        "sourcesAnalysisResult": {"https://example.com/a": {"found": True, "matches": [{"text": "Acme", "context": "... Acme ..."}], "subDomain": None, "rootDomain": "example.com"}},
    }  # fmt: skip


def page(rows, limit, last=None):
    """A list-cursor answer; `last` = (lastUpdatedAt, lastId), by default taken from the last row."""
    last_updated, last_id = last or ((f"2026-11-20T00:00:{len(rows):02d}.000Z", rows[-1]["id"]) if rows else (None, None))
    return {"cursor": {"limit": limit, "count": len(rows), "lastId": last_id, "lastUpdatedAt": last_updated}, "results": rows}


class KeysetApi:
    """A list-cursor endpoint over rows kept in (updatedAt, id) order, `limit` rows a page.

    Each row's updatedAt is `2026-11-DDT...` with its index, so the answer's cursor is exact; the
    request's cursor is looked up, so a wrong cursor sent back shows as skipped or repeated rows.
    """

    def __init__(self, rows_by_project, limit=2, fail_at_request=None):
        self.rows = {key: [(f"2026-11-15T10:{index // 60:02d}:{index % 60:02d}.000Z", row) for index, row in enumerate(rows)] for key, rows in rows_by_project.items()}
        self.limit, self.fail_at_request, self.requests = limit, fail_at_request, 0

    def __call__(self, request, context):
        self.requests += 1
        if self.requests == self.fail_at_request:
            context.status_code = 400
            return {"statusCode": 400, "message": "stopped by the test", "error": "Bad Request"}
        rows = self.rows[request.headers["x-project-id"]]
        after = (request.json().get("cursor") or {})
        start = 0
        if after:
            start = next(index + 1 for index, (updated, row) in enumerate(rows) if (updated, row["id"]) == (after["lastUpdatedAt"], after["lastId"]))
        chunk = rows[start : start + self.limit]
        return page([row for _, row in chunk], self.limit, last=(chunk[-1][0], chunk[-1][1]["id"]) if chunk else (None, None))

    def position_of(self, project_id, result_id):
        return next((updated, row["id"]) for updated, row in self.rows[project_id] if row["id"] == result_id)


def posts(http, url=LIST_CURSOR_URL):
    return [(r.headers["x-project-id"], r.json()) for r in http.request_history if r.method == "POST" and r.url == url]


def ids(output):
    return [m.record.data["id"] for m in output.records]


def positions(state):
    return {entry["partition"]["project_id"]: entry["cursor"] for entry in state["states"]}


# ---------------------------------------------------------------- projects


def test_projects_are_read_from_the_bare_array_and_filtered_by_project_ids():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        every = run_read(config(), "projects", sync_mode=SyncMode.full_refresh)
        chosen = run_read(config(project_ids=["p-2"]), "projects", sync_mode=SyncMode.full_refresh)
    assert ids(every) == ["p-1", "p-2"] and ids(chosen) == ["p-2"]
    assert every.records[0].record.data["llmProviders"] == ["openai"]
    assert http.request_history[0].headers["x-api-key"] == KEY


def test_projects_in_a_data_envelope_are_read_too():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json={"data": PROJECTS})
        assert ids(run_read(config(), "projects", sync_mode=SyncMode.full_refresh)) == ["p-1", "p-2"]
        http.get(PROJECTS_URL, json={"data": []})
        assert ids(run_read(config(), "projects", sync_mode=SyncMode.full_refresh)) == []


def test_a_project_list_in_another_shape_fails_and_names_its_keys():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json={"projects": PROJECTS, "total": 2})
        output = run_read(config(), "projects", sync_mode=SyncMode.full_refresh, expect_failure=True)
    assert any("neither a list nor a `data` list" in error.message and "projects" in (error.internal_message or "") for error in trace_errors(output))


def test_a_bad_key_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, status_code=401, json={"statusCode": 401, "message": "Invalid API key", "error": "Unauthorized"})
        output = run_read(config(), "projects", sync_mode=SyncMode.full_refresh, expect_failure=True)
    assert any(error.failure_type == FailureType.config_error and "API Key" in error.message for error in trace_errors(output))


def test_check_fails_when_the_api_url_has_no_project_list():
    """A 404 on the list is a wrong address, not a deleted project: check must not pass with no projects."""
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, status_code=404, json={"statusCode": 404, "message": "Cannot GET /api/projects/list", "error": "Not Found"})
        result = check(config())
    assert result.status == Status.FAILED and "API URL" in result.message


def test_organisation_id_is_sent_only_when_configured():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, json=page([], 2))
        run_read(config(organisation_id="org-7"), "result_analyses")
        with_org = list(http.request_history)
        run_read(config(), "result_analyses")
        without = http.request_history[len(with_org) :]
    assert [r.headers.get("x-organisation-id") for r in with_org] == ["org-7", "org-7"]
    assert [r.headers.get("x-organisation-id") for r in without] == [None, None]


# ---------------------------------------------------------------- result analyses: paging


def test_first_page_filters_on_start_date_and_later_pages_send_the_answers_cursor_back():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, [
            {"json": page([analysis("r1"), analysis("r2")], 2, last=("2026-11-12T08:00:00.123Z", "r2"))},
            {"json": page([analysis("r3")], 2, last=("2026-11-13T08:00:00.000Z", "r3"))},
        ])  # fmt: skip
        output = run_read(config(), "result_analyses")
    (_, first), (_, second) = posts(http)
    assert first == {"updatedAtFrom": "2026-11-01T00:00:00Z"}
    assert second == {"updatedAtFrom": "2026-11-01T00:00:00Z", "cursor": {"lastUpdatedAt": "2026-11-12T08:00:00.123Z", "lastId": "r2"}}
    assert ids(output) == ["r1", "r2", "r3"]
    assert {m.record.data["project_id"] for m in output.records} == {"p-1"}


def test_paging_stops_when_count_is_below_limit():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, [{"json": page([analysis("r1")], 2)}, {"json": page([analysis("never")], 2)}])
        output = run_read(config(), "result_analyses")
    assert ids(output) == ["r1"] and len(posts(http)) == 1


def test_paging_stops_on_an_empty_page_and_keeps_the_last_position():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, [
            {"json": page([analysis("r1"), analysis("r2")], 2, last=("2026-11-12T08:00:00.000Z", "r2"))},
            {"json": page([], 2)},
            {"json": page([analysis("never")], 2)},
        ])  # fmt: skip
        output = run_read(config(), "result_analyses")
    assert ids(output) == ["r1", "r2"] and len(posts(http)) == 2
    assert positions(last_state(output)) == {"p-1": {"lastUpdatedAt": "2026-11-12T08:00:00.000Z", "lastId": "r2"}}


def test_a_full_page_without_a_cursor_position_fails_instead_of_stopping():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, json={"cursor": {"limit": 1, "count": 1}, "results": [analysis("r1")]})
        output = run_read(config(), "result_analyses", expect_failure=True)
    assert any("without cursor.lastId and cursor.lastUpdatedAt" in error.message for error in trace_errors(output))


# ---------------------------------------------------------------- result analyses: state


def test_state_is_the_answers_cursor_per_project():
    api = KeysetApi({"p-1": [analysis("a1"), analysis("a2"), analysis("a3")], "p-2": [analysis("b1")]})
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        http.post(LIST_CURSOR_URL, json=api)
        output = run_read(config(), "result_analyses")
    assert sorted(ids(output)) == ["a1", "a2", "a3", "b1"]
    state = positions(last_state(output))
    assert (state["p-1"]["lastUpdatedAt"], state["p-1"]["lastId"]) == api.position_of("p-1", "a3")
    assert (state["p-2"]["lastUpdatedAt"], state["p-2"]["lastId"]) == api.position_of("p-2", "b1")


def test_a_resumed_sync_sends_each_projects_state_as_its_first_cursor():
    state = {"states": [{"partition": {"project_id": "p-1"}, "cursor": {"lastUpdatedAt": "2026-11-15T10:00:01.000Z", "lastId": "a2"}}]}
    api = KeysetApi({"p-1": [analysis("a1"), analysis("a2"), analysis("a3")], "p-2": [analysis("b1")]})
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        http.post(LIST_CURSOR_URL, json=api)
        output = run_read(config(), "result_analyses", state=state)
    first_bodies = {}
    for project_id, body in posts(http):
        first_bodies.setdefault(project_id, body)
    assert first_bodies["p-1"]["cursor"] == {"lastUpdatedAt": "2026-11-15T10:00:01.000Z", "lastId": "a2"}
    assert "cursor" not in first_bodies["p-2"]  # no state yet: from start_date
    assert sorted(ids(output)) == ["a3", "b1"]


def test_a_state_that_is_not_a_keyset_position_is_read_again_from_start_date_with_a_warning():
    state = {"states": [{"partition": {"project_id": "p-1", "parent_slice": {}}, "cursor": {"updatedAt": "2026-11-20T00:00:00.000Z"}}],
             "state": {"updatedAt": "2026-11-20T00:00:00.000Z"}, "use_global_cursor": False}  # fmt: skip
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, json=page([analysis("r1")], 2))
        output = run_read(config(), "result_analyses", state=state)
    assert posts(http)[0][1] == {"updatedAtFrom": "2026-11-01T00:00:00Z"} and ids(output) == ["r1"]
    assert any(m.log.level.name == "WARN" and "project_id p-1 is not a list-cursor position" in m.log.message for m in output.logs)


def test_a_sync_stopped_mid_project_resumes_from_its_last_state_without_skip_or_repeat():
    rows = {"p-1": [analysis(f"a{n}") for n in range(7)], "p-2": [analysis(f"b{n}") for n in range(3)]}
    failing = KeysetApi(rows, limit=2, fail_at_request=3)  # p-1's third page fails after two pages; p-2 is read in full
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        http.post(LIST_CURSOR_URL, json=failing)
        stopped = run_read(config(), "result_analyses", expect_failure=True)
    committed = committed_ids(stopped)
    assert [result_id for result_id in committed if result_id.startswith("a")] == ["a0", "a1", "a2", "a3"]
    assert positions(last_state(stopped))["p-1"]["lastId"] == "a3"

    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        http.post(LIST_CURSOR_URL, json=KeysetApi(rows, limit=2))
        resumed = run_read(config(), "result_analyses", state=last_state(stopped))
    assert sorted(ids(resumed)) == ["a4", "a5", "a6"]
    assert sorted(committed + ids(resumed)) == sorted(row["id"] for project_rows in rows.values() for row in project_rows)


def test_no_state_covers_a_record_emitted_after_it():
    api = KeysetApi({"p-1": [analysis(f"a{n}") for n in range(5)], "p-2": [analysis(f"b{n}") for n in range(4)]}, limit=2)
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        http.post(LIST_CURSOR_URL, json=api)
        output = run_read(config(), "result_analyses")
    emitted = []
    states = 0
    for message in output.records_and_state_messages:
        if message.record:
            emitted.append((message.record.data["project_id"], message.record.data["id"]))
            continue
        states += 1
        for project_id, position in positions(message.state.stream.stream_state.__dict__).items():
            covered = {row["id"] for updated, row in api.rows[project_id] if (updated, row["id"]) <= (position["lastUpdatedAt"], position["lastId"])}
            assert covered <= {result_id for owner, result_id in emitted if owner == project_id}
    assert states >= 5  # a checkpoint per page: 3 pages of p-1, 2 of p-2


def committed_ids(output):
    """Ids of the records emitted before the last state message: what a destination keeps of a failed sync."""
    messages = output.records_and_state_messages
    last = max(index for index, message in enumerate(messages) if message.state)
    return [message.record.data["id"] for message in messages[:last] if message.record]


# ---------------------------------------------------------------- unified mentions


def test_unified_mentions_are_one_row_per_mentioned_brand_with_its_sentiment():
    brands = [
        brand("Acme", 75, rank=1), brand("Globex", 60, rank=2), brand("Initech", 59.5, rank=3), brand("Umbrella", 40, rank=4),
        brand("Hooli", 39, rank=5), brand("Stark", None, rank=None), brand("Wayne", 90, mentioned=False, rank=None),
    ]  # fmt: skip
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, json=page([analysis("r1", brands, time="2026-11-10T09:00:00.000Z", model="claude-haiku-4-5")], 5))
        output = run_read(config(), "unified_mentions")
    rows = {m.record.data["brand_name"]: m.record.data for m in output.records}
    assert sorted(rows) == ["Acme", "Globex", "Hooli", "Initech", "Stark", "Umbrella"]  # Wayne is not mentioned
    assert {name: row.get("sentiment") for name, row in rows.items()} == {"Acme": 1, "Globex": 1, "Initech": 0, "Umbrella": 0, "Hooli": -1, "Stark": None}
    acme = rows["Acme"]
    assert acme == {
        "provider": "mentionlab", "mention_id": "r1:Acme", "project_id": "p-1", "source_type": "claude-haiku-4-5",
        "sentiment": 1, "sentiment_raw": "75", "published_at": "2026-11-10T09:00:00.000Z",
        "brand_name": "Acme", "sentiment_score": 75.0, "ranking_position": 1,
    }  # fmt: skip
    assert rows["Initech"]["sentiment_raw"] == "59.5" and rows["Stark"].get("ranking_position") is None
    assert positions(last_state(output))["p-1"]["lastId"] == "r1"


def test_unified_mentions_resume_on_the_same_keyset():
    state = {"states": [{"partition": {"project_id": "p-1"}, "cursor": {"lastUpdatedAt": "2026-11-15T10:00:00.000Z", "lastId": "a0"}}]}
    api = KeysetApi({"p-1": [analysis("a0"), analysis("a1", [brand("Acme"), brand("Globex", 20)])]})
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[project("p-1")])
        http.post(LIST_CURSOR_URL, json=api)
        output = run_read(config(), "unified_mentions", state=state)
    assert posts(http)[0][1]["cursor"] == {"lastUpdatedAt": "2026-11-15T10:00:00.000Z", "lastId": "a0"}
    assert sorted(m.record.data["mention_id"] for m in output.records) == ["a1:Acme", "a1:Globex"]


# ---------------------------------------------------------------- sentiment time series


def bucket(instant, count=3):
    return {"bucket": instant, "sentimentScore": 50.0, "positive": 1, "neutral": count - 2, "negative": 1, "mentionCount": count}


def mock_timeseries(http, rows):
    http.get(PROJECTS_URL, json=PROJECTS)
    http.post(TIMESERIES_URL, json=rows)


def test_each_project_is_posted_with_its_header_and_a_body_without_empty_filters():
    with requests_mock.Mocker() as http:
        mock_timeseries(http, [])
        run_read(config(models=["gpt-4o"]), "sentiment_timeseries")
    sent = posts(http, TIMESERIES_URL)
    assert sorted(project_id for project_id, _ in sent) == ["p-1", "p-2"]
    body = sent[0][1]
    assert body["bucketSize"] == "day" and body["timezone"] == "UTC" and body["models"] == ["gpt-4o"]
    assert body["startDate"] == "2026-11-01" and "endDate" in body
    assert not any(value is None for value in body.values()) and "entityIds" not in body
    assert all(r.headers["x-api-key"] == KEY for r in http.request_history)


def test_bucket_date_is_the_local_day_and_records_carry_their_filters():
    with requests_mock.Mocker() as http:
        mock_timeseries(http, [bucket("2026-11-09T23:00:00.000Z")])
        output = run_read(config(timezone="Europe/Brussels", countries=["BE"], project_ids=["p-1"]), "sentiment_timeseries")
    record = output.records[0].record.data
    assert record["bucket_date"] == "2026-11-10"
    assert (record["project_id"], record["entity_id"], record["timezone"]) == ("p-1", "brand", "Europe/Brussels")
    assert record["filters"]["countries"] == ["BE"]
    assert last_state(output)["states"][0]["cursor"] == {"bucket_date": "2026-11-10"}


def test_one_series_per_configured_entity():
    with requests_mock.Mocker() as http:
        mock_timeseries(http, [bucket("2026-11-10T00:00:00.000Z")])
        output = run_read(config(project_ids=["p-1"], entity_ids=["e-1", "e-2"]), "sentiment_timeseries")
    assert sorted(body["entityIds"] for _, body in posts(http, TIMESERIES_URL)) == [["e-1"], ["e-2"]]
    assert sorted(m.record.data["entity_id"] for m in output.records) == ["e-1", "e-2"]


def test_next_sync_re_reads_the_open_bucket():
    state = {"states": [{"partition": {"project_id": "p-1", "entity_id": "brand", "parent_slice": {}}, "cursor": {"bucket_date": "2026-11-16"}}],
             "use_global_cursor": False, "state": {"bucket_date": "2026-11-16"}, "lookback_window": 0}  # fmt: skip
    with requests_mock.Mocker() as http:
        mock_timeseries(http, [])
        run_read(config(project_ids=["p-1"], bucket_size="week"), "sentiment_timeseries", state=state)
    assert posts(http, TIMESERIES_URL)[0][1]["startDate"] == "2026-11-09"  # the previous week: its bucket and the open one


NOT_FOUND = {"statusCode": 404, "message": "Project not found", "error": "Not Found"}


def project_list_forgetting(deleted):
    """GET /api/projects/list as it is when asked: without the projects in `deleted`."""
    return lambda request, context: [p for p in PROJECTS if p["id"] not in deleted]


def deleting(deleted, project_id, answer):
    """A data endpoint that answers 404 for `project_id` (no longer listed from then on) and `answer` for the others."""

    def respond(request, context):
        if request.headers.get("x-project-id") == project_id:
            deleted.add(project_id)
            context.status_code = 404
            return NOT_FOUND
        return answer

    return respond


@pytest.mark.parametrize("stream", ["result_analyses", "unified_mentions"])
def test_a_deleted_project_is_skipped_with_a_warning(stream):
    deleted = set()
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=project_list_forgetting(deleted))
        http.post(LIST_CURSOR_URL, json=deleting(deleted, "p-1", page([analysis("b1")], 2)))
        output = run_read(config(), stream)
    assert len(output.records) == 1 and not output.errors
    assert any("the project is no longer listed" in m.log.message for m in output.logs if m.log.level == Level.WARN)


@pytest.mark.parametrize("stream, url", [("result_analyses", LIST_CURSOR_URL), ("sentiment_timeseries", TIMESERIES_URL)])
def test_every_listed_project_answering_404_is_a_config_error_not_an_empty_sync(stream, url):
    """A path that moved (legacy vs /api/v1/) serves the project list but not the data: the projects are still listed."""
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=PROJECTS)
        http.post(url, status_code=404, json=NOT_FOUND)
        output = run_read(config(), stream, expect_failure=True)
    assert not output.records
    errors = sorted(e.trace.error.message for e in output.errors if e.trace.error.message.startswith("Mentionlab answered 404"))
    assert errors == [f"Mentionlab answered 404 (not found) for {url}, but project {p} is still listed: not a deleted project but a wrong address, "
                      "an API path that moved, or a plan without this data. Check the API URL (https://api.mentionlab.io; the API has legacy "
                      "and /api/v1/ paths) and that your plan includes this data." for p in ("p-1", "p-2")]  # fmt: skip
    assert all(e.trace.error.failure_type == FailureType.config_error for e in output.errors)
    assert [r.method for r in http.request_history if r.url.startswith(PROJECTS_URL)] == ["GET", "GET"]  # the sync's listing, one re-listing for both


def test_a_cut_project_list_is_asked_again_not_replayed_from_a_cache():
    """The CDK caches parent streams' answers; a retried unreadable body must come from the API again."""
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, [{"text": '[{"id": "p-1", "na'}, {"json": [project("p-1")]}])
        http.post(f"{API}/api/analytics/sentiment/timeseries", json=[{"bucket": "2026-11-10T00:00:00.000Z", "sentimentScore": 50.0, "positive": 1, "neutral": 1, "negative": 1, "mentionCount": 3}])
        output = run_read(config(), "sentiment_timeseries")
    assert [r.method for r in http.request_history if r.url.startswith(PROJECTS_URL)] == ["GET", "GET"]
    assert len(output.records) == 1
