"""Two sources in one process (PyAirbyte in-process, the tests) share nothing: progress, stops and skipped records stay each source's own."""

import logging
import subprocess
import sys
from typing import Any, Iterator, List

import pytest
import requests_mock
from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, FailureType, Type
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_mentions.source import SourceMentions

from .builders import config as mention_config
from .builders import mention, mentions_page, mock_account, mock_mentions, provider_config

LOGGER = logging.getLogger("airbyte")
MENTIONLYTICS_API = "https://mly.test/v2"


def catalog(*streams: str) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for name in streams:
        builder = builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name))
    return builder.build()


def mentionlytics_config() -> dict:
    return provider_config("mentionlytics", start_date="2026-11-20T00:00:00Z", bearer_token="b", refresh_token="r", api_url=MENTIONLYTICS_API)


def records(messages: List[AirbyteMessage]) -> List[str]:
    return [m.record.data["id"] for m in messages if m.type == Type.RECORD]


def test_two_sources_read_at_once_keep_their_progress_stops_and_skipped_records_apart():
    mention_cfg, mentionlytics_cfg = mention_config(), mentionlytics_config()
    mention_source = SourceMentions(config=mention_cfg)
    mentionlytics_source = SourceMentions(config=mentionlytics_cfg)  # built second: nothing of the first is reset
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([mention("4"), mention(""), mention("3")]))
        http.post(f"{MENTIONLYTICS_API}/auth/refresh", status_code=401, json={"error": "invalid_grant"})

        mention_read: Iterator[AirbyteMessage] = mention_source.read(LOGGER, mention_cfg, catalog("mentions"))
        first = next(mention_read)  # the Mention sync is under way ...
        with pytest.raises(AirbyteTracedException) as stopped:  # ... while the Mentionlytics sync is stopped by its rejected token
            list(mentionlytics_source.read(LOGGER, mentionlytics_cfg, catalog("mentions")))
        mention_messages = [first, *mention_read]

    assert stopped.value.failure_type == FailureType.config_error
    assert mentionlytics_source.factory.sync_stop.error is not None
    assert mention_source.factory.sync_stop.error is None
    assert sorted(records(mention_messages)) == ["3", "4"]

    assert mention_source.factory.progress.records() == {"accounts": 1, "alerts": 1, "mentions": 2}  # its parents too
    assert mentionlytics_source.factory.progress.records() == {}
    assert mention_source.factory.skipped_records.summary() == ["mentions: 1 record(s) skipped in this sync (no `id` (primary key): 1)"]
    assert mentionlytics_source.factory.skipped_records.summary() == []


def test_a_source_drops_the_cdk_retry_line_only_while_it_runs():
    source = SourceMentions(config=mention_config())
    airbyte_logger = logging.getLogger("airbyte")
    assert source.retry_line_filter not in airbyte_logger.filters
    with requests_mock.Mocker() as http:
        mock_account(http, ["1"])
        mock_mentions(http, "1", json=mentions_page([mention("3")]))
        read = source.read(LOGGER, mention_config(), catalog("mentions"))
        next(read)
        assert source.retry_line_filter in airbyte_logger.filters
        list(read)
    assert source.retry_line_filter not in airbyte_logger.filters


def test_importing_the_connector_changes_nothing_global():
    """The manifest's Jinja filter is registered by a source as it is built, the retry-line filter added while it runs."""
    script = (
        "import logging\n"
        "from airbyte_cdk.sources.declarative.interpolation import jinja\n"
        "filters = set(jinja._ENVIRONMENT.filters)\n"
        "import source_mentions.source, source_mentions.components, source_mentions.run\n"
        "assert set(jinja._ENVIRONMENT.filters) == filters, set(jinja._ENVIRONMENT.filters) - filters\n"
        "assert not logging.getLogger('airbyte').filters\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
