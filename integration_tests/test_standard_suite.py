"""The airbyte-cdk standard test suite against the sandbox, scenarios from integration_tests/sandbox-test-config.yml.

The root acceptance-test-config.yml holds Airbyte's real-account scenarios (secrets/), run by
`airbyte-cdk connector test` (`make test-airbyte`).

The scenario configs name `make sandbox`'s port (18765), so that a user can try them by hand. Here
each pytest process serves its own sandbox on a free port, and the scenarios read their configs
with that port instead: the suite runs beside a running `make sandbox` and on several workers.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterator, List

import pytest
import yaml
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.models.scenario import ConnectorTestScenario

from mentions_dev.sandbox import DEFAULT_PORT, MentionDataSet, Sandbox, SandboxHTTPServer
from source_mentions.source import SourceMentions

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
SANDBOX_SCENARIOS = Path(__file__).parent / "sandbox-test-config.yml"
CONFIGURED_ADDRESS = f"127.0.0.1:{DEFAULT_PORT}"  # the address integration_tests/*_config.json point at


@lru_cache(maxsize=None)
def scenario_sandbox() -> SandboxHTTPServer:
    """This process's sandbox, bound to a free port when the scenarios are collected (it serves once the module runs)."""
    server = SandboxHTTPServer(Sandbox(MentionDataSet(seed=7, alerts=3, mentions_per_alert=60)))
    server.sandbox.mention_stream.settings.mark_interval_s = 0.2  # live_mentions ends after two quiet marks
    return server


@pytest.fixture(scope="module", autouse=True)
def sandbox_for_scenarios() -> Iterator[SandboxHTTPServer]:
    server = scenario_sandbox().start_in_thread()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_mentionlytics_tokens(sandbox_for_scenarios: SandboxHTTPServer) -> None:
    """Each scenario starts from the same static config, so its single-use refresh token must work again."""
    sandbox_for_scenarios.sandbox.mentionlytics.reset()


class TestSourceMentionsStandardSuite(SourceTestSuiteBase):
    acceptance_test_config = yaml.safe_load(SANDBOX_SCENARIOS.read_text())  # the suite reads its scenarios from here

    @classmethod
    def get_scenarios(cls) -> List[ConnectorTestScenario]:
        """The suite's scenarios, each config pointing at this process's sandbox instead of port 18765."""
        here = scenario_sandbox().base_url.removeprefix("http://")
        scenarios = []
        for scenario in super().get_scenarios():
            config = scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True)
            text = json.dumps(config)
            assert not config or CONFIGURED_ADDRESS in text, f"{scenario.config_path} does not point at {CONFIGURED_ADDRESS}"
            scenarios.append(scenario.model_copy(update={"config_dict": json.loads(text.replace(CONFIGURED_ADDRESS, here))}))
        return scenarios

    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceMentions:
        config = scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True) if scenario else {}
        return SourceMentions(config=config)
