"""What the Docker image runs: the `source-mentions` console script, against the sandbox."""

import json
import subprocess
import sys
from pathlib import Path

from mentions_dev.sandbox import SANDBOX_TOKEN

SCRIPT = str(Path(sys.executable).with_name("source-mentions"))


def run(*args: str, config: dict = None, tmp_path: Path = None, catalog: dict = None, state: list = None):
    command = [SCRIPT, *args]
    for name, content in (("config", config), ("catalog", catalog), ("state", state)):
        if content is not None:
            path = tmp_path / f"{name}.json"
            path.write_text(json.dumps(content))
            command += [f"--{name}", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done, messages


def of_type(messages, kind):
    return [message for message in messages if message["type"] == kind]


def test_spec_prints_the_connection_specification(tmp_path):
    done, messages = run("spec")
    assert done.returncode == 0
    assert of_type(messages, "SPEC")[0]["spec"]["connectionSpecification"]["properties"]["provider"]["oneOf"]


def test_check_succeeds_against_the_sandbox(sandbox, tmp_path):
    done, messages = run("check", config=sandbox.config(), tmp_path=tmp_path)
    assert done.returncode == 0
    assert of_type(messages, "CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"


def test_check_with_bad_token_fails_cleanly_with_exit_code_zero(sandbox, tmp_path):
    config = sandbox.config(access_token="definitely-wrong-token")
    done, messages = run("check", config=config, tmp_path=tmp_path)
    status = of_type(messages, "CONNECTION_STATUS")[0]["connectionStatus"]
    assert done.returncode == 0
    assert status["status"] == "FAILED" and "access token" in status["message"]
    assert "Traceback" not in done.stdout and "definitely-wrong-token" not in done.stdout + done.stderr


def test_check_with_malformed_config_fails_cleanly(sandbox, tmp_path):
    config = sandbox.config()
    config["start_date"] = "yesterday"
    done, messages = run("check", config=config, tmp_path=tmp_path)
    status = of_type(messages, "CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "yesterday" in status["message"]
    assert SANDBOX_TOKEN not in done.stdout


def test_discover_then_read_then_incremental_read(sandbox, tmp_path):
    config = sandbox.config()
    _, messages = run("discover", config=config, tmp_path=tmp_path)
    streams = of_type(messages, "CATALOG")[0]["catalog"]["streams"]
    assert {s["name"] for s in streams} == {"accounts", "alerts", "mentions", "statistics", "live_mentions", "unified_mentions", "tags", "authors", "tasks"}
    catalog = {"streams": [
        {"stream": s, "sync_mode": "incremental" if "incremental" in s["supported_sync_modes"] else "full_refresh", "destination_sync_mode": "append"}
        for s in streams
    ]}
    done, first = run("read", config=config, catalog=catalog, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    first_ids = [m["record"]["data"]["id"] for m in of_type(first, "RECORD") if m["record"]["stream"] == "mentions"]
    assert set(first_ids) == sandbox.all_mention_ids() and len(first_ids) == len(set(first_ids))

    found = sorted(i for ids in sandbox.control("discover", count=4, oldest_days=365).values() for i in ids)
    state = [m["state"] for m in of_type(first, "STATE")]
    requests_before = sandbox.get("requests")["count"]
    _, second = run("read", config=config, catalog=catalog, state=state, tmp_path=tmp_path)
    second_ids = [m["record"]["data"]["id"] for m in of_type(second, "RECORD") if m["record"]["stream"] == "mentions"]
    window = sandbox.reread_window_ids(since=requests_before)  # the default re-read window: the last 7 days
    assert set(found) <= set(second_ids) <= set(found) | window and len(second_ids) == len(set(second_ids))
    live_first = [m["record"]["data"]["id"] for m in of_type(first, "RECORD") if m["record"]["stream"] == "live_mentions"]
    live_second = [m["record"]["data"]["id"] for m in of_type(second, "RECORD") if m["record"]["stream"] == "live_mentions"]
    assert sorted(live_first) == sorted(first_ids)  # the whole history: under the stream's cap of 1000 per alert
    assert sorted(live_second) == found  # the stream sends mentions as found, never again


def test_unreadable_config_file_is_a_config_error_not_a_traceback(tmp_path):
    broken = tmp_path / "config.json"
    broken.write_text("{not json")
    checked = subprocess.run([SCRIPT, "check", "--config", str(broken)], capture_output=True, text=True, timeout=120)
    read = subprocess.run([SCRIPT, "discover", "--config", str(broken)], capture_output=True, text=True, timeout=120)
    statuses = [json.loads(line)["connectionStatus"] for line in checked.stdout.splitlines() if '"CONNECTION_STATUS"' in line]
    errors = [json.loads(line)["trace"]["error"] for line in read.stdout.splitlines() if '"TRACE"' in line]
    assert checked.returncode == 0 and statuses[0]["status"] == "FAILED" and "could not start with this configuration" in statuses[0]["message"]
    assert read.returncode == 1 and errors and errors[0]["failure_type"] == "config_error"
    assert "Traceback" not in checked.stdout + checked.stderr + read.stdout + read.stderr



def test_a_mentionlab_read_logs_no_routine_cdk_lines_a_user_cannot_act_on(sandbox, tmp_path):
    catalog = {"streams": [{"stream": {"name": "sentiment_timeseries", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                            "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}  # fmt: skip
    done, messages = run("read", config=sandbox.mentionlab_config(), tmp_path=tmp_path, catalog=catalog)
    logged = [message["log"]["message"] for message in of_type(messages, "LOG")]
    assert done.returncode == 0 and of_type(messages, "RECORD")
    assert not [line for line in logged if line.startswith(("Validation skipped", "MemoryMonitor instantiated", "Parent state handling"))]
