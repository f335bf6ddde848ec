"""A throwaway PostgreSQL server for the tests and `make demo WAREHOUSE=postgres`: started, used, removed.

Uses the server binaries of Debian's `postgresql` package (`make test` installs it when missing).
The server refuses to run as root, so as root it runs as the `postgres` user. It listens on a free
loopback port, with its data directory and socket in a temporary folder that `stop()` deletes.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

USER = "airbyte"
PASSWORD = "airbyte-local"  # loopback only, for a server that lives as long as one test run
DATABASE = "mentions"


def server_binaries() -> Optional[Path]:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ThrowawayPostgres:
    """`with ThrowawayPostgres() as pg:` a running server; `pg.cache_args` for PyAirbyte's PostgresCache."""

    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mentions-pg-")))
    bin: Optional[Path] = field(default_factory=server_binaries)
    log_tail: str = ""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def cache_args(self) -> dict:
        return {"host": "127.0.0.1", "port": self.port, "username": USER, "password": PASSWORD, "database": DATABASE}

    def _as_server_user(self, argv: List[str]) -> List[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def start(self) -> "ThrowawayPostgres":
        if self.bin is None:
            raise RuntimeError("PostgreSQL's server binaries are not installed: apt-get install -y postgresql (make test does it)")
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(password_file, "postgres")
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(password_file), "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8"])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "-t", "60", "start"])
        self._run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE], env={"PGPASSWORD": PASSWORD})
        return self

    def stop(self) -> None:
        if self.bin is not None and (self.data / "postmaster.pid").exists():
            subprocess.run(self._as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]), capture_output=True, timeout=60)
        log = self.folder / "server.log"
        self.log_tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, argv: List[str], env: Optional[dict] = None) -> None:
        done = subprocess.run(self._as_server_user(argv), capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{' '.join(argv[:1])} failed ({done.returncode}): {done.stderr[-1500:]}{log.read_text()[-1500:] if log.exists() else ''}")

    def __enter__(self) -> "ThrowawayPostgres":
        """Started, on another free port if the chosen one was taken in the meantime (3 tries); nothing left behind on failure."""
        for attempt in range(3):
            try:
                return self.start()
            except BaseException as error:
                self.stop()
                taken = isinstance(error, RuntimeError) and any(words in str(error).lower() for words in ("could not bind", "address already in use"))
                if not taken or attempt == 2:
                    raise
                self.port, self.folder = free_port(), Path(tempfile.mkdtemp(prefix="mentions-pg-"))
        raise AssertionError("unreachable")

    def __exit__(self, *exc: object) -> None:
        self.stop()



def postgres_cache(server: ThrowawayPostgres, schema: str, cache_dir: Path) -> Any:
    """PyAirbyte's PostgresCache, with date-times as `timestamp with time zone` and objects as `jsonb`.

    PyAirbyte 0.71 writes its CREATE TABLE from each column type's plain text, which drops the time
    zone (`TIMESTAMP`) and types objects as `json`; Airbyte's PostgreSQL destination, which this
    stands in for, writes `timestamp with time zone` and `jsonb`.
    """
    import sqlalchemy
    from airbyte._processors.sql.postgres import PostgresSqlProcessor
    from airbyte.caches import PostgresCache
    from airbyte.types import CONVERSION_MAP, SQLTypeConverter
    from sqlalchemy.dialects.postgresql import JSONB

    class TimestampWithTimeZone(sqlalchemy.types.TIMESTAMP):
        def __init__(self) -> None:
            super().__init__(timezone=True)

        def __str__(self) -> str:
            return "TIMESTAMP WITH TIME ZONE"

    class DestinationTypes(SQLTypeConverter):
        def __init__(self, conversion_map: Optional[dict] = None) -> None:
            super().__init__(conversion_map or {**CONVERSION_MAP, "timestamp_with_timezone": TimestampWithTimeZone, "object": JSONB, "array": JSONB})

        @classmethod
        def get_json_type(cls) -> Any:
            return JSONB()

    class DestinationTypedProcessor(PostgresSqlProcessor):
        type_converter_class = DestinationTypes

    class DestinationTypedPostgresCache(PostgresCache):
        _sql_processor_class = DestinationTypedProcessor

    return DestinationTypedPostgresCache(**server.cache_args, schema_name=schema, cache_dir=cache_dir)
