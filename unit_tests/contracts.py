"""Contract fixtures (documented answers of each provider's API) and what a read of them must show.

Fixtures live in unit_tests/resource/http/response/<provider>/<name>.json; the format is described in
that folder's INDEX.md. `read_contract` serves every fixture of a provider at the HTTP boundary
(requests-mock) and reads one stream; `schema_walk` checks records against the declared schemas and
gives the field shapes that the sandbox's answers are compared with.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple
from urllib.parse import parse_qs, urlsplit

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from jsonschema import Draft7Validator, FormatChecker

from source_mentions.source import SourceMentions

from .builders import run_read

CONTRACTS = Path(__file__).parent / "resource" / "http" / "response"  # one folder per provider, described by INDEX.md
START_DATE = "2026-11-01T00:00:00Z"

CONFIGS: Dict[str, Dict[str, Any]] = {
    "mention": {
        "provider": {
            "provider_type": "mention",
            "access_token": "contract-token",
            "api_url": "https://api.mention.contract/api",
            "stream_url": "https://stream.mention.contract/api",
            "stream_duration_seconds": 2,
            "read_mention_children": True,
        },
    },
    "mentionlytics": {
        "provider": {
            "provider_type": "mentionlytics",
            "bearer_token": "contract-bearer",
            "refresh_token": "contract-refresh",
            "api_url": "https://api.mentionlytics.contract/v2",
            "token_refresh_url": "https://api.mentionlytics.contract/v2/auth/refresh",
        },
    },
    "sociovite": {
        "provider": {"provider_type": "sociovite", "access_token": "contract-token", "api_url": "https://api.sociovite.contract/api"},
    },
    "mentionlab": {
        "provider": {"provider_type": "mentionlab", "api_key": "ml_live_contract", "api_url": "https://api.mentionlab.contract"},
    },
}


def contract_config(provider: str) -> Dict[str, Any]:
    return {**json.loads(json.dumps(CONFIGS[provider])), "start_date": START_DATE, "num_workers": 1}


@dataclass(frozen=True)
class Fixture:
    provider: str
    name: str
    data: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.name}"

    def url(self, config: Mapping[str, Any]) -> str:
        base = config["provider"][self.data.get("base", "api_url")].rstrip("/")
        return base + self.data["request"]["path"]

    @property
    def method(self) -> str:
        return self.data["request"]["method"]

    def mock_responses(self) -> List[Dict[str, Any]]:
        answers = []
        for response in self.data["responses"]:
            answer: Dict[str, Any] = {"status_code": response.get("status", 200), "headers": dict(response.get("headers") or {})}
            if "ndjson" in response:
                answer["text"] = "".join(json.dumps(line) + "\n" for line in response["ndjson"])
                answer["headers"].setdefault("Content-Type", "application/x-ndjson")
            else:
                answer["json"] = response["body"]
            answers.append(answer)
        return answers


def fixtures(provider: Optional[str] = None) -> List[Fixture]:
    found = []
    for path in sorted(CONTRACTS.glob("*/*.json")):
        if provider in (None, path.parent.name):
            found.append(Fixture(path.parent.name, path.stem, json.loads(path.read_text())))
    return found


def fixture_streams() -> List[Tuple[Fixture, str]]:
    """Every (fixture, stream) pair the fixtures name."""
    return [(fixture, stream) for fixture in fixtures() for stream in fixture.data.get("streams", {})]


def read_contract(provider: str, stream: str) -> Tuple[EntrypointOutput, Any]:
    """Read one stream with every fixture of the provider served at the HTTP boundary: (output, request history)."""
    config = contract_config(provider)
    sync_mode = SyncMode.incremental if SyncMode.incremental in discovered(provider, stream).supported_sync_modes else SyncMode.full_refresh
    with requests_mock.Mocker() as http:
        for fixture in fixtures(provider):
            http.register_uri(fixture.method, fixture.url(config), fixture.mock_responses())
        output = run_read(config, stream, sync_mode=sync_mode)
    return output, http.request_history


def discovered(provider: str, stream: str) -> Any:
    return next(s for s in discovered_streams(provider) if s.name == stream)


@lru_cache(maxsize=None)
def discovered_streams(provider: str) -> Tuple[Any, ...]:
    """The streams `discover` lists for the provider's contract config, once per test process (the tests only read them)."""
    config = contract_config(provider)
    return tuple(SourceMentions(config=config).discover(logging.getLogger("airbyte"), config).streams)


