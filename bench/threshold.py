"""Where worker processes start to pay: sequential vs parallel extraction of growing samples of the corpus.

    .venv/bin/python bench/threshold.py [--repeat 3] [--seed 1] [--quick]

For samples of N module files of the npm corpus (random, fixed seed: real scans mix big bundles and
small files), times `parsing.workers.WorkerPool.extract` over in-memory contents, in this process with the
parser already built, three ways: sequential; parallel with cold workers (started for the scan, as a
first scan or a CLI run pays); parallel with warm workers (idle ones of an earlier scan). Median of
--repeat, interleaved. Prints the table and the smallest sample from which each parallel way wins by
10%; that is how DEFAULT_MIN_FILES/BYTES and DEFAULT_WARM_MIN_FILES/BYTES were chosen.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from common import log, table  # noqa: E402
from packages import ensure_packages, selected  # noqa: E402

from codetracker.domain.model import EntryKind, TreeEntry  # noqa: E402
from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES, is_module_path  # noqa: E402
from codetracker.parsing import get_parser  # noqa: E402
from codetracker.parsing.workers import (  # noqa: E402
    SEQUENTIAL,
    ParallelOptions,
    WorkerPool,
    available_cpus,
)

POOL = WorkerPool()

SIZES = (5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560)


def module_files(folders: list[Path]) -> list[tuple[str, bytes]]:
    found = []
    for folder in folders:
        for current, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d not in (".git", "node_modules"))
            for name in sorted(filenames):
                path = os.path.join(current, name)
                if os.path.islink(path) or not is_module_path(name):
                    continue
                if os.path.getsize(path) <= DEFAULT_MAX_FILE_BYTES:
                    found.append((path, Path(path).read_bytes()))
    return found


CPU: list[float] = []  # CPU seconds of the last timed() call: this process + the workers it reaped


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(items, parser, options) -> float:
    entries = [e for e, _ in items]
    cpu = _cpu()
    started = time.perf_counter()
    for _ in POOL.extract(items, parser, planned=entries, max_file_bytes=DEFAULT_MAX_FILE_BYTES, options=options):
        pass
    wall = time.perf_counter() - started
    CPU[:] = [_cpu() - cpu]
    return wall


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    packages = selected(args.quick)
    folders = ensure_packages(packages)
    files = module_files([folders[p.name] for p in packages])
    random.Random(args.seed).shuffle(files)
    parser = get_parser("auto")
    cpus = available_cpus()
    log(f"{len(files)} module files; {cpus} CPUs available; parser auto")
    always = dict(min_bytes=0, min_files=0, warm_min_bytes=0, warm_min_files=0)
    cold = ParallelOptions(keep_workers=False, **always)
    warm = ParallelOptions(keep_workers=True, **always)
    rows = []
    first_cold = first_warm = None
    for size in SIZES:
        sample = files[:size]
        items = [(TreeEntry(p, EntryKind.FILE, len(c), None), c) for p, c in sample]
        nbytes = sum(len(c) for _, c in sample)
        seq, cold_t, warm_t, seq_cpu, cold_cpu = [], [], [], [], []
        for _ in range(args.repeat):
            timed(items[:2], parser, warm)  # starts workers kept idle for the warm run
            time.sleep(0.5)  # they finish starting, as the workers of a scan minutes ago would have
            warm_t.append(timed(items, parser, warm))
            POOL.shutdown()
            seq.append(timed(items, parser, SEQUENTIAL))
            seq_cpu.append(CPU[0])
            cold_t.append(timed(items, parser, cold))
            cold_cpu.append(CPU[0])  # the cold workers are reaped at its end: their CPU is counted
        s, c, w = (statistics.median(x) for x in (seq, cold_t, warm_t))
        if first_cold is None and c < 0.9 * s:
            first_cold = (size, nbytes)
        if first_warm is None and w < 0.9 * s:
            first_warm = (size, nbytes)
        extra = statistics.median(cold_cpu) - statistics.median(seq_cpu)
        rows.append(
            [
                str(size),
                f"{nbytes / 1e6:.2f} MB",
                f"{s:.3f} s",
                f"{c:.3f} s",
                f"{w:.3f} s",
                f"{s / c:.2f}x",
                f"{s / w:.2f}x",
                f"{statistics.median(seq_cpu):.3f} s",
                f"{extra:+.3f} s",
            ]
        )
    POOL.shutdown()
    log(f"load average {os.getloadavg()[0]:.1f} (others' processes share the CPUs: wall figures vary with it)")
    log(
        table(
            rows,
            [
                "files",
                "bytes",
                "sequential",
                "cold workers",
                "warm workers",
                "cold speedup",
                "warm speedup",
                "seq CPU",
                "cold extra CPU",
            ],
        )
    )
    log(f"cold workers win by 10% from: {first_cold}; warm workers from: {first_warm} (files, bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
