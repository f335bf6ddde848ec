"""The CDK assumptions of components.cdk_adapter, one test each: a CDK release that breaks one fails here, naming it.

CI runs these against the lowest and the newest airbyte-cdk setup.py allows (`make test` on the newest, `make test-cdk-lowest` on the lowest).
"""

import ast
import hashlib
import inspect
import queue
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, List

import jinja2
import pytest
import requests
from jsonschema import ValidationError
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.declarative.extractors import DpathExtractor
from airbyte_cdk.sources.declarative.incremental import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.declarative.retrievers import SimpleRetriever
from airbyte_cdk.sources.declarative.interpolation import jinja as cdk_jinja
from airbyte_cdk.sources.declarative.models.declarative_component_schema import HttpRequester as HttpRequesterModel
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.requesters import HttpRequester
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.call_rate import HttpAPIBudget
from airbyte_cdk.sources.streams.http.requests_native_auth.abstract_oauth import AbstractOauth2Authenticator
from airbyte_cdk.sources.streams.http.requests_native_auth.oauth import SingleUseRefreshTokenOauth2Authenticator

from source_mentions import components
from source_mentions.components import SourceMentionsComponentFactory, register_manifest_filters
from source_mentions.components.cdk_adapter import RECLASSED, extractor_field_path, reclass, stream_retriever, reclass_problems, record_queue_size, requester_session, source_factory
from source_mentions.source import RECORD_QUEUE_SIZE, SourceMentions

from .builders import config

# ast fingerprint of ModelToComponentFactory.create_parent_stream_config_with_substream_wrapper, whose
# first part cdk_adapter.AdaptedComponentFactory.parent_stream_factory copies (airbyte-cdk 7.39.0 and 7.39.1)
CDK_PARENT_WRAPPER_FINGERPRINTS = {"3a24e72b0c0104c7"}


def parameters(function: Callable[..., Any]) -> List[str]:
    return list(inspect.signature(function).parameters)


def broken(assumption: str, used_by: str) -> str:
    return f"CDK assumption broken: {assumption}. Used by components.cdk_adapter.{used_by}; adapt it to this CDK."


def source_of(function: Callable[..., Any]) -> str:
    return textwrap.dedent(inspect.getsource(function))


# ---------------------------------------------------------------- the component factory


def test_the_factory_builds_every_stream_cursor_in_build_concurrent_cursor():
    method = getattr(ModelToComponentFactory, "_build_concurrent_cursor", None)
    assumption = "ModelToComponentFactory.create_default_stream builds the cursor with self._build_concurrent_cursor(model, stream_slicer, config)"
    assert method is not None and parameters(method) == ["self", "model", "stream_slicer", "config"], broken(assumption, "AdaptedComponentFactory._build_concurrent_cursor")
    assert "self._build_concurrent_cursor(" in source_of(ModelToComponentFactory.create_default_stream), broken(assumption, "AdaptedComponentFactory._build_concurrent_cursor")


@pytest.mark.parametrize(
    "name, kind",
    [
        ("_connector_state_manager", ConnectorStateManager),
        ("_message_repository", MessageRepository),
        ("_disable_cache", bool),
        ("_custom_components_trusted", bool),
        ("_emit_connector_builder_messages", bool),
        ("_disable_retries", bool),
        ("_limit_pages_fetched_per_slice", (int, type(None))),
        ("_limit_slices_fetched", (int, type(None))),
        ("_api_budget", object),
        ("_rate_limited_authenticators", object),
    ],
)
def test_the_factory_keeps_its_settings_in_private_attributes(name, kind):
    factory = ModelToComponentFactory()
    assumption = f"ModelToComponentFactory() sets self.{name} ({getattr(kind, '__name__', kind)})"
    assert hasattr(factory, name) and isinstance(getattr(factory, name), kind), broken(assumption, "AdaptedComponentFactory (state accessors, parent_stream_factory)")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("_init_mappings", ["self"]),
        ("_instantiate_parent_stream_state_manager", ["self", "child_state", "config", "model", "parent_state"]),
        ("_evaluate_log_level", ["self", "emit_connector_builder_messages"]),
        ("_warn_on_ineffective_incremental_dependency", ["self", "model"]),
    ],
)
def test_the_factory_has_the_private_methods_the_adapter_calls(name, expected):
    method = getattr(ModelToComponentFactory, name, None)
    assumption = f"ModelToComponentFactory.{name}({', '.join(expected[1:])}) exists"
    assert method is not None and parameters(method) == expected, broken(assumption, "AdaptedComponentFactory.adopt / parent_stream_factory")


