"""A misconfiguration never looks like success (issue 13, items 1 and 2).

A 404 on what the config points at (the API URL, the account, the alert or project list, the token
refresh endpoint) is a config_error naming the URL and the setting to fix, from `check` and from
`read`; only what this sync listed and its listing, asked again, no longer shows is skipped, with a WARN. `check` and `read`
name every configured id the provider does not list.
"""

from typing import Set

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, Level, Status, SyncMode

from source_mentions.run import config_problem

from .builders import (
    API, ACCOUNT, ALERTS_URL, alert_list_reads, alerts_page, check, config, deleted_now, ids, mention, mentions_page, mock_account, mock_alert_list,
    mock_mentions, provider_config, run_read, trace_errors,
)  # fmt: skip
from .contracts import fixtures

ME_URL = f"{API}/accounts/me"
NOT_FOUND = {"error": "not_found", "error_description": "This resource does not exist."}


def warnings(output):
    return [message.log.message for message in output.logs if message.log.level == Level.WARN]


def config_errors(output):
    return [error for error in trace_errors(output) if error.failure_type == FailureType.config_error]


# ---------------------------------------------------------------- Mention: the API URL and the account


def test_check_against_a_wrong_api_url_path_fails_naming_the_url_and_the_setting():
    with requests_mock.Mocker() as http:
        http.get(ME_URL, status_code=404, json=NOT_FOUND)
        status = check(config())
    assert status.status == Status.FAILED
    assert ME_URL in status.message and "API URL" in status.message


@pytest.mark.parametrize("stream", ["accounts", "alerts", "mentions", "statistics"])
def test_read_against_a_wrong_api_url_path_is_a_config_error_not_an_empty_sync(stream):
    with requests_mock.Mocker() as http:
        http.get(ME_URL, status_code=404, json=NOT_FOUND)
        output = run_read(config(), stream, expect_failure=True)
    assert not output.records
    assert config_errors(output) and ME_URL in config_errors(output)[0].message and "API URL" in config_errors(output)[0].message


def test_check_with_an_account_id_that_does_not_exist_names_the_account_id():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/nope_1", status_code=404, json=NOT_FOUND)
        status = check(config(account_id="nope_1"))
    assert status.status == Status.FAILED
    assert f"{API}/accounts/nope_1" in status.message and "Account ID (nope_1" in status.message


def test_read_with_an_account_id_that_does_not_exist_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/nope_1", status_code=404, json=NOT_FOUND)
        http.get(f"{API}/accounts/nope_1/alerts", status_code=404, json=NOT_FOUND)  # a read lists the alerts of the configured account at once
        output = run_read(config(account_id="nope_1"), "mentions", expect_failure=True)
    assert not output.records
    assert "Account ID" in config_errors(output)[0].message


def test_a_404_on_the_alert_list_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(ME_URL, json={"account": {"id": ACCOUNT, "name": "Test"}})
        http.get(ALERTS_URL, status_code=404, json=NOT_FOUND)
        output = run_read(config(), "mentions", expect_failure=True)
    assert ALERTS_URL in config_errors(output)[0].message


# ---------------------------------------------------------------- Mention: alert ids


def test_check_names_every_configured_alert_id_the_account_does_not_have():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        status = check(config(alert_ids=["1", "3", "4"]))
    assert status.status == Status.FAILED
    assert "Alert IDs: 3, 4." in status.message and " 1" not in status.message.split(".")[0]


def test_check_passes_in_a_few_requests_when_every_alert_id_exists():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2", "5"])
        status = check(config(alert_ids=["2", "5"]))
    assert status.status == Status.SUCCEEDED
    assert len(http.request_history) <= 3


def test_check_reads_the_alert_list_past_its_first_page_to_find_an_alert():
    with requests_mock.Mocker() as http:
        http.get(ME_URL, json={"account": {"id": ACCOUNT, "name": "Test"}})
        http.get(ALERTS_URL, [{"json": alerts_page(["1"], more={"limit": 100, "cursor": "c2"})}, {"json": alerts_page(["2"])}])
        status = check(config(alert_ids=["2"]))
    assert status.status == Status.SUCCEEDED


@pytest.mark.parametrize("stream", ["alerts", "mentions", "statistics", "live_mentions", "unified_mentions"])
def test_read_with_alert_ids_matching_no_alert_is_a_config_error_naming_them(stream):
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        output = run_read(config(alert_ids=["8", "9"]), stream, expect_failure=True)
    assert not output.records
    assert "Alert IDs: 8, 9." in config_errors(output)[0].message


