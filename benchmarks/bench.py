"""`make bench`: this connector against a typical community manifest of the Mention API, on the sandbox.

Every row uses benchmarks/harness.py: the sandbox runs in its own process, each sync is a child
process (`read` through the CLI), and each figure is min / median / max of --runs runs. Results go
to benchmarks/results.md and stdout. Nothing here contacts a real provider.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import SandboxProcess, catalog, connector_command, machine, run_connector, spread  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"
Row = Tuple[str, str, str, str]  # measure, figures, target, verdict


def stream_memory(runs: int) -> List[Row]:
    """Peak RSS of live_mentions syncs delivering 5,000 and 50,000 stream mentions (history of 1000 per alert)."""
    peaks: Dict[int, List[float]] = {}
    walls: Dict[int, List[float]] = {}
    for alerts in (5, 50):
        with SandboxProcess(alerts=alerts, mentions_per_alert=1000, mark_interval_s=0.5) as sandbox:
            config = sandbox.mention_config(stream_duration_seconds=600)
            for _ in range(runs):
                run = run_connector(connector_command(), config, catalog(["live_mentions"]), sandbox=sandbox)
                assert run.records == alerts * 1000, f"expected {alerts * 1000} stream mentions, got {run.records}"
                peaks.setdefault(alerts, []).append(run.peak_rss_mb)
                walls.setdefault(alerts, []).append(run.wall_s)
    ratio = statistics.median(peaks[50]) / statistics.median(peaks[5])
    return [
        ("live_mentions peak RSS, 5,000 mentions (MB)", spread(peaks[5], 1), "", ""),
        ("live_mentions peak RSS, 50,000 mentions (MB)", spread(peaks[50], 1), "", ""),
        ("live_mentions wall time 5,000 / 50,000 (s, median)", f"{statistics.median(walls[5]):.1f} / {statistics.median(walls[50]):.1f}", "", ""),
        ("live_mentions peak RSS ratio 50,000 / 5,000", f"{ratio:.3f}", "<= 1.10", "met" if ratio <= 1.10 else "NOT met"),
    ]


BENCHES: Dict[str, Callable[[int], List[Row]]] = {"stream_memory": stream_memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHES), help="run only these rows")
    args = parser.parse_args()
    rows: List[Row] = []
    for name, bench in BENCHES.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ({args.runs} runs)...", flush=True)
        rows.extend(bench(args.runs))
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}. Figures are min / median / max of {args.runs} runs in one `make bench`; ratios use medians.",
        "",
        "| measure | figures | target | verdict |",
        "|---|---|---|---|",
        *[f"| {measure} | {figures} | {target} | {verdict} |" for measure, figures, target, verdict in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
