"""Mentionlab's page-object listings (queries, entities, AI responses) and the per-bucket analytics at the
HTTP boundary: what each request carries, how pages are followed, and the shapes the docs leave open."""

import json
from datetime import date, datetime, timedelta, timezone

import requests_mock
from airbyte_cdk.models import FailureType, Level, SyncMode

from .builders import last_state, provider_config, run_read

API = "https://mentionlab.test"
PROJECTS_URL = f"{API}/api/projects/list"
QUERIES_URL = f"{API}/api/queries/list"
ENTITIES_URL = f"{API}/api/entities/list"
VISIBILITY_URL = f"{API}/api/v1/analytics/visibility/timeseries"
SHARE_URL = f"{API}/api/analytics/visibility/share-of-voice"
PROJECT = {"id": "p-1", "name": "One", "recurrence": "daily", "recurrenceStatus": "active", "llmProviders": ["openai"],
           "executionCount": 3, "organisation": "org-1", "updatedAt": "2026-11-02T10:00:00.000Z"}  # fmt: skip


def config(start_date="2026-11-01T00:00:00Z", **fields):
    return {**provider_config("mentionlab", start_date=start_date, api_key="ml_live_unit", api_url=API, **fields), "num_workers": 1}


def page_object(rows, current, pages, next_page="follows"):
    """A page-object answer; next_page="follows" puts currentPage + 1 (null on the last page), None leaves the key out."""
    page = {"totalRecords": 99, "limit": len(rows), "currentPage": current, "totalPages": pages, "prevPage": current - 1 or None}
    if next_page == "follows":
        page["nextPage"] = current + 1 if current < pages else None
    return {"page": page, "results": rows}


def query(query_id, project="p-1", **fields):
    return {"id": query_id, "project": project, "tags": [1], "query": "best crm", "language": "en", "country": "US", "updatedAt": "2026-11-02T09:00:00.000Z", **fields}


def results_url(query_id):
    return f"{API}/api/analytics/queries/{query_id}/results"


def ai_response(response_id, initiated_at="2026-11-10T09:00:00.000Z"):
    return {"aiResponseId": response_id, "initiatedAt": initiated_at, "model": "gpt-5-mini", "text": "...", "hasSources": False, "hasShopping": False, "sources": [], "entities": []}


def pages_asked(http, url):
    return [r.qs.get("page", ["1"])[0] for r in http.request_history if r.url.split("?")[0] == url]


def bodies(http, url):
    return [json.loads(r.body) for r in http.request_history if r.url.split("?")[0] == url]


def test_queries_follow_next_page_and_ask_the_largest_documented_page():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(QUERIES_URL, [{"json": page_object([query("q-1")], 1, 2)}, {"json": page_object([query("q-2")], 2, 2)}])
        output = run_read(config(), "queries", sync_mode=SyncMode.full_refresh)
    assert [m.record.data["id"] for m in output.records] == ["q-1", "q-2"]
    assert pages_asked(http, QUERIES_URL) == ["1", "2"]
    assert all(r.qs["limit"] == ["500"] and r.headers["x-project-id"] == "p-1" for r in http.request_history[1:])


def test_a_page_object_without_next_page_is_followed_up_to_total_pages():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        answers = [page_object([query(f"q-{n}")], n, 3, next_page=None) for n in (1, 2, 3)]
        http.post(QUERIES_URL, [{"json": answer} for answer in answers])
        output = run_read(config(), "queries", sync_mode=SyncMode.full_refresh)
    assert [m.record.data["id"] for m in output.records] == ["q-1", "q-2", "q-3"] and pages_asked(http, QUERIES_URL) == ["1", "2", "3"]


def test_an_empty_page_ends_the_list_even_if_it_names_a_next_page():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(ENTITIES_URL, [{"json": page_object([], 1, 5)}])
        output = run_read(config(), "entities", sync_mode=SyncMode.full_refresh)
    assert not output.records and not output.errors and pages_asked(http, ENTITIES_URL) == ["1"]


def test_query_filters_go_in_the_body_and_numeric_tag_ids_as_numbers():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(QUERIES_URL, json=page_object([query("q-1", project={"id": "p-1", "name": "One"})], 1, 1))
        numeric = run_read(config(countries=["BE"], query_tag_ids=["12", "34"]), "queries", sync_mode=SyncMode.full_refresh)
        run_read(config(query_tag_ids=["550e8400-e29b"]), "queries", sync_mode=SyncMode.full_refresh)
    assert bodies(http, QUERIES_URL) == [{"countries": ["BE"], "tagIds": [12, 34]}, {"tagIds": ["550e8400-e29b"]}]
    assert numeric.records[0].record.data["project"] == '{"id":"p-1","name":"One"}'  # an expanded project: its JSON text, one column type


def test_ai_responses_ask_each_query_of_its_project_and_page_in_the_body():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(QUERIES_URL, json=page_object([query("q-1")], 1, 1))
        http.post(results_url("q-1"), [{"json": page_object([ai_response("r-1")], 1, 2)}, {"json": page_object([ai_response("r-2")], 2, 2)}])
        output = run_read(config(timezone="Europe/Brussels", models=["gpt-5-mini"]), "ai_responses")
    sent = bodies(http, results_url("q-1"))
    assert [(b.get("page"), b["pageSize"]) for b in sent] == [(None, 100), (2, 100)]
    assert sent[0]["startDate"] == "2026-10-31" and sent[0]["timezone"] == "Europe/Brussels" and sent[0]["models"] == ["gpt-5-mini"]
    assert "queryIds" not in sent[0] and {r.headers["x-project-id"] for r in http.request_history[1:]} == {"p-1"}
    assert [(m.record.data["aiResponseId"], m.record.data["project_id"], m.record.data["query_id"]) for m in output.records] == [("r-1", "p-1", "q-1"), ("r-2", "p-1", "q-1")]
    assert last_state(output)["states"][0]["cursor"]["initiatedAt"].startswith("2026-11-10T09:00:00")


