"""Console entrypoint: `source-mentions spec|check|discover|read`."""

from .startup import skip_protocol_docstrings

skip_protocol_docstrings()  # before airbyte_cdk is imported below (startup.py): 0.4 s less start-up

import importlib
import logging
import pkgutil
import sys
from functools import lru_cache
from typing import Any, List, Mapping, Optional, Tuple

import orjson
import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteTraceMessage,
    ConnectorSpecification,
    FailureType,
    Status,
    TraceType,
    Type,
)
from airbyte_cdk.models.airbyte_protocol_serializers import AirbyteMessageSerializer
from airbyte_cdk.sources.declarative.validators.validation_strategy import ValidationStrategy
from airbyte_cdk.sources.source import Source
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets, get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

from .allocator import limit_allocator_retention
from .source import SourceMentions

USAGE = """\
usage: source-mentions COMMAND [options]

An Airbyte source for social-listening APIs: Mention, Mentionlytics, Sociovite and Mentionlab.
It speaks the Airbyte protocol: one JSON message per line on standard output.

commands:
  spec                                      print the configuration specification
  check    --config CONFIG                  test the credentials and settings in CONFIG (a JSON file)
  discover --config CONFIG                  list the streams of CONFIG's provider
  read     --config CONFIG --catalog CATALOG [--state STATE]
                                            read the streams CATALOG selects, from STATE on

Try it against the local sandbox (`make sandbox` in another terminal):
  source-mentions check --config integration_tests/sample_config.json
  source-mentions read --config integration_tests/sample_config.json --catalog integration_tests/configured_catalog.json

`source-mentions COMMAND --help` lists a command's options.
"""


@lru_cache(maxsize=1)
def manifest_spec() -> Mapping[str, Any]:
    """The manifest's `spec`, read without building a source: a command builds at most one, after its config passed."""
    manifest = yaml.load(pkgutil.get_data(__package__, "manifest.yaml") or b"", Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return manifest["spec"]  # type: ignore[no-any-return]


def connection_specification() -> Mapping[str, Any]:
    return manifest_spec()["connection_specification"]  # type: ignore[no-any-return]


def specification() -> ConnectorSpecification:
    """What `spec` prints, as the CDK's Spec component builds it (the manifest declares no advanced_auth), without a source."""
    spec = manifest_spec()
    return ConnectorSpecification(connectionSpecification=spec["connection_specification"], documentationUrl=spec.get("documentation_url"))


def config_problem(config: Mapping[str, Any]) -> Optional[str]:
    """What is wrong with a config, in words a user can act on (secrets masked), or None.

    The CDK would report the same faults later, some as a traceback in the log or a system error.
    """
    schema = connection_specification()
    update_secrets(get_secrets(schema, config))
    providers = [branch["properties"]["provider_type"]["const"] for branch in schema["properties"]["provider"]["oneOf"]]
    provider_type = (config.get("provider") or {}).get("provider_type") if isinstance(config.get("provider"), Mapping) else None
    if provider_type not in providers:
        return f"Provider type {provider_type!r} is not supported: choose one of {', '.join(providers)}."
    branch = next(b for b in schema["properties"]["provider"]["oneOf"] if b["properties"]["provider_type"]["const"] == provider_type)
    flat = {**schema, "properties": {**schema["properties"], "provider": branch}}
    error = best_match(Draft7Validator(flat).iter_errors(config))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "the config"
        return filter_secrets(f"Invalid setting {where}: {_in_words(error)}.")
    # the manifest's config validations, before the CDK would wrap their message in a discovery error
    for field_path, validation in manifest_validations():
        value = _at(config, field_path)
        if value is None or value == "":
            continue
        try:
            validation.validate(value)
        except AirbyteTracedException as problem:
            return problem.message
    return None


def manifest_validations() -> List[Tuple[List[str], ValidationStrategy]]:
    """The manifest's `spec.config_normalization_rules.validations`, each built from its class: the one definition
    of these checks, which run.py applies before the source is built (the CDK applies them while building it)."""
    built = []
    for rule in manifest_spec().get("config_normalization_rules", {}).get("validations", []):
        strategy = rule["validation_strategy"]
        if rule["type"] != "DpathValidator" or strategy["type"] != "CustomValidationStrategy":
            raise NotImplementedError(f"run.py applies DpathValidator rules with a CustomValidationStrategy, not {rule['type']}/{strategy['type']}")
        module, _, name = strategy["class_name"].rpartition(".")
        arguments = {key: value for key, value in strategy.items() if key not in ("type", "class_name")}
        built.append((list(rule["field_path"]), getattr(importlib.import_module(module), name)(**arguments)))
    return built


def _at(config: Mapping[str, Any], path: List[str]) -> Any:
    node: Any = config
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _in_words(error: ValidationError) -> str:
    """The validator's message; for a pattern, the form the spec describes and an example instead of the regex."""
    field = error.schema if isinstance(error.schema, Mapping) else {}
    form = field.get("pattern_descriptor")
    if error.validator != "pattern" or not form:
        return error.message
    example = (field.get("examples") or [field.get("default")])[0]
    return f"{error.instance!r} is not of the expected form {form}" + (f", for example {example}" if example else "")


def _emit(message: AirbyteMessage) -> None:
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)


