"""The reference side of the persist benchmark (its own process): raw psycopg COPY of exactly the rows the
store wrote, into plain copies of the same tables (same columns, indexes and primary keys; no foreign
keys, no identity), in one transaction.

    python persist_copy.py --conninfo CONNINFO --repeat R

The rows are read back from the store's tables first (untimed) as Python tuples; timed is only
`COPY rawcopy.<table> FROM STDIN` with `write_row` per row for every table, committed. The copies are
emptied (untimed) before each repetition. Also timed, for information: the same COPY fed with the text
Postgres itself produced (`COPY ... TO STDOUT`), i.e. without psycopg's per-row conversion; and the
write_row COPY into copies that also have the store's foreign keys (schema rawcopy_fk), which tells how
much of the store's time the foreign-key checks take.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys

from peak import vmhwm_kb
import time

from codetracker.adapters.postgres.connection import connect

TABLES = ("modules", "functions", "parameters", "return_values", "snapshot_files", "scan_problems")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with connect(args.conninfo) as conn:
        columns: dict[str, list[str]] = {}
        rows: dict[str, list[tuple]] = {}
        text: dict[str, bytes] = {}
        for table in TABLES:
            cur = conn.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            columns[table] = [d.name for d in cur.description]
            rows[table] = cur.fetchall()
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    buffer.write(block)
            text[table] = buffer.getvalue()
        for schema in ("rawcopy", "rawcopy_fk"):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
            for table in TABLES:
                conn.execute(f"CREATE TABLE {schema}.{table} (LIKE public.{table} INCLUDING ALL EXCLUDING IDENTITY)")
        for table in TABLES:  # the store's foreign keys, pointing inside rawcopy_fk
            for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = %s::regclass",
                [f"public.{table}"],
            ).fetchall():
                definition = re.sub(r"REFERENCES (?:public\.)?(\w+)", r"REFERENCES rawcopy_fk.\1", definition)
                conn.execute(f"ALTER TABLE rawcopy_fk.{table} ADD CONSTRAINT {name} {definition}")
        total_rows = sum(len(r) for r in rows.values())

        def column_list(table: str) -> str:
            return ", ".join(f'"{c}"' for c in columns[table])

        def empty() -> None:
            for schema in ("rawcopy", "rawcopy_fk"):
                conn.execute("TRUNCATE " + ", ".join(f"{schema}.{t}" for t in TABLES))
            conn.execute("VACUUM ANALYZE")

        def copy_rows(schema: str) -> float:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                for table in TABLES:
                    with cur.copy(f"COPY {schema}.{table} ({column_list(table)}) FROM STDIN") as copy:
                        for row in rows[table]:
                            copy.write_row(row)
            return time.perf_counter() - started

        def copy_text() -> float:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                for table in TABLES:
                    with cur.copy(f"COPY rawcopy.{table} ({column_list(table)}) FROM STDIN") as copy:
                        copy.write(text[table])
            return time.perf_counter() - started

        row_times = []
        text_times = []
        fk_times = []
        for rep in range(args.repeat + 1):  # the first of each is an untimed warm-up
            for measure, times in (
                (lambda: copy_rows("rawcopy"), row_times),
                (copy_text, text_times),
                (lambda: copy_rows("rawcopy_fk"), fk_times),
            ):
                empty()
                elapsed = measure()
                if rep:
                    times.append(elapsed)
        conn.execute("DROP SCHEMA rawcopy CASCADE")
        conn.execute("DROP SCHEMA rawcopy_fk CASCADE")
    print(
        json.dumps(
            {
                "rows": total_rows,
                "rows_per_table": {t: len(r) for t, r in rows.items()},
                "copy_rows_seconds": row_times,
                "copy_text_seconds": text_times,
                "copy_rows_with_fks_seconds": fk_times,
                "vmhwm_kb": vmhwm_kb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
