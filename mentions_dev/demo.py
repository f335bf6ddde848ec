"""`python -m mentions_dev.demo`: the main job, from API to a local DuckDB file with PyAirbyte.

Starts the sandbox (unless --config points at a real account), then for each provider (all four
by default) syncs every stream into its own schema of one DuckDB file, lets the sandbox produce
new data (and, for Mention, lets a user curate two mentions), syncs again incrementally, and prints
rows per table, new rows, the curated mentions as they arrived, sentiment per day from
`unified_mentions`, and the file with a query to explore it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests

DEMO_DIR = Path(".demo")
PROVIDERS = ("mention", "sociovite", "mentionlytics", "mentionlab")
# PyAirbyte prints these with print() (rich), not through warnings or logging, so only their opening
# words can pick them out; the demo says once where the logs are.
PYAIRBYTE_HINTS = (
    "Using local `source-mentions` executable",
    "Writing PyAirbyte logs to file",
    "Writing PyAirbyte performance stats to file",
    "Writing `source-mentions` logs to file",
    "The following streams are currently using incremental sync",  # the second sync is incremental on purpose
    "Could not determine airbyte type from JSON schema",  # a field of several JSON types: stored as JSON text
    "Started `",  # one line per sync is enough: PyAirbyte's "Completed ... sync" line stays
    "Read started on stream",
)


def days_ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def sandbox_config(provider: str, base_url: str) -> Dict[str, Any]:
    """A config that reads the whole sandbox data set of one provider."""
    from mentions_dev import sandbox

    providers: Dict[str, Dict[str, Any]] = {
        "mention": {"access_token": sandbox.SANDBOX_TOKEN, "api_url": f"{base_url}/api", "stream_url": f"{base_url}/stream/api", "stream_duration_seconds": 15,
                    "read_mention_children": True},  # one request per mention: cheap on the local sandbox
        "sociovite": {"access_token": sandbox.SOCIOVITE_TOKEN, "api_url": f"{base_url}/sociovite/api"},
        "mentionlytics": {"bearer_token": sandbox.MENTIONLYTICS_BEARER, "refresh_token": sandbox.MENTIONLYTICS_REFRESH, "api_url": f"{base_url}/mentionlytics/v2"},
        # week buckets: share_of_voice and entity_visibility ask one request per project and bucket
        "mentionlab": {"api_key": sandbox.MENTIONLAB_API_KEY, "api_url": f"{base_url}/mentionlab", "bucket_size": "week"},
    }
    return {"provider": {"provider_type": provider, **providers[provider]}, "start_date": days_ago(100)}


def new_data_in_sandbox(provider: str, base_url: str) -> str:
    """Make the sandbox find new data for the provider; returns what it did, for the summary."""
    if provider == "mention":
        found = post(base_url, "discover", count=25, oldest_days=45)
        return f"Mention found {sum(len(ids) for ids in found.values())} new mentions (some published weeks ago)"
    if provider == "sociovite":
        return f"Sociovite has {len(post(base_url, 'sociovite/add', count=20))} new posts"
    if provider == "mentionlytics":
        return f"Mentionlytics has {len(post(base_url, 'mentionlytics/add', count=20))} new mentions"
    return f"Mentionlab analysed {post(base_url, 'mentionlab/add', count=10)['added']} new answers (they fall in the open bucket)"


def curate_in_sandbox(server: Any) -> List[Dict[str, Any]]:
    """A user curates two of the newest mentions in Mention's app: corrects one's tone, moves one to trash; returns before/after."""
    data = server.sandbox.data
    since = datetime.now(timezone.utc) - timedelta(days=3)
    with data.lock:
        recent = sorted((dict(m) for items in data.mentions.values() for m in items if datetime.fromisoformat(m["published_at"]) >= since), key=lambda m: m["published_at"])
    first, second = recent[-1], recent[-2]
    edits = [{"id": first["id"], "tone": -1 if first["tone"] != -1 else 1}, {"id": second["id"], "folder": "trash"}]
    post(server.base_url, "edit_mentions", edits=edits)
    return [
        {"id": first["id"], "field": "tone", "before": first["tone"], "after": edits[0]["tone"]},
        {"id": second["id"], "field": "folder", "before": second["folder"], "after": "trash"},
    ]


def show_curated(cache: Any, curated: List[Dict[str, Any]]) -> None:
    """The curated mentions as the destination holds them after the incremental sync."""
    ids = ", ".join(f"'{change['id']}'" for change in curated)
    with cache.get_sql_engine().connect() as connection:
        stored = {str(row[0]): row[1:] for row in connection.exec_driver_sql(f"SELECT id, tone, folder FROM mention.mentions WHERE id IN ({ids})")}
    print("\nedits made in Mention after the first sync, as the second sync brought them (re-read window: the last 7 days of publication)")
    for change in curated:
        tone, folder = stored.get(change["id"], ("missing", "missing"))
        print(f"  mention {change['id']}: {change['field']} {change['before']} -> {change['after']};  in DuckDB now: tone {tone}, folder {folder}")
    print("  (a mention moved to spam or trash stays, with its folder: WHERE folder NOT IN ('spam', 'trash') leaves it out)")


def post(base_url: str, name: str, **body: Any) -> Any:
    answer = requests.post(f"{base_url}/_sandbox/{name}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def connector_executable() -> str:
    found = Path(sys.executable).with_name("source-mentions")
    return str(found) if found.exists() else (shutil.which("source-mentions") or "source-mentions")


def sync(config: Dict[str, Any], cache: Any, on_config_change: Optional[Callable[[Dict[str, Any]], None]] = None) -> Dict[str, int]:
    """Read every stream of the config's provider into the cache (PyAirbyte merges on primary keys); rows per table after.

    Rotated tokens (Mentionlytics) are written back into `config` and handed to `on_config_change`.
    """
    import airbyte as ab

    def keep_rotated_tokens(new_config: Dict[str, Any]) -> None:
        source.set_config(new_config)  # the next read must start from the rotated refresh token...
        config.clear()
        config.update(new_config)  # ...and so must the caller's next sync
        if on_config_change:
            on_config_change(new_config)

    source = ab.get_source("source-mentions", config=config, local_executable=connector_executable(), config_change_callback=keep_rotated_tokens)
    source.select_all_streams()
    source.read(cache=cache)
    return {name: len(dataset) for name, dataset in sorted(cache.streams.items())}


def offline_pyairbyte(logs: Path) -> None:
    os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")  # PyAirbyte would otherwise look up its connector registry
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("AIRBYTE_LOGGING_ROOT", str(logs))  # read when airbyte is imported
    os.environ.setdefault("NO_LIVE_PROGRESS", "1")  # no live progress panel per sync: it filled most of the screen


def quiet_third_party() -> None:
    """Leave out what means nothing to the demo's user: Google's Python-support FutureWarnings
    (PyAirbyte imports google-cloud modules) and PyAirbyte's printed hints."""
    ignore_google_python_support_warnings()
    sys.stdout = WithoutHints(sys.stdout)  # type: ignore[assignment]
    sys.stderr = WithoutHints(sys.stderr)  # type: ignore[assignment]


