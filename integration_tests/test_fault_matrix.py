"""Fault matrix: every provider, a full then an incremental sync under each fault.

The union of both syncs must equal the sandbox's data set by primary key (nothing lost);
duplicates are counted and reported; no secret of the config may appear in any output line.
Syncs under faults run in this process on the virtual clock (`read`): their retry and rate-limit
waits cost no wall time. What is about the command line runs `source-mentions` as a child process
(`read_cli`, `check_status`, `run_check`): killed syncs, peak memory, the messages of bad configs,
states and tokens as the CLI prints them.
`make faults` runs every cell (FAULT_MATRIX=full); `make test` (CI) runs the short form.
"""

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from time import monotonic as real_monotonic  # bound before a test's virtual clock patches time.monotonic
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import orjson
import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, AirbyteStateMessageSerializer, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from mentions_dev.sandbox.mentionlab_api import ENTITY_LIST
from source_mentions.source import SourceMentions

FULL = os.environ.get("FAULT_MATRIX") == "full"
SCRIPT = str(Path(sys.executable).with_name("source-mentions"))


@dataclass
class Provider:
    name: str
    stream: str
    config: Callable[[Any], Dict[str, Any]]
    expected: Callable[[Any], set]
    add_new: Callable[[Any], None]
    secrets: Tuple[str, ...]


PROVIDERS = {
    "mention": Provider(
        "mention", "mentions", lambda s: s.config(), lambda s: s.all_mention_ids(),
        lambda s: s.control("discover", count=20, oldest_days=80), ("access_token",),
    ),
    "sociovite": Provider(
        "sociovite", "mentions", lambda s: s.sociovite_config(), lambda s: set(s.get("sociovite/mentions")),
        lambda s: s.control("sociovite/add", count=15), ("access_token",),
    ),
    "mentionlytics": Provider(
        "mentionlytics", "mentions", lambda s: s.mentionlytics_config(), lambda s: set(s.get("mentionlytics/mentions")),
        lambda s: s.control("mentionlytics/add", count=15), ("bearer_token", "refresh_token"),
    ),
    "mentionlab": Provider(
        "mentionlab", "result_analyses", lambda s: s.mentionlab_config(start_days_ago=100), lambda s: set(s.get("mentionlab/analyses")),
        lambda s: s.control("mentionlab/add", count=10), ("api_key",),
    ),
}  # fmt: skip

FAULTS: Dict[str, Dict[str, Any]] = {
    "429 storm, reset a few seconds ahead": {"rate_limit_budget": 8, "rate_limit_window_s": 2.0},
    "429 without a reset header": {"rate_limit_every": 6, "rate_limit_reset_header": False},
    "20% 5xx": {"error_rate": 0.2},
    "connections dropped before the answer": {"drop_rate": 0.15},
    "connections dropped mid-body": {"truncate_rate": 0.15},
    "non-JSON bodies": {"broken_json_rate": 0.15},
    "slow answers past the read timeout": {"slow_rate": 0.15, "slow_s": 2.5},
}
SHORT = ("20% 5xx", "connections dropped mid-body")


class Sync:
    def __init__(self, messages: List[Dict[str, Any]], output: str, returncode: int):
        self.messages, self.output, self.returncode = messages, output, returncode

    def ids(self, stream: str) -> List[str]:
        return [m["record"]["data"]["id"] for m in self.messages if m["type"] == "RECORD" and m["record"]["stream"] == stream]

    def rows(self, stream: str) -> List[Dict[str, Any]]:
        return [m["record"]["data"] for m in self.messages if m["type"] == "RECORD" and m["record"]["stream"] == stream]

    def states(self) -> List[Dict[str, Any]]:
        return [m["state"] for m in self.messages if m["type"] == "STATE"]

    def errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]

    def rotated_config(self) -> Optional[Dict[str, Any]]:
        controls = [m["control"]["connectorConfig"]["config"] for m in self.messages if m["type"] == "CONTROL"]
        return controls[-1] if controls else None


def catalog(stream: Union[str, List[str]]) -> Dict[str, Any]:
    return {"streams": [{"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                         "sync_mode": "incremental", "destination_sync_mode": "append_dedup"}
                        for name in ([stream] if isinstance(stream, str) else stream)]}  # fmt: skip


def read_cli(config: Dict[str, Any], stream: Union[str, List[str]], tmp_path: Path, state: Optional[List[Any]] = None, kill_after: int = 0) -> Sync:
    """`source-mentions read` as a child process; with kill_after, SIGKILL once that many records came out."""
    folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "catalog.json").write_text(json.dumps(catalog(stream)))
    argv = [SCRIPT, "read", "--config", str(folder / "config.json"), "--catalog", str(folder / "catalog.json")]
    if state is not None:
        (folder / "state.json").write_text(json.dumps(state))
        argv += ["--state", str(folder / "state.json")]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    messages, lines, records = [], [], 0
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        try:
            message = json.loads(line)
        except ValueError:
            continue  # a line cut by the kill
        messages.append(message)
        records += message["type"] == "RECORD"
        if kill_after and records >= kill_after:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=600)
    stderr = process.stderr.read() if process.stderr else ""
    return Sync(messages, "".join(lines) + stderr, process.returncode)


