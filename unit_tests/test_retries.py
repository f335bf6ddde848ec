"""Honest, bounded retries: exponential waits with jitter, the reset header first, the cause in the log, a short budget for check."""

import random
import socket
import time

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType, Level, Status, SyncMode

from .builders import check, run_read
from .first_requests import FIRST_REQUESTS

PROVIDERS = list(FIRST_REQUESTS)

def raising(error):
    """A requests-mock answer raising `error` for the request, as requests' adapter does (with the request attached)."""

    def answer(request, context):
        raise type(error)(*error.args, request=request)

    return {"json": answer}


REFUSED = raising(requests.exceptions.ConnectionError(ConnectionRefusedError(111, "Connection refused")))
FAILURES = {
    "HTTP 503": {"status_code": 503, "json": {"error": "unavailable"}},
    "a dropped connection": raising(requests.exceptions.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))),
    "429 without a reset header": {"status_code": 429, "json": {"error": "rate_limited"}},
}
RESET_HEADERS = {  # each provider's documented reset header, 30 s ahead of `now`
    "mention": lambda now: {"X-Rate-Limit-Reset": str(int(now) + 30)},
    "sociovite": lambda now: {"Retry-After": "30"},
    "mentionlab": lambda now: {"Retry-After": "30"},
    "mentionlytics": lambda now: {"Retry-After": "30"},
}


def read_through(provider, responses, expect_failure=False):
    first = FIRST_REQUESTS[provider]
    with requests_mock.Mocker() as http:
        http.register_uri(first.method, first.url, responses)
        output = run_read(first.config(), first.stream, sync_mode=SyncMode.full_refresh, expect_failure=expect_failure)
    return output


def check_against(provider, response):
    first = FIRST_REQUESTS[provider]
    with requests_mock.Mocker() as http:
        http.register_uri(first.method, first.url, [response])
        return check(first.config()), http.call_count


def waits(slept):
    """The retry waits (the backoff library also sleeps 0 s; Mentionlab's call budget polls about every second)."""
    return [seconds for seconds in slept if seconds >= 2]


def log_lines(output, *levels):
    return [m.log.message for m in output.logs if m.log.level in levels]


# ---------------------------------------------------------------- waits


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_waits_grow_exponentially_with_bounded_jitter(no_real_sleep, provider, failure):
    """2, 4, 8 s plus 0-2 s of jitter, plus the CDK's extra second: never a flat wait, never whole seconds."""
    random.seed(13)
    output = read_through(provider, [FAILURES[failure]] * 3 + [FIRST_REQUESTS[provider].ok])

    taken = waits(no_real_sleep)
    assert not output.errors
    assert len(taken) == 3, taken
    for attempt, wait in enumerate(taken, start=1):
        assert 2**attempt + 1 <= wait <= 2**attempt + 3, taken
    assert any(wait != int(wait) for wait in taken), f"no jitter: {taken}"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_reset_header_of_a_429_still_wins(no_real_sleep, fixed_clock, provider):
    limited = {"status_code": 429, "json": {"error": "rate_limited"}, "headers": RESET_HEADERS[provider](fixed_clock)}
    output = read_through(provider, [limited, FIRST_REQUESTS[provider].ok])

    assert not output.errors
    # the header's 30 s, plus the CDK's extra second; the exponential strategy would have waited 3-5 s
    assert waits(no_real_sleep) == [31], no_real_sleep
    assert any("rate limited (HTTP 429) until" in line for line in log_lines(output, Level.INFO))


def test_a_reset_time_already_past_falls_back_to_the_exponential_wait(no_real_sleep, fixed_clock):
    past = {"status_code": 429, "json": {}, "headers": {"X-Rate-Limit-Reset": str(int(fixed_clock) - 5)}}
    output = read_through("mention", [past, FIRST_REQUESTS["mention"].ok])

    assert not output.errors and len(waits(no_real_sleep)) == 1 and 3 <= waits(no_real_sleep)[0] <= 5, no_real_sleep


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_read_keeps_the_long_budget_eight_retries_for_a_server_error(no_real_sleep, provider):
    output = read_through(provider, [FAILURES["HTTP 503"]] * 8 + [FIRST_REQUESTS[provider].ok])

    assert not output.errors and len(waits(no_real_sleep)) == 8


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_read_that_spends_its_budget_fails_naming_the_cause_without_a_traceback(no_real_sleep, provider):
    output = read_through(provider, [FAILURES["HTTP 503"]], expect_failure=True)

    message = output.errors[0].trace.error.message
    assert "HTTP 503" in message and "gave up after 9 attempts" in message
    assert FIRST_REQUESTS[provider].url.split("?")[0] in message
    assert not any("Traceback" in line for line in log_lines(output, Level.INFO, Level.WARN))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_host_that_refuses_connections_is_tried_for_about_a_minute_then_ends_the_sync_with_one_error(no_real_sleep, provider):
    output = read_through(provider, [REFUSED], expect_failure=True)

    taken = waits(no_real_sleep)
    assert len(taken) == 3 and sum(taken) <= 60, taken
    host = FIRST_REQUESTS[provider].url.split("/")[2]
    assert [e.trace.error.message for e in output.errors] == [
        f"Cannot reach {host}: GET {FIRST_REQUESTS[provider].url.split('?')[0]}: connection refused; gave up after 4 attempts. Check the API URL "
        "in the source's settings and that this machine can reach that host (proxy, firewall, VPN). The sync stopped here; no other stream tries it again."
    ]
    assert not any("Traceback" in line for line in log_lines(output, Level.INFO, Level.WARN, Level.ERROR))


