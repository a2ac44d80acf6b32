"""extract: extraction throughput over real npm packages, against a Node/acorn extractor doing the same job.

Sides (each its own process, started fresh for every repetition, all on the same warm file cache):
- acorn:      node bench/node/extract.mjs (acorn installed into bench/.cache/node at bench time)
- auto:       codetracker.usecases.extract_tree(FolderSource(...)) with get_parser("auto"), parser worker
              processes as configured by default (one per available CPU)   (the one with the target)
- auto-1w:    the same with CODE_TRACKER_EXTRACT_WORKERS=1 (one process): the speedup of the workers
- tree-sitter, esprima: the same as auto with that backend alone
Figures: end-to-end wall time (interpreter start-up included) and in-process time (module loading
excluded), MB/s and files/s, peak RSS (largest process, and the sum over the process and its workers),
ratios against acorn and against one worker; functions found per package on each side.
- floor:      bench/workers/parse_floor.py: tree-sitter's C parser alone over the bytes auto parses, one
              process, best of 3: divided by the CPUs, the best ratio any tree-sitter extraction can reach
Targets: codetracker (auto) time / acorn time <= 0.5; peak RSS of all processes together <= 400 MB.
Cross-checks: functions per package, and function records identical field for field (auto vs acorn).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from common import (
    BENCH,
    CACHE,
    OUT_DIR,
    BenchResult,
    Measured,
    fmt,
    log,
    measure,
    median,
    table,
    worker_cmd,
)
from packages import ensure_packages, selected

ACORN_SPEC = "acorn@8.14.0"
NODE_PREFIX = CACHE / "node"
ACORN_MJS = NODE_PREFIX / "node_modules" / "acorn" / "dist" / "acorn.mjs"
EXTRACT_MJS = BENCH / "node" / "extract.mjs"
OUT = OUT_DIR

ONE_WORKER = "auto-1w"
RATIO_TARGET = 0.5
RSS_TARGET_MB = 400.0


def node_binary() -> str | None:
    """`node` on PATH; BENCH_NODE overrides it (BENCH_NODE= empty: behave as if node were missing)."""
    if "BENCH_NODE" in os.environ:
        return os.environ["BENCH_NODE"] or None
    return shutil.which("node")


def ensure_acorn() -> str | None:
    """Path to acorn.mjs, installing it when missing; None (with the reason logged) when unavailable."""
    node = node_binary()
    if node is None:
        log("node is not installed: the acorn reference is unavailable; absolute figures only")
        return None
    if ACORN_MJS.exists():
        return str(ACORN_MJS)
    npm = shutil.which("npm")
    if npm is None:
        log("npm is not installed: the acorn reference is unavailable; absolute figures only")
        return None
    NODE_PREFIX.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(NODE_PREFIX), ACORN_SPEC, "--no-audit", "--no-fund", "--silent"]
    log("$ " + " ".join(cmd))
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0 or not ACORN_MJS.exists():
        log(f"npm install {ACORN_SPEC} failed; the acorn reference is unavailable:\n{result.stderr[-800:]}")
        return None
    return str(ACORN_MJS)


def corpus_size(folders: list[Path]) -> tuple[int, int]:
    """(files, bytes) that both extractors read: module files by codetracker's rules, outside pruned dirs,
    at most 2 MiB (what select_modules keeps from a folder without a .codetrackerignore)."""
    from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES, is_module_path

    files = size = 0
    for folder in folders:
        for current, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules")]
            for name in filenames:
                path = os.path.join(current, name)
                if os.path.islink(path) or not is_module_path(name):
                    continue
                length = os.path.getsize(path)
                if length <= DEFAULT_MAX_FILE_BYTES:
                    files += 1
                    size += length
    return files, size


def _codetracker_cmd(parser: str, folders: list[Path], out: Path, profile: Path | None = None) -> list[str]:
    extra = ["--profile", str(profile)] if profile else []
    return worker_cmd("extract_codetracker.py", "--parser", parser, "--out", out, *extra, *folders)


def _acorn_cmd(acorn: str, folders: list[Path], out: Path) -> list[str]:
    return [node_binary() or "node", str(EXTRACT_MJS), "--acorn", acorn, "--out", str(out), *map(str, folders)]


def run(ctx: Any) -> BenchResult:
    result = BenchResult("extract")
    packages = selected(ctx.quick)
    folders_by_name = ensure_packages(packages)
    folders = [folders_by_name[p.name] for p in packages]
    files, size = corpus_size(folders)
    mb = size / 1e6
    result.details["packages"] = [p.spec for p in packages]
    result.details["corpus"] = {"files": files, "bytes": size}
    log(f"corpus: {len(packages)} packages, {files} module files, {mb:.1f} MB")

    acorn = ensure_acorn()
    OUT.mkdir(parents=True, exist_ok=True)
    repeat = ctx.repeat
    sides: dict[str, list[str]] = {}
    envs: dict[str, dict[str, str]] = {}
    if acorn:
        sides["acorn"] = _acorn_cmd(acorn, folders, OUT / "acorn.json")
    for parser in ("auto", "tree-sitter", "esprima"):
        sides[parser] = _codetracker_cmd(parser, folders, OUT / f"codetracker-{parser}.json")
        envs[parser] = {k: v for k, v in os.environ.items() if k != "CODE_TRACKER_EXTRACT_WORKERS"}
    sides[ONE_WORKER] = _codetracker_cmd("auto", folders, OUT / "codetracker-auto-1w.json")
    envs[ONE_WORKER] = dict(os.environ, CODE_TRACKER_EXTRACT_WORKERS="1")
    reps = {name: repeat for name in sides}
    reps["esprima"] = 1  # pure Python: ~10x slower than the others; one run is plenty to rank it
    for name, cmd in sides.items():
        prefix = "CODE_TRACKER_EXTRACT_WORKERS=1 " if name == ONE_WORKER else ""
        log(f"$ {prefix}{' '.join(cmd[:6])} ... ({len(folders)} folders) x{reps[name]}")

    # One untimed pass of each fast side warms the page cache and compiled-bytecode caches.
    for name in ("acorn", "auto"):
        if name in sides:
            measure(sides[name], env=envs.get(name)).check()
    runs: dict[str, list[Measured]] = {name: [] for name in sides}
    for rep in range(max(reps.values())):
        for name, cmd in sides.items():  # interleaved, so a slow phase of the machine hits every side
            if rep < reps[name]:
                runs[name].append(measure(cmd, env=envs.get(name)).check())

    summary: dict[str, dict[str, Any]] = {}
    for name, measured in runs.items():
        reports = [m.json_line() for m in measured]
        walls = [m.wall for m in measured]
        inproc = [r["inprocess_seconds"] for r in reports]
        wall = median(walls)
        inp = median(inproc)
        summary[name] = {
            "wall_s": wall,
            "inprocess_s": inp,
            "load_s": median([r["load_seconds"] for r in reports]),
            "walls": walls,
            "best_wall_s": min(walls),
            "best_inprocess_s": min(inproc),
            "inprocess": inproc,
            "peak_rss_mb": max(m.peak_rss_mb for m in measured),
            "total_rss_mb": max(m.total_rss_mb for m in measured),
            # CPUs busy on average: CPU time of the side's processes over its wall time. Near 1 with workers
            # means the machine had no second CPU to give (other processes).
            "cpus_used": median([m.cpu_s / m.wall for m in measured]),
            "processes": max(m.processes for m in measured),
            "workers_rss_mb": [round(kb / 1024, 1) for kb in (reports[-1].get("children_vmhwm_kb") or {}).values()],
            "mb_per_s_wall": mb / wall,
            "mb_per_s_inprocess": mb / inp,
            "files_per_s_wall": files / wall,
            "files_per_s_inprocess": files / inp,
            "packages": reports[0]["packages"],
            "runs": len(measured),
        }
        if name == "acorn":
            summary[name]["acorn_version"] = reports[0].get("acorn_version")
    result.details["sides"] = summary

    ref = summary.get("acorn")
    for name in ("acorn", "auto", ONE_WORKER, "tree-sitter", "esprima"):
        s = summary[name] if name in summary else None
        if s is None:
            continue
        label = "acorn (node)" if name == "acorn" else f"codetracker {name}"
        primary = name in ("acorn", "auto")  # the other sides: fewer rows here, all of it in the table above
        if primary:
            result.add(f"{label}: MB/s end-to-end", s["mb_per_s_wall"], "MB/s", note=f"median of {s['runs']}")
        result.add(f"{label}: MB/s in-process", s["mb_per_s_inprocess"], "MB/s")
        if primary:
            result.add(f"{label}: files/s in-process", s["files_per_s_inprocess"], "files/s")
        rss_limit = RSS_TARGET_MB if name == "auto" else None
        if name == "acorn":
            result.add(f"{label}: peak RSS", s["peak_rss_mb"], "MB")
        else:
            result.add(
                f"{label}: peak RSS, all processes (sum of VmHWM)",
                s["total_rss_mb"],
                "MB",
                at_most=rss_limit,
                note=f"{s['processes']} processes; largest {s['peak_rss_mb']:.0f} MB",
            )
        if ref is not None and name != "acorn":
            target = RATIO_TARGET if name == "auto" else None
            result.add(
                f"{label} / acorn: time end-to-end",
                s["wall_s"] / ref["wall_s"],
                "x",
                at_most=target,
                note=f"{s['wall_s']:.2f}s vs {ref['wall_s']:.2f}s",
            )
            result.add(
                f"{label} / acorn: time in-process",
                s["inprocess_s"] / ref["inprocess_s"],
                "x",
                at_most=target,
                note=f"{s['inprocess_s']:.2f}s vs {ref['inprocess_s']:.2f}s",
            )
    one = summary.get(ONE_WORKER)
    if one is not None:
        auto = summary["auto"]
        result.add(
            "codetracker auto: speedup over one worker, end-to-end",
            one["wall_s"] / auto["wall_s"],
            "x",
            note=f"{one['wall_s']:.2f}s vs {auto['wall_s']:.2f}s",
        )
        result.add(
            "codetracker auto: speedup over one worker, in-process",
            one["inprocess_s"] / auto["inprocess_s"],
            "x",
            note=f"{one['inprocess_s']:.2f}s vs {auto['inprocess_s']:.2f}s",
        )
    if ref is None:
        result.details["note"] = "acorn reference unavailable (node or npm missing): absolute figures only"

    # The floor: tree-sitter's C parser alone over the bytes `auto` parses. No tree-sitter extraction can
    # use less CPU, so floor / CPUs against acorn bounds the ratio `auto` can ever reach on this machine.
    floor = measure(worker_cmd("parse_floor.py", *folders)).check().json_line()
    result.details["floor"] = floor
    if ref is not None:
        cpus = floor["cpus"]
        result.add(
            "tree-sitter C parse alone, one CPU / acorn: time",
            floor["parse_seconds"] / ref["inprocess_s"],
            "x",
            note=f"{floor['parse_seconds']:.2f}s for {floor['bytes'] / 1e6:.1f} MB vs {ref['inprocess_s']:.2f}s",
        )
        result.add(
            f"tree-sitter C parse alone, split over {cpus} CPUs / acorn: the best auto can reach",
            floor["parse_seconds"] / cpus / ref["inprocess_s"],
            "x",
            note="no Python, no IPC, perfect split",
        )

    # Functions found per package: a cheap cross-check of the two implementations (never fails the bench).
    names = [n for n in ("acorn", "auto", ONE_WORKER, "tree-sitter", "esprima") if n in summary]
    rows = []
    counts: dict[str, dict[str, int]] = {}
    total_diff = 0
    for index, package in enumerate(packages):
        per = {n: summary[n]["packages"][index]["functions"] for n in names}
        counts[package.spec] = per
        errors = {n: summary[n]["packages"][index]["parse_errors"] for n in names}
        base = per.get("acorn", per["auto"])
        diff = per["auto"] - base
        total_diff += abs(diff)
        rows.append(
            [package.spec]
            + [str(per[n]) + (f" ({errors[n]} err)" if errors[n] else "") for n in names]
            + [f"{diff:+d}" if "acorn" in per else "-"]
        )
    totals = {n: sum(c[n] for c in counts.values()) for n in names}
    rows.append(
        ["TOTAL"] + [str(totals[n]) for n in names] + [f"{totals['auto'] - totals.get('acorn', totals['auto']):+d}"]
    )
    result.details["functions_per_package"] = counts
    result.details["functions_table"] = table(rows, ["package", *names, "auto-acorn"])
    result.add(
        "functions found: |auto - acorn| summed over packages", total_diff if ref else None, "", note="cross-check only"
    )
    if ref is not None:
        same, both, alone, differences = compare_records(OUT / "acorn.json", OUT / "codetracker-auto.json")
        result.details["record_differences"] = differences
        result.add(
            "function records both find, identical on the reference's fields (name, parameters, types, JSDoc, …)",
            same,
            "",
            note=f"of {both}; {alone} found by one side only (CommonJS: codetracker's); cross-check only",
        )

    if ctx.profile:
        profile_path = OUT / "extract-auto.prof"
        measure(_codetracker_cmd("auto", folders, OUT / "codetracker-profile.json", profile_path)).check()
        result.details["profile"] = profile_top(profile_path)
    return result


def compare_records(acorn_json: Path, codetracker_json: Path, keep: int = 10) -> tuple[int, int, int, list[str]]:
    """(records equal on every field the reference writes, records both sides find, records one side alone
    finds, the first differences) of two descriptor files written for the same folders. Functions are matched
    by file and name (the n-th of that name in the file), order_in_file left out. The reference reads ES
    modules only and writes the descriptor's fields of 2026-12-02: codetracker's later fields (a parameter's
    `type_source`, `jsdoc_type`, `keys`; a function's `type_parameters`, `overload`, `params_from_doc`) and
    its CommonJS records are left out of the comparison."""
    import json

    acorn = json.loads(acorn_json.read_text())["descriptors"]
    ours = json.loads(codetracker_json.read_text())["descriptors"]

    def by_key(descriptor: dict) -> dict[tuple, dict]:
        # (file, name, which of that name in the file): codetracker finds functions the reference does not
        # (built by calls), which moves the others' order_in_file.
        seen: dict[tuple[str, str], int] = {}
        found = {}
        for f in descriptor["functions"]:
            n = seen[f["file_path"], f["name"]] = seen.get((f["file_path"], f["name"]), -1) + 1
            found[f["file_path"], f["name"], n] = f
        return found

    def as_reference_writes(theirs: dict, mine: dict) -> dict:
        """`mine` with only the keys `theirs` has, its parameters and return values likewise."""
        kept = {k: mine.get(k) for k in theirs if k != "order_in_file"}
        for part in ("parameters", "return_values"):
            if part in theirs and isinstance(mine.get(part), list):
                shapes = theirs[part]
                kept[part] = [
                    {k: item.get(k) for k in (shapes[i] if i < len(shapes) else item)}
                    for i, item in enumerate(mine[part])
                ]
        return kept

    same, both, alone, differences = 0, 0, 0, []
    for theirs_descriptor, mine in zip(acorn, ours, strict=True):
        theirs, mine_by_key = by_key(theirs_descriptor), by_key(mine)
        alone += len(theirs.keys() ^ mine_by_key.keys())
        for key in sorted(theirs.keys() & mine_by_key.keys()):
            both += 1
            a, c = theirs[key], as_reference_writes(theirs[key], mine_by_key[key])
            if all(a.get(k) == v for k, v in c.items()):
                same += 1
            elif len(differences) < keep:
                fields = sorted(k for k in c if a.get(k) != c.get(k))
                differences.append(f"{mine['module_slug']} {key[0]} {key[1]}: {', '.join(fields)}")
    return same, both, alone, differences


def profile_top(path: Path, limit: int = 18) -> str:
    import io
    import pstats

    buffer = io.StringIO()
    stats = pstats.Stats(str(path), stream=buffer)
    stats.sort_stats("tottime").print_stats(limit)
    text = buffer.getvalue()
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    header = [line for line in lines[:start] if "function calls" in line]
    return "\n".join(header + lines[start:])


def print_details(result: BenchResult) -> None:
    if "functions_table" in result.details:
        log("\nextract: functions found per package (a cross-check, not a target)")
        log(result.details["functions_table"])
    if result.details.get("record_differences"):
        log("\nextract: first function records that differ, auto vs acorn")
        log("\n".join(result.details["record_differences"]))
    sides = result.details.get("sides", {})
    if sides:
        rows = []
        for name, s in sides.items():
            rows.append(
                [
                    name,
                    fmt(s["wall_s"], "s"),
                    fmt(s["inprocess_s"], "s"),
                    fmt(s["load_s"], "s"),
                    fmt(s["mb_per_s_wall"], "MB/s"),
                    fmt(s["mb_per_s_inprocess"], "MB/s"),
                    fmt(s["files_per_s_inprocess"], "files/s"),
                    fmt(s["peak_rss_mb"], "MB"),
                    fmt(s["total_rss_mb"], "MB"),
                    f"{s['cpus_used']:.2f}",
                    fmt(s["best_wall_s"], "s"),
                    " ".join(f"{w:.2f}" for w in s["walls"]),
                ]
            )
        log("\nextract: per side (median; wall = process start to exit; load = imports + parser set-up)")
        log(
            table(
                rows,
                [
                    "side",
                    "wall",
                    "in-process",
                    "load",
                    "MB/s wall",
                    "MB/s in-proc",
                    "files/s",
                    "peak RSS",
                    "RSS all procs",
                    "CPUs used",
                    "best wall",
                    "walls",
                ],
            )
        )
    if "profile" in result.details:
        log("\nextract: cProfile of codetracker auto (top by own time)")
        log(result.details["profile"])