def ignore_google_python_support_warnings() -> None:
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\.api_core\._python_version_support")


class WithoutHints:
    """A text stream that drops each write opening with one of PYAIRBYTE_HINTS (and the newline print() sends after it)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._after_hint = False

    def write(self, text: str) -> int:
        after_hint, self._after_hint = self._after_hint, False
        if text.lstrip().startswith(PYAIRBYTE_HINTS):
            self._after_hint = True
            return len(text)
        if after_hint and text == "\n":
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def print_rows(title: str, rows: Dict[str, Any]) -> None:
    print(f"\n{title}")
    for name, value in rows.items():
        print(f"  {name:<24} {value:>8}")


def show_statistics(connection: Any) -> None:
    """Mention statistics: mentions per alert and day (the newest days)."""
    rows = connection.exec_driver_sql(
        "SELECT date, alert_id, mentions, incomplete FROM mention.statistics ORDER BY date DESC, alert_id LIMIT 9"
    ).fetchall()
    print("\nMention statistics per day and alert (newest 9 rows; incomplete = the interval is still filling)")
    print(f"  {'date':<12}{'alert':<12}{'mentions':>9}  incomplete")
    for day, alert, mentions, incomplete in rows:
        print(f"  {str(day):<12}{alert:<12}{mentions:>9}  {'yes' if incomplete else ''}")


def show_brands(connection: Any) -> None:
    """Mentionlab: brands named in the AI answers, with their sentiment score and ranking."""
    rows = connection.exec_driver_sql(
        "SELECT brand_name, count(*) AS answers, round(avg(sentiment_score), 1) AS score, round(avg(ranking_position), 2) AS rank"
        " FROM mentionlab.unified_mentions GROUP BY brand_name ORDER BY answers DESC, brand_name"
    ).fetchall()
    print("\nMentionlab brands per AI answer (one unified row per brand an answer mentions)")
    print(f"  {'brand':<24}{'answers':>8}{'avg score':>11}{'avg rank':>10}")
    for brand, answers, score, rank in rows:
        print(f"  {str(brand):<24}{answers:>8}{score:>11}{rank:>10}")


MENTIONLAB_STREAMS = {
    "queries": "SELECT count(*) || ' queries in ' || count(DISTINCT project_id) || ' projects' FROM mentionlab.queries",
    "ai_responses": "SELECT count(*) || ' AI answers, newest ' || max(initiatedat) FROM mentionlab.ai_responses",
    "visibility_timeseries": (
        "SELECT displayname || ' named in ' || sum(presentin) || ' of ' || sum(totalresponses) || ' answers, '"
        " || count(DISTINCT bucket) || ' buckets' FROM mentionlab.visibility_timeseries GROUP BY displayname ORDER BY sum(presentin) DESC LIMIT 1"
    ),
    "share_of_voice": (
        "SELECT displayname || ' has ' || round(100.0 * sum(mentioncount) / sum(totalmentions), 1) || ' per cent of the entity mentions'"
        " FROM mentionlab.share_of_voice GROUP BY displayname ORDER BY sum(mentioncount) DESC LIMIT 1"
    ),
    "entity_visibility": (
        "SELECT displayname || ' avg position ' || round(avg(avgpositionrank), 2) || ', sentiment ' || round(avg(sentimentscore), 1)"
        " FROM mentionlab.entity_visibility GROUP BY displayname ORDER BY displayname LIMIT 1"
    ),
    "entities": "SELECT count(*) || ' entities, ' || count(*) FILTER (WHERE isprimary) || ' primary, ' || count(*) FILTER (WHERE iscompetitor) || ' competitors' FROM mentionlab.entities",
}


def show_mentionlab_streams(connection: Any) -> None:
    """Mentionlab: one line per listing and analytics stream."""
    print("\nMentionlab listings and analytics (one line per stream)")
    for stream, sql in MENTIONLAB_STREAMS.items():
        print(f"  {stream:<24} {connection.exec_driver_sql(sql).scalar()}")


class Warehouse:
    """Where the demo syncs to: the DuckDB file (default), or a throwaway PostgreSQL server it starts and stops."""

    def __init__(self, kind: str, db_path: Path) -> None:
        self.kind, self.db_path, self.server = kind, db_path, None
        if kind == "postgres":
            from mentions_dev.postgres import ThrowawayPostgres

            self.server = ThrowawayPostgres().__enter__()  # stops and removes what it started if it fails

    def cache(self, schema: str) -> Any:
        from airbyte.caches import DuckDBCache

        files = self.db_path.parent / "files"  # PyAirbyte's files beside the database, not ./.cache
        if self.server is not None:
            from mentions_dev.postgres import postgres_cache

            return postgres_cache(self.server, schema, files)
        return DuckDBCache(db_path=str(self.db_path), schema_name=schema, cache_dir=files)

    def describe(self) -> str:
        if self.server is not None:
            args = self.server.cache_args
            return f"PostgreSQL {args['host']}:{args['port']}, database {args['database']} (a throwaway server, stopped and removed at the end)"
        return f"DuckDB file {self.db_path.resolve()}"

    def keep_other_providers(self, syncing: List[str]) -> None:
        """A DuckDB file of an earlier demo keeps the other providers' tables; the synced providers' schemas start empty."""
        if self.server is not None or not self.db_path.exists():
            return
        import duckdb

        with duckdb.connect(str(self.db_path)) as connection:
            present = {row[0] for row in connection.execute("SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
            for schema in sorted(present & set(syncing)):
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')  # a fresh sandbox has fresh data
        kept = sorted(present & set(PROVIDERS) - set(syncing))
        if kept:
            print(f"kept from an earlier demo in {self.db_path}: the tables of {', '.join(kept)} (this run rewrites {', '.join(syncing)})")

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--provider", choices=PROVIDERS, action="append", help="sync only this provider (repeatable); default: all four")
    parser.add_argument("--config", help="a real connector config (JSON file); its provider is synced instead of the sandbox")
    parser.add_argument("--db", default=str(DEMO_DIR / "mentions.duckdb"), help="DuckDB file to write")
    parser.add_argument("--warehouse", choices=("duckdb", "postgres"), default="duckdb", help="postgres: a throwaway PostgreSQL server, started and removed")
    args = parser.parse_args(argv)
    db_path = Path(args.db)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    offline_pyairbyte(db_path.parent / "logs")
    quiet_third_party()

    server = None
    if args.config:
        config_path = Path(args.config)
        real = json.loads(config_path.read_text())
        plans = [(real["provider"]["provider_type"], real)]
    else:
        from mentions_dev.sandbox import start

        server = start(port=0, alerts=3, mentions_per_alert=400)
        server.sandbox.mention_stream.settings.mark_interval_s = 1.0  # live_mentions ends after two quiet marks
        print(f"sandbox: {server.base_url} (Mention 3 alerts x 400 mentions, Sociovite, Mentionlytics, Mentionlab)")
        plans = [(provider, sandbox_config(provider, server.base_url)) for provider in (args.provider or PROVIDERS)]
    warehouse: Optional[Warehouse] = None
    try:
        warehouse = Warehouse(args.warehouse, db_path)
        if server is not None:
            warehouse.keep_other_providers([provider for provider, _ in plans])
        print(f"connector: {connector_executable()}; warehouse: {warehouse.describe()}")
        print(f"PyAirbyte's and the connector's logs: {os.environ['AIRBYTE_LOGGING_ROOT']}/")
        schemas = sync_all(plans, warehouse, server, Path(args.config) if args.config else None)
        report(warehouse, schemas, db_path.parent)
    finally:
        if warehouse is not None:
            warehouse.close()
        if server is not None:
            server.stop()


def sync_all(plans: List[Any], warehouse: Warehouse, server: Any, config_path: Optional[Path]) -> List[str]:
    """Two syncs per provider (the second incremental, after the sandbox found new data); the schemas written."""
    schemas = []
    for provider, config in plans:
        print(f"\n=== {provider}: first sync (every stream) ===", flush=True)
        cache = warehouse.cache(provider)
        persist = (lambda new: config_path.write_text(json.dumps(new, indent=2))) if config_path else None
        before = sync(config, cache, persist)
        print_rows(f"rows per table in schema {provider}", before)
        curated: List[Dict[str, Any]] = []
        if server is not None:
            print(f"\nsandbox: {new_data_in_sandbox(provider, server.base_url)}")
            if provider == "mention":
                curated = curate_in_sandbox(server)
                print("sandbox: a user corrected the tone of one recent mention and moved another to trash")
        after = sync(config, cache, persist)
        print_rows(f"new rows in the second (incremental) sync, {provider}", {name: after[name] - before.get(name, 0) for name in after})
        if curated:
            show_curated(cache, curated)
        schemas.append(provider)
        cache.get_sql_engine().dispose()  # release the DuckDB file for the next provider's cache
    return schemas


def sentiment_rows(connection: Any, schemas: List[str]) -> List[Any]:
    """(day, provider, mentions, positive, neutral, negative, unknown) from every unified_mentions table, newest day first."""
    union = " UNION ALL ".join(f"SELECT published_at, provider, sentiment FROM {schema}.unified_mentions" for schema in schemas)
    return connection.exec_driver_sql(
        "SELECT CAST(published_at AS DATE) AS day, provider, count(*) AS mentions,"
        " count(*) FILTER (WHERE sentiment > 0), count(*) FILTER (WHERE sentiment = 0),"
        " count(*) FILTER (WHERE sentiment < 0), count(*) FILTER (WHERE sentiment IS NULL)"
        f" FROM ({union}) AS unified WHERE published_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1 DESC, 2"
    ).fetchall()


def same_articles(connection: Any, schemas: List[str]) -> List[Any]:
    """(url_key, providers, first seen by, when) of every article in the unified_mentions of more than one provider, newest first."""
    union = " UNION ALL ".join(
        f"SELECT url_key, provider, coalesce(fetched_at, published_at) AS seen FROM {schema}.unified_mentions WHERE url_key IS NOT NULL" for schema in schemas
    )
    firsts: Dict[str, Dict[str, Any]] = {}
    for url_key, provider, seen in connection.exec_driver_sql(f"SELECT url_key, provider, min(seen) FROM ({union}) AS unified GROUP BY 1, 2").fetchall():
        firsts.setdefault(url_key, {})[provider] = seen
    shared = []
    for url_key, seen in firsts.items():
        if len(seen) > 1:
            first_by = min(seen, key=lambda provider: (seen[provider] is None, seen[provider] or 0, provider))
            shared.append((url_key, sorted(seen), first_by, seen[first_by]))
    return sorted(shared, key=lambda row: (str(row[3]), row[0]), reverse=True)


def show_same_articles(shared: List[Any]) -> None:
    print(f"\nthe same article seen by several providers: {len(shared)} articles (unified_mentions.url_key; newest 8)")
    if not shared:
        print("  none: no url_key appears under two providers")
        return
    print(f"  {'url_key':<52}{'providers':<24}first seen by (when it found the article, else when it was published)")
    for url_key, providers, first_by, seen in shared[:8]:
        print(f"  {url_key:<52}{', '.join(providers):<24}{first_by} ({str(seen)[:16]})")


def show_sentiment(rows: List[Any]) -> None:
    print("\nsentiment per day and provider, from unified_mentions (newest 12 rows; unknown: the provider gave no sentiment)")
    print(f"  {'day':<12}{'provider':<15}{'mentions':>9}{'pos':>6}{'neu':>6}{'neg':>6}{'unknown':>9}")
    for day, provider, total, positive, neutral, negative, unknown in rows[:12]:
        print(f"  {str(day):<12}{provider:<15}{total:>9}{positive:>6}{neutral:>6}{negative:>6}{unknown:>9}")


SENTIMENT_COLOURS = (("positive", "#2e7d32"), ("neutral", "#9e9e9e"), ("negative", "#c62828"), ("unknown", "#d7ccc8"))
CHART_SIZE = (10.0, 2.4)  # inches per provider row, at CHART_DPI
CHART_DPI = 100


def write_chart(rows: List[Any], path: Path) -> Path:
    """Mentions per day and provider, each day's bar split by sentiment: one PNG, a row of bars per provider."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    providers = sorted({row[1] for row in rows})
    days = sorted({row[0] for row in rows})
    by_key = {(row[0], row[1]): row[3:] for row in rows}
    figure, axes = plt.subplots(len(providers), 1, figsize=(CHART_SIZE[0], CHART_SIZE[1] * len(providers)), sharex=True, squeeze=False)
    for axis, provider in zip(axes[:, 0], providers):
        bottom = [0] * len(days)
        for index, (label, colour) in enumerate(SENTIMENT_COLOURS):
            heights = [by_key.get((day, provider), (0, 0, 0, 0))[index] for day in days]
            axis.bar(days, heights, bottom=bottom, color=colour, label=label, width=0.8)
            bottom = [low + high for low, high in zip(bottom, heights)]
        axis.set_title(f"{provider}: mentions per day by sentiment (unified_mentions)", fontsize=10, loc="left")
        axis.set_ylabel("mentions")
    axes[0, 0].legend(loc="upper left", ncol=4, fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=CHART_DPI)
    plt.close(figure)
    return path