def test_a_host_name_that_does_not_resolve_is_a_config_error_naming_the_api_url(no_real_sleep):
    not_found = raising(requests.exceptions.ConnectionError(socket.gaierror(-2, "Name or service not known")))
    output = read_through("mention", [not_found], expect_failure=True)

    error = output.errors[0].trace.error
    assert len(output.errors) == 1 and error.failure_type == FailureType.config_error
    assert "host name not found" in error.message and "Check the API URL" in error.message


def test_a_dns_server_answering_try_again_keeps_the_long_budget(no_real_sleep):
    """EAI_AGAIN is a resolver that did not answer in time, not a host name that does not exist."""
    again = raising(requests.exceptions.ConnectionError(socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")))
    output = read_through("mention", [again] * 5 + [FIRST_REQUESTS["mention"].ok])

    assert not output.errors and len(waits(no_real_sleep)) == 5


def test_once_a_host_is_given_up_no_other_stream_tries_it_again(no_real_sleep):
    first = FIRST_REQUESTS["mention"]
    with requests_mock.Mocker() as http:
        http.register_uri("GET", requests_mock.ANY, [REFUSED])
        output = run_read(first.config(), ["accounts", "alerts", "mentions", "statistics"], sync_mode=SyncMode.full_refresh, expect_failure=True)
    # the first request to give up (4 attempts) stops the sync; the one other request that may be in flight beside it (a
    # stream's partitions and another's parent are generated at once) stops at its next retry; no request starts after
    assert 4 <= http.call_count <= 8, http.call_count
    assert len(output.errors) == 1 and "Cannot reach" in output.errors[0].trace.error.message


# ---------------------------------------------------------------- log lines


@pytest.mark.parametrize(
    "failure, cause",
    [
        ({"status_code": 503, "json": {}}, "GET https://api.mention.test/api/accounts/me: HTTP 503"),
        (REFUSED, "GET https://api.mention.test/api/accounts/me: connection refused"),
        (FAILURES["a dropped connection"], "connection closed without an answer"),
        (raising(requests.exceptions.ReadTimeout("read timed out")), "no answer within 60 s (read timeout)"),
        ({"status_code": 429, "json": {}}, "rate limited (HTTP 429); retrying in"),
    ],
    ids=["503", "refused", "dropped", "read timeout", "429 without header"],
)
def test_each_wait_is_logged_with_its_real_cause_not_as_a_rate_limit(no_real_sleep, failure, cause):
    output = read_through("mention", [failure, FIRST_REQUESTS["mention"].ok])

    lines = log_lines(output, Level.INFO, Level.WARN)
    assert any(cause in line and "retrying in" in line for line in lines), lines
    assert not any("Rate limit exceeded" in line for line in lines), lines


# ---------------------------------------------------------------- check


@pytest.mark.parametrize("provider", PROVIDERS)
def test_check_on_a_refused_connection_fails_after_one_short_retry(no_real_sleep, provider):
    status, calls = check_against(provider, REFUSED)

    assert status.status == Status.FAILED
    assert "connection refused; gave up after 2 attempts" in status.message
    assert calls == 2 and len(waits(no_real_sleep)) == 1 and waits(no_real_sleep)[0] <= 11


@pytest.mark.parametrize("provider", PROVIDERS)
def test_check_does_not_try_again_after_a_timeout(no_real_sleep, provider):
    status, calls = check_against(provider, raising(requests.exceptions.ReadTimeout("read timed out")))

    assert status.status == Status.FAILED and "no answer within 10 s (read timeout)" in status.message
    assert calls == 1 and not waits(no_real_sleep)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_check_does_not_wait_for_a_far_rate_limit_reset(no_real_sleep, provider):
    far = {"mention": {"X-Rate-Limit-Reset": str(int(time.time()) + 300)}}.get(provider, {"Retry-After": "300"})
    status, calls = check_against(provider, {"status_code": 429, "json": {}, "headers": far})

    assert status.status == Status.FAILED and "rate limited (HTTP 429) until" in status.message
    assert "check does not wait" in status.message
    assert calls == 1 and not waits(no_real_sleep)


def test_a_read_after_a_check_in_the_same_process_has_the_long_budget_again(no_real_sleep):
    check_against("mention", FAILURES["HTTP 503"])
    no_real_sleep.clear()
    output = read_through("mention", [FAILURES["HTTP 503"]] * 4 + [FIRST_REQUESTS["mention"].ok])

    assert not output.errors and len(waits(no_real_sleep)) == 4


# ---------------------------------------------------------------- the Mentionlytics token refresh

REFRESH_URL = "https://mly.test/v2/auth/refresh"
REFRESHED = {"json": {"access_token": "unit-mly-bearer-new", "refresh_token": "unit-mly-refresh-new", "expires_in": 3600}}


def expired_mentionlytics_config():
    config = FIRST_REQUESTS["mentionlytics"].config()
    del config["provider"]["token_expiry_date"]  # empty expiry: the first request refreshes
    return config


def test_the_token_refresh_has_timeouts_and_retries_like_its_requester(no_real_sleep):
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [{"status_code": 503, "json": {}}, REFUSED, REFRESHED])
        http.get(FIRST_REQUESTS["mentionlytics"].url, **FIRST_REQUESTS["mentionlytics"].ok)
        output = run_read(expired_mentionlytics_config(), "mentions", sync_mode=SyncMode.full_refresh)
        refreshes = [r for r in http.request_history if r.url == REFRESH_URL]

    assert not output.errors
    assert [r.timeout for r in refreshes] == [(30.0, 60.0)] * 3
    first, second = waits(no_real_sleep)  # its own sleeps: no extra second
    assert 2 <= first <= 4 and 4 <= second <= 6
    assert any("POST https://mly.test/v2/auth/refresh: HTTP 503" in line for line in log_lines(output, Level.INFO))


def test_check_with_an_unreachable_token_refresh_fails_after_one_short_retry(no_real_sleep):
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [REFUSED])
        status = check(expired_mentionlytics_config())
        refreshes = [r for r in http.request_history if r.url == REFRESH_URL]

    assert status.status == Status.FAILED
    assert "POST https://mly.test/v2/auth/refresh: connection refused; gave up after 2 attempts" in status.message
    assert len(refreshes) == 2 and refreshes[0].timeout == (10.0, 10.0)