def test_a_query_deleted_after_the_listing_is_skipped_with_a_warning_naming_it():
    deleted = set()

    def gone(request, context):
        deleted.add("q-gone")
        context.status_code = 404
        return {"statusCode": 404, "message": "Query not found", "error": "Not Found"}

    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(QUERIES_URL, json=lambda request, context: page_object([query(q) for q in ("q-gone", "q-1") if q not in deleted], 1, 1))
        http.post(results_url("q-gone"), json=gone)
        http.post(results_url("q-1"), json=page_object([ai_response("r-1")], 1, 1))
        output = run_read(config(), "ai_responses")
    assert [m.record.data["aiResponseId"] for m in output.records] == ["r-1"] and not output.errors
    warnings = [m.log.message for m in output.logs if m.log.level == Level.WARN]
    assert any("/queries/q-gone/results" in w and "the query is no longer listed" in w for w in warnings)


def test_a_query_still_listed_whose_ai_responses_answer_404_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(QUERIES_URL, json=page_object([query("q-1")], 1, 1))
        http.post(results_url("q-1"), status_code=404, json={"statusCode": 404, "message": "Cannot POST", "error": "Not Found"})
        output = run_read(config(), "ai_responses", expect_failure=True)
    assert not output.records
    assert any("but query q-1 is still listed" in e.trace.error.message and e.trace.error.failure_type == FailureType.config_error for e in output.errors)


def test_ai_responses_resume_one_day_before_the_query_state_to_cover_every_timezone():
    state = {"states": [{"partition": {"query_id": "q-1", "parent_slice": {"project_id": "p-1", "parent_slice": {}}}, "cursor": {"initiatedAt": "2026-11-20T01:30:00.000000Z"}}],
             "use_global_cursor": False, "state": {"initiatedAt": "2026-11-20T01:30:00.000000Z"}}  # fmt: skip
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(QUERIES_URL, json=page_object([query("q-1")], 1, 1))
        http.post(results_url("q-1"), json=page_object([ai_response("r-9", "2026-11-19T23:00:00.000Z"), ai_response("r-10", "2026-11-21T08:00:00Z")], 1, 1))
        output = run_read(config(timezone="America/New_York"), "ai_responses", state=state)
    assert bodies(http, results_url("q-1"))[0]["startDate"] == "2026-11-19"
    assert {m.record.data["aiResponseId"] for m in output.records} >= {"r-10"}  # seconds without a fraction are read too
    assert last_state(output)["states"][0]["cursor"]["initiatedAt"].startswith("2026-11-21T08:00:00")


def test_legacy_visibility_rows_without_entity_flags_or_position_are_read():
    legacy = {"bucket": "2026-11-10T00:00:00.000Z", "displayKey": "e-1", "displayName": "Acme Corp", "totalResponses": 150, "presentIn": 42, "visibilityPct": 28}
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(VISIBILITY_URL, json=[legacy])
        output = run_read(config(entity_ids=["e-1"]), "visibility_timeseries")
    record = output.records[0].record.data
    assert (record["displayKey"], record["bucket_date"], record.get("avgPositionRank")) == ("e-1", "2026-11-10", None) and not output.errors
    body = bodies(http, VISIBILITY_URL)[0]
    assert (body["bucketSize"], body["metric"], body["entityIds"], body["startDate"]) == ("day", "visibility", ["e-1"], "2026-11-01")


def test_share_of_voice_asks_one_bucket_per_request_and_gives_a_row_per_brand_with_the_total():
    start = (datetime.now(timezone.utc) - timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = {"totalMentions": 10, "brands": [{"displayKey": "e-1", "displayName": "Acme Corp", "isOwned": True, "isPrimary": True, "mentionCount": 7, "shareOfVoice": 70}]}
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(SHARE_URL, json=answer)
        output = run_read(config(start_date=start, bucket_size="week"), "share_of_voice")
    periods = [(date.fromisoformat(b["startDate"]), date.fromisoformat(b["endDate"])) for b in bodies(http, SHARE_URL)]
    assert periods and all(first.weekday() == 0 and end - first == timedelta(days=7) for first, end in periods[:-1])
    assert [first for first, _ in periods] == sorted({first for first, _ in periods}) and periods[-1][0].weekday() == 0
    rows = [m.record.data for m in output.records]
    assert [r["bucket_date"] for r in rows] == [first.isoformat() for first, _ in periods]
    assert all((r["totalMentions"], r["mentionCount"], r["project_id"], r["bucket_size"]) == (10, 7, "p-1", "week") for r in rows)


def test_month_buckets_start_on_the_first_and_end_before_the_next_month():
    answer = [{"displayKey": "e-1", "displayName": "Acme Corp", "totalResponses": 3, "presentIn": 1, "visibilityPct": 33.3, "mentionCount": 1}]
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=[PROJECT])
        http.post(f"{API}/api/analytics/visibility/entities", json=answer)
        run_read(config(start_date="2026-10-17T00:00:00Z", bucket_size="month"), "entity_visibility")
    periods = [(b["startDate"], b["endDate"]) for b in bodies(http, f"{API}/api/analytics/visibility/entities")]
    assert periods[:2] == [("2026-10-01", "2026-11-01"), ("2026-11-01", "2026-12-01")]
