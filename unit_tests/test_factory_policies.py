"""factory.STREAM_POLICIES is what the factory does: it names every method the factory overrides, and every stream has each policy."""

from typing import Any, Callable, Dict, List, Tuple

import pytest
from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.declarative.requesters.error_handlers import CompositeErrorHandler
from airbyte_cdk.sources.declarative.requesters.paginators import NoPagination

from source_mentions.components import (
    STREAM_POLICIES,
    ExplainedAPIBudget,
    ParsedBodyDecoder,
    ProgressRecordSelector,
    RepeatedPageGuard,
    RetryWait,
    SinceIdStreamRetriever,
    SourceMentionsComponentFactory,
    StoppingHttpRequester,
    UnreadableBodyFilter,
    refuse_redirect_to_another_host,
)
from source_mentions.components.cdk_adapter import AdaptedComponentFactory, requester_session, stream_retriever
from source_mentions.components.factory import CURSOR_KEY, declared_cursor
from source_mentions.source import SourceMentions

from .contracts import CONFIGS, contract_config

Built = Tuple[SourceMentions, Any]  # a source and one of its streams


def built_streams() -> List[Tuple[str, str]]:
    return [(provider, stream.name) for provider in sorted(CONFIGS) for stream in source_of(provider).streams(contract_config(provider))]


_SOURCES: Dict[str, SourceMentions] = {}


def source_of(provider: str) -> SourceMentions:
    if provider not in _SOURCES:
        _SOURCES[provider] = SourceMentions(config=contract_config(provider))
    return _SOURCES[provider]


def error_handlers(handler: Any) -> List[Any]:
    return [inner for part in handler.error_handlers for inner in error_handlers(part)] if isinstance(handler, CompositeErrorHandler) else [handler]


def has_timeouts(source: SourceMentions, retriever: Any) -> None:
    assert retriever.requester.read_timeout_in_seconds == 60 and retriever.requester.connect_timeout_in_seconds == 30


def has_redirect_guard(source: SourceMentions, retriever: Any) -> None:
    assert refuse_redirect_to_another_host in requester_session(retriever.requester).hooks["response"]


def stops_with_its_source(source: SourceMentions, retriever: Any) -> None:
    assert isinstance(retriever.requester, StoppingHttpRequester) and retriever.requester.sync_stop is source.factory.sync_stop


def retries_within_the_budget(source: SourceMentions, retriever: Any) -> None:
    for handler in error_handlers(retriever.requester.error_handler):
        assert [type(wait) for wait in handler.backoff_strategies] == [RetryWait]


def explains_api_budget_waits(source: SourceMentions, retriever: Any) -> None:
    assert isinstance(retriever.requester.api_budget, ExplainedAPIBudget)  # the manifest's one budget, in every requester


def parses_each_body_once(source: SourceMentions, retriever: Any) -> None:
    if isinstance(retriever, SinceIdStreamRetriever):
        return  # NDJSON lines: no JSON page to parse once
    filters = [f for handler in error_handlers(retriever.requester.error_handler) for f in handler.response_filters or [] if isinstance(f, UnreadableBodyFilter)]
    assert filters, "the stream's error handler has the manifest's unreadable_body_filter"
    bodies = filters[0].parsed_bodies
    assert bodies is not None and all(f.parsed_bodies is bodies for f in filters)
    decoder = getattr(retriever.record_selector.extractor, "decoder", None)  # a custom extractor may decode on its own
    assert not isinstance(decoder, JsonDecoder) or (isinstance(decoder, ParsedBodyDecoder) and decoder.parsed_bodies is bodies)
    if isinstance(retriever.paginator, RepeatedPageGuard):
        assert retriever.paginator.parsed_bodies is bodies


def guards_its_pages(source: SourceMentions, retriever: Any) -> None:
    paginator = getattr(retriever, "paginator", None)
    assert paginator is None or isinstance(paginator, (NoPagination, RepeatedPageGuard))
    if isinstance(paginator, RepeatedPageGuard):
        assert paginator.stream_name == retriever.name


def reports_progress_to_its_source(source: SourceMentions, retriever: Any) -> None:
    if isinstance(retriever, SinceIdStreamRetriever):
        assert retriever.progress is source.factory.progress and retriever.skipped_records is source.factory.skipped_records
    else:
        assert isinstance(retriever.record_selector, ProgressRecordSelector)
        assert retriever.record_selector.progress is source.factory.progress
        assert retriever.record_selector.skipped_records is source.factory.skipped_records


def converts_to_schema_types(source: SourceMentions, retriever: Any) -> None:
    holder = retriever if isinstance(retriever, SinceIdStreamRetriever) else retriever.record_selector
    assert holder.kept_as_sent is source.factory.kept_as_sent


# per stream: every policy of the table that can be seen on a built stream, by name
CHECKS: Dict[str, Callable[[SourceMentions, Any], None]] = {
    "timeouts": has_timeouts,
    "redirect guard": has_redirect_guard,
    "stop": stops_with_its_source,
    "retry budget": retries_within_the_budget,
    "API budget waits": explains_api_budget_waits,
    "parsed body": parses_each_body_once,
    "page guard": guards_its_pages,
    "progress": reports_progress_to_its_source,
    "per stream": parses_each_body_once,
    "schema types": converts_to_schema_types,
}


def test_the_table_names_every_method_the_factory_overrides():
    own = {name for name in vars(SourceMentionsComponentFactory) if hasattr(AdaptedComponentFactory, name) and name.startswith(("create_", "build_"))}
    assert own == {policy.method for policy in STREAM_POLICIES}


def test_every_policy_of_the_table_but_cursor_and_parents_is_checked_on_every_stream():
    assert {policy.name for policy in STREAM_POLICIES} - {"cursor", "parents"} == set(CHECKS)


@pytest.mark.parametrize("provider, stream_name", built_streams())
def test_every_stream_has_every_policy_of_the_table(provider, stream_name):
    source = source_of(provider)
    stream = next(s for s in source.streams(contract_config(provider)) if s.name == stream_name)
    retriever = stream_retriever(stream)
    for name, check in CHECKS.items():
        try:
            check(source, retriever)
        except AssertionError as error:
            raise AssertionError(f"{provider}/{stream_name} lacks the policy {name!r}: {error}") from error


@pytest.mark.parametrize("provider", sorted(CONFIGS))
def test_every_stream_that_names_a_cursor_reads_with_that_cursor(provider):
    source = source_of(provider)
    definitions = {stream.name: stream for stream in source.streams(contract_config(provider))}
    named = 0
    for definition in source.resolved_manifest["definitions"][provider]["streams"].values():
        if CURSOR_KEY in definition and definition["name"] in definitions:
            class_name = definition[CURSOR_KEY]["class_name"].rpartition(".")[2]
            assert type(definitions[definition["name"]].cursor).__name__ == class_name, definition["name"]
            named += 1
    assert named or provider in ("mentionlytics", "sociovite")