@pytest.fixture
def read(capsys: pytest.CaptureFixture) -> Callable[..., Sync]:
    """A read in this process (the CDK's entrypoint_wrapper, no process start), seen as `read_cli` sees one.

    What the platform would receive: every message, then the CONTROL messages the CDK prints itself
    when a token rotates, and all of it as text for the secret checks. The exit code is the CLI's: 1
    when an error trace ended the sync. Waits run on the test's virtual clock (conftest.virtual_clock).
    """

    def run(config: Dict[str, Any], stream: Union[str, List[str]], state: Optional[List[Any]] = None) -> Sync:
        configured = ConfiguredAirbyteCatalogSerializer.load(catalog(stream))
        states = [AirbyteStateMessageSerializer.load(message) for message in state] if state else None
        config = copy.deepcopy(config)  # the CDK writes rotated tokens into it; the caller's stays as a config file would
        capsys.readouterr()  # what came before belongs to an earlier run
        output = entrypoint_wrapper.read(SourceMentions(catalog=configured, config=config, state=states), config, configured, states, expected_outcome=ExpectedOutcome.ALLOW_ANY)
        printed = capsys.readouterr()
        lines = [orjson.dumps(AirbyteMessageSerializer.dump(message)).decode() for message in output.get_message_iterator()]
        lines += [line for line in printed.out.splitlines() if line.startswith('{"type":"CONTROL"')]
        messages = [json.loads(line) for line in lines]
        failed = any(m["type"] == "TRACE" and m["trace"]["type"] == "ERROR" for m in messages)
        return Sync(messages, "\n".join(lines) + printed.out + printed.err, 1 if failed else 0)

    return run


def secret_values(provider: Provider, config: Dict[str, Any]) -> List[str]:
    return [config["provider"][field] for field in provider.secrets if config["provider"].get(field)]


def assert_no_secret_in_output(provider: Provider, config: Dict[str, Any], sync: Sync) -> None:
    """The config's secrets never appear; a CONTROL message carries the *new* tokens by design."""
    for secret in secret_values(provider, config):
        assert secret not in sync.output, f"a secret of {provider.name} appears in the output"


def cells() -> List[Tuple[str, str]]:
    return [(provider, fault) for provider in PROVIDERS for fault in FAULTS if FULL or fault in SHORT]


@pytest.mark.parametrize("provider_name, fault", cells())
def test_full_then_incremental_sync_under_the_fault_loses_nothing(report, start_sandbox, read, provider_name, fault):
    provider = PROVIDERS[provider_name]
    sandbox = start_sandbox(max_page_size=40, seed=11, **FAULTS[fault])
    config = provider.config(sandbox)
    if "read timeout" in fault:
        config["read_timeout_seconds"] = 1
    first = read(config, provider.stream)
    assert first.returncode == 0 and not first.errors(), first.errors()
    assert_no_secret_in_output(provider, config, first)

    provider.add_new(sandbox)
    config_now = first.rotated_config() or config  # rotated Mentionlytics tokens, as the platform would store them
    second = read(config_now, provider.stream, state=first.states())
    assert second.returncode == 0 and not second.errors(), second.errors()
    assert_no_secret_in_output(provider, config_now, second)

    received = first.ids(provider.stream) + second.ids(provider.stream)
    duplicates = len(received) - len(set(received))
    report(f"{provider_name:<14} {fault:<40} {len(set(received)):>5} ids, {duplicates:>3} duplicates")
    assert set(received) == provider.expected(sandbox)


@pytest.mark.parametrize("fault", [fault for fault in FAULTS if FULL or fault in SHORT])
def test_mention_statistics_under_the_fault_count_exactly_the_sandbox_mentions(report, start_sandbox, read, fault):
    """Full then incremental statistics; rows merged on (alert, date), the later sync winning as in a deduped table."""
    sandbox = start_sandbox(max_page_size=40, seed=11, **FAULTS[fault])
    config = {**sandbox.config(), "read_timeout_seconds": 1} if "read timeout" in fault else sandbox.config()
    first = read(config, "statistics")
    assert first.returncode == 0 and not first.errors(), first.errors()
    sandbox.control("discover", count=20, oldest_days=0.5)  # recent finds: they land in the intervals the next sync reads again
    second = read(config, "statistics", state=first.states())
    assert second.returncode == 0 and not second.errors(), second.errors()
    assert_no_secret_in_output(PROVIDERS["mention"], config, second)

    merged = {(row["alert_id"], row["date"]): row["mentions"] for sync in (first, second) for row in sync.rows("statistics")}
    expected = sandbox.mention_counts()
    report(f"{'mention stats':<14} {fault:<40} {len(merged):>5} rows, {sum(merged.values()):>5} mentions")
    assert merged == {key: expected.get(key, 0) for key in merged} and set(expected) <= set(merged)


def sandbox_authors(sandbox: Any) -> set:
    """(alert, author_key) of every author the sandbox answers: kind, then the first of author_unique_id, id, scored_id."""
    from mentions_dev.sandbox.data import alert_authors

    data = sandbox.server.sandbox.data
    with data.lock:
        mentions = {alert: list(items) for alert, items in data.mentions.items()}
    return {(alert, f"{row['kind']}:{row.get('author_unique_id') or row.get('id') or row.get('scored_id')}") for alert, items in mentions.items() for row in alert_authors(alert, items)}


@pytest.mark.parametrize("fault", [fault for fault in FAULTS if FULL or fault in SHORT])
def test_mention_authors_under_the_fault_are_every_author_once_across_their_pages(report, start_sandbox, read, fault):
    """authors pages (40 per answer here, `_links.more.params`); a full refresh, so one sync must hold them all."""
    sandbox = start_sandbox(max_page_size=40, seed=11, **FAULTS[fault])
    config = {**sandbox.config(), "read_timeout_seconds": 1} if "read timeout" in fault else sandbox.config()
    sync = read(config, "authors")
    assert sync.returncode == 0 and not sync.errors(), sync.errors()
    assert_no_secret_in_output(PROVIDERS["mention"], config, sync)

    keys = [(row["alert_id"], row["author_key"]) for row in sync.rows("authors")]
    report(f"{'mention authors':<14} {fault:<40} {len(set(keys)):>5} keys, {len(keys) - len(set(keys)):>3} duplicates")
    assert len(keys) == len(set(keys)) and set(keys) == sandbox_authors(sandbox)


