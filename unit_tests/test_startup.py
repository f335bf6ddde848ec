"""Start-up: each CLI command builds the source at most once (building it is most of a command's start-up),
and the CDK's import reads no source file (source_mentions/startup.py)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest
import requests_mock as requests_mock_module

import source_mentions.run as cli
from source_mentions.source import SourceMentions

from .builders import provider_config


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """Every SourceMentions the CLI builds."""
    sources: List[Any] = []
    build = SourceMentions.__init__

    def counted(self: SourceMentions, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        sources.append(self)

    monkeypatch.setattr(SourceMentions, "__init__", counted)
    return sources


def test_spec_prints_the_sources_specification_without_building_a_source(built, capsys):
    cli.run(["spec"])

    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert built == []
    expected = SourceMentions().spec(None)  # type: ignore[arg-type]
    assert printed["type"] == "SPEC"
    assert printed["spec"]["connectionSpecification"] == expected.connectionSpecification
    assert printed["spec"]["documentationUrl"] == expected.documentationUrl


def test_discover_builds_the_source_once(built, tmp_path: Path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(provider_config("mention", access_token="unit-token", api_url="https://api.mention.test/api")))

    with requests_mock_module.Mocker():  # discover sends no request: any would fail here
        cli.run(["discover", "--config", str(config)])

    assert '"CATALOG"' in capsys.readouterr().out
    assert len(built) == 1


# --- source_mentions/startup.py: the CDK's import reads no source file ------------------------------

SOURCE_READS = """
import inspect, sys
reads = []
getsource = inspect.getsource
def counted(obj):
    if "airbyte_protocol" in str(getattr(obj, "__module__", "")):  # the protocol classes; another library's reads are its own
        reads.append(obj)
    return getsource(obj)
inspect.getsource = counted
import {module}
print(len(reads))
"""

MESSAGES = r"""
import json, sys
{prelude}
from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.models.airbyte_protocol_serializers import AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer
lines = [
    {{"type": "RECORD", "record": {{"stream": "mentions", "data": {{"id": "1", "nested": {{"a": [1, None]}}}}, "emitted_at": 1}}}},
    {{"type": "STATE", "state": {{"type": "STREAM", "stream": {{"stream_descriptor": {{"name": "mentions"}},
      "stream_state": {{"states": [{{"partition": {{"alert_id": "1"}}, "cursor": {{"since_id": "9"}}}}]}}}},
      "sourceStats": {{"recordCount": 2.0}}}}}},
    {{"type": "LOG", "log": {{"level": "WARN", "message": "m"}}}},
    {{"type": "TRACE", "trace": {{"type": "ERROR", "emitted_at": 2.0, "error": {{"message": "m", "failure_type": "config_error"}}}}}},
    {{"type": "SPEC", "spec": {{"connectionSpecification": {{"type": "object"}}, "documentationUrl": "https://x.test"}}}},
    {{"type": "CATALOG", "catalog": {{"streams": [{{"name": "s", "json_schema": {{}}, "supported_sync_modes": ["full_refresh"],
      "source_defined_primary_key": [["id"]], "is_resumable": True}}]}}}},
    {{"type": "CONNECTION_STATUS", "connectionStatus": {{"status": "FAILED", "message": "m"}}}},
    {{"type": "CONTROL", "control": {{"type": "CONNECTOR_CONFIG", "emitted_at": 3.0, "connectorConfig": {{"config": {{"k": "v"}}}}}}}},
]
out = [AirbyteMessageSerializer.dump(AirbyteMessageSerializer.load(line)) for line in lines]
catalog = {{"streams": [{{"stream": {{"name": "s", "json_schema": {{}}, "supported_sync_modes": ["incremental"]}},
  "sync_mode": "incremental", "destination_sync_mode": "append_dedup", "cursor_field": ["id"], "primary_key": [["id"]]}}]}}
out.append(ConfiguredAirbyteCatalogSerializer.dump(ConfiguredAirbyteCatalogSerializer.load(catalog)))
try:
    AirbyteMessageSerializer.load({{"type": "RECORD", "record": {{"stream": 5}}}})
except Exception as error:
    out.append(type(error).__name__)
print(json.dumps(out, sort_keys=True))
"""


def python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_cli_import_reads_no_source_file_for_the_protocol_serializers():
    # serpyco_rs reads each protocol class's source for attribute docstrings (0.4 s) unless startup.py stops it
    assert python(SOURCE_READS.format(module="airbyte_cdk.models")) != "0"  # the assumption: without it, it does
    assert python(SOURCE_READS.format(module="source_mentions.run")) == "0"


def test_messages_are_written_and_read_the_same_without_attribute_docstrings():
    plain = python(MESSAGES.format(prelude=""))
    skipped = python(MESSAGES.format(prelude="import source_mentions.run"))

    assert skipped == plain
    assert '"recordCount": 2.0' in plain and "SchemaValidationError" in plain