def test_statistics_of_an_alert_deleted_mid_sync_are_skipped_with_a_warning():
    deleted: Set[str] = set()
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        mock_alert_list(http, ["1", "2"], deleted)
        http.get(f"{API}/accounts/{ACCOUNT}/stats", json=deleted_now(deleted, "1"), additional_matcher=lambda r: "alerts%5B%5D=1" in r.url)
        http.get(f"{API}/accounts/{ACCOUNT}/stats", json={"from": "x", "to": "y", "stats": {"2": {"alert_id": 2, "mentions_per_interval": {"data": {"2026-10-01": 3}}}}}, additional_matcher=lambda r: "alerts%5B%5D=2" in r.url)
        output = run_read(config(), "statistics")
    assert {m.record.data["alert_id"] for m in output.records} == {"2"} and not trace_errors(output)
    assert any("/stats" in line and "the alert is no longer listed" in line for line in warnings(output))


def test_statistics_of_an_alert_still_listed_that_answer_404_are_a_config_error():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(f"{API}/accounts/{ACCOUNT}/stats", status_code=404, json=NOT_FOUND)
        output = run_read(config(), "statistics", expect_failure=True)
    assert not output.records
    assert "but alert 1 is still listed" in config_errors(output)[0].message


def test_live_mentions_of_an_account_whose_alert_vanished_are_skipped_with_a_warning():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        http.get(f"https://stream.mention.test/api/accounts/{ACCOUNT}/mentions", status_code=404, json=NOT_FOUND)
        output = run_read(config(stream_url="https://stream.mention.test/api", stream_duration_seconds=2), "live_mentions")
    assert not output.records and not trace_errors(output)
    assert any("stream endpoint answered 404" in line and "Stream URL" in line for line in warnings(output))


def test_an_alert_deleted_mid_sync_does_not_hide_the_others():
    deleted: Set[str] = set()
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        mock_alert_list(http, ["1", "2"], deleted)
        mock_mentions(http, "1", json=deleted_now(deleted, "1"))
        mock_mentions(http, "2", json=mentions_page([mention("7", alert_id=2)]))
        output = run_read(config(alert_ids=["1", "2"]), "mentions")
    assert ids(output) == ["7"] and not trace_errors(output)
    assert any("alerts/1/mentions" in line and "the alert is no longer listed" in line for line in warnings(output))


def test_every_listed_alert_answering_404_is_a_config_error_not_an_empty_sync():
    """A proxy or API version that serves the alert list but not the mentions: the alerts are still listed."""
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2", "3"])
        for alert_id in ("1", "2", "3"):
            mock_mentions(http, alert_id, status_code=404, json=NOT_FOUND)
        output = run_read(config(), "mentions", expect_failure=True)
        listed_before = alert_list_reads(http)
    assert not output.records
    errors = [error.message for error in config_errors(output) if error.message.startswith("Mention answered 404")]
    assert sorted(errors) == [
        f"Mention answered 404 (not found) for {ALERTS_URL}/{alert}/mentions, but alert {alert} is still listed: not a deleted alert but a wrong "
        "address, an API path that moved, or a plan without this data. Check the API URL (Mention's is https://api.mention.net/api), the API "
        "version, and that your plan includes this data."
        for alert in ("1", "2", "3")
    ]
    assert not [line for line in warnings(output) if "no longer listed" in line]
    assert listed_before == 2  # the sync's own listing, then one more for every 404 together


# ---------------------------------------------------------------- Sociovite

SV_API = "https://sociovite.test/api"
SV_TOKEN = "sv-unit-token-77"
EMPTY_PAGE = {"data": [], "total": 0, "page": 1, "limit": 100, "totalPages": 1}
PROJECT_LIST = next(f for f in fixtures("sociovite") if f.name == "project")  # the documented answer
LISTED = [project["id"] for project in PROJECT_LIST.data["responses"][0]["body"]["projects"]]


def sociovite(**fields):
    return provider_config("sociovite", access_token=SV_TOKEN, api_url=SV_API, **fields)


def test_sociovite_check_against_a_wrong_api_url_fails_naming_the_url_and_the_setting():
    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", status_code=404, json={"error": "Not found"})
        http.get(f"{SV_API}/project", status_code=404, json={"error": "Not found"})
        status = check(sociovite(project_ids=["kw-1"]))
    assert status.status == Status.FAILED
    assert f"{SV_API}/mentions" in status.message and "API URL" in status.message


