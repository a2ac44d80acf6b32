"""Codetracker benchmarks: every figure is a ratio against a reference measured in the same run.

    python3 tasks.py bench [NAME ...] [--quick] [--repeat N] [--profile] [--strict]
    .venv/bin/python bench/run.py [NAME ...] ...

NAME is one of: extract, persist, fetch, rescan, packages, load, latency, typescript, watch (default: all; load
and latency run the whole system under `codetracker dev`). Prints the commands it runs, the environment, a
table of figures with their targets (PASS/MISS), and writes bench/results/latest.json.
Downloads and built fixtures are cached in bench/.cache/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
# The fixture builders and git servers live in tests/support (shared with the tests): the bench, and only
# the bench, imports them from the repository root.
sys.path.insert(1, str(BENCH.parent))

from common import RESULTS, BenchResult, BenchUnavailable, environment, fmt, log, table  # noqa: E402

NAMES = ("extract", "persist", "fetch", "rescan", "packages", "load", "latency", "typescript", "watch")


class Context:
    """What the benchmarks of one run share: options, the database, the fixture repository."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.quick: bool = args.quick
        self.repeat: int = args.repeat or (2 if args.quick else 5)
        self.profile: bool = args.profile
        self._database = None
        self._fixture = None
        self._server = None

    # The embedded Postgres (bench/.cache/pgdata), started on first use and stopped at the end.
    def database(self):
        if self._database is None:
            from database import BenchDatabase

            self._database = BenchDatabase.start()
        return self._database

    def has_database(self) -> bool:
        try:
            self.database()
        except Exception as exc:  # noqa: BLE001 - reported, and the benchmark goes on without it
            log(f"no database: {type(exc).__name__}: {exc}")
            return False
        return True

    # The fixture repository served over git http-backend (fetch and rescan share it).
    def fixture(self):
        if self._fixture is None:
            from fixture_repo import build_fixture

            self._fixture = build_fixture(quick=self.quick)
        return self._fixture

    def server(self):
        if self._server is None:
            from fixture_repo import FixtureServer

            self._server = FixtureServer(self.fixture())
            self._server.start()
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._database is not None:
            self._database.stop()


def _load(name: str):
    if name == "extract":
        import bench_extract as module
    elif name == "persist":
        import bench_persist as module
    elif name == "fetch":
        import bench_fetch as module
    elif name == "typescript":
        import bench_typescript as module
    elif name == "packages":
        import bench_packages as module
    elif name in ("load", "latency"):
        import bench_dev

        class module:  # noqa: N801 - the shape the loop expects
            run = staticmethod(bench_dev.run_load if name == "load" else bench_dev.run_latency)

    elif name == "watch":
        import bench_watch as module
    else:
        import bench_rescan as module
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(NAMES)} (default: all)")
    ap.add_argument("--quick", action="store_true", help="fewer packages and repetitions (~1-2 minutes)")
    ap.add_argument("--repeat", type=int, help="repetitions per measured side (default 5, --quick 2)")
    ap.add_argument("--profile", action="store_true", help="also run one cProfile'd pass and print the top entries")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--json", type=Path, default=RESULTS / "latest.json", help="where to write the results")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    names = [n for n in NAMES if n in args.names] if args.names else list(NAMES)

    env = environment()
    started = time.perf_counter()
    log(f"$ {shlex.join([sys.executable, *sys.argv])}")
    log(
        f"environment: {env['cpu_count']} CPUs ({env['cpu_model']}), {env['memory_gb']} GB, "
        f"Python {env['python']}, node {env['node'] or 'missing'}, npm {env['npm'] or 'missing'}, "
        f"{env['git'] or 'git missing'}, codetracker {env['codetracker']} @ {env['project_commit'] or 'uncommitted'}, "
        f"load average {env['load_average_at_start']}"
    )
    log(f"benchmarks: {', '.join(names)}{' (quick)' if args.quick else ''}")

    ctx = Context(args)
    results: list[BenchResult] = []
    try:
        for name in names:
            log(f"\n=== {name} ===")
            began = time.perf_counter()
            module = None
            try:
                module = _load(name)
                result = module.run(ctx)
            except BenchUnavailable as exc:
                result = BenchResult(name, unavailable=str(exc))
                log(f"{name}: unavailable: {exc}")
            except Exception as exc:  # report and go on with the other benchmarks
                result = BenchResult(name, error=f"{type(exc).__name__}: {exc}")
                result.details["traceback"] = traceback.format_exc()
                log(f"{name}: ERROR\n{traceback.format_exc()}")
            result.seconds = time.perf_counter() - began
            results.append(result)
            if module is not None and hasattr(module, "print_details") and not (result.error or result.unavailable):
                module.print_details(result)
            log(f"({name} took {result.seconds:.0f}s)")
    finally:
        ctx.close()

    total = time.perf_counter() - started
    rows = []
    for result in results:
        if result.unavailable or result.error:
            rows.append(
                [
                    result.name,
                    "UNAVAILABLE" if result.unavailable else "ERROR",
                    "",
                    "",
                    (result.unavailable or result.error or "")[:100],
                ]
            )
            continue
        for f in result.figures:
            verdict = "" if f.ok is None else ("PASS" if f.ok else "MISS")
            rows.append(
                [result.name, f.name, fmt(f.value, f.unit), f.target or "", verdict + (f"  {f.note}" if f.note else "")]
            )
    log("\n=== figures ===")
    log(table(rows, ["bench", "figure", "value", "target", "result"]))
    missed = [f for r in results for f in r.figures if f.ok is False]
    errors = [r for r in results if r.error]
    log(
        f"\n{sum(1 for r in results for f in r.figures if f.ok)} PASS, {len(missed)} MISS, "
        f"{len(errors)} ERROR, {sum(1 for r in results if r.unavailable)} UNAVAILABLE in {total:.0f}s"
    )

    document = {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, *sys.argv],
        "quick": args.quick,
        "repeat": ctx.repeat,
        "environment": env,
        "seconds": round(total, 1),
        "benchmarks": [r.as_dict() for r in results],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    log(f"results written to {args.json}")
    if errors:
        return 1
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
