"""The codetracker side of the extraction benchmark (run as its own process by bench/bench_extract.py).

    python extract_codetracker.py --parser auto --out DESCRIPTOR.json [--profile FILE] FOLDER...

Per folder: `codetracker.usecases.extract.extract_folder(..., extraction=ExtractionPorts(ParserExtractor(
get_parser(NAME), services.parallel_options)))` - what `codetracker extract` does, with the worker setting of the
environment (CODE_TRACKER_EXTRACT_WORKERS: unset = one worker process per CPU above the threshold, 1 =
sequential) - then one JSON file with every descriptor (without the file manifest, like the Node
reference). Prints a JSON summary line: load time (imports + building the parser), in-process time
(extraction + JSON output), and the peak RSS of this process and of each parser worker (still idle, alive).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from peak import children_vmhwm_kb, vmhwm_kb  # noqa: E402
from pathlib import Path  # noqa: E402

from codetracker.contracts.descriptor import descriptor_to_dict  # noqa: E402
from codetracker.domain.model import ProblemKind  # noqa: E402
from codetracker.domain.selection import slugify  # noqa: E402
from codetracker.parsing import get_parser  # noqa: E402
from codetracker.parsing.workers import available_cpus, shutdown_workers  # noqa: E402
from codetracker.settings import Settings  # noqa: E402
from codetracker.usecases.extract import ExtractionPorts, extract_folder  # noqa: E402
from codetracker.usecases.scan_requests import ExtractFolderRequest  # noqa: E402
from codetracker.wiring import Services  # noqa: E402
from codetracker.parsing.extractor import ParserExtractor  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parser", default="auto")
    ap.add_argument("--out")
    ap.add_argument("--profile")
    ap.add_argument("folders", nargs="+")
    args = ap.parse_args()

    parser = get_parser(args.parser)
    services = Services(Settings.from_env())
    parallel, selection = services.parallel_options, services.settings.selection
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
        result = extract_folder(
            ExtractFolderRequest(folder, module_slug=slugify(Path(folder).name), options=selection),
            open_folder=services.open_folder,
            extraction=ExtractionPorts(ParserExtractor(parser, parallel)),
        )
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
    children = children_vmhwm_kb()  # the idle parser workers, before they are shut down
    shutdown_workers()
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
                "children_vmhwm_kb": children,
                "workers_setting": parallel.workers,
                "cpus": available_cpus(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
