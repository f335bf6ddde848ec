"""Every paging loop is bounded: an API that repeats its next-page token, or its page, stops the partition with an error (issue 13, item 5)."""

from typing import Any, Dict, List

import pytest
import requests_mock
from airbyte_cdk.models import FailureType

from . import test_mentionlab as mentionlab
from . import test_mentionlytics as mentionlytics
from . import test_sociovite as sociovite
from .builders import ACCOUNT, ALERTS_URL, alerts_page, config, ids, mention, mentions_page, mock_account, mock_mentions, query_of, run_read, trace_errors

LOOPS = 6  # the fake API loops this many times, then ends: without a guard a test still finishes, with every page read


def looping(page: Dict[str, Any], last: Dict[str, Any], times: int = LOOPS) -> List[Dict[str, Any]]:
    """requests-mock answers: `page` again and again, then `last`."""
    return [{"json": page}] * times + [{"json": last}]


def loop_error(output: Any) -> Any:
    errors = [error for error in trace_errors(output) if "Reading it would never end" in error.message]
    assert errors, [error.message for error in trace_errors(output)]
    assert errors[0].failure_type == FailureType.system_error
    return errors[0]


def test_mention_alerts_whose_more_cursor_repeats_stop_with_an_error_naming_stream_partition_and_cursor():
    with requests_mock.Mocker() as http:
        http.get(f"https://api.mention.test/api/accounts/me", json={"account": {"id": ACCOUNT}})
        http.get(ALERTS_URL, looping(alerts_page(["1"], more={"limit": 100, "cursor": "c-1"}), alerts_page(["2"])))
        output = run_read(config(), "alerts", expect_failure=True)
    message = loop_error(output).message
    assert f"Stream alerts, partition {{'account_id': '{ACCOUNT}'}}: the API repeated its cursor" in message
    assert '"cursor": "c-1"' in message
    assert len([r for r in http.request_history if r.path.endswith("/alerts")]) == 2


def test_mention_mentions_whose_more_params_repeat_stop_after_the_second_page():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        more = {"limit": 1000, "before_date": "2026-11-01T09:00:00.0+00:00"}
        mock_mentions(http, "1", looping(mentions_page([mention("5")], more=more), mentions_page([])))
        output = run_read(config(), "mentions", expect_failure=True)
    assert "Stream mentions, partition {'alert_id': '1'}: the API repeated its cursor" in loop_error(output).message
    assert ids(output) == ["5", "5"]  # the two pages read before the repeat was seen


def test_sociovite_whose_envelope_stays_on_page_one_stops_with_an_error():
    with requests_mock.Mocker() as http:
        stuck = sociovite.envelope([sociovite.post("a")], page=1, limit=100, total=500)
        sociovite.mock_projects(http, "kw-1")
        http.get(sociovite.URL, looping(stuck, sociovite.envelope([], page=5, limit=100, total=500)))
        output = run_read(sociovite.config(), "mentions", expect_failure=True)
    message = loop_error(output).message
    assert "Stream mentions, partition {'project_id': 'kw-1'" in message and '{"offset": 100, "page": 2}' in message
    assert len(sociovite.mention_queries(http)) == 2


def test_mentionlytics_that_ignores_page_no_and_answers_the_same_full_page_stops_with_an_error():
    full_page = {"mentions": [mentionlytics.mention(number) for number in range(10_000)], "results_after": None}  # per_page is 10,000
    pages_of_first_week = looping(full_page, {"mentions": [], "results_after": None}, times=3)

    def answer(request, context):
        first_week = query_of(request)["startDate"] == "20261120"
        return pages_of_first_week.pop(0)["json"] if first_week and pages_of_first_week else {"mentions": [], "results_after": None}

    with requests_mock.Mocker() as http:
        http.post(mentionlytics.REFRESH_URL, [mentionlytics.refreshed()])
        http.get(f"{mentionlytics.API}/mentions", json=answer)
        output = run_read(mentionlytics.config(start_date="2026-11-20T00:00:00Z"), "mentions", expect_failure=True)
    message = loop_error(output).message
    assert "Stream mentions, its only partition, interval {'start_time': '2026-11-20T00:00:00Z'" in message
    assert "answered the same page again for the next-page token 1 (it ignores the token)" in message
    assert [query_of(r)["page_no"] for r in http.request_history if "20261120" in r.url] == ["0", "1"]


def test_mentionlab_whose_keyset_cursor_repeats_stops_with_an_error():
    with requests_mock.Mocker() as http:
        http.get(mentionlab.PROJECTS_URL, json=[mentionlab.project("p-1")])
        stuck = mentionlab.page([mentionlab.analysis("r1"), mentionlab.analysis("r2")], 2, last=("2026-11-12T08:00:00.000Z", "r2"))
        http.post(mentionlab.LIST_CURSOR_URL, looping(stuck, mentionlab.page([], 2)))
        output = run_read(mentionlab.config(), "result_analyses", expect_failure=True)
    message = loop_error(output).message
    assert "Stream result_analyses, partition {'project_id': 'p-1'}: the API repeated its cursor" in message
    assert len(mentionlab.posts(http)) == 2


@pytest.mark.parametrize("num_workers", [1, 2])
def test_partitions_that_share_token_values_are_not_repeats_of_each_other(num_workers):
    """The same `_links.more` values in two alerts, read one after the other or at once."""
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        for alert in ("1", "2"):
            mock_mentions(http, alert, [
                {"json": mentions_page([mention(f"{alert}1", alert_id=int(alert))], more={"limit": 1000, "cursor": "p2"})},
                {"json": mentions_page([mention(f"{alert}2", alert_id=int(alert))], more={"limit": 1000, "cursor": "p3"})},
                {"json": mentions_page([mention(f"{alert}3", alert_id=int(alert))])},
            ])  # fmt: skip
        output = run_read(config(num_workers=num_workers), "mentions")
    assert sorted(ids(output)) == ["11", "12", "13", "21", "22", "23"]