def test_a_parent_stream_retries_with_the_same_waits_and_lines(no_real_sleep):
    """The alerts a mentions sync lists come from a parent stream, built by a factory of its own in the CDK."""
    first = FIRST_REQUESTS["mention"]
    with requests_mock.Mocker() as http:
        http.get(first.url, **first.ok)
        http.get("https://api.mention.test/api/accounts/acc_9/alerts", [{"status_code": 502, "json": {}}, {"json": {"alerts": [], "_links": {}}}])
        output = run_read(first.config(), "mentions", sync_mode=SyncMode.full_refresh)

    assert not output.errors
    assert len(waits(no_real_sleep)) == 1 and 3 <= waits(no_real_sleep)[0] <= 5
    assert any("GET https://api.mention.test/api/accounts/acc_9/alerts: HTTP 502" in line for line in log_lines(output, Level.INFO))
    assert http.request_history[0].timeout == (30.0, 60.0)  # the accounts parent: the config's read timeout


def test_a_token_refresh_without_an_answer_is_not_sent_again(no_real_sleep):
    """The refresh token is single use: the server may have rotated it before the answer was lost."""
    with requests_mock.Mocker() as http:
        http.post(REFRESH_URL, [raising(requests.exceptions.ReadTimeout("read timed out")), REFRESHED])
        output = run_read({**expired_mentionlytics_config(), "read_timeout_seconds": 5}, "mentions", sync_mode=SyncMode.full_refresh, expect_failure=True)
        refreshes = [r for r in http.request_history if r.url == REFRESH_URL]

    assert len(refreshes) == 1 and refreshes[0].timeout == (30.0, 60.0)  # a refresh waits at least a minute
    message = output.errors[0].trace.error.message
    assert "no answer within 60 s (read timeout); the refresh is not sent again" in message


def test_a_per_alert_request_retries_with_the_same_waits_and_lines(no_real_sleep):
    """An alert's mentions are read with the alert error handler (a custom class: a 404 skips the alert)."""
    from .builders import config, mention, mentions_page, mock_account, mock_mentions

    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [{"status_code": 503, "json": {}}, {"json": mentions_page([mention("3")])}])
        output = run_read(config(), "mentions")

    assert [m.record.data["id"] for m in output.records] == ["3"]
    assert len(waits(no_real_sleep)) == 1 and 3 <= waits(no_real_sleep)[0] <= 5
    assert any("/alerts/1/mentions: HTTP 503" in line and "retrying in" in line for line in log_lines(output, Level.INFO))