def sent_names(request: Any) -> Set[str]:
    """Query parameter names of a GET, top-level JSON body keys of a POST."""
    names = set(parse_qs(urlsplit(request.url).query, keep_blank_values=True))
    if request.method != "GET" and request.body:
        body = json.loads(request.body)
        names |= set(body) if isinstance(body, dict) else set()
    return names


# ------------------------------------------------------------------ schemas

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or bool(RFC3339.match(value)))
FORMATS.checks("date")(lambda value: not isinstance(value, str) or bool(DATE.match(value)))


def schema_errors(record: Mapping[str, Any], schema: Mapping[str, Any]) -> List[str]:
    """Draft 7 violations of one record, formats included (destinations type date-times from `format`)."""
    validator = Draft7Validator(schema, format_checker=FORMATS)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(record)]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", dict: "object", list: "array"}[type(value)]


def schema_walk(value: Any, schema: Mapping[str, Any], path: str = "") -> Iterable[Tuple[str, str, bool]]:
    """(path, JSON type, declared?) for every value under `value`; map keys the schema leaves open become `*`."""
    yield path or "$", json_type(value), True
    options = [schema] + list(schema.get("anyOf", [])) + list(schema.get("oneOf", []))
    if isinstance(value, dict):
        for key, item in value.items():
            declared = [option["properties"][key] for option in options if key in option.get("properties", {})]
            open_maps = [option["additionalProperties"] for option in options if isinstance(option.get("additionalProperties"), dict) and option.get("additionalProperties")]
            if declared:
                yield from schema_walk(item, declared[0], f"{path}.{key}" if path else key)
            elif open_maps:
                yield from schema_walk(item, open_maps[0], f"{path}.*" if path else "*")
            else:
                yield (f"{path}.{key}" if path else key), json_type(item), False
    elif isinstance(value, list):
        items = [option["items"] for option in options if isinstance(option.get("items"), dict)]
        for item in value:
            yield from schema_walk(item, items[0] if items else {}, f"{path}[]")


def undeclared_fields(records: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> Set[str]:
    return {path for record in records for path, _, declared in schema_walk(record, schema) if not declared}


def field_shapes(records: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> Dict[str, Set[str]]:
    """JSON types seen at each declared path of the records."""
    shapes: Dict[str, Set[str]] = {}
    for record in records:
        for path, kind, _ in schema_walk(record, schema):
            shapes.setdefault(path, set()).add(kind)
    return shapes


INDEX_HEAD = """# Contract fixtures

One file per endpoint the connector calls: the documented or recorded answer of the provider's API
(field names, nesting and types as the source shows them; the values are ours). The contract tests
(`unit_tests/test_contracts.py`) serve them at the HTTP boundary and read every stream a fixture
names; `integration_tests/test_sandbox_contracts.py` checks that the sandbox answers with the same
field shapes. Regenerate this table with `python -m unit_tests.contracts`.

Format: `endpoint`; `source` (URL or repo@commit:path); `base` (`api_url`, `stream_url` or
`token_refresh_url`); `request` (`method`, `path` relative to the base, `params` the connector must
send: query names for GET, top-level body keys for POST); `responses` (served in order, the last one
repeated; `body`, or `ndjson` lines); `streams` (`records` a read must emit, `newest_cursor` that its
final state must contain).

| fixture | endpoint | streams | source |
|---|---|---|---|
"""


def write_index() -> None:
    rows = [
        f"| `{fixture.id}.json` | {fixture.data['endpoint']} | {', '.join(fixture.data.get('streams', {}))} | {fixture.data['source']} |"
        for fixture in fixtures()
    ]
    (CONTRACTS / "INDEX.md").write_text(INDEX_HEAD + "\n".join(rows) + "\n")


if __name__ == "__main__":
    write_index()
