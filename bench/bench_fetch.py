"""fetch: fetching a sizeable repository with codetracker's dulwich fetcher, against `git clone`.

The fixture repository (fixture_repo.py: the npm packages of the extract benchmark, a few thousand files)
is served by `git http-backend` on 127.0.0.1 (protocol v2, blob:none allowed). Sides, each its own process:
- reference: git clone --bare --depth 1 --branch v1.0.0 URL (fresh target directory, no user config)
- fetch:     DulwichFetcher().open(RepositoryAccess(URL), "v1.0.0") + every entry listed and every file read
- scan:      scan_repository(URL, "v1.0.0") with the Postgres store and blob cache on a fresh database
             (fetch + extract + store; reported against git clone for information)
Target: fetch time / git clone time <= 1.3. Bytes: what dulwich counted, and what the server sent to
each side (response bodies of its HTTP requests).
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from common import CACHE, OUT_DIR, BenchResult, fmt, log, measure, median, table, worker_cmd
from fixture_repo import git_env

RATIO_TARGET = 1.3
REF = "v1.0.0"


def _server_bytes(server) -> tuple[int, int]:
    records = server.requests()
    return sum(r.response_bytes for r in records), len(records)


def run(ctx: Any) -> BenchResult:
    result = BenchResult("fetch")
    fixture = ctx.fixture()
    server = ctx.server()
    url = server.url
    result.details["fixture"] = {
        "files": fixture.files,
        "module_files": fixture.module_files,
        "pack_bytes": fixture.pack_bytes,
    }
    tmp_root = CACHE / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    repeat = ctx.repeat

    git_runs, git_bytes, git_requests = [], [], []
    fetch_runs, fetch_reports, fetch_server_bytes = [], [], []
    fetch_cmd = worker_cmd("scan_codetracker.py", "fetch", "--url", url, "--ref", REF)
    log(f"$ git clone --bare --depth 1 --branch {REF} {url} <tmp>/clone.git   x{repeat + 1} (first untimed)")
    log(f"$ {' '.join(fetch_cmd)}   x{repeat + 1} (first untimed)")
    for rep in range(repeat + 1):
        with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
            cmd = ["git", "clone", "--quiet", "--bare", "--depth", "1", "--branch", REF, url, f"{tmp}/clone.git"]
            server.clear_requests()
            measured = measure(cmd, env=git_env(tmp_root)).check()
            sent, count = _server_bytes(server)
        server.clear_requests()
        fetched = measure(fetch_cmd).check()
        report = fetched.json_line()
        sent_fetch, _ = _server_bytes(server)
        if rep:  # the first pair warms the server's page cache and the client's bytecode caches
            git_runs.append(measured)
            git_bytes.append(sent)
            git_requests.append(count)
            fetch_runs.append(fetched)
            fetch_reports.append(report)
            fetch_server_bytes.append(sent_fetch)

    scan_report = scan_run = None
    if ctx.has_database():
        conninfo = ctx.database().fresh("bench_fetch")
        profile = OUT_DIR / "fetch-scan.prof" if ctx.profile else None
        scan_cmd = worker_cmd(
            "scan_codetracker.py",
            "scan",
            "--url",
            url,
            "--ref",
            REF,
            "--conninfo",
            conninfo,
            *(["--profile", str(profile)] if profile else []),
        )
        log(f"$ {' '.join(scan_cmd)}")
        scan_run = measure(scan_cmd).check()
        scan_report = scan_run.json_line()
        if profile:
            from bench_extract import profile_top

            result.details["profile"] = profile_top(profile)

    git_wall = median([m.wall for m in git_runs])
    fetch_wall = median([m.wall for m in fetch_runs])
    fetch_inproc = median([r["seconds"] for r in fetch_reports])
    last = fetch_reports[-1]
    result.details.update(
        {
            "git_clone_walls": [m.wall for m in git_runs],
            "fetch_walls": [m.wall for m in fetch_runs],
            "fetch_inprocess": [r["seconds"] for r in fetch_reports],
            "git_server_bytes": git_bytes,
            "git_requests": git_requests,
            "fetch_server_bytes": fetch_server_bytes,
            "fetch_report": last,
            "scan_report": scan_report,
        }
    )
    result.add("git clone --depth 1: time", git_wall, "s", note=f"median of {repeat}")
    result.add("git clone: bytes sent by the server", median(git_bytes), "bytes")
    result.add("git clone: peak RSS", max(m.peak_rss_mb for m in git_runs), "MB")
    result.add("dulwich fetch: time end-to-end", fetch_wall, "s", note=f"median of {repeat}")
    result.add("dulwich fetch: time in-process", fetch_inproc, "s")
    result.add("dulwich fetch: bytes received (FetchStats)", last["bytes_received"], "bytes")
    result.add("dulwich fetch: bytes sent by the server", median(fetch_server_bytes), "bytes")
    result.add(
        "dulwich fetch: blob:none filter used",
        last["used_filter"],
        "",
        note=f"{last['blobs_fetched']} blobs fetched after the trees",
    )
    result.add("dulwich fetch: peak RSS", max(m.peak_rss_mb for m in fetch_runs), "MB")
    result.add("dulwich fetch / git clone: time end-to-end", fetch_wall / git_wall, "x", at_most=RATIO_TARGET)
    result.add("dulwich fetch / git clone: time in-process", fetch_inproc / git_wall, "x", at_most=RATIO_TARGET)
    result.add(
        "dulwich fetch / git clone: bytes",
        median(fetch_server_bytes) / median(git_bytes),
        "x",
        note="server-side response bytes",
    )
    if scan_report is not None:
        result.add(
            "scan_repository (fetch+extract+store): time in-process",
            scan_report["seconds"],
            "s",
            note=f"{scan_report['functions']} functions, {scan_report['parsed']} files parsed",
        )
        result.add("scan_repository / git clone: time end-to-end", scan_run.wall / git_wall, "x", note="information")
        result.add("scan_repository: peak RSS", scan_run.peak_rss_mb, "MB")
    shutil.rmtree(tmp_root, ignore_errors=True)
    return result


def print_details(result: BenchResult) -> None:
    d = result.details
    fx = d["fixture"]
    log(
        f"\nfetch: fixture {fx['files']} files ({fx['module_files']} .js/.mjs), "
        f"packs {fx['pack_bytes'] / 1e6:.1f} MB on disk"
    )
    r = d["fetch_report"]
    rows = [
        [
            "git clone (wall)",
            " ".join(f"{s:.2f}" for s in d["git_clone_walls"]),
            fmt(d["git_server_bytes"][-1], "bytes"),
        ],
        [
            "dulwich fetch (wall)",
            " ".join(f"{s:.2f}" for s in d["fetch_walls"]),
            fmt(d["fetch_server_bytes"][-1], "bytes"),
        ],
        [
            "dulwich fetch (in-process)",
            " ".join(f"{s:.2f}" for s in d["fetch_inprocess"]),
            fmt(r["bytes_received"], "bytes"),
        ],
    ]
    log(table(rows, ["side", "seconds per repetition", "bytes"]))
    log(
        f"dulwich: {r['entries']} entries, {r['files_read']} files read ({r['content_bytes'] / 1e6:.1f} MB), "
        f"listing took {r['list_seconds']:.2f}s, filter used: {r['used_filter']}, blobs fetched: {r['blobs_fetched']}"
    )
    if d.get("scan_report"):
        s = d["scan_report"]
        log(
            f"scan_repository: {s['seconds']:.2f}s, {s['functions']} functions, {s['candidates']} candidates, "
            f"{s['parsed']} parsed, {s['cache_hits']} cache hits, {s['problems']} problems"
        )
    if "profile" in d:
        log("\nfetch: cProfile of scan_repository (top by own time)")
        log(d["profile"])
