"""PyAirbyte into DuckDB, the way `make demo` does it: every provider's streams land typed, complete
and without duplicate keys, and the four `unified_mentions` tables union into one."""

import json
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from mentions_dev import demo
from mentions_dev.sandbox import MentionDataSet, Sandbox, SandboxHTTPServer

from .conftest import RunningSandbox
from .virtual_clock import VirtualClock

os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("AIRBYTE_LOGGING_ROOT", tempfile.mkdtemp(prefix="pyairbyte-logs-"))  # not /tmp/airbyte/logs, which every worker would share
airbyte_caches = pytest.importorskip("airbyte.caches", reason="PyAirbyte comes with the `warehouse` extra")

SCHEMAS = Path(__file__).resolve().parent.parent / "source_mentions" / "schemas"
NATIVE_MENTIONS = {"mention": "mentions", "sociovite": "mentions", "mentionlytics": "mentions", "mentionlab": "result_analyses"}
# PyAirbyte's DuckDB tables: a date-time string is a TIMESTAMP (DuckDB keeps it in UTC)
DUCKDB_TYPES = {"integer": "BIGINT", "string": "VARCHAR", "date-time": "TIMESTAMP", "date": "DATE", "number": "DECIMAL(38,9)", "boolean": "BOOLEAN"}


@contextmanager
def airbyte_loggers_left_as_found() -> Iterator[None]:
    """PyAirbyte's loggers are named `airbyte` like the CDK's: a sync gives `airbyte` a file handler and
    stops it propagating, so the tests that run after it in this process would no longer see the
    connector's log lines. They are put back as they were."""
    loggers = [logging.getLogger(name) for name in ["airbyte", *[n for n in logging.Logger.manager.loggerDict if n.startswith("airbyte.")]]]
    saved = {logger.name: (logger.level, logger.propagate, list(logger.handlers)) for logger in loggers}
    try:
        yield
    finally:
        for name in [name for name in logging.Logger.manager.loggerDict if name == "airbyte" or name.startswith("airbyte.")]:
            logger = logging.getLogger(name)
            level, propagate, handlers = saved.get(name, (logging.NOTSET, True, []))
            for handler in [h for h in logger.handlers if h not in handlers]:
                logger.removeHandler(handler)
                handler.close()
            logger.setLevel(level)
            logger.propagate = propagate


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Iterator[Tuple[Path, RunningSandbox, Dict[str, Dict[str, int]]]]:
    """Each provider synced twice (nothing new in between) into one DuckDB file, a schema per provider.

    As `make demo` configures them, but Mentionlab with month buckets: with the demo's week buckets
    the first sync asks more than the 120 calls a minute Mentionlab allows, and waits a minute for
    its API budget, which tells nothing about the tables. Between the two syncs a minute passes on
    the sandbox's clock, so the second does not wait for the first one's calls to leave its window.
    """
    server = SandboxHTTPServer(Sandbox(MentionDataSet(seed=42, alerts=3, mentions_per_alert=120))).start_in_thread()
    server.sandbox.mention_stream.settings.mark_interval_s = 0.3
    db_path = tmp_path_factory.mktemp("duckdb") / "mentions.duckdb"
    rows: Dict[str, Dict[str, int]] = {}
    with pytest.MonkeyPatch.context() as patch, airbyte_loggers_left_as_found():
        clock = VirtualClock().install(patch)
        for provider in demo.PROVIDERS:
            config = demo.sandbox_config(provider, server.base_url)
            if provider == "mentionlab":
                config["provider"]["bucket_size"] = "month"
            cache = airbyte_caches.DuckDBCache(db_path=str(db_path), schema_name=provider, cache_dir=db_path.parent / "files")  # not ./.cache
            demo.sync(config, cache)
            clock.advance(62)
            if provider == "mention":
                CURATED.extend(demo.curate_in_sandbox(server))  # as `make demo` does: a user edits two mentions
            rows[provider] = demo.sync(config, cache)
            cache.get_sql_engine().dispose()
    yield db_path, RunningSandbox(server), rows
    server.stop()


CURATED: List[Dict[str, Any]] = []  # the demo's edits between Mention's two syncs (filled by the fixture)


def test_mentions_edited_between_the_syncs_replace_their_rows_in_mentions_and_unified_mentions(warehouse):
    db_path, _, _ = warehouse
    assert len(CURATED) == 2
    for change in CURATED:
        stored = query(db_path, f"SELECT {change['field']}, count(*) OVER () FROM mention.mentions WHERE id = '{change['id']}'")
        assert stored == [(change["after"], 1)]
    folder_change = next(change for change in CURATED if change["field"] == "folder")
    assert query(db_path, f"SELECT folder FROM mention.unified_mentions WHERE mention_id = '{folder_change['id']}'") == [("trash",)]