def test_sociovite_read_against_a_wrong_api_url_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", status_code=404, json={"error": "Not found"})
        http.get(f"{SV_API}/project", status_code=404, json={"error": "Not found"})
        output = run_read(sociovite(project_ids=["kw-1"]), "mentions", expect_failure=True)
    assert "API URL" in config_errors(output)[0].message


def test_sociovite_wrong_api_url_without_project_ids_fails_naming_the_setting():
    """Nothing is listed at a wrong address: the error leads to the API URL, not to an empty sync."""
    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", status_code=404, json={"error": "Not found"})
        http.get(f"{SV_API}/project", status_code=404, json={"error": "Not found"})
        status = check(sociovite())
        output = run_read(sociovite(), "mentions", expect_failure=True)
    assert status.status == Status.FAILED and "API URL" in status.message and f"{SV_API}/mentions" in status.message
    assert "API URL" in config_errors(output)[0].message and f"{SV_API}/mentions" in config_errors(output)[0].message
    assert any(f"{SV_API}/project" in line for line in warnings(output))


def test_sociovite_check_names_the_project_ids_its_documented_project_list_does_not_hold():
    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", json=EMPTY_PAGE)
        http.get(PROJECT_LIST.url(sociovite()), PROJECT_LIST.mock_responses())
        failed = check(sociovite(project_ids=[LISTED[0], "kw-gone"]))
        passed = check(sociovite(project_ids=LISTED))
    assert failed.status == Status.FAILED and "Project IDs: kw-gone." in failed.message
    assert passed.status == Status.SUCCEEDED
    assert {"page", "limit"} <= set(http.last_request.qs)


def test_sociovite_read_with_unknown_project_ids_is_a_config_error():
    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", json=EMPTY_PAGE)
        http.get(PROJECT_LIST.url(sociovite()), PROJECT_LIST.mock_responses())
        output = run_read(sociovite(project_ids=["kw-gone"]), "mentions", expect_failure=True)
    assert "Project IDs: kw-gone." in config_errors(output)[0].message


def test_sociovite_without_a_project_list_warns_that_project_ids_were_not_verified():
    """GET /project is documented but never seen answering: its absence must not block a working config."""
    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", json=EMPTY_PAGE)
        http.get(f"{SV_API}/project", status_code=404, json={"error": "Not found"})
        output = run_read(sociovite(project_ids=["kw-1"]), "mentions")
    assert not trace_errors(output)
    assert any("kw-1 could not be verified" in line for line in warnings(output))


def test_sociovite_project_list_that_never_ends_is_read_no_further_than_a_bound():
    def endless(request, context):
        page = int(request.qs["page"][0])
        return {"projects": [{"id": f"kw-{page}-{n}", "name": "p"} for n in range(100)]}

    with requests_mock.Mocker() as http:
        http.get(f"{SV_API}/mentions", json=EMPTY_PAGE)
        http.get(f"{SV_API}/project", json=endless)
        status = check(sociovite(project_ids=["kw-gone"]))
    assert status.status == Status.FAILED and "among the first 10000" in status.message
    assert len([r for r in http.request_history if r.path.endswith("/project")]) == 100


# ---------------------------------------------------------------- Mentionlytics

ML_API = "https://mentionlytics.test/v2"


def mentionlytics(**fields):
    return provider_config("mentionlytics", bearer_token="mly-bearer-unit-1", refresh_token="mly-refresh-unit-1", api_url=ML_API, **fields)


def test_mentionlytics_a_404_on_mentions_is_a_config_error_naming_the_api_url():
    with requests_mock.Mocker() as http:
        http.get(f"{ML_API}/mentions", status_code=404, json={"error": "not_found"})
        config_ = mentionlytics(token_expiry_date="2099-01-01T00:00:00Z")
        status = check(config_)
        output = run_read(config_, "mentions", expect_failure=True)
    assert status.status == Status.FAILED and f"{ML_API}/mentions" in status.message and "API URL" in status.message
    assert f"{ML_API}/mentions" in config_errors(output)[0].message


