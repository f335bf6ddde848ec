"""Errors: clear config errors for credentials and plans, bounded retries for transient faults."""

from typing import Set

import requests_mock
from airbyte_cdk.models import FailureType, Level, Status

from .builders import API, TOKEN, check, config, deleted_now, ids, mention, mentions_page, mock_alert_list, mock_mentions, mock_account, run_read


def test_check_with_a_rejected_token_fails_with_an_actionable_message():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/me", status_code=401, json={"error": "invalid_grant", "error_description": "The access token provided is invalid."})
        status = check(config())
    assert status.status == Status.FAILED
    assert "access token" in status.message and "Access Token" in status.message
    assert TOKEN not in status.message


def test_check_without_api_plan_names_the_plan():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/me", status_code=403, json={"error": "access_denied", "error_description": "Your plan does not include API access."})
        status = check(config())
    assert status.status == Status.FAILED
    assert "plan" in status.message


def test_read_with_rejected_token_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/me", status_code=401, json={"error": "invalid_grant"})
        output = run_read(config(), "accounts", expect_failure=True)
    errors = [message.trace.error for message in output.errors]
    assert errors and all(error.failure_type == FailureType.config_error for error in errors)
    assert not any(TOKEN in repr(message) for message in output._messages)


def test_validation_error_surfaces_the_api_field_messages():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", status_code=400, json={"form": {"errors": [], "children": {"limit": {"errors": ["This value should be 1000 or less."]}}}})
        output = run_read(config(), "mentions", expect_failure=True)
    assert "This value should be 1000 or less." in output.errors[-1].trace.error.message


def test_alert_deleted_mid_sync_is_skipped_and_others_are_read():
    deleted: Set[str] = set()
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        mock_alert_list(http, ["1", "2"], deleted)
        mock_mentions(http, "1", json=deleted_now(deleted, "1"))
        mock_mentions(http, "2", json=mentions_page([mention("7", alert_id=2)]))
        output = run_read(config(), "mentions")
    assert ids(output) == ["7"]
    warnings = [m.log.message for m in output.logs if m.log.level == Level.WARN]
    assert any("/alerts/1/mentions" in w and "deleted after this sync listed it" in w for w in warnings), warnings


def test_rate_limit_waits_until_the_reset_header(no_real_sleep, fixed_clock):
    reset = int(fixed_clock) + 30
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"status_code": 429, "headers": {"X-Rate-Limit-Reset": str(reset)}, "json": {"error": "rate_limited"}},
            {"json": mentions_page([mention("3")])},
        ])
        output = run_read(config(), "mentions")
    assert ids(output) == ["3"]
    assert 31 in no_real_sleep, no_real_sleep  # the 30 s to the reset, plus the CDK's extra second


def test_server_errors_are_retried_with_backoff(no_real_sleep):
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"status_code": 503, "json": {}},
            {"status_code": 500, "text": "oops"},
            {"json": mentions_page([mention("3")])},
        ])
        output = run_read(config(), "mentions")
    assert ids(output) == ["3"]
    assert len([wait for wait in no_real_sleep if wait >= 1]) >= 2


def test_cut_json_body_is_retried_not_read_as_an_empty_page():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"text": '{"mentions": [{"id": "3", "alert'},
            {"json": mentions_page([mention("3"), mention("4")])},
        ])
        output = run_read(config(), "mentions")
    assert sorted(ids(output)) == ["3", "4"]


def test_dropped_connection_is_retried():
    import requests

    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"exc": requests.exceptions.ConnectionError("connection reset by peer")},
            {"json": mentions_page([mention("3")])},
        ])
        output = run_read(config(), "mentions")
    assert ids(output) == ["3"]
