"""TypeScript: the differential against tsc per package, and what a TypeScript file costs.

Packages: tests/support/typescript_reference.PACKAGES (npm packages that publish their src/*.ts), fetched
and tsc installed by that helper (cache: tests/support/node/.cache/).

- differential: per package, F1 of functions, parameters and annotation types against
  `tsc --declaration --emitDeclarationOnly` (rules in the helper); targets on the whole set;
- speed, in this process, best of --repeat passes (no worker processes): codetracker's extraction
  (`extract_blob`, parser "auto") of the TypeScript sources against the same packages' own JavaScript
  builds (.js/.mjs files that may export), compared per byte; and against Node running TypeScript's parser
  (`ts.createSourceFile`) over the same TypeScript files.
"""

from __future__ import annotations

import time

from common import BenchResult, BenchUnavailable, log, table

from tests.support import typescript_reference as reference

FUNCTIONS_F1 = 0.98
PARAMETERS_F1 = 0.97
TYPES_F1 = 0.95


def run(ctx) -> BenchResult:
    try:
        reference.typescript_modules()
        folders = {spec: reference.package_folder(spec) for spec in reference.PACKAGES}
    except reference.ReferenceUnavailable as missing:
        raise BenchUnavailable(str(missing)) from None
    result = BenchResult("typescript")
    _differential(result, folders)
    _speed(result, folders, repeat=ctx.repeat)
    return result


def _differential(result: BenchResult, folders: dict) -> None:
    rows, totals = [], {name: reference.Counts() for name in ("functions", "parameters", "types")}
    per_package = {}
    for spec, folder in folders.items():
        scores = reference.compare(folder, reference.typescript_sources(folder))
        per_package[spec] = scores.as_dict()
        row = [spec, str(scores.files)]
        for name, total in totals.items():
            counts = getattr(scores, name)
            total.tp += counts.tp
            total.ours_only += counts.ours_only
            total.reference_only += counts.reference_only
            row.append(f"{counts.f1:.4f} ({counts.tp}/+{counts.ours_only}/-{counts.reference_only})")
        rows.append(row)
    rows.append(["all", str(sum(int(r[1]) for r in rows)), *(f"{t.f1:.4f}" for t in totals.values())])
    log(table(rows, ["package", "files", "functions F1 (tp/+ours/-tsc)", "parameters F1", "types F1"]))
    result.details["differential"] = per_package
    result.add("functions F1 vs tsc", totals["functions"].f1, at_least=FUNCTIONS_F1)
    result.add("parameters F1 vs tsc", totals["parameters"].f1, at_least=PARAMETERS_F1)
    result.add("types F1 vs tsc", totals["types"].f1, at_least=TYPES_F1)


def _speed(result: BenchResult, folders: dict, *, repeat: int) -> None:
    from codetracker.domain.extraction import extract_blob
    from codetracker.domain.selection import JAVASCRIPT, is_module_path, may_export, source_dialect
    from codetracker.parsing import get_parser

    parser = get_parser("auto")
    typescript, javascript = [], []
    for folder in folders.values():
        for relative in reference.typescript_sources(folder):
            typescript.append((relative, (folder / relative).read_bytes()))
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.is_file() and is_module_path(relative) and source_dialect(relative) == JAVASCRIPT:
                content = path.read_bytes()
                if may_export(content) and len(content) < 2 * 1024 * 1024:
                    javascript.append((relative, content))

    def best(files) -> float:
        times = []
        for _ in range(max(1, repeat)):
            started = time.perf_counter()
            for relative, content in files:
                extract_blob(content, parser, source_dialect(relative))
            times.append(time.perf_counter() - started)
        return min(times)

    best(typescript[:50] + javascript[:50])  # warm-up: grammars loaded, esprima imported if needed
    ts_bytes = sum(len(c) for _, c in typescript)
    js_bytes = sum(len(c) for _, c in javascript)
    ts_seconds, js_seconds = best(typescript), best(javascript)
    ts_per_mb, js_per_mb = ts_seconds / (ts_bytes / 1e6), js_seconds / (js_bytes / 1e6)
    node_seconds = 0.0
    for folder in folders.values():
        node_seconds += reference.node_parse_seconds(folder, reference.typescript_sources(folder), repeat)
    log(
        f"TypeScript: {len(typescript)} files, {ts_bytes / 1e6:.2f} MB, {ts_seconds:.3f} s ({ts_per_mb:.3f} s/MB); "
        f"JavaScript: {len(javascript)} files, {js_bytes / 1e6:.2f} MB, {js_seconds:.3f} s ({js_per_mb:.3f} s/MB); "
        f"Node + TypeScript's parser on the TypeScript files: {node_seconds:.3f} s"
    )
    result.details["speed"] = {
        "typescript": {"files": len(typescript), "bytes": ts_bytes, "seconds": ts_seconds},
        "javascript": {"files": len(javascript), "bytes": js_bytes, "seconds": js_seconds},
        "node_typescript_parser_seconds": node_seconds,
    }
    result.add("TypeScript s/MB ÷ JavaScript s/MB", ts_per_mb / js_per_mb, "x", at_most=1.0)
    result.add("TypeScript extraction ÷ Node TypeScript parser", ts_seconds / node_seconds, "x")
