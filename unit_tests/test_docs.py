"""The connector ships Airbyte's documentation (issue 15, item 2): metadata.yaml points at the docs
page and names the icon, and the page's streams table says what `discover` says."""

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml

from source_mentions.source import SourceMentions

ROOT = Path(__file__).resolve().parent.parent
DOCS_URL = "https://docs.airbyte.com/integrations/sources/mentions"
DOCS_PAGE = ROOT / "docs" / "integrations" / "sources" / "mentions.md"
CREDENTIALS = {
    "Mention": {"provider_type": "mention", "access_token": "docs-test-token"},
    "Mentionlytics": {"provider_type": "mentionlytics", "bearer_token": "docs-test-bearer", "refresh_token": "docs-test-refresh"},
    "Sociovite": {"provider_type": "sociovite", "access_token": "docs-test-token", "api_url": "https://beta-be.sociovite.com/api"},
    "Mentionlab": {"provider_type": "mentionlab", "api_key": "ml_live_docs_test", "api_url": "https://api.mentionlab.io"},
}
ROW = re.compile(r"^\| (?P<provider>[A-Za-z ]+) \| `(?P<stream>\w+)` \| (?P<modes>[^|]+) \| (?P<key>[^|]*) \|", re.MULTILINE)


def metadata():
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]


def documented_streams(provider):
    """{stream: (incremental?, primary key)} from the page's streams table, rows for every provider included."""
    rows = [row for row in ROW.finditer(DOCS_PAGE.read_text()) if row["provider"] in (provider, "every provider")]
    return {row["stream"]: ("Incremental" in row["modes"], re.findall(r"`(\w+)`", row["key"])) for row in rows}


def discovered_streams(provider):
    config = {"provider": CREDENTIALS[provider]}
    streams = [stream.as_airbyte_stream() for stream in SourceMentions(config=config).streams(config)]
    return {
        stream.name: ("incremental" in [mode.value for mode in stream.supported_sync_modes], [path[0] for path in stream.source_defined_primary_key or []])
        for stream in streams
    }


def test_metadata_points_at_the_docs_page_the_repository_ships():
    assert metadata()["documentationUrl"] == DOCS_URL
    assert (ROOT / "docs" / "integrations" / "sources" / f"{DOCS_URL.rsplit('/', 1)[1]}.md").is_file()


def test_the_spec_points_at_the_same_docs_page():
    assert SourceMentions().spec(None).documentationUrl == DOCS_URL  # type: ignore[arg-type]


def test_metadata_names_an_icon_that_is_an_svg_at_the_repository_root():
    icon = ROOT / metadata()["icon"]
    assert icon.name == "icon.svg"
    assert ElementTree.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("provider", sorted(CREDENTIALS))
def test_the_docs_streams_table_lists_each_stream_with_its_sync_modes_and_primary_key(provider):
    assert documented_streams(provider) == discovered_streams(provider)


def test_the_docs_changelog_has_a_row_for_the_released_version():
    assert re.search(rf"^\| {re.escape(metadata()['dockerImageTag'])} \| \d{{4}}-\d{{2}}-\d{{2}} \|", DOCS_PAGE.read_text(), re.MULTILINE)
