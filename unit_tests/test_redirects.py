"""Credentials stay on their host: a redirect to another host is refused, naming it; nothing reaches it."""

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, Status, SyncMode

from .builders import check, run_read
from .first_requests import FIRST_REQUESTS

PROVIDERS = list(FIRST_REQUESTS)
ELSEWHERE = "https://elsewhere.example"


def redirected(http, provider, location, status=302):
    first = FIRST_REQUESTS[provider]
    http.register_uri(requests_mock.ANY, requests_mock.ANY, **first.ok)  # any other host or path: an answer that would pass
    http.register_uri(first.method, first.url, status_code=status, headers={"Location": location})  # the later registration wins


def requests_to(http, origin):
    return [request for request in http.request_history if request.url.startswith(origin)]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_check_refuses_a_redirect_to_another_host_and_names_it(provider):
    first = FIRST_REQUESTS[provider]
    with requests_mock.Mocker() as http:
        redirected(http, provider, f"{ELSEWHERE}/collect")
        status = check(first.config())

    assert status.status == Status.FAILED
    assert f"redirecting to {ELSEWHERE}" in status.message and "does not send credentials to another host" in status.message
    assert not requests_to(http, ELSEWHERE)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_read_redirected_to_another_host_is_a_config_error_and_no_credential_leaves(provider):
    first = FIRST_REQUESTS[provider]
    with requests_mock.Mocker() as http:
        redirected(http, provider, f"{ELSEWHERE}/collect", status=307)
        output = run_read(first.config(), first.stream, sync_mode=SyncMode.full_refresh, expect_failure=True)

    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error and ELSEWHERE in error.message
    assert not [first.credentials_in(request) for request in requests_to(http, ELSEWHERE)]


def test_a_downgrade_to_plain_http_on_the_same_host_is_refused_too():
    first = FIRST_REQUESTS["mentionlab"]
    with requests_mock.Mocker() as http:
        redirected(http, "mentionlab", "http://mentionlab.test/api/projects/list")
        status = check(first.config())

    assert status.status == Status.FAILED and "redirecting to http://mentionlab.test" in status.message
    assert not requests_to(http, "http://")


def test_a_redirect_on_the_same_host_is_followed_with_the_credential():
    first = FIRST_REQUESTS["mentionlab"]
    with requests_mock.Mocker() as http:
        redirected(http, "mentionlab", "/api/v2/projects/list", status=301)
        output = run_read(first.config(), first.stream, sync_mode=SyncMode.full_refresh)

    assert [record.record.data["id"] for record in output.records] == ["p-1"]
    assert http.request_history[-1].url == "https://mentionlab.test/api/v2/projects/list"
    assert first.credentials_in(http.request_history[-1]) == ["x-api-key"]


def test_the_token_refresh_is_not_re_posted_to_another_host():
    config = FIRST_REQUESTS["mentionlytics"].config()
    del config["provider"]["token_expiry_date"]  # the first request is the refresh
    with requests_mock.Mocker() as http:
        http.register_uri(requests_mock.ANY, requests_mock.ANY, json={"access_token": "stolen", "refresh_token": "stolen", "expires_in": 3600})
        http.post("https://mly.test/v2/auth/refresh", status_code=307, headers={"Location": f"{ELSEWHERE}/auth/refresh"})
        output = run_read(config, "mentions", sync_mode=SyncMode.full_refresh, expect_failure=True)

    assert not requests_to(http, ELSEWHERE)
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error and f"redirecting to {ELSEWHERE}" in error.message


@pytest.mark.parametrize(
    "provider, stream, parent_url",
    [("mention", "mentions", "https://api.mention.test/api/accounts/acc_9/alerts"), ("mentionlab", "result_analyses", "https://mentionlab.test/api/projects/list")],
)
def test_a_parent_stream_refuses_the_redirect_too(provider, stream, parent_url):
    """Parents (the alerts a mentions sync lists, Mentionlab's projects) are built by a factory of their own in the CDK."""
    first = FIRST_REQUESTS[provider]
    with requests_mock.Mocker() as http:
        http.register_uri(requests_mock.ANY, requests_mock.ANY, **first.ok)
        http.get(parent_url, status_code=302, headers={"Location": f"{ELSEWHERE}/alerts"})
        output = run_read(first.config(), stream, sync_mode=SyncMode.full_refresh, expect_failure=True)

    assert not requests_to(http, ELSEWHERE)
    assert output.errors[0].trace.error.failure_type == FailureType.config_error
