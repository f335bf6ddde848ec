"""PyAirbyte into a real PostgreSQL server: every stream of the four providers, twice, typed, complete, without duplicate keys.

The server is a throwaway one (mentions_dev/postgres.py: Debian's server binaries, a free loopback
port, a temporary data folder removed afterwards). PostgreSQL is stricter than DuckDB: a value of
the wrong type fails the load instead of being cast.
"""

import json
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from mentions_dev import demo
from mentions_dev.postgres import ThrowawayPostgres, postgres_cache, server_binaries
from mentions_dev.sandbox import MentionDataSet, Sandbox, SandboxHTTPServer

from .conftest import RunningSandbox
from .test_warehouse import COLUMN_TYPES, NATIVE_MENTIONS, airbyte_loggers_left_as_found, declared_kinds, expected_ids
from .virtual_clock import VirtualClock

pytestmark = pytest.mark.skipif(server_binaries() is None, reason="PostgreSQL's server binaries are missing: make test installs the postgresql package")

# PyAirbyte's PostgreSQL tables, as information_schema names the types
POSTGRES_TYPES = {
    "integer": "bigint", "number": "numeric", "string": "character varying", "boolean": "boolean",
    "date-time": "timestamp with time zone", "date": "date", "object": "jsonb", "array": "jsonb",
}  # fmt: skip


@pytest.fixture(scope="module")
def postgres() -> Iterator[Tuple[ThrowawayPostgres, RunningSandbox, Dict[str, Dict[str, int]], Dict[str, Any]]]:
    """Each provider synced twice into its own schema; Mention's sandbox finds new mentions in between, Mentionlytics' bearer expires."""
    server = SandboxHTTPServer(Sandbox(MentionDataSet(seed=42, alerts=3, mentions_per_alert=120))).start_in_thread()
    server.sandbox.mention_stream.settings.mark_interval_s = 0.3
    rows: Dict[str, Dict[str, int]] = {}
    configs: Dict[str, Any] = {}
    with ThrowawayPostgres() as database, pytest.MonkeyPatch.context() as patch, airbyte_loggers_left_as_found(), stopped_at_the_end(server):
        clock = VirtualClock().install(patch)
        for provider in demo.PROVIDERS:
            config = demo.sandbox_config(provider, server.base_url)
            if provider == "mentionlab":
                config["provider"]["bucket_size"] = "month"  # as the DuckDB test: week buckets wait a minute for the API budget
            configs[provider] = {"first": json.loads(json.dumps(config))}
            cache = postgres_cache(database, provider, database.folder / "files")
            demo.sync(config, cache)
            clock.advance(62)
            if provider == "mention":
                server.sandbox.data.discover("2000000", 5, oldest_days=3)
            if provider == "mentionlytics":
                with server.sandbox.mentionlytics.lock:  # the first sync's bearer has lived its hour: the second sync refreshes
                    server.sandbox.mentionlytics.bearers = dict.fromkeys(server.sandbox.mentionlytics.bearers, 0.0)
            rows[provider] = demo.sync(config, cache)  # rotated Mentionlytics tokens reach `config` through config_change_callback
            configs[provider]["second"] = config
            cache.get_sql_engine().dispose()
        yield database, RunningSandbox(server), rows, configs


@contextmanager
def stopped_at_the_end(server: SandboxHTTPServer) -> Iterator[None]:
    try:
        yield
    finally:
        server.stop()


def query(database: ThrowawayPostgres, sql: str) -> List[Tuple[Any, ...]]:
    import psycopg

    args = database.cache_args
    with psycopg.connect(host=args["host"], port=args["port"], user=args["username"], password=args["password"], dbname=args["database"]) as connection:
        return connection.execute(sql).fetchall()


def primary_keys(provider: str, base_url: str) -> Dict[str, List[str]]:
    """Each stream's primary key columns, from the connector's own catalog."""
    from source_mentions.source import SourceMentions

    config = demo.sandbox_config(provider, base_url)
    catalog = SourceMentions(config=config, catalog=None, state=None).discover(logger=None, config=config)  # type: ignore[arg-type]
    return {stream.name: [path[0] for path in stream.source_defined_primary_key or []] for stream in catalog.streams}


