"""Sociovite: offset pagination driven by the envelope, cleaned-up fields, filters, errors."""

import requests_mock
from airbyte_cdk.models import FailureType

from .builders import ids, last_state, provider_config, query_of, run_read, trace_errors

URL = "https://sociovite.test/api/mentions"
PROJECTS_URL = "https://sociovite.test/api/project"
TOKEN = "sv-unit-token-77"


def config(**fields):
    return provider_config("sociovite", access_token=TOKEN, api_url="https://sociovite.test/api", **fields)


def post(post_id, createdat="2026-11-01T10:00:00Z", **fields):
    return {"id": post_id, "content": "c", "keywordid": "kw-1", "sentimen": 1, "socialmediaid": "tiktok",
            "createdat": createdat, "updated_at": "2026-11-02T10:00:00Z", **fields}


def project(project_id):
    """A project as GET /project documents it (API-REFERENCE.md §4.3)."""
    return {"id": project_id, "name": f"Project {project_id}", "description": "", "created_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-02T00:00:00Z"}


def envelope(posts, page, limit, total):
    return {"data": posts, "total": total, "page": page, "limit": limit, "totalPages": -(-total // limit)}


def test_offset_follows_the_envelope_until_total_is_reached():
    with requests_mock.Mocker() as http:
        http.get(URL, [
            {"json": envelope([post("a"), post("b")], page=1, limit=2, total=5)},
            {"json": envelope([post("c"), post("d")], page=2, limit=2, total=5)},
            {"json": envelope([post("e")], page=3, limit=2, total=5)},
        ])
        output = run_read(config(), "mentions")
    assert ids(output) == ["a", "b", "c", "d", "e"]
    assert [(query_of(r)["offset"], query_of(r)["page"]) for r in http.request_history] == [("0", "1"), ("2", "2"), ("4", "3")]
    assert query_of(http.request_history[0])["limit"] == "100"


def test_a_server_that_reads_only_page_still_moves_forward():
    """The curl example pages with `page`; a server ignoring `offset` answers the page asked for."""
    with requests_mock.Mocker() as http:
        pages = {"1": envelope([post("a")], page=1, limit=1, total=2), "2": envelope([post("b")], page=2, limit=1, total=2)}
        http.get(URL, json=lambda request, context: pages[query_of(request)["page"]])
        assert ids(run_read(config(), "mentions")) == ["a", "b"]


def test_zero_update_date_becomes_null_and_sentiment_two_becomes_negative():
    with requests_mock.Mocker() as http:
        http.get(URL, json=envelope([post("a", updated_at="0001-01-01T00:00:00Z", sentimen=2), post("b", sentimen=None)], 1, 100, 2))
        records = [m.record.data for m in run_read(config(), "mentions").records]
    # null values leave the record message (the CDK omits them); destinations store NULL
    assert records[0].get("updated_at") is None and records[0]["sentimen"] == -1
    assert records[1]["updated_at"] == "2026-11-02T10:00:00Z" and records[1].get("sentimen") is None
    assert records[0]["keyword_id"] == "kw-1"


def test_filters_are_sent_and_empty_ones_left_out():
    with requests_mock.Mocker() as http:
        http.get(URL, json=envelope([], 1, 100, 0))
        http.get(PROJECTS_URL, json={"projects": [project("kw-2")]})
        run_read(config(social_media="tiktok", sentiment=0, project_ids=["kw-2"]), "mentions")
        filtered = query_of(http.last_request)
        run_read(config(), "mentions")
        plain = query_of(http.last_request)
    # the documented names and the curl example's names carry the same values
    assert filtered == {"project_id": "kw-2", "keywordId": "kw-2", "sosmedId": "tiktok", "sentimen": "0", "limit": "100", "offset": "0", "page": "1"}
    assert plain == {"limit": "100", "offset": "0", "page": "1"}


def test_incremental_keeps_only_posts_newer_than_the_state():
    state = {"states": [{"partition": {"project_id": ""}, "cursor": {"createdat": "2026-11-01T00:00:00Z"}}]}
    with requests_mock.Mocker() as http:
        http.get(URL, json=envelope([post("new", "2026-11-03T00:00:00Z"), post("old", "2026-10-30T00:00:00Z")], 1, 100, 2))
        output = run_read(config(), "mentions", state=state)
    assert ids(output) == ["new"]
    assert last_state(output)["states"][0]["cursor"] == {"createdat": "2026-11-03T00:00:00Z"}


def test_rejected_token_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(URL, status_code=401, json={"error": "Invalid or missing token"})
        output = run_read(config(), "mentions", expect_failure=True)
    assert any(error.failure_type == FailureType.config_error and "Access Token" in error.message for error in trace_errors(output))
    assert not any(TOKEN in repr(message) for message in output._messages)


def test_server_error_is_retried():
    with requests_mock.Mocker() as http:
        http.get(URL, [{"status_code": 500, "json": {"error": "Internal server error"}}, {"json": envelope([post("a")], 1, 100, 1)}])
        assert ids(run_read(config(), "mentions")) == ["a"]
