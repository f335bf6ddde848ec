"""Start-up: each CLI command builds the source at most once (building it is most of a command's start-up)."""

import json
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
