"""Every use of a private airbyte-cdk name, in one place: the CDK 7.39 offers no public hook for these.

A CDK release may rename or change any of them without notice. unit_tests/test_cdk_adapter.py
pins each assumption made here (the name exists, with the expected signature or type; the copied
method is unchanged) and fails with a message naming it. CI runs those tests against the lowest
and the newest airbyte-cdk that setup.py allows (`make test` runs them on the newest, `make test-cdk-lowest` on the lowest).

Nothing else in source_mentions touches a private CDK name: the other modules use the public
names below. RECLASSED lists every object re-classed after the CDK built it, with the reason.
"""

from __future__ import annotations

from typing import Any, Callable, List, Mapping, MutableMapping, Optional, Type, TypeVar

import requests
from airbyte_cdk.sources.declarative.auth.oauth import DeclarativeSingleUseRefreshTokenOauth2Authenticator
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.sources.declarative.extractors import DpathExtractor
from airbyte_cdk.sources.declarative.incremental import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.interpolation import jinja as cdk_jinja
from airbyte_cdk.sources.declarative.models.declarative_component_schema import DeclarativeStream as DeclarativeStreamModel
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.sources.message import LogAppenderMessageRepositoryDecorator, MessageRepository
from airbyte_cdk.sources.message.repository import StateFilteringMessageRepository
from airbyte_cdk.sources.streams import NO_CURSOR_STATE_KEY
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.types import Config

T = TypeVar("T")
F = TypeVar("F", bound="AdaptedComponentFactory")


class AdaptedComponentFactory(ModelToComponentFactory):
    """The CDK's component factory with public names for its private hooks and state.

    SourceMentionsComponentFactory builds on this class and overrides `build_concurrent_cursor`.
    """

    # --- the hook the CDK calls by a private name -------------------------------------------------
    def _build_concurrent_cursor(self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config) -> Cursor:
        """CDK 7.39: `create_default_stream` builds every stream's cursor here; the manifest takes no custom cursor."""
        return self.build_concurrent_cursor(model, stream_slicer, config)

    def build_concurrent_cursor(self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config) -> Cursor:
        """A stream's cursor; by default the CDK's."""
        return self.cdk_concurrent_cursor(model, stream_slicer, config)

    def cdk_concurrent_cursor(self, model: DeclarativeStreamModel, stream_slicer: Optional[Any], config: Config) -> Cursor:
        """The cursor the CDK would build."""
        return super()._build_concurrent_cursor(model, stream_slicer, config)  # type: ignore[arg-type]

    # --- state the CDK keeps under private names ----------------------------------------------------
    @property
    def connector_state_manager(self) -> ConnectorStateManager:
        return self._connector_state_manager  # type: ignore[no-any-return]

    def stream_state(self, stream_name: str) -> MutableMapping[str, Any]:
        """The saved state of a stream (no namespace), `{}` when there is none."""
        return self._connector_state_manager.get_stream_state(stream_name, None)

    @property
    def message_repository(self) -> MessageRepository:
        return self.get_message_repository()

    def disable_cache(self) -> None:
        """Parent streams' answers are not cached (the flag reaches the parents' own factory)."""
        self._disable_cache = True

    # --- the factory of a source ----------------------------------------------------------------------
    @classmethod
    def adopt(cls: Type[F], source: ConcurrentDeclarativeSource) -> F:
        """The factory the CDK built in the source's __init__ (7.39 takes none from outside), turned into `cls`.

        Safe because `cls` adds no state of its own that __init__ would set (class defaults only),
        and its model-to-constructor table is rebuilt: it holds bound methods of the old class.
        """
        factory = source_factory(source)
        reclass(factory, cls)
        factory._init_mappings()
        return factory  # type: ignore[return-value]

    def _warn_on_ineffective_incremental_dependency(self, model: DeclarativeStreamModel) -> None:
        """CDK 7.39: warns that a parent's state is lost when the child has no `incremental_sync`."""
        if not self.keeps_parent_state(model):
            super()._warn_on_ineffective_incremental_dependency(model)

    def keeps_parent_state(self, model: DeclarativeStreamModel) -> bool:
        """Whether the stream keeps its parent's state by other means (then the CDK's warning is wrong)."""
        return False

    def parent_stream_factory(self: F, model: Any, config: Config, *, stream_name: str) -> F:
        """A factory of this class for a stream's parent streams.

        A copy of the first part of the CDK's `create_parent_stream_config_with_substream_wrapper`
        (7.39), which builds the parents with a plain ModelToComponentFactory: `type(self)` in its place
        is the only change. The test pins the CDK method's source: if it changes, re-check this copy.
        """
        child_state = self.stream_state(stream_name)
        if NO_CURSOR_STATE_KEY in child_state:
            child_state = {key: value for key, value in child_state.items() if key != NO_CURSOR_STATE_KEY}
        parent_state: Optional[Mapping[str, Any]] = child_state if model.incremental_dependency and child_state else None
        return type(self)(
            custom_components_trusted=self._custom_components_trusted,
            connector_state_manager=self._instantiate_parent_stream_state_manager(child_state, config, model, parent_state),
            limit_pages_fetched_per_slice=self._limit_pages_fetched_per_slice,
            limit_slices_fetched=self._limit_slices_fetched,
            emit_connector_builder_messages=self._emit_connector_builder_messages,
            disable_retries=self._disable_retries,
            disable_cache=self._disable_cache,
            message_repository=StateFilteringMessageRepository(
                LogAppenderMessageRepositoryDecorator(
                    {"airbyte_cdk": {"stream": {"is_substream": True}}, "http": {"is_auxiliary": True}},
                    self._message_repository,
                    self._evaluate_log_level(self._emit_connector_builder_messages),
                ),
            ),
            api_budget=self._api_budget,
            rate_limited_authenticators=self._rate_limited_authenticators,
        )