@pytest.mark.parametrize("fault", list(FAULTS) if FULL else [])
def test_mention_children_under_the_fault_full_then_incremental_are_every_child_once(report, start_sandbox, read, fault):
    """One request per mention; the second sync asks only for the children of the mentions found since the first."""
    from mentions_dev.sandbox.data import all_children

    sandbox = start_sandbox(max_page_size=40, seed=11, **FAULTS[fault])
    config = sandbox.config(read_mention_children=True)
    if "read timeout" in fault:
        config["read_timeout_seconds"] = 1
    first = read(config, "mention_children")
    assert first.returncode == 0 and not first.errors(), first.errors()
    sandbox.control("discover", count=20, oldest_days=80)
    second = read(config, "mention_children", state=first.states())
    assert second.returncode == 0 and not second.errors(), second.errors()

    data = sandbox.server.sandbox.data
    with data.lock:
        expected = {child["id"] for items in data.mentions.values() for m in items for child in all_children(m, data.account_id)}
    received = first.ids("mention_children") + second.ids("mention_children")
    report(f"{'mention children':<14} {fault:<40} {len(set(received)):>5} ids, {len(received) - len(set(received)):>3} duplicates")
    assert set(received) == expected


@pytest.mark.parametrize("provider_name", list(PROVIDERS) if FULL else ["mention", "mentionlytics"])
def test_a_sync_killed_mid_way_resumes_from_its_last_state_without_loss(report, start_sandbox, tmp_path, provider_name):
    provider = PROVIDERS[provider_name]
    sandbox = start_sandbox(max_page_size=40, seed=11)
    config = {**provider.config(sandbox), "num_workers": 1}  # partitions one after another: states mid-sync
    expected = provider.expected(sandbox)
    killed = read_cli(config, provider.stream, tmp_path, kill_after=len(expected) // 2)
    assert killed.returncode == -signal.SIGKILL
    resumed = read_cli(killed.rotated_config() or config, provider.stream, tmp_path, state=killed.states() or None)

    received = killed.ids(provider.stream) + resumed.ids(provider.stream)
    report(f"{provider_name:<14} {'killed after ' + str(len(expected) // 2) + ' records':<40} {len(set(received)):>5} ids, {len(received) - len(set(received)):>3} duplicates")
    assert resumed.returncode == 0 and set(received) == expected


def test_mentionlab_sync_killed_mid_project_resumes_with_exactly_the_rows_after_its_state(start_sandbox, tmp_path):
    """The state is the list-cursor position of the last page whose rows were all emitted: what a
    destination kept of the killed sync (its records up to the last state) and the resumed sync
    together are the data set, each row once."""
    provider = PROVIDERS["mentionlab"]
    sandbox = start_sandbox()
    config = {**provider.config(sandbox), "num_workers": 1}
    killed = read_cli(config, provider.stream, tmp_path, kill_after=250)
    assert killed.returncode == -signal.SIGKILL
    last_state = max(index for index, message in enumerate(killed.messages) if message["type"] == "STATE")
    committed = [m["record"]["data"]["id"] for m in killed.messages[:last_state] if m["type"] == "RECORD"]
    resumed = read_cli(config, provider.stream, tmp_path, state=killed.states())

    assert resumed.returncode == 0 and len(committed) == 200  # two pages of the sandbox's 100 rows
    assert sorted(committed + resumed.ids(provider.stream)) == sorted(provider.expected(sandbox))


def test_mentionlytics_token_expiring_mid_sync_loses_nothing(start_sandbox, read):
    sandbox = start_sandbox()
    sandbox.control("mentionlytics/settings", token_lifetime_s=1.0)
    sandbox.server.sandbox.set_faults(latency_ms=400)  # one request at a time: the sync outlives several tokens
    provider = PROVIDERS["mentionlytics"]
    config = {**provider.config(sandbox), "num_workers": 1}
    sync = read(config, "mentions")

    assert sync.returncode == 0 and set(sync.ids("mentions")) == provider.expected(sandbox)
    assert sandbox.get("mentionlytics/settings")["refreshes"] >= 2
    assert_no_secret_in_output(provider, config, sync)


def test_mentionlytics_revoked_refresh_token_is_a_config_error_with_no_state(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    provider = PROVIDERS["mentionlytics"]
    config = provider.config(sandbox)
    config["provider"]["refresh_token"] = "mly-refresh-revoked"
    sync = read_cli(config, "mentions", tmp_path)

    assert sync.returncode == 1 and sync.errors()[0]["failure_type"] == "config_error"
    assert "Settings > API / Access Tokens" in sync.errors()[0]["message"]
    assert not sync.ids("mentions")
    assert all(not (state.get("stream", {}).get("stream_state") or {}).get("state") for state in sync.states())
    assert_no_secret_in_output(provider, config, sync)


def test_mentionlytics_revoked_refresh_token_ends_a_sync_of_every_stream_with_one_error_trace(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    provider = PROVIDERS["mentionlytics"]
    config = provider.config(sandbox)
    config["provider"]["refresh_token"] = "mly-refresh-revoked"
    sync = read_cli(config, ["mentions", "aggregation", "unified_mentions"], tmp_path)

    assert sync.returncode == 1 and len(sync.errors()) == 1, sync.errors()
    assert sync.errors()[0]["failure_type"] == "config_error" and "Settings > API / Access Tokens" in sync.errors()[0]["message"]
    assert sum("/auth/refresh" in request for request in sandbox.get("requests")["requests"]) == 1
    assert not sync.ids("mentions") and not sync.states()
    assert "Traceback" not in sync.output
    assert_no_secret_in_output(provider, config, sync)


def test_mentionlytics_control_message_is_the_users_config_with_only_the_rotated_tokens(start_sandbox, read):
    sandbox = start_sandbox()
    sandbox.control("mentionlytics/settings", token_lifetime_s=1.0)
    sandbox.server.sandbox.set_faults(latency_ms=400)  # the sync outlives a token: two rotations, two CONTROL messages
    config = {**PROVIDERS["mentionlytics"].config(sandbox), "num_workers": 1}  # no token_refresh_url and the like: left to their defaults
    sync = read(config, "mentions")

    controls = [m["control"]["connectorConfig"]["config"] for m in sync.messages if m["type"] == "CONTROL"]
    assert sync.returncode == 0 and len(controls) >= 2
    for saved in controls:
        tokens = {field: saved["provider"].pop(field) for field in ("bearer_token", "refresh_token", "token_expiry_date")}
        assert tokens["refresh_token"] != config["provider"]["refresh_token"] and tokens["token_expiry_date"]
        assert saved == {**config, "provider": {key: value for key, value in config["provider"].items() if key not in ("bearer_token", "refresh_token")}}


BAD_STATES: Dict[str, Tuple[str, Dict[str, Any], str]] = {
    "mentions: since_id not a number": ("mentions", {"states": [{"partition": {"alert_id": "1"}, "cursor": {"id": "abc"}}]}, "'abc'"),
    "mentions: a global cursor": ("mentions", {"id": "5"}, '{"id": "5"}'),
    "live_mentions: since_id not a map": ("live_mentions", {"since_id": "x"}, '"since_id": "x"'),
    "statistics: a date that does not parse": ("statistics", {"state": {"date": "11/03/2026"}, "use_global_cursor": True, "states": []}, "11/03/2026"),
}


@pytest.mark.parametrize("case", list(BAD_STATES))
def test_a_saved_state_the_connector_cannot_use_is_a_config_error_naming_the_stream_and_the_value(sandbox, tmp_path, case):
    stream, stream_state, value = BAD_STATES[case]
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state}}]
    sync = read_cli(sandbox.config(), stream, tmp_path, state=state)

    assert sync.returncode == 1 and len(sync.errors()) == 1
    error = sync.errors()[0]
    assert error["failure_type"] == "config_error" and f"The saved state of stream `{stream}` cannot be used" in error["message"]
    assert value in error["message"]
    assert "Traceback" not in sync.output and "Something went wrong" not in sync.output