def query(db_path: Path, sql: str) -> List[Tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def expected_ids(sandbox: RunningSandbox, provider: str) -> Tuple[set, set]:
    """Ids of the native table and mention ids of unified_mentions: the same, except for Mentionlab (a row per mentioned brand)."""
    if provider == "mention":
        return sandbox.all_mention_ids(), sandbox.all_mention_ids()
    if provider == "mentionlab":
        return set(sandbox.get("mentionlab/analyses")), set(sandbox.get("mentionlab/brand_mentions"))
    native = set(sandbox.get({"sociovite": "sociovite/mentions", "mentionlytics": "mentionlytics/mentions"}[provider]))
    return native, native


@pytest.mark.parametrize("provider", demo.PROVIDERS)
def test_every_mention_of_the_sandbox_lands_once_in_the_native_and_the_unified_table(warehouse, provider):
    db_path, sandbox, _ = warehouse
    native = [row[0] for row in query(db_path, f"SELECT id FROM {provider}.{NATIVE_MENTIONS[provider]}")]
    unified = [row[0] for row in query(db_path, f"SELECT mention_id FROM {provider}.unified_mentions")]
    assert len(native) == len(set(native)) and len(unified) == len(set(unified))  # two syncs, merged on the primary key
    assert (set(native), set(unified)) == expected_ids(sandbox, provider)


def declared_kinds(provider: str, stream: str) -> Iterator[Tuple[str, str]]:
    """(column, kind) of each top-level field of the stream's schema with one type: its JSON type, or `date`/`date-time`."""
    schema = json.loads((SCHEMAS / f"{stream_schema_file(provider, stream)}.json").read_text())
    properties = schema.get("properties") or shared_schema(schema["$ref"])["properties"]
    for name, spec in properties.items():
        types = spec.get("type") if isinstance(spec.get("type"), list) else [spec.get("type")]
        kinds = [kind for kind in types if kind not in (None, "null")]
        if len(kinds) == 1:
            yield name.lower(), spec["format"] if kinds == ["string"] and spec.get("format") in ("date-time", "date") else kinds[0]


COLUMN_TYPES = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = '{table}'"


@pytest.mark.parametrize("provider", demo.PROVIDERS)
def test_every_table_has_the_columns_and_types_of_its_schema(warehouse, provider):
    db_path, _, rows = warehouse
    for stream in rows[provider]:
        columns = dict(query(db_path, COLUMN_TYPES.format(schema=provider, table=stream)))
        for name, kind in declared_kinds(provider, stream):
            if kind in DUCKDB_TYPES:
                assert columns.get(name) == DUCKDB_TYPES[kind], f"{provider}.{stream}.{name}"


def shared_schema(ref: str) -> dict:
    """A `$ref` into schemas/shared: a file, or a definition in it (`mention.json#/definitions/child`)."""
    name, _, pointer = ref.partition("#")
    found = json.loads((SCHEMAS / "shared" / name).read_text())
    for part in [part for part in pointer.split("/") if part]:
        found = found[part]
    return found


def stream_schema_file(provider: str, stream: str) -> str:
    if stream == "mentions" and provider in ("sociovite", "mentionlytics"):
        return f"{provider}_mentions"
    if stream == "projects" and provider == "sociovite":
        return "sociovite_projects"
    return stream


def test_unified_mentions_of_all_four_providers_union_into_one_table_without_type_conflicts(warehouse):
    db_path, _, rows = warehouse
    types = {
        provider: query(db_path, f"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '{provider}' AND table_name = 'unified_mentions' ORDER BY column_name")
        for provider in demo.PROVIDERS
    }
    assert all(columns == types["mention"] for columns in types.values())
    union = " UNION ALL ".join(f"SELECT * FROM {provider}.unified_mentions" for provider in demo.PROVIDERS)  # positional: same columns, same order
    total, providers, sentiments = query(db_path, f"SELECT count(*), count(DISTINCT provider), count(sentiment) FILTER (WHERE sentiment NOT IN (-1, 0, 1)) FROM ({union})")[0]
    assert total == sum(rows[provider]["unified_mentions"] for provider in demo.PROVIDERS)
    assert providers == 4 and sentiments == 0


def test_mention_statistics_land_once_per_alert_and_day_and_count_the_sandbox_mentions(warehouse):
    db_path, sandbox, _ = warehouse
    keys, distinct, mentions = query(db_path, "SELECT count(*), count(DISTINCT (alert_id, date)), sum(mentions) FROM mention.statistics")[0]
    per_day = dict(((alert, date.isoformat()), count) for alert, date, count in query(db_path, "SELECT alert_id, date, mentions FROM mention.statistics"))
    expected = sandbox.mention_counts()
    assert keys == distinct  # two syncs, merged on (alert_id, date)
    assert mentions == sum(expected.values()) == len(sandbox.all_mention_ids())
    assert per_day == {key: expected.get(key, 0) for key in per_day}


def test_values_the_api_sends_as_another_type_land_in_duckdb_in_the_declared_type(tmp_path):
    """Numbers sent as text and integer tag ids (the sandbox's drifted answers) arrive typed from the connector itself."""
    import airbyte as ab

    server = SandboxHTTPServer(Sandbox(MentionDataSet(seed=42, alerts=2, mentions_per_alert=30))).start_in_thread()
    server.sandbox.mention.drifted_types = True
    db_path = tmp_path / "drifted.duckdb"
    try:
        with airbyte_loggers_left_as_found():
            source = ab.get_source("source-mentions", config=demo.sandbox_config("mention", server.base_url), local_executable=demo.connector_executable())
            source.select_streams(["mentions", "tags"])
            records = {name: list(source.get_records(name)) for name in ("mentions", "tags")}  # what the connector emits
            cache = airbyte_caches.DuckDBCache(db_path=str(db_path), schema_name="mention", cache_dir=tmp_path / "files")
            source.read(cache=cache)
            cache.get_sql_engine().dispose()
    finally:
        server.stop()
    assert records["mentions"] and all(type(r["tone"]) is int for r in records["mentions"])
    reach = [r["direct_reach"] for r in records["mentions"] if r["direct_reach"] is not None]
    assert reach and all(type(value) is int for value in reach)
    assert records["tags"] and all(type(r["id"]) is str and type(r["mention_count"]) is str for r in records["tags"])
    tone_type = query(db_path, "select data_type from information_schema.columns where table_schema = 'mention' and table_name = 'mentions' and column_name = 'tone'")
    assert tone_type == [("BIGINT",)]
    assert query(db_path, "select count(*) from mention.mentions where tone is null") == [(0,)]
    assert query(db_path, "select count(*) from mention.tags where id is null or id <> cast(cast(id as bigint) as varchar)") == [(0,)]


@contextmanager
def demo_connection(db_path: Path) -> Iterator[Any]:
    """A SQLAlchemy connection to the DuckDB file, as the demo's report uses it."""
    engine = airbyte_caches.DuckDBCache(db_path=str(db_path), schema_name="mention", cache_dir=db_path.parent / "files").get_sql_engine()
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def test_the_demos_sentiment_table_adds_up_to_every_unified_mention_with_a_date(warehouse):
    db_path, _, rows = warehouse
    with demo_connection(db_path) as connection:
        table = demo.sentiment_rows(connection, list(demo.PROVIDERS))
    assert all(total == positive + neutral + negative + unknown for _, _, total, positive, neutral, negative, unknown in table)
    dated = sum(count for provider in demo.PROVIDERS for (count,) in query(db_path, f"SELECT count(*) FROM {provider}.unified_mentions WHERE published_at IS NOT NULL"))
    assert sum(row[2] for row in table) == dated
    assert any(row[6] for row in table)  # Sociovite leaves some sentiments out: the unknown column counts them


def test_the_demo_finds_the_articles_mention_and_mentionlytics_both_report(warehouse):
    from mentions_dev.sandbox.articles import ARTICLES

    db_path, _, _ = warehouse
    with demo_connection(db_path) as connection:
        shared = demo.same_articles(connection, list(demo.PROVIDERS))
    assert shared and {url_key for url_key, _, _, _ in shared} <= {f"https://{article}" for article in ARTICLES}
    assert all(providers == ["mention", "mentionlytics"] and first_by in providers for _, providers, first_by, _ in shared)


def test_the_demos_chart_is_a_png_of_one_row_per_provider(warehouse, tmp_path):
    pytest.importorskip("matplotlib", reason="the demo's chart comes with the `warehouse` extra")
    from PIL import Image

    db_path, _, _ = warehouse
    with demo_connection(db_path) as connection:
        table = demo.sentiment_rows(connection, list(demo.PROVIDERS))
    path = demo.write_chart(table, tmp_path / "chart.png")
    with Image.open(path) as image:
        image.load()  # decodes every pixel
        width, height = demo.CHART_SIZE[0] * demo.CHART_DPI, demo.CHART_SIZE[1] * demo.CHART_DPI * len(demo.PROVIDERS)
        assert (image.format, image.size) == ("PNG", (int(width), int(height)))
        assert len(set(image.convert("RGB").getdata())) > 4  # bars in several colours, not a blank page
