"""`python -m source_mentions.demo`: the main job, from API to a local DuckDB file with PyAirbyte.

Starts the sandbox (unless --config points at a real account), syncs every stream into DuckDB,
lets the sandbox find new mentions, syncs again incrementally, and prints what arrived.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Optional

import requests

DEMO_DIR = Path(".demo")


def sandbox_config(base_url: str) -> Dict[str, Any]:
    start = (datetime.now(timezone.utc) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    from source_mentions.sandbox import SANDBOX_TOKEN

    provider = {"provider_type": "mention", "access_token": SANDBOX_TOKEN, "api_url": f"{base_url}/api", "stream_url": f"{base_url}/stream/api", "stream_duration_seconds": 15}
    return {"provider": provider, "start_date": start}


def connector_executable() -> str:
    found = Path(sys.executable).with_name("source-mentions")
    return str(found) if found.exists() else (shutil.which("source-mentions") or "source-mentions")


def table_counts(cache: Any) -> Dict[str, int]:
    return {name: len(dataset) for name, dataset in cache.streams.items()}


def print_table(title: str, rows: Dict[str, Any]) -> None:
    print(f"\n{title}")
    for name, value in rows.items():
        print(f"  {name:<12} {value:>8}")


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", help="a real connector config (JSON); default: the local sandbox")
    parser.add_argument("--db", default=str(DEMO_DIR / "mentions.duckdb"), help="DuckDB file to write")
    args = parser.parse_args(argv)
    os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")  # PyAirbyte would otherwise look up its connector registry
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    server = None
    if args.config:
        config = json.loads(Path(args.config).read_text())
    else:
        from source_mentions.sandbox import start

        server = start(port=0, alerts=3, mentions_per_alert=400)
        server.sandbox.mention_stream.settings.mark_interval_s = 1.0  # live_mentions ends after two quiet marks
        config = sandbox_config(server.base_url)
        print(f"sandbox: {server.base_url} (3 alerts x 400 mentions)")
    db_path = Path(args.db)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if db_path.exists() and not args.config:
        db_path.unlink()  # a fresh sandbox has fresh data: start from an empty file
    cache = DuckDBCache(db_path=str(db_path))

    source = ab.get_source("source-mentions", config=config, local_executable=connector_executable())
    source.select_all_streams()
    source.read(cache=cache)
    before = table_counts(cache)
    print_table("rows per table after the first sync", before)

    if server is not None:
        found = requests.post(f"{server.base_url}/_sandbox/discover", json={"count": 25, "oldest_days": 45}, timeout=10).json()
        print(f"\nsandbox: Mention found {sum(len(v) for v in found.values())} new mentions (some published weeks ago)")
    source.read(cache=cache)
    after = table_counts(cache)
    print_table("new rows in the second (incremental) sync", {name: after[name] - before.get(name, 0) for name in after})

    sentiment = cache.get_sql_engine().connect().exec_driver_sql(
        "SELECT CAST(published_at AS DATE) AS day, count(*) AS mentions,"
        " sum(CASE WHEN tone > 0 THEN 1 ELSE 0 END) AS positive, sum(CASE WHEN tone = 0 THEN 1 ELSE 0 END) AS neutral,"
        " sum(CASE WHEN tone < 0 THEN 1 ELSE 0 END) AS negative"
        " FROM main.mentions GROUP BY 1 ORDER BY 1 DESC LIMIT 10"
    ).fetchall()
    print("\nsentiment per day (last 10 days with mentions)")
    print(f"  {'day':<12}{'mentions':>9}{'pos':>6}{'neu':>6}{'neg':>6}")
    for day, total, positive, neutral, negative in sentiment:
        print(f"  {str(day):<12}{total:>9}{positive:>6}{neutral:>6}{negative:>6}")
    print(f"\nDuckDB file: {db_path.resolve()}")
    print(f"explore it:  duckdb {db_path} \"SELECT source_type, count(*) FROM main.mentions GROUP BY 1\"")
    if server is not None:
        server.stop()


if __name__ == "__main__":
    main()
