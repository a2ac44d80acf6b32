"""The benchmarks' Postgres: the project's embedded server (pgserver) in its own data directory,
bench/.cache/pgdata, reached through the settings (`codetracker.settings.DatabaseLocation`) exactly as the CLI
reaches its own. Each benchmark gets a fresh database in it (dropped and created anew), so runs
never see each other's rows. The server is stopped at the end of the run when this run started it.

BENCH_DATABASE_URL (a libpq URI of a server you run yourself) replaces the embedded server; the benchmark
databases are then created on that server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import CACHE, log

PGDATA = CACHE / "pgdata"


@dataclass
class BenchDatabase:
    admin_conninfo: str  # the maintenance connection (the embedded server's own "codetracker" database)
    started_here: bool
    pgdata: Path | None

    @classmethod
    def start(cls) -> BenchDatabase:
        from codetracker.local.embedded_postgres import embedded_conninfo
        from codetracker.settings import PG_DATA, DatabaseLocation

        explicit = os.environ.get("BENCH_DATABASE_URL")
        if explicit:
            log("database: BENCH_DATABASE_URL")
            return cls(explicit, False, None)
        was_running = (PGDATA / "postmaster.pid").exists()
        began = time.perf_counter()
        # Only the data directory: a DATABASE_URL or CODE_TRACKER_PG_* of the caller must not redirect the bench.
        env = {PG_DATA: str(PGDATA), "HOME": os.environ.get("HOME", "")}
        conninfo = DatabaseLocation.from_env(env, embedded_conninfo=embedded_conninfo).conninfo_source()()
        log(
            f"database: embedded Postgres in {PGDATA} "
            f"({'already running' if was_running else f'started in {time.perf_counter() - began:.1f}s'})"
        )
        return cls(conninfo, not was_running, PGDATA)

    def fresh(self, name: str) -> str:
        """Drop and create database `name`; its conninfo."""
        from psycopg import sql
        from psycopg.conninfo import make_conninfo

        from codetracker.adapters.postgres.connection import connect

        with connect(self.admin_conninfo) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return make_conninfo(self.admin_conninfo, dbname=name)

    def server_version(self) -> str:
        from codetracker.adapters.postgres.connection import connect

        with connect(self.admin_conninfo) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def stop(self) -> None:
        if self.started_here and self.pgdata is not None:
            # From a child process: stop_embedded_postgres() drops pgserver's handle of this process, whose
            # atexit hook then fails with a KeyError (reported to the project); a child has no such handle.
            code = (
                "import sys; from codetracker.local.embedded_postgres import stop_embedded_postgres; "
                "print(stop_embedded_postgres(sys.argv[1]))"
            )
            result = subprocess.run([sys.executable, "-c", code, str(self.pgdata)], capture_output=True, text=True)
            stopped = result.stdout.strip() == "True"
            log(f"database: embedded Postgres {'stopped' if stopped else 'not stopped: ' + result.stderr[-300:]}")
