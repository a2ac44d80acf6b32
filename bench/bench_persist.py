"""persist: snapshot persist rows/s against a raw COPY of the same rows into copies of the same tables.

One fresh database (bench_persist) in the benchmarks' embedded Postgres. Two processes, one per side:
- codetracker: PostgresSnapshotStore.store_snapshot of a synthetic descriptor (20k functions x 3 params,
  1 return each, 5k files; --quick: 5k functions, 1.25k files), on a new key (insert), and on the same key
  again with every function changed (replace: a full rewrite), with 1% of the files changed, and unchanged;
- reference: psycopg COPY FROM STDIN (write_row) of exactly the rows the store wrote, read back from its
  tables, into copies of those tables with the same indexes, in one transaction: once with the same
  foreign keys (ON DELETE CASCADE, which the schema requires and Postgres checks row by row) and once
  without any.
Median of --repeat runs each. Target: store rows/s >= 0.7 x raw COPY rows/s into the tables with the same
constraints (insert and full replace); the ratio against constraint-free tables is printed beside it.
"""

from __future__ import annotations

from typing import Any

from common import OUT_DIR, BenchResult, fmt, log, measure, median, table, worker_cmd

RATIO_TARGET = 0.7


def run(ctx: Any) -> BenchResult:
    result = BenchResult("persist")
    functions, files = (5_000, 1_250) if ctx.quick else (20_000, 5_000)
    database = ctx.database()
    conninfo = database.fresh("bench_persist")
    result.details["postgres"] = database.server_version()
    repeat = max(ctx.repeat, 5)  # cheap: a fraction of a second per repetition

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    profile = OUT_DIR / "persist-store.prof" if ctx.profile else None
    extra = ["--profile", str(profile)] if profile else []
    store_cmd = worker_cmd(
        "persist_codetracker.py",
        "--conninfo",
        conninfo,
        "--functions",
        str(functions),
        "--files",
        str(files),
        "--repeat",
        str(repeat),
        *extra,
    )
    copy_cmd = worker_cmd("persist_copy.py", "--conninfo", conninfo, "--repeat", str(repeat))
    log(f"$ {' '.join(store_cmd)}")
    store_run = measure(store_cmd).check()
    store = store_run.json_line()
    log(f"$ {' '.join(copy_cmd)}")
    copy_run = measure(copy_cmd).check()
    copy = copy_run.json_line()

    if store["rows"] != copy["rows"]:
        raise RuntimeError(f"row counts differ: the store wrote {store['rows']}, the tables hold {copy['rows']}")
    rows = store["rows"]
    insert_s = median(store["insert_seconds"])
    replace_s = median(store["replace_seconds"])
    replace_1pct_s = median(store["replace_1pct_seconds"])
    unchanged_s = median(store["unchanged_seconds"])
    copy_s = median(copy["copy_rows_seconds"])
    text_s = median(copy["copy_text_seconds"])
    fk_s = median(copy["copy_rows_with_fks_seconds"])
    result.details.update(
        {
            "descriptor": {k: store[k] for k in ("functions", "parameters", "return_values", "files", "problems")},
            "rows": rows,
            "rows_per_table": copy["rows_per_table"],
            "store": store,
            "copy": copy,
            "peak_rss_mb": {"store": store_run.peak_rss_mb, "copy": copy_run.peak_rss_mb},
        }
    )
    result.add("rows per snapshot", rows, "rows", note=f"{functions} functions, {files} files")
    result.add("raw COPY (write_row): rows/s", rows / copy_s, "rows/s", note=f"median of {repeat}: {copy_s:.3f}s")
    result.add("raw COPY (server text): rows/s", rows / text_s, "rows/s", note=f"information: {text_s:.3f}s")
    result.add(
        "raw COPY into tables with the store's FKs: rows/s", rows / fk_s, "rows/s", note=f"information: {fk_s:.3f}s"
    )
    result.add("store insert: rows/s", rows / insert_s, "rows/s", note=f"median of {repeat}: {insert_s:.3f}s")
    result.add("store replace: rows/s", rows / replace_s, "rows/s", note=f"median of {repeat}: {replace_s:.3f}s")
    result.add(
        "store replace, 1% of files changed",
        replace_1pct_s,
        "s",
        note=f"{replace_1pct_s / replace_s:.2f}x full replace",
    )
    result.add("store again, nothing changed", unchanged_s, "s", note=f"{unchanged_s / replace_s:.2f}x full replace")
    result.add("store insert / raw COPY with the same FKs", fk_s / insert_s, "x", at_least=RATIO_TARGET)
    result.add("store full replace / raw COPY with the same FKs", fk_s / replace_s, "x", at_least=RATIO_TARGET)
    result.add("store insert / raw COPY without FKs", copy_s / insert_s, "x", note="information")
    result.add("store full replace / raw COPY without FKs", copy_s / replace_s, "x", note="information")
    result.add("store process: peak RSS", store_run.peak_rss_mb, "MB")
    result.add("raw COPY process: peak RSS", copy_run.peak_rss_mb, "MB")
    if profile:
        from bench_extract import profile_top

        result.details["profile"] = profile_top(profile)
    return result


def print_details(result: BenchResult) -> None:
    d = result.details
    log(f"\npersist: {d['rows']} rows per snapshot: {d['rows_per_table']} (Postgres {d.get('postgres')})")
    rows = [
        ["store insert", " ".join(f"{s:.3f}" for s in d["store"]["insert_seconds"])],
        ["store full replace", " ".join(f"{s:.3f}" for s in d["store"]["replace_seconds"])],
        ["store replace 1%", " ".join(f"{s:.3f}" for s in d["store"]["replace_1pct_seconds"])],
        ["store unchanged", " ".join(f"{s:.3f}" for s in d["store"]["unchanged_seconds"])],
        ["raw COPY write_row", " ".join(f"{s:.3f}" for s in d["copy"]["copy_rows_seconds"])],
        ["raw COPY server text", " ".join(f"{s:.3f}" for s in d["copy"]["copy_text_seconds"])],
        ["raw COPY write_row + FKs", " ".join(f"{s:.3f}" for s in d["copy"]["copy_rows_with_fks_seconds"])],
    ]
    log(table(rows, ["side", "seconds per repetition"]))
    log(f"building the descriptor (not timed): {fmt(d['store']['build_seconds'], 's')}")
    if "profile" in d:
        log("\npersist: cProfile of one store replace (top by own time)")
        log(d["profile"])