BAD_CONFIGS: Dict[str, Callable[[Dict[str, Any]], None]] = {
    "a wrong type": lambda c: c.update(num_workers="four"),
    "an unknown provider": lambda c: c["provider"].update(provider_type="brandwatch"),
    "a malformed date": lambda c: c.update(start_date="2026-13-45T00:00:00Z"),
    "start_date in the future": lambda c: c.update(start_date="2099-01-01T00:00:00Z"),
    "an empty alert list": lambda c: c["provider"].update(alert_ids=[]),
    "a url without scheme": lambda c: c["provider"].update(api_url="api.mention.net/api"),
    "a statistics timezone that is not an IANA name": lambda c: c["provider"].update(stats_timezone="Europe/Brusels"),
}


@pytest.mark.parametrize("problem", list(BAD_CONFIGS))
def test_a_bad_config_value_is_a_clear_config_error_from_check_and_read(sandbox, tmp_path, problem):
    config = sandbox.config()
    BAD_CONFIGS[problem](config)
    (tmp_path / "config.json").write_text(json.dumps(config))
    checked = subprocess.run([SCRIPT, "check", "--config", str(tmp_path / "config.json")], capture_output=True, text=True, timeout=120)
    status = [json.loads(line)["connectionStatus"] for line in checked.stdout.splitlines() if '"CONNECTION_STATUS"' in line]
    sync = read_cli(config, "mentions", tmp_path)

    assert checked.returncode == 0 and status[0]["status"] == "FAILED" and status[0]["message"]
    assert sync.returncode == 1 and sync.errors()[0]["failure_type"] == "config_error"
    assert status[0]["message"] == sync.errors()[0]["message"]
    assert "Traceback" not in checked.stdout + checked.stderr + sync.output
    assert config["provider"]["access_token"] not in checked.stdout + sync.output


@dataclass
class Misconfiguration:
    provider: str
    stream: str
    config: Callable[[Any], Dict[str, Any]]
    named: Tuple[str, ...]  # what check's FAILED message and read's config_error must both say (the URL, the setting, the ids)