def report(warehouse: Warehouse, schemas: List[str], folder: Path) -> None:
    engine = warehouse.cache(schemas[0]).get_sql_engine()
    with engine.connect() as connection:
        rows = sentiment_rows(connection, schemas)
        show_sentiment(rows)
        show_same_articles(same_articles(connection, schemas))
        if "mention" in schemas:
            show_statistics(connection)
        if "mentionlab" in schemas:
            show_brands(connection)
            show_mentionlab_streams(connection)
    engine.dispose()
    chart = write_chart(rows, folder / "mentions_per_day.png") if rows else None
    drawn = f"chart of mentions per day, provider and sentiment: {chart.resolve()}" if chart else "no chart: no unified mention has a publication date"
    if warehouse.server is not None:
        print(f"\nPostgreSQL: one schema per provider ({', '.join(schemas)}); the server and its data are removed now")
        print(drawn)
        return
    db_path = warehouse.db_path
    print(f"\nDuckDB file: {db_path.resolve()} (one schema per provider: {', '.join(schemas)})")
    if db_path == DEMO_DIR / "mentions.duckdb":
        print('explore it:  make explore   (tables, row counts, newest mentions; make explore SQL="SELECT ..." runs your own query)')
    else:
        print(f'explore it:  {sys.executable} -m mentions_dev.explore --db {db_path} [--sql "SELECT ..."]')
    print(drawn)


if __name__ == "__main__":
    main()
