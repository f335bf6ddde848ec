"""The airbyte-cdk standard test suite against the sandbox, scenarios from integration_tests/sandbox-test-config.yml.

The root acceptance-test-config.yml holds Airbyte's real-account scenarios (secrets/), run by
`airbyte-cdk connector test` (`make test-airbyte`).
"""

from pathlib import Path
from typing import Iterator

import pytest
import yaml
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.models.scenario import ConnectorTestScenario

from source_mentions.sandbox import MentionDataSet, Sandbox, SandboxHTTPServer
from source_mentions.source import SourceMentions

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
SANDBOX_PORT = 18765  # the port integration_tests/*_config.json point at
SANDBOX_SCENARIOS = Path(__file__).parent / "sandbox-test-config.yml"


@pytest.fixture(scope="module", autouse=True)
def sandbox_for_scenarios() -> Iterator[SandboxHTTPServer]:
    server = SandboxHTTPServer(Sandbox(MentionDataSet(seed=7, alerts=3, mentions_per_alert=60)), port=SANDBOX_PORT).start_in_thread()
    server.sandbox.mention_stream.settings.mark_interval_s = 0.2  # live_mentions ends after two quiet marks
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_mentionlytics_tokens(sandbox_for_scenarios: SandboxHTTPServer) -> None:
    """Each scenario starts from the same static config, so its single-use refresh token must work again."""
    sandbox_for_scenarios.sandbox.mentionlytics.reset()


class TestSourceMentionsStandardSuite(SourceTestSuiteBase):
    acceptance_test_config = yaml.safe_load(SANDBOX_SCENARIOS.read_text())  # the suite reads its scenarios from here

    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceMentions:
        config = scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True) if scenario else {}
        return SourceMentions(config=config)
