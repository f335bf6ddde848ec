"""The component factory: what it adds to every stream it builds (STREAM_POLICIES), and the cursors the manifest names."""

from __future__ import annotations

import copy
import importlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Type

from airbyte_cdk.sources.declarative.decoders import JsonDecoder, PaginationDecoderDecorator
from airbyte_cdk.sources.declarative.extractors import RecordSelector
from airbyte_cdk.sources.declarative.incremental import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    DatetimeBasedCursor as DatetimeBasedCursorModel,
)
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    DeclarativeStream as DeclarativeStreamModel,
)
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
from airbyte_cdk.sources.declarative.partition_routers.substream_partition_router import ParentStreamConfig
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.requesters.error_handlers import CompositeErrorHandler, DefaultErrorHandler, HttpResponseFilter
from airbyte_cdk.sources.declarative.requesters.paginators import DefaultPaginator
from airbyte_cdk.sources.declarative.retrievers import SimpleRetriever
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .api_budget import ExplainedAPIBudget
from .auth import JsonRefreshTokenAuthenticator
from .cdk_adapter import AdaptedComponentFactory, NewPartitionsFromStartCursor, reclass
from .cursors import CursorContext, KeysetPageCursor, ParentStateCursor, PartitionStateCursor, SinceIdCursor, bad_state
from .error_handlers import RetryBudget, RetryWait, WarnWhenSkippedErrorHandler
from .paging import KeysetPagination, RepeatedPageGuard
from .parsed_bodies import UNREADABLE_BODY_PARAMETER, ParsedBodies, ParsedBodyDecoder, UnreadableBodyFilter
from .progress import SyncProgress
from .record_selection import ProgressRecordSelector, RequiredFields, SkippedRecords
from .normalization import KeptAsSent
from .redirects import keep_credentials_on_their_host
from .relisting import Relistings
from .retrievers import HeadFirstRetriever, SinceIdStreamRetriever
from .sync_stop import StoppingHttpRequester, SyncStop

CURSOR_KEY = "source_mentions_cursor"  # a stream's own key (not `$parameters`: those reach its parent streams too)


@dataclass(frozen=True)
class StreamPolicy:
    """One thing the factory adds to every stream it builds, and the factory method that adds it."""

    name: str
    method: str
    what: str


# What the factory adds to every stream, and where. manifest.yaml points here; unit_tests/test_factory_policies.py
# checks that this table names every method the factory overrides, and that every stream of every provider has each policy.
STREAM_POLICIES: Tuple[StreamPolicy, ...] = (
    StreamPolicy("timeouts", "create_http_requester", "read/connect timeouts from the config's read_timeout_seconds (default 60 s; 10 s under check)"),
    StreamPolicy("redirect guard", "create_http_requester", "no redirect to another host keeps the credentials (components.redirects)"),
    StreamPolicy("stop", "create_http_requester", "StoppingHttpRequester: nothing is sent once the source's SyncStop is set (a rejected refresh token, an unreachable host)"),
    StreamPolicy("retry budget", "create_default_error_handler", "backoff strategies inside a RetryWait: `check` tries briefly, a read for minutes, an unreachable host about 20-30 s"),
    StreamPolicy("retry budget", "create_custom_component", "the same for a CustomErrorHandler; the source's stop, config, progress, counts and re-listings for the custom components that keep them"),
    StreamPolicy("API budget waits", "create_http_api_budget", "ExplainedAPIBudget: a wait for the API budget is an INFO line"),
    StreamPolicy("parsed body", "create_http_response_filter", "the manifest's unreadable_body_filter is an UnreadableBodyFilter"),
    StreamPolicy("page guard", "create_default_paginator", "RepeatedPageGuard: a repeated next-page token or page stops the partition with an error"),
    StreamPolicy("progress", "create_record_selector", "ProgressRecordSelector: pages and records counted in the source's progress lines"),
    StreamPolicy("schema types", "create_simple_retriever", "every record's values converted to the types its schema declares; what cannot be, kept and counted (one WARN per stream)"),
    StreamPolicy(
        "per stream", "create_simple_retriever",
        "one ParsedBodies per stream shared by its filter, decoders and page guard; the record selector's required fields "
        "(primary key, since_id) and the source's skipped-record counts; a KeysetPagination fed to its KeysetPageCursor; "
        "HeadFirstRetriever for a SinceIdCursor with a head_field",
    ),  # fmt: skip
    StreamPolicy("cursor", "create_concurrent_cursor_from_perpartition_cursor", "NewPartitionsFromStartCursor: a partition new since the last sync starts at the stream's start, not at the others' state"),
    StreamPolicy("cursor", "build_concurrent_cursor", f"the cursor class named by the stream's `{CURSOR_KEY}`; a saved state it cannot read is a config_error"),
    StreamPolicy("parents", "create_parent_stream_config_with_substream_wrapper", "parent streams are built by this factory too, with the source's stop, progress and counts"),
)