class NewPartitionsFromStartCursor(ConcurrentPerPartitionCursor):
    """The CDK's per-partition cursor, except that a partition without state starts at the stream's start.

    CDK 7.39 starts a partition the saved state does not hold (an alert or project created since the
    last sync) from the newest state of the others (`_global_cursor`, minus a sync's duration): its
    history would never be read without a reset. The cursor of a new partition is created here first,
    from no state; the rest of `_generate_slices_from_partition` is the CDK's. Only where the saved
    state holds partitions: a state of the older one-date form still starts every partition from its date.
    """

    def _generate_slices_from_partition(self, partition: Any, parent_state: Mapping[str, Any]) -> Any:
        if "_state_had_partitions" not in vars(self):  # the first partition: what the saved state held is loaded
            self._state_had_partitions = bool(self._cursor_per_partition)
        key = self._to_partition_key(partition.partition)
        if self._state_had_partitions and not self._use_global_cursor and key not in self._cursor_per_partition:
            with self._lock:
                self._number_of_partitions += 1
                self._cursor_per_partition[key] = self._create_cursor({})
        return super()._generate_slices_from_partition(partition, parent_state)


class PackagedManifestSource(YamlDeclarativeSource):
    """A YamlDeclarativeSource whose manifest is part of the package: checked against the CDK's component schema by
    the unit tests (test_cdk_adapter), not again at every command's start (0.085 s of the ~0.25 s a source takes to build)."""

    def _validate_source(self) -> None:
        """CDK 7.39: __init__ validates the resolved manifest here (`validate_manifest`), and again after a migration
        (`_migrate_manifest`, off unless asked for). The resolved manifest does not depend on the config."""
        if self._should_migrate:
            super()._validate_source()

    def validate_manifest(self) -> None:
        """What `_validate_source` skips: the resolved manifest against the component schema (raises ValidationError)."""
        super()._validate_source()


class AdaptedSingleUseRefreshAuthenticator(DeclarativeSingleUseRefreshTokenOauth2Authenticator):
    """The CDK's single-use refresh-token authenticator with public names for its two private hooks."""

    def _make_handled_request(self) -> Any:
        """CDK 7.39: `refresh_access_token` sends the refresh request here and returns the JSON answer."""
        return self.send_refresh_request()

    def send_refresh_request(self) -> Any:
        """The refresh request's JSON answer; by default the CDK's request."""
        return super()._make_handled_request()

    def _emit_control_message(self) -> None:
        """CDK 7.39: called after a token rotation to hand the new tokens back to the platform."""
        self.emit_rotated_tokens()

    def emit_rotated_tokens(self) -> None:
        """The CONTROL message with the rotated tokens; by default the CDK's."""
        super()._emit_control_message()


def source_factory(source: ConcurrentDeclarativeSource) -> ModelToComponentFactory:
    """The component factory a declarative source builds its components with."""
    return source._constructor  # type: ignore[no-any-return]


def set_record_queue_size(source: ConcurrentDeclarativeSource, size: int) -> None:
    """Caps the queue between the reading threads and the main thread (the CDK fixes it at 10,000, with no setting)."""
    source._concurrent_source._queue.maxsize = size