MISCONFIGURATIONS: Dict[str, Misconfiguration] = {
    "mention: api_url with a wrong path (404 everywhere)": Misconfiguration(
        "mention", "mentions", lambda s: s.config(api_url=f"{s.url}/mention/api"), ("/mention/api/accounts/me", "API URL")),
    "mention: an account_id that does not exist": Misconfiguration(
        "mention", "mentions", lambda s: s.config(account_id="404404_nope"), ("/api/accounts/404404_nope", "Account ID (404404_nope")),
    "mention: alert_ids matching no alert": Misconfiguration(
        "mention", "mentions", lambda s: s.config(alert_ids=["2000001", "404001", "404002"]), ("Unknown Alert IDs: 404001, 404002.",)),
    "sociovite: api_url with a wrong path": Misconfiguration(
        "sociovite", "mentions", lambda s: s.sociovite_config(api_url=f"{s.url}/sociovite", project_ids=["kw-1"]), ("/sociovite/mentions", "API URL")),
    "sociovite: api_url with a wrong path, no project_ids": Misconfiguration(
        "sociovite", "mentions", lambda s: s.sociovite_config(api_url=f"{s.url}/sociovite"), ("/sociovite/mentions", "API URL")),
    "sociovite: project_ids matching no project": Misconfiguration(
        "sociovite", "mentions", lambda s: s.sociovite_config(project_ids=["kw-1", "kw-404"]), ("Unknown Project IDs: kw-404.",)),
    "mentionlytics: api_url with a wrong path": Misconfiguration(
        "mentionlytics", "mentions", lambda s: s.mentionlytics_config(api_url=f"{s.url}/v2"), ("/v2/auth/refresh", "Token Refresh URL", "API URL")),
    "mentionlab: api_url ending in /api (GET /api/api/projects/list)": Misconfiguration(
        "mentionlab", "result_analyses", lambda s: s.mentionlab_config(api_url=f"{s.url}/mentionlab/api"), ("/mentionlab/api/api/projects/list", "API URL")),
    "mentionlab: project_ids matching no project": Misconfiguration(
        "mentionlab", "result_analyses", lambda s: s.mentionlab_config(project_ids=["p-404"]), ("Unknown Project IDs: p-404.",)),
    "mentionlab: a timezone that is not an IANA name": Misconfiguration(
        "mentionlab", "sentiment_timeseries", lambda s: s.mentionlab_config(timezone="Europe/Brusels"), ("Timezone 'Europe/Brusels' is not an IANA timezone name",)),
}  # fmt: skip
MISCONFIGURATIONS_SHORT = ("mention: api_url with a wrong path (404 everywhere)", "mention: alert_ids matching no alert", "mentionlab: project_ids matching no project")


def check_status(config: Dict[str, Any], tmp_path: Path) -> Tuple[Dict[str, Any], str]:
    """`source-mentions check` as a child process: (its connection status, everything it printed)."""
    path = tmp_path / f"check{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(config))
    checked = subprocess.run([SCRIPT, "check", "--config", str(path)], capture_output=True, text=True, timeout=120)
    statuses = [json.loads(line)["connectionStatus"] for line in checked.stdout.splitlines() if '"CONNECTION_STATUS"' in line]
    assert checked.returncode == 0 and len(statuses) == 1, checked.stdout + checked.stderr
    return statuses[0], checked.stdout + checked.stderr


@pytest.mark.parametrize("case", [case for case in MISCONFIGURATIONS if FULL or case in MISCONFIGURATIONS_SHORT])
def test_a_misconfiguration_fails_check_and_read_naming_what_to_fix(report, sandbox, tmp_path, case):
    """Each of these used to pass check and end a read with exit 0, no records and a COMPLETE status."""
    wrong = MISCONFIGURATIONS[case]
    config = wrong.config(sandbox)
    status, checked = check_status(config, tmp_path)
    sync = read_cli(config, wrong.stream, tmp_path)

    report(f"{wrong.provider:<14} {case.split(': ', 1)[1]:<40} check {status['status']}, read exit {sync.returncode}")
    assert status["status"] == "FAILED" and all(part in status["message"] for part in wrong.named), status["message"]
    assert sync.returncode == 1 and not sync.ids(wrong.stream)
    error = sync.errors()[0]
    assert error["failure_type"] == "config_error" and all(part in error["message"] for part in wrong.named), error["message"]
    assert_no_secret_in_output(PROVIDERS[wrong.provider], config, sync)
    for secret in secret_values(PROVIDERS[wrong.provider], config):
        assert secret not in checked


def warnings_of(sync: Sync) -> List[str]:
    return [json.loads(line)["log"]["message"] for line in sync.output.splitlines() if line.startswith('{"type":"LOG"') and '"level":"WARN"' in line]


@pytest.mark.parametrize("provider, stream", [("mention", "mentions"), ("mentionlab", "result_analyses"), ("mentionlab", "sentiment_timeseries")][: None if FULL else 1])
def test_items_still_listed_whose_data_answers_404_are_a_config_error_not_an_empty_sync(report, sandbox, read, provider, stream):
    """A proxy or API version that serves the listings but not the data (a moved path): every item answers 404 and is still listed."""
    sandbox.control("data_moved", provider=provider)
    config = sandbox.config() if provider == "mention" else sandbox.mentionlab_config()
    sync = read(config, stream)

    noun = "alert" if provider == "mention" else "project"
    errors = sync.errors()
    assert sync.returncode == 1 and not sync.ids(stream)
    assert errors and errors[0]["failure_type"] == "config_error" and f"is still listed: not a deleted {noun}" in errors[0]["message"], errors
    assert "Check the API URL" in errors[0]["message"]
    report(f"{provider:<14} {'404 while listed, ' + stream:<40} exit {sync.returncode}, config_error")


@pytest.mark.parametrize("stream", ["mentions", "statistics"] if FULL else ["mentions"])
def test_an_alert_deleted_after_the_sync_listed_it_is_skipped_with_a_warning(report, sandbox, read, stream):
    """The one 404 that is not a misconfiguration: the alert was listed by this sync, then deleted."""
    sandbox.control("delete_alert", alert_id="2000001", still_listed=True)
    sync = read(sandbox.config(), stream)

    assert sync.returncode == 0 and not sync.errors()
    assert any("deleted after this sync listed it" in line and ("/alerts/2000001/mentions" in line or "/stats" in line) for line in warnings_of(sync))
    if stream == "mentions":
        expected = {mention_id for alert, ids in sandbox.control("mentions").items() if alert != "2000001" for mention_id in ids}
        assert set(sync.ids("mentions")) == expected
    else:
        assert {row["alert_id"] for row in sync.rows("statistics")} == {"2000000", "2000002"}
    report(f"{'mention':<14} {'alert deleted after listing, ' + stream:<40} exit {sync.returncode}, skipped with a WARN")


# ---------------------------------------------------------------- loops that must end (issue 13, item 5)