def test_the_copied_parent_stream_wrapper_is_unchanged_in_the_cdk():
    tree = ast.parse(source_of(ModelToComponentFactory.create_parent_stream_config_with_substream_wrapper))
    fingerprint = hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]
    assert fingerprint in CDK_PARENT_WRAPPER_FINGERPRINTS, (
        f"ModelToComponentFactory.create_parent_stream_config_with_substream_wrapper changed in this CDK (fingerprint {fingerprint}): "
        "re-check the copy in components.cdk_adapter.AdaptedComponentFactory.parent_stream_factory against it, "
        "then add the fingerprint to CDK_PARENT_WRAPPER_FINGERPRINTS."
    )


def test_a_source_adopts_the_factory_the_cdk_built_with_this_class_methods_in_its_table():
    source = SourceMentions(config=config())
    factory = source_factory(source)
    assumption = "a declarative source keeps its component factory in self._constructor, and _init_mappings() rebuilds PYDANTIC_MODEL_TO_CONSTRUCTOR from the instance's methods"
    assert isinstance(factory, SourceMentionsComponentFactory) and factory is source.factory, broken(assumption, "source_factory / AdaptedComponentFactory.adopt")
    constructor = factory.PYDANTIC_MODEL_TO_CONSTRUCTOR[HttpRequesterModel]
    assert constructor.__self__ is factory and constructor.__func__ is SourceMentionsComponentFactory.create_http_requester, broken(assumption, "AdaptedComponentFactory.adopt")


# ---------------------------------------------------------------- the source, templates, requesters


def test_the_record_queue_of_a_source_is_a_queue_whose_size_can_be_capped():
    source = SourceMentions(config=config())
    assumption = "ConcurrentDeclarativeSource keeps the record queue in self._concurrent_source._queue (a queue.Queue)"
    assert isinstance(getattr(getattr(source, "_concurrent_source", None), "_queue", None), queue.Queue), broken(assumption, "set_record_queue_size")
    assert record_queue_size(source) == RECORD_QUEUE_SIZE


def test_manifest_templates_render_in_the_jinja_environment_filters_are_added_to():
    register_manifest_filters()
    environment = getattr(cdk_jinja, "_ENVIRONMENT", None)
    assumption = "airbyte_cdk.sources.declarative.interpolation.jinja._ENVIRONMENT is the jinja2 Environment every manifest template renders in"
    assert isinstance(environment, jinja2.Environment), broken(assumption, "register_jinja_filter")
    assert "path_segment" in environment.filters, broken(assumption, "register_jinja_filter")
    assert "_ENVIRONMENT" in inspect.getsource(cdk_jinja.JinjaInterpolation), broken(assumption, "register_jinja_filter")


def test_a_requester_sends_with_a_requests_session_behind_its_http_client():
    requester = HttpRequester(name="probe", url_base="https://example.invalid", path="/", config={}, parameters={})
    assumption = "HttpRequester keeps its HttpClient in self._http_client, whose requests session is self._session"
    assert isinstance(requester_session(requester), requests.Session), broken(assumption, "requester_session")


def test_a_new_partition_gets_its_cursor_in_generate_slices_from_partition_from_the_global_cursor():
    assumption = (
        "ConcurrentPerPartitionCursor._generate_slices_from_partition creates a missing partition's cursor with "
        "self._create_cursor(self._global_cursor, ...) unless self._cursor_per_partition holds its self._to_partition_key"
    )
    code = source_of(ConcurrentPerPartitionCursor._generate_slices_from_partition)
    for name in ("self._to_partition_key(", "self._cursor_per_partition", "self._create_cursor(", "self._global_cursor", "self._number_of_partitions", "self._lock"):
        assert name in code, broken(assumption, "NewPartitionsFromStartCursor")
    assert "_use_global_cursor" in source_of(ConcurrentPerPartitionCursor), broken(assumption, "NewPartitionsFromStartCursor")


def test_a_declarative_stream_reads_with_the_retriever_behind_its_partition_factory():
    source = SourceMentions(config=config())
    stream = next(s for s in source.streams(config()) if s.name == "accounts")
    assumption = "DefaultStream keeps its partition generator in _stream_partition_generator, whose _partition_factory keeps the retriever in _retriever"
    try:
        retriever = stream_retriever(stream)
    except AttributeError as error:
        raise AssertionError(broken(assumption, "stream_retriever")) from error
    assert isinstance(retriever, SimpleRetriever) and retriever.name == "accounts", broken(assumption, "stream_retriever")


def test_a_dpath_extractor_keeps_its_interpolated_field_path_in_field_path():
    extractor = DpathExtractor(field_path=["{{ parameters.root }}", "items"], config={}, parameters={"root": "data"})
    assumption = "DpathExtractor keeps its field_path as InterpolatedStrings in self._field_path"
    parts = extractor_field_path(extractor)
    assert [part.eval({}) for part in parts] == ["data", "items"], broken(assumption, "extractor_field_path")


