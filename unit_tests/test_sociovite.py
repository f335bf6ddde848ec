"""Sociovite: offset pagination driven by the envelope, cleaned-up fields, filters, errors; projects and the
mentions of every listed project when Project IDs is left empty."""

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, Level, Status

from .builders import check, ids, last_state, provider_config, query_of, run_read, trace_errors

URL = "https://sociovite.test/api/mentions"
PROJECTS_URL = "https://sociovite.test/api/project"
TOKEN = "sv-unit-token-77"


def config(**fields):
    return provider_config("sociovite", access_token=TOKEN, api_url="https://sociovite.test/api", **fields)


def post(post_id, createdat="2026-11-01T10:00:00Z", **fields):
    return {"id": post_id, "content": "c", "keywordid": "kw-1", "sentimen": 1, "socialmediaid": "tiktok",
            "createdat": createdat, "updated_at": "2026-11-02T10:00:00Z", **fields}


def project(project_id, **fields):
    """A project as GET /project documents it (API-REFERENCE.md §4.3)."""
    return {"id": project_id, "name": f"Project {project_id}", "description": "", "created_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-02T00:00:00Z", **fields}


def envelope(posts, page, limit, total):
    return {"data": posts, "total": total, "page": page, "limit": limit, "totalPages": -(-total // limit)}


def mock_projects(http, *project_ids):
    http.get(PROJECTS_URL, json={"projects": [project(project_id) for project_id in project_ids]})


def mention_queries(http):
    """The query of every GET /mentions, in the order sent."""
    return [query_of(r) for r in http.request_history if r.url.split("?")[0] == URL]


def test_offset_follows_the_envelope_until_total_is_reached():
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1")
        http.get(URL, [
            {"json": envelope([post("a"), post("b")], page=1, limit=2, total=5)},
            {"json": envelope([post("c"), post("d")], page=2, limit=2, total=5)},
            {"json": envelope([post("e")], page=3, limit=2, total=5)},
        ])
        output = run_read(config(), "mentions")
    assert ids(output) == ["a", "b", "c", "d", "e"]
    assert [(query["offset"], query["page"]) for query in mention_queries(http)] == [("0", "1"), ("2", "2"), ("4", "3")]
    assert mention_queries(http)[0]["limit"] == "100"


def test_a_server_that_reads_only_page_still_moves_forward():
    """The curl example pages with `page`; a server ignoring `offset` answers the page asked for."""
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1")
        pages = {"1": envelope([post("a")], page=1, limit=1, total=2), "2": envelope([post("b")], page=2, limit=1, total=2)}
        http.get(URL, json=lambda request, context: pages[query_of(request)["page"]])
        assert ids(run_read(config(), "mentions")) == ["a", "b"]


def test_zero_update_date_becomes_null_and_sentiment_two_becomes_negative():
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1")
        http.get(URL, json=envelope([post("a", updated_at="0001-01-01T00:00:00Z", sentimen=2), post("b", sentimen=None)], 1, 100, 2))
        records = [m.record.data for m in run_read(config(), "mentions").records]
    # null values leave the record message (the CDK omits them); destinations store NULL
    assert records[0].get("updated_at") is None and records[0]["sentimen"] == -1
    assert records[1]["updated_at"] == "2026-11-02T10:00:00Z" and records[1].get("sentimen") is None
    assert records[0]["keyword_id"] == "kw-1"


def test_filters_are_sent_and_empty_ones_left_out():
    with requests_mock.Mocker() as http:
        http.get(URL, json=envelope([], 1, 100, 0))
        mock_projects(http, "kw-2")
        run_read(config(social_media="tiktok", sentiment=0, project_ids=["kw-2"]), "mentions")
        filtered = query_of(http.last_request)
        run_read(config(), "mentions")
        plain = query_of(http.last_request)
    # the documented names and the curl example's names carry the same values
    assert filtered == {"project_id": "kw-2", "keywordId": "kw-2", "sosmedId": "tiktok", "sentimen": "0", "limit": "100", "offset": "0", "page": "1"}
    assert plain == {"project_id": "kw-2", "keywordId": "kw-2", "limit": "100", "offset": "0", "page": "1"}


def test_incremental_keeps_only_posts_newer_than_the_state():
    state = {"states": [{"partition": {"project_id": "kw-1"}, "cursor": {"createdat": "2026-11-01T00:00:00Z"}}]}
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1")
        http.get(URL, json=envelope([post("new", "2026-11-03T00:00:00Z"), post("old", "2026-10-30T00:00:00Z")], 1, 100, 2))
        output = run_read(config(project_ids=["kw-1"]), "mentions", state=state)
    assert ids(output) == ["new"]
    assert last_state(output)["states"][0]["cursor"] == {"createdat": "2026-11-03T00:00:00Z"}


def test_rejected_token_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, status_code=401, json={"error": "Invalid or missing token"})
        http.get(URL, status_code=401, json={"error": "Invalid or missing token"})
        output = run_read(config(), "mentions", expect_failure=True)
    assert any(error.failure_type == FailureType.config_error and "Access Token" in error.message for error in trace_errors(output))
    assert not any(TOKEN in repr(message) for message in output._messages)


def test_server_error_is_retried():
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1")
        http.get(URL, [{"status_code": 500, "json": {"error": "Internal server error"}}, {"json": envelope([post("a")], 1, 100, 1)}])
        assert ids(run_read(config(), "mentions")) == ["a"]


# ---------------------------------------------------------------- projects, and Project IDs left empty


def test_projects_are_read_page_by_page_with_the_zero_update_date_as_null():
    pages = {"1": [project(f"kw-{n}") for n in range(100)], "2": [project("kw-last", updated_at="0001-01-01T00:00:00Z")]}
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, json=lambda request, context: {"projects": pages[query_of(request)["page"]]})
        output = run_read(config(), "projects")
    assert len(output.records) == 101
    assert output.records[-1].record.data["name"] == "Project kw-last" and output.records[-1].record.data.get("updated_at") is None
    assert all(query_of(r)["limit"] == "100" for r in http.request_history)
    assert [query_of(r)["page"] for r in http.request_history][-2:] == ["1", "2"]