@dataclass
class BoundedRun:
    sync: Sync
    elapsed_s: float
    peak_rss_mb: float
    killed: bool
    ended_at: float = 0.0  # real_monotonic() when the process ended

    def row(self, stream: str) -> str:
        return f"{stream:<14} {'bounded run':<40} {self.elapsed_s:>5.1f} s, peak RSS {self.peak_rss_mb:.0f} MB{', KILLED' if self.killed else ''}"


def peak_rss_mb(pid: int, peak: List[float]) -> None:
    """Follow the process's own peak RSS (VmHWM) until it ends. wait4's ru_maxrss would include the forked test process."""
    while True:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        if not kb:  # a zombie: it has ended
            return
        peak[0] = kb / 1024
        time.sleep(0.05)


def read_bounded(config: Dict[str, Any], stream: str, tmp_path: Path, limit_s: float) -> BoundedRun:
    """`source-mentions read` killed after limit_s if still running, with its time and its peak RSS."""
    folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "catalog.json").write_text(json.dumps(catalog(stream)))
    out, err = (folder / "stdout").open("w+"), (folder / "stderr").open("w+")
    started = time.monotonic()
    process = subprocess.Popen([SCRIPT, "read", "--config", str(folder / "config.json"), "--catalog", str(folder / "catalog.json")], stdout=out, stderr=err)
    timer, peak = threading.Timer(limit_s, process.kill), [0.0]
    timer.start()
    follower = threading.Thread(target=peak_rss_mb, args=(process.pid, peak))
    follower.start()
    process.wait()
    ended_at = real_monotonic()
    elapsed, killed = time.monotonic() - started, not timer.is_alive()
    timer.cancel()
    follower.join()
    out.seek(0), err.seek(0)
    if (folder / "stdout").stat().st_size > 200_000_000:  # a sync that ran away: its output would not fit in memory
        lines = [f"<{(folder / 'stdout').stat().st_size} bytes of output, not read>"]
    else:
        lines = out.read().splitlines()
    messages = [json.loads(line) for line in lines if line.startswith("{")]
    sync = Sync(messages, "\n".join(lines) + err.read(), process.returncode)
    return BoundedRun(sync, elapsed, peak[0], killed, ended_at)


def logged(sync: Sync, level: str) -> List[str]:
    return [m["log"]["message"] for m in sync.messages if m["type"] == "LOG" and m["log"]["level"] == level]


