"""packages: extracting a 10-package, 10k-file workspace package by package, against today's whole-tree
extraction of the same folder in the same run.

The fixture (built in bench/.cache/packages-fixture): an npm workspace of 10 packages of 1,000 files each
(half with `files`, half leaving the test conventions to apply), 80% of them ES modules with two exported
functions, the rest tests. Per repetition, in this process, with a fresh in-memory blob cache per side:
1. first scan: extract_tree(FolderSource(...)) whole-tree (today) and package by package (package_names=());
2. rescans after one module file of one package changed (warm cache): the same two, RESCANS rounds of one
   rescan per side, the file changed again before each round (both sides read the same new content). The
   first scan starts cold (the blob cache and the packages' kept file decisions and public APIs emptied);
   the rescans run in the same process, as a warm Lambda container or the local runtime would. Each scan
   starts after a full garbage collection, and each side goes first every other repetition and round.
   Several interleaved rounds per repetition give three times the rescan samples of one per first scan
   (first scans take nine tenths of the time), so a burst of load lands on both sides.
Target: package-by-package rescan time / whole-tree rescan time <= 1.0 (a rescan no slower than today's).
"""

from __future__ import annotations

import gc
import json
import shutil
import time
from typing import Any

from common import CACHE, BenchResult, log, median

FIXTURE = CACHE / "packages-fixture"
PACKAGES = 10
FILES_PER_PACKAGE = 1000
RATIO_TARGET = 1.0
RESCANS = 3  # rescan rounds per repetition


def build_fixture() -> None:
    if FIXTURE.exists():
        shutil.rmtree(FIXTURE)
    FIXTURE.mkdir(parents=True)
    (FIXTURE / "package.json").write_text(
        json.dumps({"name": "bench-root", "private": True, "workspaces": ["packages/*"]})
    )
    (FIXTURE / ".gitignore").write_text("node_modules\ndist\n")
    for p in range(PACKAGES):
        base = FIXTURE / "packages" / f"pkg{p}"
        manifest: dict[str, Any] = {"name": f"@bench/pkg{p}", "version": "1.0.0"}
        if p % 2:
            manifest["files"] = ["src", "!src/**/*.test.js"]
        base.mkdir(parents=True)
        (base / "package.json").write_text(json.dumps(manifest))
        for f in range(FILES_PER_PACKAGE - 1):
            folder = base / ("test" if f % 5 == 0 else "src") / f"d{f // 50}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"m{f}.js").write_text(
                f"/** @param {{number}} a */\nexport function f{f}(a) {{ return a; }}\n"
                f"export const g{f} = (b = {f}) => b;\n"
            )


def _extract(package_names):
    from codetracker.adapters.source_folder import FolderSource
    from codetracker.parsing import get_parser
    from codetracker.parsing.extractor import ParserExtractor
    from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree

    def run(cache):
        # Each timed scan starts from a collected heap: a full collection of what the earlier scans left
        # (0 to 80 ms here) would otherwise land in whichever side's scan happens to trigger it.
        gc.collect()
        started = time.perf_counter()
        result = extract_tree(
            ExtractTreeRequest(FolderSource(FIXTURE), "bench", package_names=package_names),
            ExtractionPorts(ParserExtractor(get_parser("auto")), cache=cache),
        )
        return time.perf_counter() - started, result

    return run


def run(ctx: Any) -> BenchResult:
    from codetracker.adapters.memory_store.blob_cache import MemoryBlobCache
    from codetracker.domain.package_files import clear_decisions_memo
    from codetracker.usecases.packages import clear_public_api_memo

    result = BenchResult("packages")
    build_fixture()
    changed = FIXTURE / "packages" / "pkg3" / "src" / "d1" / "m51.js"
    original = changed.read_text()
    sides = {"whole tree (today)": _extract(None), "package by package": _extract(())}
    times: dict[str, dict[str, list[float]]] = {side: {"first": [], "rescan": []} for side in sides}
    found: dict[str, int] = {}
    log(f"fixture: {PACKAGES} packages x {FILES_PER_PACKAGE} files in {FIXTURE}; x{ctx.repeat} per side")
    for repetition in range(ctx.repeat):
        # Each side goes first every other repetition and round: a drift of the machine's load favours neither.
        order = list(sides.items()) if repetition % 2 == 0 else list(sides.items())[::-1]
        caches = {side: MemoryBlobCache() for side in sides}
        changed.write_text(original)
        clear_decisions_memo()  # a cold first scan: nothing kept from the previous repetition
        clear_public_api_memo()
        for side, extract in order:
            first, extraction = extract(caches[side])
            times[side]["first"].append(first)
            found[side] = len(extraction.descriptor.functions)
        for round_ in range(RESCANS):
            changed.write_text(original + f"export function changed{repetition}_{round_}() {{}}\n")
            for side, extract in order if round_ % 2 == 0 else order[::-1]:
                again, _ = extract(caches[side])
                times[side]["rescan"].append(again)
    changed.write_text(original)
    for side in sides:
        result.add(f"{side}: first scan", median(times[side]["first"]), "s", note=f"{found[side]} functions")
        result.add(f"{side}: rescan, one file changed", median(times[side]["rescan"]), "s")
    whole, packaged = sides
    ratio = median(times[packaged]["rescan"]) / median(times[whole]["rescan"])
    result.add("package-by-package rescan / whole-tree rescan", ratio, "x", at_most=RATIO_TARGET)
    result.details.update({"times": times, "functions": found})
    return result