def record_queue_size(source: ConcurrentDeclarativeSource) -> int:
    return source._concurrent_source._queue.maxsize  # type: ignore[no-any-return]


def register_jinja_filter(name: str, function: Callable[..., Any]) -> None:
    """Makes `{{ value | name }}` available to every manifest template (the CDK has no public registry)."""
    cdk_jinja._ENVIRONMENT.filters[name] = function


def requester_session(requester: HttpRequester) -> requests.Session:
    """The requests session an HttpRequester sends with (the CDK has no public handle on it)."""
    return requester._http_client._session  # type: ignore[no-any-return]


def stream_retriever(stream: Any) -> Any:
    """The retriever a concurrent DefaultStream reads its partitions with (the CDK has no public handle on it)."""
    return stream._stream_partition_generator._partition_factory._retriever


def extractor_field_path(extractor: DpathExtractor) -> List[InterpolatedString]:
    """The parts of a DpathExtractor's `field_path`, as it interpolated them (the CDK has no public handle on them)."""
    return extractor._field_path  # type: ignore[no-any-return]


# Every object this package re-classes after the CDK built it, and why no public construction path builds it instead.
# `reclass` refuses any subclass not listed here; unit_tests/test_cdk_adapter.py checks each can take its subclass.
RECLASSED = {
    "SourceMentionsComponentFactory": "ModelToComponentFactory: 7.39's declarative source builds its factory in __init__ and takes none from outside",
    "StoppingHttpRequester": "HttpRequester: a CustomRequester is built by create_custom_component, without create_http_requester's "
    "decoder, API budget, message repository and cache; the stop applies to every requester (factory.STREAM_POLICIES)",
    "HeadFirstRetriever": "SimpleRetriever: a CustomRetriever is built by create_custom_component, without create_simple_retriever's "
    "cursor, stream slicer, paginator url_base and record selector; chosen by the SinceIdCursor's head_field",
    "ProgressRecordSelector": "RecordSelector: the schema's record_selector takes no custom class",
    "ExplainedAPIBudget": "HttpAPIBudget: the schema's api_budget takes no custom class",
    "RepeatedPageGuard": "DefaultPaginator: the schema's paginator takes no custom class",
    "UnreadableBodyFilter": "HttpResponseFilter: the schema's response_filters take no custom class",
    "NewPartitionsFromStartCursor": "ConcurrentPerPartitionCursor: the schema's incremental_sync takes no custom class, and "
    "create_concurrent_cursor_from_perpartition_cursor builds this cursor for every partitioned date cursor",
    "ParsedBodyDecoder": "JsonDecoder: the extractor's and paginator's decoders are made by create_simple_retriever from the retriever's; "
    "a CustomDecoder named on every retriever would repeat one policy thirty times (factory.STREAM_POLICIES)",
}


def reclass(instance: Any, subclass: Type[T]) -> T:
    """`instance`, an object the CDK built, made an instance of `subclass` (which the CDK offers no way to build instead).

    Only for a subclass listed in RECLASSED that changes behaviour, not state: it must derive from the instance's
    class and add no dataclass field, no __init__ and no __slots__, so the object is whole as it is.
    """
    problems = reclass_problems(type(instance), subclass)
    if subclass.__name__ not in RECLASSED:
        problems.append(f"{subclass.__qualname__} is not listed in cdk_adapter.RECLASSED with its reason")
    if problems:
        raise TypeError(f"cannot make a {type(instance).__qualname__} a {subclass.__qualname__}: {'; '.join(problems)}")
    instance.__class__ = subclass
    return instance  # type: ignore[no-any-return]


def reclass_problems(cdk_class: type, subclass: type) -> list:
    """Why `reclass` could not turn a `cdk_class` object into a `subclass` one (empty when it can)."""
    problems = []
    if not issubclass(subclass, cdk_class):
        problems.append(f"{subclass.__qualname__} does not derive from {cdk_class.__qualname__}")
    if "__init__" in vars(subclass) and subclass.__init__ is not cdk_class.__init__:
        problems.append(f"{subclass.__qualname__} has its own __init__")
    if "__slots__" in vars(subclass) or "__slots__" in vars(cdk_class):
        problems.append("__slots__ are involved")
    own_fields = set(getattr(subclass, "__dataclass_fields__", {})) - set(getattr(cdk_class, "__dataclass_fields__", {}))
    if own_fields:
        problems.append(f"{subclass.__qualname__} adds the dataclass fields {sorted(own_fields)}")
    return problems