ENDLESS_CURSOR_CONFIG: Dict[str, Dict[str, Any]] = {"mentionlytics": {"start_date": (datetime.now(timezone.utc) - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")}}


@pytest.mark.parametrize("provider_name", list(PROVIDERS) if FULL else ["mention"])
def test_an_api_that_hands_back_the_same_next_page_forever_fails_the_stream_instead_of_looping(report, start_sandbox, tmp_path, provider_name):
    """`endless_cursor`: Mention `_links.more`, Sociovite's page envelope, Mentionlab's keyset cursor, Mentionlytics' page_no ignored."""
    provider = PROVIDERS[provider_name]
    sandbox = start_sandbox(max_page_size=40, endless_cursor=True)
    config = {**provider.config(sandbox), "num_workers": 1, **ENDLESS_CURSOR_CONFIG.get(provider_name, {})}
    run = read_bounded(config, provider.stream, tmp_path, limit_s=90)
    report(run.row(provider.stream))

    loops = [error["message"] for error in run.sync.errors() if "Reading it would never end" in error["message"]]
    assert not run.killed and run.sync.returncode == 1, (run.elapsed_s, run.sync.errors())
    assert loops and loops[0].startswith(f"Stream {provider.stream}, ") and ("repeated its cursor" in loops[0] or "the same page again" in loops[0])
    assert sandbox.get("requests")["count"] < 40
    assert_no_secret_in_output(provider, config, run.sync)


ENDLESS_LINES: Dict[str, Dict[str, Any]] = {
    "one slow line that never ends": {"endless_line": True, "endless_line_bytes_per_s": 50_000},
    "a fast endless line after every 300 lines": {"endless_line": True, "endless_line_after": 300},
    "a fast endless line first on every connection": {"endless_line": True},
}
ENDLESS_LINES_SHORT = ("one slow line that never ends", "a fast endless line after every 300 lines")
STREAM_SECONDS = 6


@pytest.mark.parametrize("case", [case for case in ENDLESS_LINES if FULL or case in ENDLESS_LINES_SHORT])
def test_live_mentions_keeps_its_deadline_and_flat_memory_on_a_line_that_never_ends(report, start_sandbox, tmp_path, case):
    sandbox = start_sandbox(alerts=2, mentions_per_alert=1100)
    sandbox.control("stream", mark_interval_s=0.3, **ENDLESS_LINES[case])
    config = sandbox.config(stream_duration_seconds=STREAM_SECONDS)
    run = read_bounded(config, "live_mentions", tmp_path, limit_s=STREAM_SECONDS + 40)
    report(run.row("live_mentions"))

    report = sandbox.get("stream")
    received = run.sync.ids("live_mentions")
    assert not run.killed and run.sync.returncode == 0, (run.elapsed_s, run.sync.errors())
    # from its first connection it streams at most stream_duration_seconds, then saves its state and exits (the process's
    # start is not measured: on a loaded machine it alone took 13 s)
    assert run.ended_at - report["first_connection_at"] < STREAM_SECONDS + 4, run.ended_at - report["first_connection_at"]
    assert 0 < run.peak_rss_mb < 160, run.peak_rss_mb  # a sync peaks near 95 MB here: what a line that never ends sends is not kept
    assert report["endless_bytes"] > 0
    assert len(received) == len(set(received)) and set(received) <= set(report["sent"])
    if ENDLESS_LINES[case].get("endless_line_bytes_per_s"):  # slow: the deadline comes inside the first line, before the cap
        assert report["connections"] == 1 and not received
    else:  # fast: each connection is dropped at 1 MiB with a WARN and reopened from the state
        assert report["connections"] >= 2
        assert any("a line passed 1048576 bytes without ending" in line and "reconnecting" in line for line in logged(run.sync, "WARN"))
    if ENDLESS_LINES[case].get("endless_line_after"):
        assert len(received) >= 2 * 300  # each reconnection resumes after the last mention emitted
    assert_no_secret_in_output(PROVIDERS["mention"], config, run.sync)


# ---------------------------------------------------------------- unreachable hosts, redirects, retry lines


def run_check(config: Dict[str, Any], tmp_path: Path) -> Tuple[Dict[str, Any], str, float]:
    """`source-mentions check` as a child process: (connection status, all output, seconds taken)."""
    path = tmp_path / f"check{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(config))
    started = time.monotonic()
    checked = subprocess.run([SCRIPT, "check", "--config", str(path)], capture_output=True, text=True, timeout=300)
    took = time.monotonic() - started
    statuses = [json.loads(line)["connectionStatus"] for line in checked.stdout.splitlines() if '"CONNECTION_STATUS"' in line]
    return statuses[0], checked.stdout + checked.stderr, took


def log_messages(output: str, *levels: str) -> List[str]:
    messages = []
    for line in output.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("type") == "LOG" and message["log"]["level"] in levels:
            messages.append(message["log"]["message"])
    return messages


@pytest.fixture
def silent_port() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


UNREACHABLE = {"connection refused": "no server", "a port that accepts but never answers": "silent"}
UNREACHABLE_CAUSE = {"connection refused": "connection refused", "a port that accepts but never answers": "no answer within 10 s"}
UNREACHABLE_SHORT = (("mention", "connection refused"), ("mentionlytics", "a port that accepts but never answers"))


@pytest.mark.parametrize(
    "provider_name, unreachable", [(p, u) for p in PROVIDERS for u in UNREACHABLE if FULL or (p, u) in UNREACHABLE_SHORT]
)
def test_check_on_an_unreachable_host_answers_failed_within_30_s(report, start_sandbox, silent_port, tmp_path, provider_name, unreachable):
    """A short retry budget for check (one quick retry, none after a timeout); reads keep the long one."""
    provider = PROVIDERS[provider_name]
    sandbox = start_sandbox()
    base = silent_port if UNREACHABLE[unreachable] == "silent" else "http://127.0.0.1:1"
    config = json.loads(json.dumps(provider.config(sandbox)).replace(sandbox.url, base))  # every URL of the config
    status, output, took = run_check(config, tmp_path)

    report(f"{provider_name:<14} {'check, ' + unreachable:<40} {status['status']} in {took:.1f} s")
    assert status["status"] == "FAILED" and took < 30, (status, took)
    assert UNREACHABLE_CAUSE[unreachable] in status["message"]
    assert "Rate limit exceeded" not in output
    assert not any("Traceback" in line for line in log_messages(output, "INFO", "WARN"))
    assert_no_secret_in_output(provider, config, Sync([], output, 0))


UNREACHABLE_HOSTS = {"a closed port": "http://127.0.0.1:1", "a host name that does not resolve": "http://api.nonexistent-host.invalid"}


@pytest.mark.parametrize(
    "provider_name, unreachable", [(p, u) for p in PROVIDERS for u in UNREACHABLE_HOSTS if FULL or (p, u) == ("mention", "a closed port")]
)
def test_read_on_an_unreachable_host_ends_within_two_minutes_with_one_error_and_no_traceback(report, start_sandbox, tmp_path, provider_name, unreachable):
    """About a minute of retries for the first request, then the whole sync stops: no stream starts its own round."""
    provider = PROVIDERS[provider_name]
    sandbox = start_sandbox()
    config = json.loads(json.dumps(provider.config(sandbox)).replace(sandbox.url, UNREACHABLE_HOSTS[unreachable]))
    started = time.monotonic()
    sync = read_cli(config, provider.stream, tmp_path)
    took = time.monotonic() - started

    report(f"{provider_name:<14} {'read, ' + unreachable:<40} exit {sync.returncode} in {took:.0f} s")
    assert sync.returncode == 1 and took < 120, took
    errors = sync.errors()
    assert len(errors) == 1 and errors[0]["message"].startswith("Cannot reach "), errors
    assert "Check the API URL" in errors[0]["message"]
    assert not any("Traceback" in line for line in log_messages(sync.output, "INFO", "WARN", "ERROR"))
    assert_no_secret_in_output(provider, config, sync)


@pytest.mark.parametrize("provider_name", list(PROVIDERS) if FULL else ["mentionlab", "mentionlytics"])
def test_a_redirect_to_another_host_is_refused_and_no_credential_reaches_it(report, start_sandbox, tmp_path, provider_name):
    """The sandbox answers 307 to itself under another host name (localhost instead of 127.0.0.1)."""
    provider = PROVIDERS[provider_name]
    sandbox = start_sandbox()
    other_host = f"localhost:{sandbox.server.server_address[1]}"
    sandbox.server.sandbox.set_faults(redirect_to=f"http://{other_host}")
    config = provider.config(sandbox)
    status, checked, _ = run_check(config, tmp_path)
    sync = read_cli(config, provider.stream, tmp_path)

    arrivals = sandbox.get("requests")["arrivals"]
    assert arrivals and not [a for a in arrivals if a["host"] == other_host and a["credentials"]], arrivals
    assert not [a for a in arrivals if a["host"] == other_host], "the redirect was followed"
    assert status["status"] == "FAILED" and f"redirecting to http://{other_host}" in status["message"]
    assert sync.returncode == 1 and sync.errors()[0]["failure_type"] == "config_error"
    assert f"http://{other_host}" in sync.errors()[0]["message"] and not sync.ids(provider.stream)
    report(f"{provider_name:<14} {'redirect to ' + other_host:<40} refused, no credential sent there")


# Faults frequent enough to hit the few requests of every provider (Sociovite and Mentionlab need three).
RETRY_FAULTS: Dict[str, Tuple[Dict[str, Any], str]] = {
    "HTTP 5xx": ({"error_rate": 0.5}, "HTTP 50"),
    "connections dropped before the answer": ({"drop_rate": 0.5}, "connection closed without an answer"),
    "429 with a reset time": ({"rate_limit_every": 3, "rate_limit_window_s": 2.0}, "rate limited (HTTP 429) until"),
    "429 without a reset time": ({"rate_limit_every": 3, "rate_limit_reset_header": False}, "rate limited (HTTP 429); retrying in"),
    "silent past the read timeout": ({"slow_rate": 0.5, "slow_s": 2.5}, "no answer within 1 s (read timeout)"),
}


# A reset time is a moment on the sandbox's clock: on the virtual clock another request's skipped wait
# can move that moment into the past before this request reads it, and its retry line rightly says
# "retrying in" without "until". Those cells keep real time.
RETRY_CELLS = [
    pytest.param(p, f, marks=[pytest.mark.real_clock] if "reset time" in f and "without" not in f else [])
    for p in PROVIDERS for f in RETRY_FAULTS if FULL or (p, f) == ("mentionlab", "HTTP 5xx")
]  # fmt: skip


@pytest.mark.parametrize("provider_name, fault", RETRY_CELLS)
def test_every_retry_line_names_its_real_cause(report, start_sandbox, read, provider_name, fault):
    provider = PROVIDERS[provider_name]
    faults, cause = RETRY_FAULTS[fault]
    sandbox = start_sandbox(max_page_size=40, seed=11, **faults)
    config = {**provider.config(sandbox), "read_timeout_seconds": 1} if "read timeout" in fault else provider.config(sandbox)
    sync = read(config, provider.stream)

    retries = [line for line in log_messages(sync.output, "INFO", "WARN") if "retrying in" in line and "(attempt" in line]
    report(f"{provider_name:<14} {'retry lines, ' + fault:<40} {len(retries):>5} lines naming {cause!r}")
    assert sync.returncode == 0 and retries, sync.errors()
    assert all(cause in line for line in retries), retries
    assert "Rate limit exceeded" not in sync.output
    assert not any("Traceback" in line for line in log_messages(sync.output, "INFO", "WARN"))


# ---------------------------------------------------------------- Mentionlab page-object listings

# stream: (sandbox page cap, the record's key, the sandbox's data set)
MENTIONLAB_PAGED: Dict[str, Tuple[int, Callable[[Dict[str, Any]], Any], Callable[[Any], set]]] = {
    "queries": (5, lambda r: r["id"], lambda s: set(s.get("mentionlab/queries"))),
    "entities": (5, lambda r: (r["project_id"], r["id"]), lambda s: {(p["id"], e[0]) for p in s.server.sandbox.mentionlab.projects for e in ENTITY_LIST}),
    "ai_responses": (20, lambda r: r["aiResponseId"], lambda s: set(s.get("mentionlab/ai_responses"))),
}  # fmt: skip
MENTIONLAB_PAGED_SHORT = (("queries", "connections dropped mid-body"), ("entities", "20% 5xx"), ("ai_responses", "20% 5xx"))


@pytest.mark.parametrize(
    "stream, fault", [(s, f) for s in MENTIONLAB_PAGED for f in FAULTS if FULL or (s, f) in MENTIONLAB_PAGED_SHORT]
)
def test_mentionlab_page_object_streams_under_the_fault_read_every_row_of_every_page(report, start_sandbox, read, stream, fault):
    """queries and entities: 12 rows a project in pages of 5; ai_responses: about 35 answers a query in pages of 20."""
    cap, key, expected = MENTIONLAB_PAGED[stream]
    sandbox = start_sandbox(max_page_size=cap, seed=11, **FAULTS[fault])
    config = {**sandbox.mentionlab_config(start_days_ago=100), **({"read_timeout_seconds": 1} if "read timeout" in fault else {})}
    first = read(config, stream)
    assert first.returncode == 0 and not first.errors(), first.errors()
    sandbox.control("mentionlab/add", count=3)
    second = read(config, stream, state=first.states())
    assert second.returncode == 0 and not second.errors(), second.errors()
    assert_no_secret_in_output(PROVIDERS["mentionlab"], config, second)

    received = [key(row) for row in first.rows(stream) + second.rows(stream)]
    report(f"{'mentionlab':<14} {stream + ', ' + fault:<40} {len(set(received)):>5} rows, {len(received) - len(set(received)):>3} read twice")
    assert set(received) == expected(sandbox)


@pytest.mark.parametrize("stream", list(MENTIONLAB_PAGED) if FULL else ["queries"])
def test_a_mentionlab_page_object_naming_the_same_page_forever_fails_the_stream_instead_of_looping(report, start_sandbox, tmp_path, stream):
    sandbox = start_sandbox(max_page_size=5, endless_cursor=True)
    config = {**sandbox.mentionlab_config(), "num_workers": 1}
    run = read_bounded(config, stream, tmp_path, limit_s=90)
    report(run.row(stream))

    loops = [error["message"] for error in run.sync.errors() if "Reading it would never end" in error["message"]]
    assert not run.killed and run.sync.returncode == 1, (run.elapsed_s, run.sync.errors())
    assert loops and ("repeated its cursor" in loops[0] or "the same page again" in loops[0])
    assert sandbox.get("requests")["count"] < 20