@pytest.mark.parametrize("provider", demo.PROVIDERS)
def test_every_mention_of_the_sandbox_lands_once_in_postgres(postgres, provider):
    database, sandbox, _, _ = postgres
    native = [row[0] for row in query(database, f"SELECT id FROM {provider}.{NATIVE_MENTIONS[provider]}")]
    unified = [row[0] for row in query(database, f"SELECT mention_id FROM {provider}.unified_mentions")]
    assert len(native) == len(set(native)) and len(unified) == len(set(unified))
    assert (set(native), set(unified)) == expected_ids(sandbox, provider)


@pytest.mark.parametrize("provider", demo.PROVIDERS)
def test_no_primary_key_is_twice_in_any_table_after_the_second_sync(postgres, provider):
    database, sandbox, rows, _ = postgres
    keys = primary_keys(provider, sandbox.url)
    for stream, count in rows[provider].items():
        if not keys.get(stream):
            continue
        columns = ", ".join(f'"{column.lower()}"' for column in keys[stream])
        total, distinct = query(database, f"SELECT count(*), count(DISTINCT ({columns}, 0)) FROM {provider}.{stream}")[0]
        assert total == distinct == count, f"{provider}.{stream}"


@pytest.mark.parametrize("provider", demo.PROVIDERS)
def test_every_column_has_the_postgres_type_of_its_schema(postgres, provider):
    database, _, rows, _ = postgres
    checked = {"date-time": 0, "integer": 0, "object": 0}
    for stream in rows[provider]:
        columns = dict(query(database, COLUMN_TYPES.format(schema=provider, table=stream)))
        for name, kind in declared_kinds(provider, stream):
            if kind in POSTGRES_TYPES:
                assert columns.get(name) == POSTGRES_TYPES[kind], f"{provider}.{stream}.{name}"
                if kind in checked:
                    checked[kind] += 1
    assert all(checked.values()), f"{provider}: timestamps, integers and objects are all checked ({checked})"


def test_mention_timestamps_are_instants_and_counts_integers(postgres):
    database, sandbox, _, _ = postgres
    data = sandbox.server.sandbox.data
    with data.lock:
        mention = data.mentions["2000001"][0]
    published, reach, author = query(database, f"SELECT published_at, relevance_score, author_influence FROM mention.mentions WHERE id = '{mention['id']}'")[0]
    assert published.isoformat(timespec="seconds") == mention["published_at"][:19] + "+00:00"
    assert published.utcoffset() is not None
    assert isinstance(author, dict) and author["kind"] == mention["author_influence"]["kind"]  # jsonb comes back as an object
    assert query(database, "SELECT count(*) FROM mention.statistics WHERE mentions <> floor(mentions)") == [(0,)]


def test_the_second_mention_sync_adds_the_new_mentions_and_keeps_one_row_per_mention(postgres):
    database, sandbox, rows, _ = postgres
    assert rows["mention"]["mentions"] == len(sandbox.all_mention_ids()) == 3 * 120 + 5


def test_rotated_mentionlytics_tokens_are_kept_between_the_two_syncs(postgres):
    _, sandbox, rows, configs = postgres
    first, second = configs["mentionlytics"]["first"]["provider"], configs["mentionlytics"]["second"]["provider"]
    assert second["refresh_token"] != first["refresh_token"]  # the second sync started from the token the first one got
    assert sandbox.get("mentionlytics/settings")["refreshes"] >= 2
    assert rows["mentionlytics"]["mentions"] == len(sandbox.get("mentionlytics/mentions"))


def test_the_demos_report_queries_run_on_postgres_as_on_duckdb(postgres):
    """`make demo WAREHOUSE=postgres` prints the same tables: its SQL is portable."""
    database, _, _, _ = postgres
    engine = postgres_cache(database, "mention", database.folder / "files").get_sql_engine()
    try:
        with engine.connect() as connection:
            table = demo.sentiment_rows(connection, list(demo.PROVIDERS))
            shared = demo.same_articles(connection, list(demo.PROVIDERS))
            demo.show_statistics(connection)
            demo.show_brands(connection)
            demo.show_mentionlab_streams(connection)
    finally:
        engine.dispose()
    assert table and all(total == sum(split) for _, _, total, *split in table)
    assert shared and all(providers == ["mention", "mentionlytics"] for _, providers, _, _ in shared)