class SourceMentionsComponentFactory(AdaptedComponentFactory):
    """The CDK's factory plus STREAM_POLICIES; everything else is built by the CDK as usual.

    One per source (`of_source`): the sync's stop, skipped-record counts and progress live here and
    reach every component that keeps them; nothing is shared with another source in the process.
    """

    user_config: Optional[Config] = None
    sync_stop: SyncStop
    skipped_records: SkippedRecords
    progress: SyncProgress
    relistings: Relistings
    kept_as_sent: KeptAsSent
    _checking: bool = False  # class defaults: `adopt` does not run __init__

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Components built inside get the short retry budget of `check`."""
        self._checking = True
        try:
            yield
        finally:
            self._checking = False

    def retry_budget(self, config: Config) -> RetryBudget:
        return RetryBudget.for_check(config) if self._checking else RetryBudget.for_read(config)

    @classmethod
    def of_source(cls, source: Any, user_config: Optional[Config] = None) -> "SourceMentionsComponentFactory":
        """The factory the CDK built inside the source's __init__ (no way to pass one in), made this one."""
        factory = cls.adopt(source)
        # The CDK caches parent streams' answers (the same `disable_cache` reaches the parents' own
        # factory): a cut body it then retries is replayed from the cache until the retries run out.
        # Parents are read once per stream; the few repeated list requests cost less than that.
        factory.disable_cache()
        factory.user_config = user_config
        factory.sync_stop, factory.skipped_records, factory.progress = SyncStop(), SkippedRecords(), SyncProgress()
        factory.relistings = Relistings.from_definitions(source.resolved_manifest["definitions"], factory)
        factory.kept_as_sent = KeptAsSent()
        return factory

    def create_http_requester(
        self,
        model: Any,
        config: Config,
        decoder: Any = None,
        query_properties_key: Optional[str] = None,
        use_cache: Optional[bool] = None,
        *,
        name: str,
    ) -> HttpRequester:
        """Timeouts from the config and the budget (a manifest number cannot come from the config); no redirect to another host."""
        budget = self.retry_budget(config)
        if model.read_timeout_in_seconds is None:
            model = model.copy(update={"read_timeout_in_seconds": budget.read_timeout_s, "connect_timeout_in_seconds": model.connect_timeout_in_seconds or budget.connect_timeout_s})
        extra = {"decoder": decoder} if decoder is not None else {}
        requester = super().create_http_requester(model, config, query_properties_key=query_properties_key, use_cache=use_cache, name=name, **extra)
        keep_credentials_on_their_host(requester)
        if type(requester) is HttpRequester:
            reclass(requester, StoppingHttpRequester).sync_stop = self.sync_stop
        waits = getattr(requester.error_handler, "backoff_strategies", None) or []
        if isinstance(requester.authenticator, JsonRefreshTokenAuthenticator) and waits and isinstance(waits[0], RetryWait):
            requester.authenticator.retry_wait = waits[0]  # the token refresh retries as its requester does
        return requester

    def create_default_error_handler(self, model: Any, config: Config, **kwargs: Any) -> DefaultErrorHandler:
        return self._within_retry_budget(super().create_default_error_handler(model, config, **kwargs), config)

    def _within_retry_budget(self, handler: DefaultErrorHandler, config: Config) -> DefaultErrorHandler:
        """The manifest's strategies inside a RetryWait; under `check`, its short budget (before a requester reads them)."""
        budget = self.retry_budget(config)
        max_retries = int(handler.max_retries if handler.max_retries is not None else 5)  # 5: the CDK's default
        if budget.max_retries is not None:
            max_retries = min(max_retries, budget.max_retries)
        handler.max_retries = max_retries
        handler.backoff_strategies = [RetryWait(strategies=list(handler.backoff_strategies or []), max_retries=max_retries, budget=budget, sync_stop=self.sync_stop)]
        return handler

    def create_parent_stream_config_with_substream_wrapper(
        self, model: Any, config: Config, *, stream_name: str, **kwargs: Any
    ) -> ParentStreamConfig:
        """The CDK's method with this class in place of the plain ModelToComponentFactory it builds parents with.

        Without it a parent stream (Mention's accounts, alerts and alert heads; Mentionlab's projects)
        would get none of STREAM_POLICIES: no timeouts, redirects followed, no retry budget.
        """
        try:
            parents = self.parent_stream_factory(model, config, stream_name=stream_name)
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # the CDK reads any other shape as a parent's cursor value
            child_state = self.stream_state(stream_name)
            raise bad_state(stream_name, "it is not the state this stream writes", child_state, internal=f"{type(error).__name__}: {error}") from error
        parents._checking, parents.user_config = self._checking, self.user_config
        parents.sync_stop, parents.skipped_records, parents.progress, parents.relistings = self.sync_stop, self.skipped_records, self.progress, self.relistings
        parents.kept_as_sent = self.kept_as_sent
        return parents.create_parent_stream_config(model=model, config=config, stream_name=stream_name, **kwargs)

    def create_custom_component(self, model: Any, config: Config, **kwargs: Any) -> Any:
        component = super().create_custom_component(model, config, **kwargs)
        if isinstance(component, DefaultErrorHandler):  # WarnWhenSkippedErrorHandler
            self._within_retry_budget(component, config)
        if isinstance(component, WarnWhenSkippedErrorHandler):
            component.relistings = self.relistings
        if isinstance(component, JsonRefreshTokenAuthenticator):
            component.sync_stop = self.sync_stop
            component.saved_config = self.user_config
        if isinstance(component, SinceIdStreamRetriever):
            component.skipped_records, component.progress, component.kept_as_sent = self.skipped_records, self.progress, self.kept_as_sent
        return component

    def create_http_response_filter(self, model: Any, config: Config, **kwargs: Any) -> HttpResponseFilter:  # type: ignore[override]
        response_filter = super().create_http_response_filter(model, config, **kwargs)
        if (model.parameters or {}).get(UNREADABLE_BODY_PARAMETER) and type(response_filter) is HttpResponseFilter:
            reclass(response_filter, UnreadableBodyFilter)  # parses the body once, for the check and the records
        return response_filter

    def create_http_api_budget(self, model: Any, config: Config, **kwargs: Any) -> Any:
        budget = super().create_http_api_budget(model, config, **kwargs)
        if type(budget) is HttpAPIBudget:
            reclass(budget, ExplainedAPIBudget)  # acquire_call also logs the waits
        return budget

    def create_default_paginator(self, model: Any, config: Config, **kwargs: Any) -> Any:
        paginator = super().create_default_paginator(model, config, **kwargs)
        if type(paginator) is DefaultPaginator:  # not the Connector Builder's page-limited test reads
            reclass(paginator, RepeatedPageGuard)
        return paginator

    def create_concurrent_cursor_from_perpartition_cursor(self, *args: Any, **kwargs: Any) -> Any:
        cursor = super().create_concurrent_cursor_from_perpartition_cursor(*args, **kwargs)
        if type(cursor) is ConcurrentPerPartitionCursor:
            reclass(cursor, NewPartitionsFromStartCursor)  # a partition new since the last sync starts at the stream's start
        return cursor

    def create_record_selector(self, model: Any, config: Config, **kwargs: Any) -> Any:
        selector = super().create_record_selector(model, config, **kwargs)
        if type(selector) is RecordSelector:
            reclass(selector, ProgressRecordSelector).progress = self.progress
        return selector

    def create_simple_retriever(self, model: Any, config: Config, **kwargs: Any) -> Any:
        """Connects the parts of one stream that the CDK builds apart, from different models (see STREAM_POLICIES)."""
        retriever = super().create_simple_retriever(model, config, **kwargs)
        name, cursor = kwargs.get("name") or "", kwargs.get("cursor")
        bodies = ParsedBodies()
        for response_filter in _response_filters(retriever.requester.error_handler):
            if isinstance(response_filter, UnreadableBodyFilter):
                response_filter.parsed_bodies = bodies
        for decoder in _json_decoders(retriever):
            reclass(decoder, ParsedBodyDecoder).parsed_bodies = bodies  # reads the body its UnreadableBodyFilter parsed
        if isinstance(retriever.paginator, RepeatedPageGuard):
            retriever.paginator.guard(name, bodies)
        strategy = getattr(retriever.paginator, "pagination_strategy", None)
        if isinstance(strategy, KeysetPagination):
            if not isinstance(cursor, KeysetPageCursor):
                raise ValueError(f"{name}: KeysetPagination needs a KeysetPageCursor as the stream's `{CURSOR_KEY}`")
            strategy.checkpoints = cursor
        if isinstance(cursor, SinceIdCursor) and cursor.head_field and type(retriever) is SimpleRetriever:
            reclass(retriever, HeadFirstRetriever).since_id_cursor = cursor  # reads the alert's head first, in the partition
        selector = getattr(retriever, "record_selector", None)
        if isinstance(selector, ProgressRecordSelector):
            since_id = (cursor.cursor_field.cursor_field_key,) if isinstance(cursor, SinceIdCursor) else ()
            selector.required_fields = RequiredFields.of(name, kwargs.get("primary_key"), since_id)
            selector.skipped_records, selector.kept_as_sent = self.skipped_records, self.kept_as_sent
        return retriever

    def create_stream(self, definition: Mapping[str, Any], config: Config) -> Any:
        """A stream from one of the manifest's `definitions` (a listing), its nested types filled in as the CDK does for its streams."""
        propagated = ManifestComponentTransformer().propagate_types_and_parameters("", copy.deepcopy(dict(definition)), {})
        return self.create_component(DeclarativeStreamModel, propagated, config)

    def build_concurrent_cursor(
        self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config
    ) -> Cursor:
        """The cursor named by the stream's `source_mentions_cursor`, else the CDK's; a saved state it cannot read is a config_error."""
        name = model.name or ""
        state = self.stream_state(name)
        try:
            declared = declared_cursor(model)
            if declared is None or stream_slicer is None:
                return self.cdk_concurrent_cursor(model, stream_slicer, config)
            cursor_class, options = declared
            options = {key: _interpolated(value, config) for key, value in options.items()}
            context = CursorContext(name, stream_slicer, state, self.connector_state_manager, self.message_repository)
            return cursor_class(context, **options)
        except AirbyteTracedException:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            if not state:
                raise  # not the state's fault
            cursor = model.incremental_sync
            expected = f"a `{cursor.cursor_field}` date in the form {cursor.datetime_format}" if isinstance(cursor, DatetimeBasedCursorModel) else "the state this stream writes"
            raise bad_state(name, f"it is not {expected}", state, internal=f"{type(error).__name__}: {error}") from error

    def keeps_parent_state(self, model: DeclarativeStreamModel) -> bool:
        """A stream whose declared cursor keeps its parent's state needs no `incremental_sync` (no CDK warning for it)."""
        declared = declared_cursor(model)
        return declared is not None and issubclass(declared[0], ParentStateCursor)


