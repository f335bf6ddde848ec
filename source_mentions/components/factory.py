"""The component factory: builds what the manifest marks with `$parameters` and the CDK cannot."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, List, Optional

from airbyte_cdk.sources.declarative.decoders import JsonDecoder, PaginationDecoderDecorator
from airbyte_cdk.sources.declarative.extractors import DpathExtractor, RecordSelector
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    DatetimeBasedCursor as DatetimeBasedCursorModel,
)
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    DeclarativeStream as DeclarativeStreamModel,
)
from airbyte_cdk.sources.declarative.partition_routers.substream_partition_router import ParentStreamConfig
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler, HttpResponseFilter
from airbyte_cdk.sources.declarative.requesters.paginators import DefaultPaginator
from airbyte_cdk.sources.declarative.retrievers import SimpleRetriever
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .auth import JsonRefreshTokenAuthenticator
from .bodies import UNREADABLE_BODY_PARAMETER, ParsedBodyDecoder, UnreadableBodyFilter
from .cdk_adapter import AdaptedComponentFactory, reclass
from .extractors import KeyPathExtractor
from .incremental import (
    KEYSET_PARAMETER,
    PARENT_STATE_PARAMETER,
    SINCE_ID_PARAMETER,
    STREAM_SINCE_ID_PARAMETER,
    KeysetPageCursor,
    ParentStateCursor,
    SinceIdCursor,
    StreamSinceIdCursor,
    bad_state,
)
from .pagination import KeysetPagination
from .paginators import RepeatedPageGuard
from .progress import ExplainedAPIBudget, ProgressRecordSelector
from .records import RequiredFields, SkippedRecords
from .redirects import keep_credentials_on_their_host
from .retries import RetryBudget, RetryWait
from .retrievers import HeadFirstRetriever, SinceIdStreamRetriever
from .stop import StoppingHttpRequester, SyncStop


class SourceMentionsComponentFactory(AdaptedComponentFactory):
    """What the 7.39 manifest schema cannot declare (the cursors keyed by `$parameters`).

    - `since_id_cursor` on a stream: its cursor is a SinceIdCursor (custom incremental_sync
      components are rejected by the schema); `stream_since_id_cursor`: a StreamSinceIdCursor;
      `keyset_page_cursor`: a KeysetPageCursor, which the stream's KeysetPagination feeds;
      `parent_state_cursor`: a ParentStateCursor (a substream incremental through its parent's state).
    - every RecordSelector reports its pages and records to PROGRESS, and skips (counted in
      `skipped_records`) records without their primary key or with a since_id that is not a whole
      number; the API budget logs its waits.
    - every requester gets `read_timeout_seconds` from the config (default 60 s), refuses redirects
      to another host (components.redirects), and sends nothing once `sync_stop` is set (a rejected
      refresh token, see JsonRefreshTokenAuthenticator).
    - every error handler's backoff strategies are wrapped in a RetryWait, within the budget of
      the command: `check` (inside `checking()`) tries briefly, a read for minutes.
    - a saved state a cursor cannot read is a config_error naming the stream and the state.
    - the refresh authenticator gets the config as the user gave it (`user_config`) for its CONTROL message.
    - the manifest's unreadable-body filter (`unreadable_body_filter` in its `$parameters`) is an
      UnreadableBodyFilter and the retrievers' JSON decoders are ParsedBodyDecoders: a page's body is
      parsed once, for that check, its records and its next-page token.
    - every DefaultPaginator is wrapped in a RepeatedPageGuard: a partition whose API repeats a
      next-page token or a page stops with an error instead of paging forever.
    - parent streams are built by this class too (the CDK builds them with a plain factory).
    Everything else is built by the CDK as usual.
    """

    user_config: Optional[Config] = None
    sync_stop: SyncStop
    skipped_records: SkippedRecords
    _checking: bool = False  # class defaults: `adopt` does not run __init__
    _builds_parents: bool = False  # a parent inherits its child's `$parameters`, not its since_id cursor

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
        factory.sync_stop = SyncStop()
        factory.skipped_records = SkippedRecords()
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
            reclass(requester, StoppingHttpRequester).sync_stop = self.sync_stop  # sends nothing once the sync was stopped
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
        handler.backoff_strategies = [RetryWait(strategies=list(handler.backoff_strategies or []), max_retries=max_retries, budget=budget)]
        return handler

    def create_parent_stream_config_with_substream_wrapper(
        self, model: Any, config: Config, *, stream_name: str, **kwargs: Any
    ) -> ParentStreamConfig:
        """The CDK's method with this class in place of the plain ModelToComponentFactory it builds parents with.

        Without it a parent stream (Mention's accounts, alerts and alert heads; Mentionlab's projects)
        would get none of this factory's hooks: no timeouts, redirects followed, no retry budget.
        """
        try:
            substream_factory = self.parent_stream_factory(model, config, stream_name=stream_name)
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # the CDK reads any other shape as a parent's cursor value
            child_state = self.stream_state(stream_name)
            raise bad_state(stream_name, "it is not the state this stream writes", child_state, internal=f"{type(error).__name__}: {error}") from error
        # a parent read incrementally (`incremental_dependency`) needs its own cursor: its state is saved in the child's
        substream_factory._checking, substream_factory._builds_parents = self._checking, not model.incremental_dependency
        substream_factory.user_config, substream_factory.sync_stop, substream_factory.skipped_records = self.user_config, self.sync_stop, self.skipped_records
        return substream_factory.create_parent_stream_config(model=model, config=config, stream_name=stream_name, **kwargs)

    def create_custom_component(self, model: Any, config: Config, **kwargs: Any) -> Any:
        component = super().create_custom_component(model, config, **kwargs)
        if isinstance(component, DefaultErrorHandler):  # WarnWhenSkippedErrorHandler
            self._within_retry_budget(component, config)
        if isinstance(component, JsonRefreshTokenAuthenticator):
            component.sync_stop = self.sync_stop
            component.saved_config = self.user_config
        if isinstance(component, SinceIdStreamRetriever):
            component.skipped_records = self.skipped_records
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
        if isinstance(paginator, DefaultPaginator):  # not the Connector Builder's page-limited test reads
            return RepeatedPageGuard(decorated=paginator)
        return paginator

    def create_simple_retriever(self, model: Any, config: Config, **kwargs: Any) -> Any:
        """Names the stream in its RepeatedPageGuard; its record and pagination JSON decoders read the body parsed by
        its UnreadableBodyFilter; connects a KeysetPagination to the stream's KeysetPageCursor
        (both are built apart, from different models); tells the record selector which fields a record cannot be
        emitted without (the CDK does not pass it the primary key)."""
        retriever = super().create_simple_retriever(model, config, **kwargs)
        if isinstance(retriever.paginator, RepeatedPageGuard):
            retriever.paginator.stream_name = kwargs.get("name") or ""  # a paginator is built without its stream's name
        cursor = kwargs.get("cursor")
        strategy = getattr(retriever.paginator, "pagination_strategy", None)
        if isinstance(strategy, KeysetPagination):
            if not isinstance(cursor, KeysetPageCursor):
                raise ValueError(f"{kwargs.get('name')}: KeysetPagination needs `{KEYSET_PARAMETER}` in the stream's $parameters")
            strategy.checkpoints = cursor
        if isinstance(cursor, SinceIdCursor) and cursor.head_field and type(retriever) is SimpleRetriever:
            reclass(retriever, HeadFirstRetriever)  # reads the alert's head first, in the partition
            retriever.since_id_cursor = cursor
        for decoder in _json_decoders(retriever):
            reclass(decoder, ParsedBodyDecoder)  # reads the body its UnreadableBodyFilter parsed
        since_id = (cursor.cursor_field.cursor_field_key,) if isinstance(cursor, SinceIdCursor) else ()
        selector = getattr(retriever, "record_selector", None)
        if isinstance(selector, ProgressRecordSelector):
            selector.required_fields = RequiredFields.of(kwargs["name"], kwargs.get("primary_key"), since_id)
            selector.skipped_records = self.skipped_records
        return retriever

    def create_dpath_extractor(self, model: Any, config: Config, decoder: Any = None, **kwargs: Any) -> Any:
        extractor = super().create_dpath_extractor(model, config, decoder=decoder, **kwargs)
        if type(extractor) is DpathExtractor and extractor.field_path and not any("*" in str(part) for part in extractor.field_path):
            reclass(extractor, KeyPathExtractor)  # a key-by-key lookup instead of dpath's walk of the whole answer
        return extractor

    def create_record_selector(self, model: Any, config: Config, **kwargs: Any) -> Any:
        selector = super().create_record_selector(model, config, **kwargs)
        if type(selector) is RecordSelector:
            reclass(selector, ProgressRecordSelector)  # select_records also reports progress
        return selector

    def build_concurrent_cursor(
        self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config
    ) -> Cursor:
        """The stream's cursor; a saved state it cannot read is a config_error, not a traceback."""
        name = model.name or ""
        state = self.stream_state(name)
        try:
            return self._build_since_id_or_cdk_cursor(model, stream_slicer, config)
        except AirbyteTracedException:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            if not state:
                raise  # not the state's fault
            cursor = model.incremental_sync
            expected = f"a `{cursor.cursor_field}` date in the form {cursor.datetime_format}" if isinstance(cursor, DatetimeBasedCursorModel) else "the state this stream writes"
            raise bad_state(name, f"it is not {expected}", state, internal=f"{type(error).__name__}: {error}") from error

    def keeps_parent_state(self, model: DeclarativeStreamModel) -> bool:
        """A ParentStateCursor stream keeps its parent's state without `incremental_sync` (no CDK warning for it)."""
        return bool((model.parameters or {}).get(PARENT_STATE_PARAMETER))

    def _build_since_id_or_cdk_cursor(
        self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config
    ) -> Cursor:
        name = model.name or ""
        if self._builds_parents:
            return self.cdk_concurrent_cursor(model, stream_slicer, config)
        stream_options = (model.parameters or {}).get(STREAM_SINCE_ID_PARAMETER)
        if stream_options and stream_slicer is not None:
            return StreamSinceIdCursor(
                stream_name=name,
                partition_router=stream_slicer,
                partition_field=stream_options["partition_field"],
                group_field=stream_options["group_field"],
                cursor_field=stream_options["cursor_field"],
                checkpoint_every=int(stream_options["checkpoint_every"]),
                stream_state=self.stream_state(name),
                connector_state_manager=self.connector_state_manager,
                message_repository=self.message_repository,
            )
        keyset_options = (model.parameters or {}).get(KEYSET_PARAMETER)
        if keyset_options and stream_slicer is not None:
            return KeysetPageCursor(
                stream_name=name,
                partition_router=stream_slicer,
                partition_field=keyset_options["partition_field"],
                cursor_field=keyset_options["cursor_field"],
                stream_state=self.stream_state(name),
                connector_state_manager=self.connector_state_manager,
                message_repository=self.message_repository,
            )
        options = (model.parameters or {}).get(SINCE_ID_PARAMETER)
        # checked after since_id: a parent inherits its child's `$parameters`, and `mentions` read as a parent keeps its own cursor
        parent_options = (model.parameters or {}).get(PARENT_STATE_PARAMETER)
        if parent_options and not options and stream_slicer is not None:
            return ParentStateCursor(
                stream_name=name,
                partition_router=stream_slicer,
                cursor_field=parent_options["cursor_field"],
                stream_state=self.stream_state(name),
                connector_state_manager=self.connector_state_manager,
                message_repository=self.message_repository,
            )
        if not options or stream_slicer is None:
            return self.cdk_concurrent_cursor(model, stream_slicer, config)
        return SinceIdCursor(
            stream_name=name,
            partition_router=stream_slicer,
            partition_field=options["partition_field"],
            cursor_field=options["cursor_field"],
            head_field=options.get("head_field"),
            stream_state=self.stream_state(name),
            connector_state_manager=self.connector_state_manager,
            message_repository=self.message_repository,
        )


def _json_decoders(retriever: Any) -> List[JsonDecoder]:
    """The plain JsonDecoders of a retriever's record extractor and pagination strategy (often one object)."""
    extractor = getattr(getattr(retriever, "record_selector", None), "extractor", None)
    strategy = getattr(getattr(retriever, "paginator", None), "pagination_strategy", None)
    pagination = getattr(strategy, "decoder", None)
    candidates = [getattr(extractor, "decoder", None), pagination.decoder if isinstance(pagination, PaginationDecoderDecorator) else pagination]
    return [decoder for decoder in candidates if type(decoder) is JsonDecoder]
