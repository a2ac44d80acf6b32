"""The codetracker side of the persist benchmark (its own process): PostgresSnapshotStore.store_snapshot.

    python persist_codetracker.py --conninfo CONNINFO --functions N --files N --repeat R [--profile FILE]

insert: the key is new (the tables are emptied before each repetition, untimed);
replace: the same key is stored again (the previous snapshot is deleted in the same transaction).
One untimed warm-up of each path first. Leaves one snapshot in the database (the copy side reads it).
"""

from __future__ import annotations

import argparse
import json
import sys

from peak import vmhwm_kb
import time

from synthetic import build_descriptor, row_count

from codetracker.adapters.postgres_connection import connect
from codetracker.adapters.store_postgres import PostgresDatabase, PostgresSnapshotStore
from codetracker.domain.model import SnapshotKey, SnapshotSource


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--functions", type=int, default=20_000)
    ap.add_argument("--files", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile")
    args = ap.parse_args()

    began = time.perf_counter()
    descriptor = build_descriptor(args.functions, args.files)
    built = time.perf_counter() - began
    rows = row_count(descriptor)

    database = PostgresDatabase(args.conninfo)
    store = PostgresSnapshotStore(database)
    database.connection()  # connect and migrate, untimed
    key = SnapshotKey(descriptor.module_slug, "main", "v1.0.0")
    source = SnapshotSource(name="bench-module", folder_path="https://example.invalid/bench.git", commit_sha="0" * 40)

    def empty_tables() -> None:
        with connect(args.conninfo) as conn:
            conn.execute("TRUNCATE modules, functions, parameters, return_values, snapshot_files, scan_problems")
            conn.execute("VACUUM ANALYZE")  # the same state before every repetition

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    insert_times = []
    for rep in range(args.repeat + 1):
        empty_tables()
        started = time.perf_counter()
        summary = store.store_snapshot(key, descriptor, source)
        if rep:
            insert_times.append(time.perf_counter() - started)
    replace_times = []
    for rep in range(args.repeat + 1):
        if profiler is not None and rep == args.repeat:
            profiler.enable()
        started = time.perf_counter()
        summary = store.store_snapshot(key, descriptor, source)
        if rep:
            replace_times.append(time.perf_counter() - started)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    database.close()
    print(
        json.dumps(
            {
                "rows": rows,
                "functions": summary.functions_count,
                "parameters": summary.parameters_count,
                "return_values": summary.return_values_count,
                "files": summary.files_count,
                "problems": summary.problems_count,
                "build_seconds": built,
                "insert_seconds": insert_times,
                "replace_seconds": replace_times,
                "vmhwm_kb": vmhwm_kb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
