"""Console entrypoint: `source-mentions spec|check|discover|read`."""

import sys
from typing import List, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import AirbyteErrorTraceMessage, AirbyteMessage, AirbyteTraceMessage, FailureType, TraceType, Type
from airbyte_cdk.models.airbyte_protocol_serializers import AirbyteMessageSerializer
from airbyte_cdk.sources.source import Source

from .source import SourceMentions


def _source(args: List[str]) -> SourceMentions:
    """Build the source with the config, catalog and state named on the command line (CDK 7 reads them at construction)."""
    parsed = AirbyteEntrypoint.parse_args(args)
    config_path = getattr(parsed, "config", None)
    catalog_path = getattr(parsed, "catalog", None)
    state_path = getattr(parsed, "state", None)
    config = Source.read_config(config_path) if config_path else None
    catalog = Source.read_catalog(catalog_path) if catalog_path else None
    state = Source.read_state(state_path) if state_path else None
    return SourceMentions(catalog=catalog, config=config, state=state, config_path=config_path)


def run(args: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if args is None else args
    try:
        source = _source(args)
    except Exception as error:  # construction validates the config: report it as Airbyte does, not as a traceback
        message = AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ERROR,
                emitted_at=0,
                error=AirbyteErrorTraceMessage(
                    message=f"The source could not start with this configuration: {error}",
                    internal_message=type(error).__name__,
                    failure_type=FailureType.config_error,
                ),
            ),
        )
        print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)
        sys.exit(1)
    launch(source, args)
