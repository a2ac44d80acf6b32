"""The codetracker side of the extraction benchmark (run as its own process by bench/bench_extract.py).

    python extract_codetracker.py --parser auto --out DESCRIPTOR.json [--profile FILE] FOLDER...

Per folder: `codetracker.usecases.extract_folder(folder, parser=get_parser(NAME), module_slug=...)`, then
one JSON file with every descriptor (without the file manifest, like the Node reference). Prints a JSON
summary line: load time (imports + building the parser) and in-process time (extraction + JSON output).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from peak import vmhwm_kb  # noqa: E402
from pathlib import Path  # noqa: E402

from codetracker.contracts import descriptor_to_dict  # noqa: E402
from codetracker.domain.model import ProblemKind  # noqa: E402
from codetracker.parsing import get_parser  # noqa: E402
from codetracker.usecases import extract_folder  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parser", default="auto")
    ap.add_argument("--out")
    ap.add_argument("--profile")
    ap.add_argument("folders", nargs="+")
    args = ap.parse_args()

    parser = get_parser(args.parser)
    loaded = time.perf_counter()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    documents = []
    summaries = []
    for folder in args.folders:
        folder_started = time.perf_counter()
        result = extract_folder(folder, parser=parser, module_slug=Path(folder).name)
        descriptor = result.descriptor
        documents.append(descriptor_to_dict(descriptor, include_files=False))
        summaries.append(
            {
                "folder": folder,
                "candidates": result.stats.candidates,
                "files_total": result.stats.files_total,
                "parsed": result.stats.parsed,
                "functions": len(descriptor.functions),
                "parameters": sum(len(f.parameters) for f in descriptor.functions),
                "parse_errors": sum(1 for p in descriptor.problems if p.kind is ProblemKind.PARSE_ERROR),
                "problems": [f"{p.path}: {p.reason}"[:200] for p in descriptor.problems][:5],
                "seconds": time.perf_counter() - folder_started,
            }
        )
    text = json.dumps({"descriptors": documents})
    if args.out:
        Path(args.out).write_text(text)
    finished = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(
        json.dumps(
            {
                "tool": f"codetracker/{args.parser}",
                "python": sys.version.split()[0],
                "load_seconds": loaded - STARTED,
                "inprocess_seconds": finished - loaded,
                "descriptor_bytes": len(text),
                "packages": summaries,
                "vmhwm_kb": vmhwm_kb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