def test_mentionlytics_a_404_on_the_token_refresh_url_is_a_config_error_naming_it():
    with requests_mock.Mocker() as http:
        http.post(f"{ML_API}/auth/refresh", status_code=404, json={"error": "not_found"})
        status = check(mentionlytics())
        output = run_read(mentionlytics(), "mentions", expect_failure=True)
    assert status.status == Status.FAILED and f"{ML_API}/auth/refresh" in status.message and "Token Refresh URL" in status.message
    assert all(error.failure_type == FailureType.config_error for error in trace_errors(output))
    assert len(http.request_history) == 2  # one refresh each, never retried


# ---------------------------------------------------------------- Mentionlab

MLAB_API = "https://mentionlab.test"
PROJECTS = [{"id": "p-1", "name": "One"}, {"id": "p-2", "name": "Two"}]


def mentionlab(**fields):
    fields = {"api_url": MLAB_API, **fields}
    return {**provider_config("mentionlab", start_date="2026-11-01T00:00:00Z", api_key="ml_live_unit_key_5", **fields), "num_workers": 1}


def test_mentionlab_check_names_every_unknown_project_id():
    with requests_mock.Mocker() as http:
        http.get(f"{MLAB_API}/api/projects/list", json=PROJECTS)
        status = check(mentionlab(project_ids=["p-1", "p-9", "p-8"]))
    assert status.status == Status.FAILED and "Project IDs: p-9, p-8." in status.message


@pytest.mark.parametrize("stream", ["projects", "result_analyses", "sentiment_timeseries"])
def test_mentionlab_read_with_unknown_project_ids_is_a_config_error(stream):
    with requests_mock.Mocker() as http:
        http.get(f"{MLAB_API}/api/projects/list", json=PROJECTS)
        mode = SyncMode.full_refresh if stream == "projects" else SyncMode.incremental
        output = run_read(mentionlab(project_ids=["p-9"]), stream, sync_mode=mode, expect_failure=True)
    assert not output.records and "Project IDs: p-9." in config_errors(output)[0].message


def test_mentionlab_api_url_with_a_doubled_api_path_fails_check_naming_the_url():
    with requests_mock.Mocker() as http:
        http.get(f"{MLAB_API}/api/api/projects/list", status_code=404, json={"statusCode": 404, "message": "Cannot GET /api/api/projects/list", "error": "Not Found"})
        status = check(mentionlab(api_url=f"{MLAB_API}/api"))
    assert status.status == Status.FAILED and f"{MLAB_API}/api/api/projects/list" in status.message and "API URL" in status.message


def test_mentionlab_timezone_that_is_not_an_iana_name_is_rejected():
    problem = config_problem(mentionlab(timezone="Europe/Brusels"))
    assert problem and "Timezone 'Europe/Brusels' is not an IANA timezone name" in problem
    assert config_problem(mentionlab(timezone="Europe/Brussels")) is None


def test_the_cli_checks_a_config_with_the_manifests_own_validations_before_the_source_starts():
    """One definition: run.py builds the checks it applies from the manifest's config_normalization_rules."""
    from source_mentions.run import manifest_spec, manifest_validations

    rules = manifest_spec()["config_normalization_rules"]["validations"]
    built = manifest_validations()
    assert [path for path, _ in built] == [rule["field_path"] for rule in rules]
    assert [f"{type(check).__module__.rsplit('.', 1)[0]}.{type(check).__name__}" for _, check in built] == [rule["validation_strategy"]["class_name"] for rule in rules]
    problem = config_problem(mentionlab(timezone="Europe/Brusels"))
    assert problem and problem.startswith("Timezone 'Europe/Brusels' is not an IANA timezone name")


def test_a_listing_that_cannot_be_read_again_is_asked_once_and_its_error_ends_each_404_partition(no_real_sleep):
    """No deletion is proven, and the alert list is not asked again for every alert that answered 404."""
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2", "3"])
        http.get(ALERTS_URL, [{"json": alerts_page(["1", "2", "3"])}, {"status_code": 503, "json": {}}])
        for alert_id in ("1", "2", "3"):
            mock_mentions(http, alert_id, status_code=404, json=NOT_FOUND)
        output = run_read(config(num_workers=1), "mentions", expect_failure=True)
        listed = alert_list_reads(http)
    assert not output.records and not [line for line in warnings(output) if "no longer listed" in line]
    assert listed == 1 + 9  # the sync's listing, then one re-listing: 9 attempts of HTTP 503, not 9 per alert
    assert any("HTTP 503" in error.trace.error.message for error in output.errors)
