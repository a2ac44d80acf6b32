"""rescan: a rescan after a small commit (warm blob cache) against a full scan (cold blob cache).

The fixture repository (fixture_repo.py) is served by `git http-backend`. Per repetition, on a fresh
database (empty blob cache, no snapshots):
1. branch `bench-rescan` is pointed at commit 1, then scan_repository(URL, "bench-rescan") runs with the
   Postgres store and PostgresBlobCache: the full scan, every module file parsed;
2. the branch is moved to commit 2, where 1% of the module files changed, and the same scan runs again:
   the rescan, which replaces the snapshot of the same key and parses only the changed blobs.
Each scan is its own process. Then the same two scans package by package (`--packages`: a snapshot per
package, what a registration's pipeline stores). Target: rescan time / full scan time <= 0.1, both ways.
"""

from __future__ import annotations

from typing import Any

from common import OUT_DIR, BenchResult, log, measure, median, table, worker_cmd
from fixture_repo import RESCAN_BRANCH

RATIO_TARGET = 0.1


def run(ctx: Any) -> BenchResult:
    result = BenchResult("rescan")
    fixture = ctx.fixture()
    server = ctx.server()
    database = ctx.database()
    url = server.url

    profile = OUT_DIR / "rescan.prof" if ctx.profile else None
    if profile:
        OUT_DIR.mkdir(parents=True, exist_ok=True)  # run alone, no other benchmark has made it
    full_runs, full_reports, re_runs, re_reports = _pairs(ctx, fixture, database, url, profile)
    # What a registration's pipeline runs: package by package, a snapshot per package.
    package_pairs = _pairs(ctx, fixture, database, url, None, "--packages")
    _in_process_figures(result, "", full_reports, re_reports, ctx.repeat)
    full_wall = median([m.wall for m in full_runs])
    re_wall = median([m.wall for m in re_runs])
    f, r = full_reports[-1], re_reports[-1]
    result.details.update(
        {
            "changed_files": len(fixture.changed_files),
            "full": full_reports,
            "rescan": re_reports,
            "full_walls": [m.wall for m in full_runs],
            "rescan_walls": [m.wall for m in re_runs],
        }
    )
    result.add(
        "rescan / full scan: time end-to-end",
        re_wall / full_wall,
        "x",
        at_most=RATIO_TARGET,
        note=f"{re_wall:.2f}s vs {full_wall:.2f}s, interpreter start-up included",
    )
    result.add(
        "rescan: bytes received",
        r["bytes_received"],
        "bytes",
        note=f"full scan: {f['bytes_received']:,}; blobs fetched {r['blobs_fetched']} vs {f['blobs_fetched']}",
    )
    result.add("full scan: peak RSS", max(m.peak_rss_mb for m in full_runs), "MB")
    result.add("rescan: peak RSS", max(m.peak_rss_mb for m in re_runs), "MB")
    _, p_full_reports, p_re_runs, p_re_reports = package_pairs
    result.details.update({"packages_full": p_full_reports, "packages_rescan": p_re_reports})
    _in_process_figures(result, "package by package: ", p_full_reports, p_re_reports, ctx.repeat)
    result.add("package by package: rescan: peak RSS", max(m.peak_rss_mb for m in p_re_runs), "MB")
    if profile:
        from bench_extract import profile_top

        result.details["profile"] = profile_top(profile)
    return result


def _in_process_figures(result: BenchResult, prefix: str, full_reports: list, re_reports: list, repeat: int) -> None:
    """The medians of the full scans and the rescans, and their ratio (against the target)."""
    full_s = median([x["seconds"] for x in full_reports])
    re_s = median([x["seconds"] for x in re_reports])
    f, r = full_reports[-1], re_reports[-1]
    what = f"{f['snapshots']} snapshots, " if f.get("snapshots", 1) > 1 else ""
    result.add(
        f"{prefix}full scan (cold cache): time in-process",
        full_s,
        "s",
        note=f"median of {repeat}; {what}{f['parsed']} parsed, {f['functions']} functions",
    )
    result.add(
        f"{prefix}rescan (1% changed, warm cache): time in-process",
        re_s,
        "s",
        note=f"{r['parsed']} parsed, {r['cache_hits']} cache hits",
    )
    result.add(f"{prefix}rescan / full scan: time in-process", re_s / full_s, "x", at_most=RATIO_TARGET)


def _pairs(ctx: Any, fixture: Any, database: Any, url: str, profile: Any, *options: str) -> tuple[list, ...]:
    """`ctx.repeat` times, on a fresh database: the full scan (branch at commit 1), then the rescan (commit 2)."""
    full_runs, full_reports, re_runs, re_reports = [], [], [], []
    for rep in range(ctx.repeat):
        conninfo = database.fresh("bench_rescan")
        cmd = worker_cmd(
            "scan_codetracker.py", "scan", "--url", url, "--ref", RESCAN_BRANCH, "--conninfo", conninfo, *options
        )
        if rep == 0:
            log(
                f"$ {' '.join(cmd)}   (full: branch at commit 1, fresh database; "
                f"then rescan: branch at commit 2) x{ctx.repeat}"
            )
        fixture.set_branch(RESCAN_BRANCH, fixture.base)
        full = measure(cmd).check()
        fixture.set_branch(RESCAN_BRANCH, fixture.changed)
        extra = ["--profile", str(profile)] if profile and rep == ctx.repeat - 1 else []
        again = measure(cmd + extra).check()
        full_runs.append(full)
        full_reports.append(full.json_line())
        re_runs.append(again)
        re_reports.append(again.json_line())
    fixture.set_branch(RESCAN_BRANCH, fixture.base)
    return full_runs, full_reports, re_runs, re_reports


def print_details(result: BenchResult) -> None:
    d = result.details
    rows = []
    for label, reports, walls in (
        ("full scan", d["full"], d["full_walls"]),
        ("rescan", d["rescan"], d["rescan_walls"]),
    ):
        for report, wall in zip(reports, walls):
            rows.append(
                [
                    label,
                    f"{report['seconds']:.2f}",
                    f"{wall:.2f}",
                    str(report["candidates"]),
                    str(report["parsed"]),
                    str(report["cache_hits"]),
                    str(report["functions"]),
                    f"{report['bytes_received']:,}",
                    str(report["used_filter"]),
                    str(report["blobs_fetched"]),
                ]
            )
    log(f"\nrescan: {d['changed_files']} module files changed between the two commits")
    log(
        table(
            rows,
            [
                "scan",
                "in-process s",
                "wall s",
                "candidates",
                "parsed",
                "cache hits",
                "functions",
                "bytes received",
                "filter",
                "blobs fetched",
            ],
        )
    )
    if "profile" in d:
        log("\nrescan: cProfile of the last rescan (top by own time)")
        log(d["profile"])