def _fail(verb: str, text: str, internal: str) -> None:
    """`check` answers FAILED (exit 0), as the CDK does; other verbs end with a config_error trace (exit 1)."""
    if verb == "check":
        _emit(AirbyteMessage(type=Type.CONNECTION_STATUS, connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=text)))
        sys.exit(0)
    error = AirbyteErrorTraceMessage(message=text, internal_message=internal, failure_type=FailureType.config_error)
    _emit(AirbyteMessage(type=Type.TRACE, trace=AirbyteTraceMessage(type=TraceType.ERROR, emitted_at=0, error=error)))
    sys.exit(1)


class RoutineCdkLines(logging.Filter):
    """Drops two CDK INFO lines that say nothing to a user, on every command.

    "MemoryMonitor instantiated ..." (airbyte_cdk.utils.memory_monitor, logged when the entrypoint starts) and
    "Validation skipped. Key not found: ['provider', 'timezone']" (airbyte_cdk...dpath_validator: the manifest's
    timezone checks belong to one provider each, so every config lacks the other providers' key).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        if record.module == "memory_monitor":
            return False
        return not (record.module == "dpath_validator" and str(record.msg).startswith("Validation skipped. Key not found"))


def quiet_routine_cdk_lines() -> None:
    """For this process (the CLI's): the lines RoutineCdkLines drops, and the CDK's WARN on a list of partition routers.

    "Parent state handling is not supported for CartesianProductStreamSlicer." is logged for Mentionlab's
    sentiment_timeseries (projects x entities); its parent (projects) keeps no state, so nothing is lost.
    unit_tests/test_manifest_rules.py fails if a parent inside a list of routers is ever read incrementally.
    """
    logging.getLogger("airbyte").addFilter(RoutineCdkLines())
    logging.getLogger("airbyte.CartesianProductStreamSlicer").setLevel(logging.ERROR)


def run(args: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if args is None else args
    limit_allocator_retention()
    quiet_routine_cdk_lines()
    if not args or args[0] in ("-h", "--help"):
        # the CDK would answer a bare call with "No command passed" and a traceback
        print(USAGE, end="", file=sys.stdout if args else sys.stderr)
        sys.exit(0 if args else 2)
    try:
        parsed = AirbyteEntrypoint.parse_args(args)
        if parsed.command == "spec":  # building the source (about a second) would only read this from the manifest
            _emit(AirbyteMessage(type=Type.SPEC, spec=specification()))
            return
        config_path = getattr(parsed, "config", None)
        catalog_path = getattr(parsed, "catalog", None)
        state_path = getattr(parsed, "state", None)
        config = Source.read_config(config_path) if config_path else None
        problem = config_problem(config) if config is not None else None
        if problem:
            _fail(parsed.command, problem, "config rejected before start")
        # CDK 7 reads config, catalog and state when the source is constructed
        source = SourceMentions(
            catalog=Source.read_catalog(catalog_path) if catalog_path else None,
            config=config,
            state=Source.read_state(state_path) if state_path else None,
            config_path=config_path,
        )
    except SystemExit:
        raise
    except Exception as error:  # an unreadable file or a config the source cannot start with: a config error, not a traceback
        _fail(getattr(locals().get("parsed"), "command", ""), f"The source could not start with this configuration: {filter_secrets(str(error))}", type(error).__name__)
    try:
        launch(source, args)
    except AirbyteTracedException as error:
        if error.failure_type != FailureType.config_error:
            raise  # the CDK's handler logs the traceback and emits the trace
        # the user's settings or saved state are at fault (a state it cannot read, a rejected refresh
        # token): the trace alone, without the CDK's FATAL log line of a traceback
        _fail(parsed.command, filter_secrets(error.message or str(error)), filter_secrets(error.internal_message or type(error).__name__))
