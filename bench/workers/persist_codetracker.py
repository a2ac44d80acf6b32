"""The codetracker side of the persist benchmark (its own process): PostgresSnapshotStore.store_snapshot.

    python persist_codetracker.py --conninfo CONNINFO --functions N --files N --repeat R [--profile FILE]

insert: the key is new (the tables are emptied before each repetition, untimed);
replace: the key is stored again with every function changed (a full rewrite), with 1% of the files
changed, and unchanged (the store rewrites only the files whose functions changed).
One untimed warm-up of each path first. Leaves one snapshot in the database (the copy side reads it).
"""

from __future__ import annotations

import argparse
import json
import sys

from peak import vmhwm_kb
import time

from synthetic import build_descriptor, row_count, with_changed_files

from codetracker.adapters.postgres.connection import connect
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWork
from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSource
from codetracker.ports.snapshot_store import SnapshotToStore


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
    database.connection()  # connect and migrate, untimed
    key = SnapshotKey(descriptor.module_slug, "main", "v1.0.0")
    source = SnapshotSource(name="bench-module", folder_path="https://example.invalid/bench.git", commit_sha="0" * 40)

    def store_snapshot(stored: Descriptor):
        """What the persister does: one unit of work, committed."""
        with PostgresUnitOfWork(database) as uow:
            summary = uow.snapshots.store_snapshot(SnapshotToStore(key, stored, source))
            uow.commit()
        return summary

    def empty_tables() -> None:
        with connect(args.conninfo) as conn:
            conn.execute("TRUNCATE modules CASCADE")  # and every table that references it
            conn.execute("VACUUM ANALYZE")  # the same state before every repetition

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    insert_times = []
    for rep in range(args.repeat + 1):
        empty_tables()
        started = time.perf_counter()
        summary = store_snapshot(descriptor)
        if rep:
            insert_times.append(time.perf_counter() - started)

    def timed_replaces(other: Descriptor, profile_last: bool = False) -> list[float]:
        """Alternate `descriptor` and `other` under the key: every store replaces the previous one."""
        times = []
        for rep in range(args.repeat + 1):
            if profiler is not None and profile_last and rep == args.repeat:
                profiler.enable()
            started = time.perf_counter()
            store_snapshot(other if rep % 2 == 0 else descriptor)
            if rep:
                times.append(time.perf_counter() - started)
        store_snapshot(descriptor)
        return times

    replace_times = timed_replaces(with_changed_files(descriptor, 1.0, "all changed"), profile_last=True)
    replace_1pct_times = timed_replaces(with_changed_files(descriptor, 0.01, "1% changed"))
    unchanged_times = timed_replaces(descriptor)
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
                "replace_1pct_seconds": replace_1pct_times,
                "unchanged_seconds": unchanged_times,
                "vmhwm_kb": vmhwm_kb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