def test_with_project_ids_only_those_projects_are_requested():
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1", "kw-2", "kw-3")
        http.get(URL, json=lambda request, context: envelope([post(f"post-of-{query_of(request)['keywordId']}")], 1, 100, 1))
        output = run_read(config(project_ids=["kw-2"]), "mentions")
    assert ids(output) == ["post-of-kw-2"]
    assert {query["keywordId"] for query in mention_queries(http)} == {"kw-2"}


def test_without_project_ids_every_listed_project_is_read_as_its_own_partition():
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1", "kw-2")
        http.get(URL, json=lambda request, context: envelope([post(f"post-of-{query_of(request)['keywordId']}")], 1, 100, 1))
        output = run_read(config(), "mentions")
    assert sorted(ids(output)) == ["post-of-kw-1", "post-of-kw-2"]
    assert sorted((query["project_id"], query["keywordId"]) for query in mention_queries(http)) == [("kw-1", "kw-1"), ("kw-2", "kw-2")]
    assert sorted(state["partition"]["project_id"] for state in last_state(output)["states"]) == ["kw-1", "kw-2"]


@pytest.mark.parametrize("listing", [{"json": {"projects": []}}, {"status_code": 404, "json": {"error": "Not found"}}], ids=["empty", "404"])
def test_without_project_ids_and_no_listed_project_every_mention_is_read_without_a_project_filter(listing):
    """The seed documents project_id on GET /mentions as optional: an account without a project list is read whole."""
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, **listing)
        http.get(URL, json=envelope([post("a"), post("b")], 1, 100, 2))
        output = run_read(config(), "mentions")
        status = check(config())
    assert sorted(ids(output)) == ["a", "b"] and not trace_errors(output)
    assert all("project_id" not in query and "keywordId" not in query for query in mention_queries(http))
    assert sum("reading GET /mentions without a project filter" in m.log.message for m in output.logs if m.log.level == Level.INFO) == 1
    assert last_state(output)["states"][0]["partition"] == {"project_id": ""}  # the unfiltered partition of earlier versions
    assert status.status == Status.SUCCEEDED


def test_check_without_project_ids_reads_the_mentions_not_only_the_project_list():
    with requests_mock.Mocker() as http:
        http.get(PROJECTS_URL, status_code=404, json={"error": "Not found"})
        http.get(URL, status_code=403, json={"error": "Forbidden"})
        status = check(config())
    assert status.status == Status.FAILED


def test_projects_listed_after_an_unfiltered_sync_are_read_from_the_start_date():
    """A project that has no state of its own (here: after syncs that read unfiltered) starts at start_date, not at the
    other partitions' state: nothing published before that state is lost; the primary key deduplicates what is read again."""
    saved = {"use_global_cursor": False, "state": {"createdat": "2026-11-01T00:00:00Z"}, "lookback_window": 0,
             "states": [{"partition": {"project_id": ""}, "cursor": {"createdat": "2026-11-01T00:00:00Z"}}]}
    with requests_mock.Mocker() as http:
        mock_projects(http, "kw-1", "kw-2")
        http.get(URL, json=lambda request, context: envelope(
            [post(f"new-{query_of(request)['keywordId']}", "2026-11-03T00:00:00Z"), post(f"old-{query_of(request)['keywordId']}", "2026-10-30T00:00:00Z")], 1, 100, 2))
        output = run_read(config(), "mentions", state=saved)
    assert sorted(ids(output)) == ["new-kw-1", "new-kw-2", "old-kw-1", "old-kw-2"]