def declared_cursor(model: DeclarativeStreamModel) -> Optional[Tuple[Type[PartitionStateCursor], Dict[str, Any]]]:
    """The cursor class and options the stream names in `source_mentions_cursor`, or None (options with `{{ }}` are read with the config).

    The 7.39 schema's `incremental_sync` takes no custom class; a DeclarativeStream allows other keys.
    """
    declared = getattr(model, CURSOR_KEY, None)
    if declared is None:
        return None
    options = {key: value for key, value in dict(declared).items() if key not in ("class_name", "$parameters", "parameters", "type")}
    module_name, _, class_name = str(declared["class_name"]).rpartition(".")
    cursor_class = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cursor_class, type) and issubclass(cursor_class, PartitionStateCursor)):
        raise ValueError(f"{model.name}: `{CURSOR_KEY}` names {declared['class_name']}, which is not a cursor of source_mentions.components.cursors")
    return cursor_class, options


def _interpolated(option: Any, config: Config) -> Any:
    """A cursor option as the manifest's own fields read: a string with `{{ }}` is evaluated with the config."""
    if isinstance(option, str) and "{{" in option:
        return InterpolatedString.create(option, parameters={}).eval(config)
    return option


def _response_filters(handler: Any) -> Iterable[HttpResponseFilter]:
    """The response filters of an error handler, inside a CompositeErrorHandler too."""
    if isinstance(handler, CompositeErrorHandler):
        for inner in handler.error_handlers:
            yield from _response_filters(inner)
    else:
        yield from getattr(handler, "response_filters", None) or []


def _json_decoders(retriever: Any) -> List[JsonDecoder]:
    """The plain JsonDecoders of a retriever's record extractor and pagination strategy (often one object)."""
    extractor = getattr(getattr(retriever, "record_selector", None), "extractor", None)
    strategy = getattr(getattr(retriever, "paginator", None), "pagination_strategy", None)
    pagination = getattr(strategy, "decoder", None)
    candidates = [getattr(extractor, "decoder", None), pagination.decoder if isinstance(pagination, PaginationDecoderDecorator) else pagination]
    return [decoder for decoder in candidates if type(decoder) is JsonDecoder]
