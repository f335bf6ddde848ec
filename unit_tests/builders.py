"""Small builders for Mention API answers and for running the source in-process."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional, Set, Union
from urllib.parse import parse_qs, urlsplit

from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.models.outcome import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder

from source_mentions.source import SourceMentions

API = "https://api.mention.test/api"
TOKEN = "unit-test-token-3f9a"
ACCOUNT = "acc_9"
ALERTS_URL = f"{API}/accounts/{ACCOUNT}/alerts"


def config(**provider: Any) -> Dict[str, Any]:
    """A Mention config. Without the re-read window unless given (`mentions_lookback_days`): the tests that use it specify
    the since_id read, page by page; test_mention_edits.py specifies the window, on by default (7 days)."""
    top = {key: provider.pop(key) for key in ("start_date", "num_workers") if key in provider}
    return {
        "provider": {"provider_type": "mention", "access_token": TOKEN, "api_url": API, "mentions_lookback_days": 0, **provider},
        "start_date": "2026-10-01T00:00:00Z",
        **top,
    }


def mention(mention_id: str, published_at: str = "2026-11-01T10:00:00.12345600+00:00", alert_id: int = 1, **fields: Any) -> Dict[str, Any]:
    return {"id": mention_id, "alert_id": alert_id, "published_at": published_at, "title": f"t{mention_id}", "source_type": "web", "tone": 0, **fields}


def tweet(mention_id: str, realname: str = "SneakerDealsUK", alert_id: int = 1, **fields: Any) -> Dict[str, Any]:
    """A Twitter mention as recorded: no title, description, source_name/url, picture_url; an author with `realname` and no `name`."""
    author = {"id": "46961940612", "alert_id": str(alert_id), "kind": "twitter", "realname": realname, "score": 23, "followers_count": 2220}
    return {
        "id": mention_id, "alert_id": alert_id, "published_at": "2026-11-01T10:00:00.0+00:00", "source_type": "twitter", "tone": 0,
        "direct_reach": 2220, "author_influence": author, "metadata": {"twitter": {"id_str": "8001", "user": {"id_str": "42"}}}, **fields,
    }


def children(*items: Dict[str, Any], total: Optional[int] = None, more: bool = False) -> Dict[str, Any]:
    """A mention's embedded `children`: `_links.more` while more exist, else an empty array (the last page's form)."""
    links: Any = {"more": {"href": "/children", "params": {"limit": 20, "before_date": "2026-11-01T09:00:00.0+00:00"}}} if more else []
    return {"children": list(items), "total": len(items) if total is None else total, "_links": links}


def mentions_page(mentions: List[Dict[str, Any]], more: Optional[Mapping[str, Any]] = None, pull_since_id: str = "0") -> Dict[str, Any]:
    links: Dict[str, Any] = {"pull": {"href": "/pull", "params": {"since_id": pull_since_id}}}
    if more:
        links["more"] = {"href": "/more", "params": dict(more)}
    return {"mentions": mentions, "_links": links}


def alerts_page(alert_ids: List[str], more: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    links = {"more": {"href": "/more", "params": dict(more)}} if more else {}
    return {"alerts": [{"id": alert_id, "name": f"alert {alert_id}"} for alert_id in alert_ids], "_links": links}


def mock_account(http: Any, alert_ids: List[str], heads: Optional[Mapping[str, str]] = None) -> None:
    """The account, its alerts, and each alert's head (highest mention id; default far above any test id)."""
    http.get(f"{API}/accounts/me", json={"account": {"id": ACCOUNT, "name": "Test"}})
    http.get(ALERTS_URL, json=alerts_page(alert_ids))
    for alert_id in alert_ids:
        head = (heads or {}).get(alert_id, "999999")
        http.get(mentions_url(alert_id), json=mentions_page([], pull_since_id=head), additional_matcher=is_head_request)


def mock_alert_list(http: Any, alert_ids: List[str], deleted: Set[str]) -> None:
    """The alert list as it is when asked: without the alerts in `deleted` (which a test fills as it deletes them)."""
    http.get(ALERTS_URL, json=lambda request, context: alerts_page([a for a in alert_ids if a not in deleted]))


def deleted_now(deleted: Set[str], item: str) -> Any:
    """A 404 answer for `item`, which from then on is no longer listed."""

    def answer(request: Any, context: Any) -> Dict[str, Any]:
        deleted.add(item)
        context.status_code = 404
        return {"error": "not_found", "error_description": "This resource does not exist."}

    return answer


def alert_list_reads(http: Any) -> int:
    return sum(1 for request in http.request_history if request.url.split("?")[0] == ALERTS_URL)


def mock_mentions(http: Any, alert_id: str, responses: Optional[List[Dict[str, Any]]] = None, **single: Any) -> None:
    """Mention pages of one alert (requests other than the one-mention head request)."""
    matcher = lambda request: not is_head_request(request)  # noqa: E731
    if responses is not None:
        http.get(mentions_url(alert_id), responses, additional_matcher=matcher)
    else:
        http.get(mentions_url(alert_id), additional_matcher=matcher, **single)


def is_head_request(request: Any) -> bool:
    return request.path.endswith("/mentions") and query_of(request).get("limit") == "1"


def mention_page_queries(http: Any) -> List[Dict[str, str]]:
    return [query_of(r) for r in http.request_history if r.path.endswith("/mentions") and not is_head_request(r)]


def query_of(request: Any) -> Dict[str, str]:
    """The query string of a recorded request, one value per name."""
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


def mentions_url(alert_id: str) -> str:
    return f"{ALERTS_URL}/{alert_id}/mentions"


def run_read(cfg: Mapping[str, Any], stream: Union[str, List[str]], state: Optional[Dict[str, Any]] = None, sync_mode: SyncMode = SyncMode.incremental, expect_failure: bool = False) -> EntrypointOutput:
    """Read one stream (with its state) or several (a list of names, without state)."""
    builder = CatalogBuilder()
    for name in [stream] if isinstance(stream, str) else stream:
        builder = builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(sync_mode))
    catalog = builder.build()
    state_messages: Optional[List[AirbyteStateMessage]] = StateBuilder().with_stream_state(stream, state).build() if state else None
    source = SourceMentions(catalog=catalog, config=cfg, state=state_messages)
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
    return read(source, cfg, catalog, state_messages, expected_outcome=outcome)


def check(cfg: Mapping[str, Any]) -> Any:
    return SourceMentions(config=cfg).check(logging.getLogger("airbyte"), cfg)


def ids(output: EntrypointOutput) -> List[str]:
    return [message.record.data["id"] for message in output.records]


def last_state(output: EntrypointOutput) -> Dict[str, Any]:
    return output.state_messages[-1].state.stream.stream_state.__dict__


def provider_config(provider_type: str, start_date: str = "2026-10-01T00:00:00Z", **provider: Any) -> Dict[str, Any]:
    return {"provider": {"provider_type": provider_type, **provider}, "start_date": start_date}


def trace_errors(output: EntrypointOutput) -> List[Any]:
    """Every error trace of a run (the last one is the CDK's summary of failed streams)."""
    return [message.trace.error for message in output.errors]
