"""`python -m mentions_dev.explore`: look into the DuckDB file `make demo` wrote, no duckdb CLI needed.

Lists every table the sync wrote with its row count, then the newest `unified_mentions` of each
provider; `--sql "SELECT ..."` runs a query of your own instead. Uses the duckdb package that the
`warehouse` extra (PyAirbyte) installs, and opens the file read-only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence

DEFAULT_DB = Path(".demo") / "mentions.duckdb"
SAMPLE_ROWS = 3
TEXT_WIDTH = 48


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as aligned text columns; None shows as an empty cell, long text is cut."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(columns, widths)).rstrip()]
    lines += ["  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip() for row in cells]
    return "\n".join("  " + line for line in lines)


def _cell(value: Any) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"


def tables(connection: Any) -> List[tuple]:
    """(schema, table) of every table a sync wrote, PyAirbyte's own `_airbyte_*` bookkeeping left out."""
    return connection.execute(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_airbyte\\_%' ESCAPE '\\'"
        " ORDER BY table_schema, table_name"
    ).fetchall()


def overview(connection: Any) -> str:
    found = tables(connection)
    if not found:
        return "The file holds no synced tables yet: run `make demo`."
    counts = [(f"{schema}.{table}", connection.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]) for schema, table in found]
    parts = ["tables and their rows", format_table(["table", "rows"], counts)]
    unified = sorted({schema for schema, table in found if table == "unified_mentions"})
    for schema in unified:
        query = (
            # Mention's social posts (Twitter, Facebook, Instagram) come without title or text: the API leaves them out
            "SELECT mention_id, published_at, sentiment, coalesce(nullif(title, ''), nullif(text, ''), brand_name,"
            " '(' || coalesce(source_type, 'a') || ' post: the API sends no text)') AS text, url"
            f' FROM "{schema}".unified_mentions ORDER BY published_at DESC NULLS LAST, mention_id LIMIT {SAMPLE_ROWS}'
        )
        parts += [f"\nnewest {SAMPLE_ROWS} rows of {schema}.unified_mentions", run_query(connection, query)]
    example = f"{unified[0]}.unified_mentions" if unified else f"{found[0][0]}.{found[0][1]}"
    parts.append(f'\nyour own query: make explore SQL="SELECT count(*) FROM {example}"')
    return "\n".join(parts)


def run_query(connection: Any, sql: str) -> str:
    cursor = connection.execute(sql)
    columns = [column[0] for column in cursor.description or []]
    return format_table(columns, cursor.fetchall()) if columns else "  (no result set)"


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"DuckDB file (default {DEFAULT_DB}, the one `make demo` writes)")
    parser.add_argument("--sql", help="run this query and print its rows instead of the overview")
    args = parser.parse_args(argv)
    if not Path(args.db).is_file():
        sys.exit(f"No DuckDB file at {args.db}: run `make demo` first (or give --db).")
    try:
        import duckdb
    except ImportError:
        sys.exit("The duckdb package is missing: install the warehouse extra (`make demo` does, or pip install -e '.[warehouse]').")
    try:
        with duckdb.connect(args.db, read_only=True) as connection:
            print(f"DuckDB file: {args.db}\n")
            print(run_query(connection, args.sql) if args.sql else overview(connection))
    except duckdb.Error as error:
        sys.exit(f"DuckDB: {error}")


if __name__ == "__main__":
    main()
