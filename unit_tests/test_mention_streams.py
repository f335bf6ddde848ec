"""Mention REST streams at the HTTP boundary: paths, parameters, pagination, partitions."""

import requests_mock
from airbyte_cdk.models import SyncMode

from source_mentions.components.cdk_adapter import record_queue_size
from source_mentions.source import RECORD_QUEUE_SIZE, SourceMentions

from .builders import ACCOUNT, API, ALERTS_URL, TOKEN, alerts_page, config, ids, mention, mentions_page, mention_page_queries, mock_account, mock_mentions, query_of, run_read


def test_accounts_reads_the_token_owner_when_no_account_id_is_set():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/me", json={"account": {"id": ACCOUNT, "name": "Test"}})
        output = run_read(config(), "accounts", sync_mode=SyncMode.full_refresh)
    assert ids(output) == [ACCOUNT]
    assert http.last_request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert http.last_request.headers["Accept-Version"] == "1.19"


def test_accounts_reads_the_configured_account_and_sends_the_language():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/other", json={"account": {"id": "other"}})
        output = run_read(config(account_id="other", language="fr"), "accounts", sync_mode=SyncMode.full_refresh)
    assert ids(output) == ["other"]
    assert http.last_request.headers["Accept-Language"] == "fr"


def test_a_configured_account_id_is_read_without_asking_the_api_for_the_account():
    with requests_mock.Mocker() as http:
        http.get(ALERTS_URL, json=alerts_page(["1"]))
        mock_mentions(http, "1", json=mentions_page([mention("5")]))
        http.get(f"{ALERTS_URL}/1/mentions", json=mentions_page([], pull_since_id="5"), additional_matcher=lambda request: query_of(request).get("limit") == "1")
        output = run_read(config(account_id=ACCOUNT), "mentions")
    assert ids(output) == ["5"]
    assert not any(request.path.rstrip("/").endswith(("/accounts/me", f"/accounts/{ACCOUNT}")) for request in http.request_history)


def test_statistics_partitions_are_the_same_whether_the_account_is_configured_or_listed():
    """A state saved before Account ID was set (or after) still matches its partitions: no interval read again from start_date."""
    states = []
    for cfg in (config(), config(account_id=ACCOUNT)):
        with requests_mock.Mocker() as http:
            http.get(f"{API}/accounts/me", json={"account": {"id": ACCOUNT, "name": "Test"}})
            http.get(ALERTS_URL, json=alerts_page(["1"]))
            http.get(f"{API}/accounts/{ACCOUNT}/stats", json={"from": "x", "to": "y", "stats": {}})
            output = run_read(cfg, "statistics")
        states.append([entry["partition"] for entry in output.state_messages[-1].state.stream.stream_state.__dict__.get("states", [])])
    assert states[0] and states[0] == states[1]


def test_api_url_defaults_to_mention_production_host():
    cfg = config()
    del cfg["provider"]["api_url"]
    with requests_mock.Mocker() as http:
        http.get("https://api.mention.net/api/accounts/me", json={"account": {"id": ACCOUNT}})
        output = run_read(cfg, "accounts", sync_mode=SyncMode.full_refresh)
    assert ids(output) == [ACCOUNT]


def test_alerts_follow_links_more_params_until_absent():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/me", json={"account": {"id": ACCOUNT}})
        http.get(ALERTS_URL, [
            {"json": alerts_page(["1", "2"], more={"limit": 100, "cursor": "page-2"})},
            {"json": alerts_page(["3"])},
        ])
        output = run_read(config(), "alerts", sync_mode=SyncMode.full_refresh)
    alert_requests = [r for r in http.request_history if r.path.endswith("/alerts")]
    assert ids(output) == ["1", "2", "3"]
    assert [query_of(r) for r in alert_requests] == [{"limit": "100"}, {"limit": "100", "cursor": "page-2"}]


def test_alert_ids_restrict_the_alerts_read():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2", "3"])
        output = run_read(config(alert_ids=["2"]), "alerts", sync_mode=SyncMode.full_refresh)
    assert ids(output) == ["2"]


def test_first_mentions_sync_backfills_by_following_more_params_verbatim():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", [
            {"json": mentions_page([mention("20"), mention("19")], more={"limit": 1000, "cursor": "opaque=="})},
            {"json": mentions_page([mention("18")])},
        ])
        output = run_read(config(), "mentions")
    first, second = mention_page_queries(http)
    assert ids(output) == ["20", "19", "18"]
    assert first["limit"] == "1000" and first["not_before_date"] == "2026-10-01T00:00:00Z" and "since_id" not in first
    assert second == {"limit": "1000", "cursor": "opaque=="}


def test_mentions_are_read_for_every_alert():
    with requests_mock.Mocker() as http:
        mock_account(http, ["1", "2"])
        mock_mentions(http, "1", json=mentions_page([mention("10", alert_id=1)]))
        mock_mentions(http, "2", json=mentions_page([mention("11", alert_id=2)]))
        output = run_read(config(), "mentions")
    assert sorted(ids(output)) == ["10", "11"]


def test_sync_larger_than_the_record_queue_arrives_whole():
    alerts = ["1", "2", "3", "4"]
    with requests_mock.Mocker() as http:
        mock_account(http, alerts)
        for n, alert in enumerate(alerts):
            mock_mentions(http, alert, json=mentions_page([mention(f"{n}{i:04d}", alert_id=int(alert)) for i in range(1000)]))
        output = run_read(config(), "mentions")
    assert len(ids(output)) == len(set(ids(output))) == 4 * 1000 > RECORD_QUEUE_SIZE


def test_record_queue_is_capped_so_memory_does_not_grow_with_the_sync():
    assert record_queue_size(SourceMentions(config=config())) == RECORD_QUEUE_SIZE


def test_twitter_mention_without_restricted_fields_is_kept():
    tweet = {"id": "5", "alert_id": 1, "published_at": "2026-11-01T10:00:00.0+00:00", "source_type": "twitter", "tone": 1,
             "metadata": {"twitter": {"id_str": "8001", "user": {"id_str": "42"}}}}
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([tweet]))
        output = run_read(config(), "mentions")
    assert output.records[0].record.data == tweet


def test_unset_language_sends_no_accept_language_header():
    with requests_mock.Mocker() as http:
        http.get(f"{API}/accounts/me", json={"account": {"id": ACCOUNT}})
        run_read(config(), "accounts", sync_mode=SyncMode.full_refresh)
    assert "Accept-Language" not in http.last_request.headers
