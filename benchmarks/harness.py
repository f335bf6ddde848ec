"""Measurement code shared by every benchmark row: a sandbox in its own process, a connector run
as a child process (wall time, peak RSS, records, states, requests), and min/median/max."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Run:
    wall_s: float
    peak_rss_mb: float
    records: int
    states: int
    requests: int
    last_state: List[Dict[str, Any]] = field(default_factory=list)


class SandboxProcess:
    """`python -m mentions_dev.sandbox` in a child process, so its CPU and memory are not the connector's."""

    def __init__(self, alerts: int, mentions_per_alert: int, faults: Optional[Dict[str, Any]] = None, mark_interval_s: float = 30.0):
        self._args = [
            "--port", "0", "--alerts", str(alerts), "--mentions-per-alert", str(mentions_per_alert),
            "--faults", json.dumps(faults or {}), "--stream-mark-interval", str(mark_interval_s),
        ]  # fmt: skip
        self.url = ""

    def __enter__(self) -> "SandboxProcess":
        ready = Path(tempfile.mkdtemp()) / "ready"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "mentions_dev.sandbox", *self._args, "--ready-file", str(ready)], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 600
        while not ready.exists() or not ready.read_text():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.1)
        self.url = ready.read_text().strip()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)

    def control(self, name: str, **body: Any) -> Any:
        answer = requests.post(f"{self.url}/_sandbox/{name}", json=body, timeout=60)
        answer.raise_for_status()
        return answer.json()

    def requests_served(self) -> int:
        return int(requests.get(f"{self.url}/_sandbox/requests", timeout=60).json()["count"])

    def mention_config(self, **provider: Any) -> Dict[str, Any]:
        provider = {"provider_type": "mention", "access_token": "sandbox-token", "api_url": f"{self.url}/api",
                    "stream_url": f"{self.url}/stream/api", **provider}  # fmt: skip
        return {"provider": provider, "start_date": "2000-01-01T00:00:00Z"}


def catalog(streams: Sequence[str], incremental: bool = True, cursor: bool = True) -> Dict[str, Any]:
    mode = "incremental" if incremental else "full_refresh"
    return {
        "streams": [
            {
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                "sync_mode": mode,
                "destination_sync_mode": "append",
                **({"cursor_field": ["id"]} if incremental and cursor else {}),
            }
            for name in streams
        ]
    }


def run_connector(
    command: Sequence[str], config: Dict[str, Any], catalog_: Dict[str, Any], state: Optional[List[Any]] = None,
    sandbox: Optional[SandboxProcess] = None, extra_args: Sequence[str] = (),
) -> Run:  # fmt: skip
    """`<command> read --config --catalog [--state]`; stdout is counted line by line, never kept."""
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    paths = {"config": folder / "config.json", "catalog": folder / "catalog.json"}
    paths["config"].write_text(json.dumps(config))
    paths["catalog"].write_text(json.dumps(catalog_))
    argv = [*command, "read", "--config", str(paths["config"]), "--catalog", str(paths["catalog"])]
    if state is not None:
        (folder / "state.json").write_text(json.dumps(state))
        argv += ["--state", str(folder / "state.json")]
    argv += list(extra_args)
    served_before = sandbox.requests_served() if sandbox else 0
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder, env=env)
    records = states = 0
    last_state: Dict[str, Any] = {}
    errors: List[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        if b'"type":"RECORD"' in line or b'"type": "RECORD"' in line:
            records += 1
        elif b'"STATE"' in line:
            states += 1
            message = json.loads(line)["state"]
            last_state[message.get("stream", {}).get("stream_descriptor", {}).get("name", "")] = message
        elif b'"TRACE"' in line and b'"ERROR"' in line:
            errors.append(json.loads(line)["trace"]["error"]["message"])
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if status != 0 or errors:
        raise RuntimeError(f"{' '.join(command)} failed (status {status}): {errors[:2]}")
    served = (sandbox.requests_served() - served_before) if sandbox else 0
    return Run(wall, usage.ru_maxrss / 1024, records, states, served, list(last_state.values()))


def spread(values: Sequence[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} CPUs, {memory:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def connector_command() -> List[str]:
    return [str(BIN / "source-mentions")]
