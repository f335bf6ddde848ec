"""Ids are path segments, never paths: an id from the config or from an answer cannot climb the URL (issue 13, item 3)."""

from typing import List
from urllib.parse import urlsplit

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString

from . import test_mentionlab as mentionlab
from .builders import API, ACCOUNT, alerts_page, check, config, mentions_page, run_read, trace_errors

STREAM_API = "https://stream.mention.test/api"


def paths(http: requests_mock.Mocker) -> List[str]:
    """Paths as sent (still percent-encoded), whatever the host."""
    return [urlsplit(request.url).path for request in http.request_history]


def test_the_manifest_filter_path_segment_is_known_to_the_cdk_template_environment():
    """CDK assumption: every manifest template renders in the environment cdk_adapter.register_jinja_filter adds the filter to."""
    rendered = InterpolatedString.create("/accounts/{{ value | path_segment }}/alerts", parameters={}).eval({}, value="../../x?y=1#z %2F")
    assert rendered == "/accounts/..%2F..%2Fx%3Fy%3D1%23z%20%252F/alerts"


def test_a_configured_account_id_stays_one_segment_under_accounts():
    with requests_mock.Mocker() as http:
        http.get(requests_mock.ANY, json={"account": {"id": "x", "name": "X"}})
        run_read(config(account_id="../../x"), "accounts", sync_mode=SyncMode.full_refresh)
    assert paths(http) == ["/api/accounts/..%2F..%2Fx"]


def test_an_account_id_from_the_answer_stays_one_segment_under_accounts():
    with requests_mock.Mocker() as http:
        http.get(requests_mock.ANY, json=alerts_page(["7"]))
        http.get(f"{API}/accounts/me", json={"account": {"id": "../../x", "name": "Hostile"}})
        output = run_read(config(), "alerts", sync_mode=SyncMode.full_refresh)
    assert [record.record.data["id"] for record in output.records] == ["7"]
    assert paths(http) == ["/api/accounts/me", "/api/accounts/..%2F..%2Fx/alerts"]


def test_an_alert_id_from_the_answer_stays_one_segment_under_its_account():
    with requests_mock.Mocker() as http:
        http.get(requests_mock.ANY, json=mentions_page([], pull_since_id="5"))
        http.get(f"{API}/accounts/me", json={"account": {"id": ACCOUNT}})
        http.get(f"{API}/accounts/{ACCOUNT}/alerts", json=alerts_page(["../../../y"]))
        run_read(config(), "mentions")
    mention_paths = [path for path in paths(http) if path.endswith("/mentions")]
    assert mention_paths and set(mention_paths) == {f"/api/accounts/{ACCOUNT}/alerts/..%2F..%2F..%2Fy/mentions"}


def test_statistics_and_the_stream_endpoint_escape_the_account_id_too():
    with requests_mock.Mocker() as http:
        http.get(requests_mock.ANY, json={})
        http.get(f"{API}/accounts/me", json={"account": {"id": "a/b"}})
        http.get(f"{API}/accounts/a%2Fb/alerts", json=alerts_page(["7"]))
        run_read(config(), "statistics", expect_failure=True)
        run_read(config(stream_url=STREAM_API, stream_duration_seconds=1), "live_mentions", expect_failure=True)
    assert "/api/accounts/a%2Fb/stats" in paths(http)
    assert "/api/accounts/a%2Fb/mentions" in paths(http)  # the stream host's path
    assert all(path.startswith("/api/accounts/") for path in paths(http))


def test_a_dot_only_id_from_the_answer_fails_the_stream_naming_it_and_is_never_requested():
    with requests_mock.Mocker() as http:
        http.get(requests_mock.ANY, json=alerts_page(["7"]))
        http.get(f"{API}/accounts/me", json={"account": {"id": ".."}})
        output = run_read(config(), "alerts", sync_mode=SyncMode.full_refresh, expect_failure=True)
    assert paths(http) == ["/api/accounts/me"]
    assert "'..' cannot be put in a URL path" in trace_errors(output)[0].message


def test_a_dot_only_account_id_in_the_config_fails_check_naming_it():
    status = check(config(account_id=".."))
    assert status.status.name == "FAILED"
    assert "'..' cannot be put in a URL path" in status.message


def test_a_project_id_from_the_answer_cannot_inject_a_header_and_fails_the_stream_unsent():
    """Mentionlab ids travel in x-project-id, not in a path: requests refuses a value with CR/LF before anything is sent."""
    with requests_mock.Mocker() as http:
        http.get(mentionlab.PROJECTS_URL, json=[mentionlab.project("p-1\r\nx-api-key: stolen")])
        http.post(mentionlab.LIST_CURSOR_URL, json=mentionlab.page([], 2))
        output = run_read(mentionlab.config(), "result_analyses", expect_failure=True)
    assert not mentionlab.posts(http)
    assert "InvalidHeader" in trace_errors(output)[0].message
