"""`codetracker db status|stop`: where the database is, its schema version; stopping the embedded one."""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from codetracker.cli.common import EXIT_OK, UsageError, required
from codetracker.cli.running_dev import running_dev


def add_parser(commands) -> None:
    db = commands.add_parser("db", help="the database: where it is, and stopping the embedded one")
    db.add_argument(
        "action",
        nargs="?",
        choices=("status", "stop"),
        help="status: print the connection (no password) "
        "and the schema version; stop: stop the embedded Postgres (it otherwise keeps running so the "
        "next command starts fast)",
    )


def run(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.adapters.postgres.connection import redacted
    from codetracker.local.embedded_postgres import stop_embedded_postgres

    action = required(args, "action")
    database = services.settings.database
    if action == "stop":
        if not database.embedded:
            raise UsageError("the database is configured (DATABASE_URL or CODE_TRACKER_PG_*): nothing to stop")
        stopped = stop_embedded_postgres(database.embedded_data_dir)
        out.write(f"embedded Postgres in {database.embedded_data_dir}: {'stopped' if stopped else 'was not running'}\n")
        return EXIT_OK
    where = f"embedded Postgres in {database.embedded_data_dir}" if database.embedded else "configured"
    version, applied = services.database.schema_version()
    out.write(f"database: {redacted(database.conninfo_source()())} ({where})\n")
    out.write(f"schema version: {version} ({applied} migrations applied)\n")
    running = running_dev(os.environ)
    if running is not None:
        out.write(
            f"codetracker dev: running (pid {running['pid']}), API {running['api_url']}, "
            f"SQS/S3 {running['endpoint_url']}\n"
        )
    return EXIT_OK