def test_the_cdk_validates_the_manifest_in_validate_source_at_init_and_after_a_migration():
    init, validate, migrate = (source_of(method) for method in (ConcurrentDeclarativeSource.__init__, ConcurrentDeclarativeSource._validate_source, ConcurrentDeclarativeSource._migrate_manifest))
    assert "self._validate_source()" in init and "self._should_migrate = migrate_manifest" in init, broken(
        "ConcurrentDeclarativeSource.__init__ validates through _validate_source and keeps migrate_manifest in _should_migrate", "PackagedManifestSource")
    assert "validate_manifest(self._source_config" in validate, broken("_validate_source validates the resolved manifest", "PackagedManifestSource")
    assert "if self._should_migrate:" in migrate and "self._validate_source()" in migrate, broken("_migrate_manifest validates again", "PackagedManifestSource")


def test_the_packaged_manifest_is_valid_against_the_cdk_component_schema():
    SourceMentions().validate_manifest()


def test_the_manifest_check_the_source_start_skips_rejects_an_invalid_manifest():
    source = SourceMentions()
    source.resolved_manifest["check"]["type"] = "NoSuchChecker"  # type: ignore[index]
    with pytest.raises(ValidationError):
        source.validate_manifest()


# ---------------------------------------------------------------- the refresh-token authenticator


def test_the_refresh_request_is_sent_by_make_handled_request():
    assumption = "refresh_access_token() sends the refresh through self._make_handled_request() and uses its JSON answer"
    method = getattr(AbstractOauth2Authenticator, "_make_handled_request", None)
    assert method is not None and parameters(method) == ["self"], broken(assumption, "AdaptedSingleUseRefreshAuthenticator._make_handled_request")
    assert "self._make_handled_request()" in source_of(SingleUseRefreshTokenOauth2Authenticator.refresh_access_token), broken(
        assumption, "AdaptedSingleUseRefreshAuthenticator._make_handled_request"
    )


def test_the_rotated_tokens_are_handed_back_by_emit_control_message():
    assumption = "SingleUseRefreshTokenOauth2Authenticator.refresh_and_set_access_token() hands rotated tokens back with self._emit_control_message()"
    method = getattr(SingleUseRefreshTokenOauth2Authenticator, "_emit_control_message", None)
    assert method is not None and parameters(method) == ["self"], broken(assumption, "AdaptedSingleUseRefreshAuthenticator._emit_control_message")
    assert "self._emit_control_message()" in source_of(SingleUseRefreshTokenOauth2Authenticator.refresh_and_set_access_token), broken(
        assumption, "AdaptedSingleUseRefreshAuthenticator._emit_control_message"
    )


# ---------------------------------------------------------------- objects the CDK builds, given a subclass


@pytest.mark.parametrize("name", sorted(RECLASSED))
def test_objects_the_cdk_builds_can_take_the_subclass_the_adapter_lists(name):
    subclass = getattr(components, name)
    cdk_class = next(base for base in subclass.__mro__ if base.__module__.startswith("airbyte_cdk."))
    assert RECLASSED[name].startswith(cdk_class.__name__ + ":"), f"RECLASSED[{name!r}] should start with the CDK class it re-classes, {cdk_class.__name__}"
    assert reclass_problems(cdk_class, subclass) == [], broken(f"a {cdk_class.__qualname__} can become a {subclass.__qualname__} as it is", "reclass")


def test_every_reclass_in_the_package_is_of_a_listed_subclass():
    package = Path(components.__file__).parent
    used = {name for path in package.glob("*.py") for name in re.findall(r"reclass\((?:\w|\.)+, (\w+)\)", path.read_text())}
    assert used and used <= set(RECLASSED) | {"cls"}, sorted(used - set(RECLASSED))


def test_reclass_refuses_a_subclass_the_adapter_does_not_list():
    class Unlisted(HttpAPIBudget):
        pass

    with pytest.raises(TypeError, match="not listed in cdk_adapter.RECLASSED"):
        reclass(HttpAPIBudget(policies=[]), Unlisted)


def test_reclass_refuses_a_subclass_with_fields_of_its_own():
    @dataclass
    class WithAField(HttpAPIBudget):
        extra: int = 0

    with pytest.raises(TypeError, match="adds the dataclass fields"):
        reclass(HttpAPIBudget(policies=[]), WithAField)


@pytest.mark.parametrize(
    "cdk_class, names",
    [
        (ModelToComponentFactory, ["build_concurrent_cursor", "cdk_concurrent_cursor", "connector_state_manager", "stream_state", "message_repository", "disable_cache", "adopt", "parent_stream_factory"]),
        (SingleUseRefreshTokenOauth2Authenticator, ["send_refresh_request", "emit_rotated_tokens"]),
    ],
)
def test_the_adapter_public_names_are_not_names_the_cdk_uses(cdk_class, names):
    """A CDK that starts using one of these names would call the adapter's method in place of its own."""
    taken = [name for name in names if hasattr(cdk_class, name)]
    assert not taken, broken(f"{cdk_class.__qualname__} has no attribute named {', '.join(taken)}", "(rename the adapter's method)")
