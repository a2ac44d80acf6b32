"""`codetracker extract PATH`: a folder's descriptor, printed (no database)."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from codetracker.cli.common import EXIT_OK, PARSER_CHOICES, PATH_HELP, Once, in_folder, opener, required
from codetracker.cli.output import (
    FUNCTION_COLUMNS,
    FUNCTION_FIT,
    PACKAGE_COLUMNS,
    function_rows,
    nothing_found_line,
    package_rows,
    read_part,
)


def add_parser(commands) -> None:
    # Positionals are optional to argparse and required by the commands: argparse would otherwise report a
    # missing positional before an unknown flag (`scan --frobnicate`), which hides the real mistake.
    extract = commands.add_parser("extract", help="print the descriptor of a folder (no database)")
    extract.add_argument("path", nargs="?", help="folder of JavaScript sources")
    extract.add_argument("--json", action="store_true", help="print the descriptor as JSON")
    extract.add_argument("--slug", action=Once, help="module slug (default: the folder name, slugified)")
    extract.add_argument("--parser", choices=PARSER_CHOICES, default="auto")
    extract.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="only this package (by its package.json name; repeatable); default: every package",
    )
    extract.add_argument("--path", dest="in_folder", action=Once, metavar="DIR", help=PATH_HELP)
    extract.add_argument(
        "--explain",
        action=Once,
        metavar="FILE",
        help="say which package holds FILE (relative to PATH) and which rule publishes or excludes it",
    )


def run(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.contracts.descriptor import descriptor_to_dict
    from codetracker.terminal import Progress, write_table
    from codetracker.usecases.extract import ExtractionPorts, extract_folder
    from codetracker.usecases.scan_requests import ExtractFolderRequest

    request = ExtractFolderRequest(
        in_folder(required(args, "path"), args.in_folder),
        module_slug=args.slug,
        options=services.settings.selection,
        package_names=tuple(args.package or ()),
    )
    with Progress(err) as progress:
        result = extract_folder(
            request,
            open_folder=opener(services, progress),
            extraction=ExtractionPorts(services.extractor(args.parser), progress=progress),
        )
    descriptor = result.descriptor
    if args.explain is not None:
        return _explain(args.explain, result, out)
    if args.json:
        json.dump(descriptor_to_dict(descriptor), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    write_table(function_rows(descriptor.functions), FUNCTION_COLUMNS, out, **FUNCTION_FIT)
    out.write(
        f"\n{descriptor.module_slug}: {len(descriptor.functions)} functions in "
        f"{len({f.file_path for f in descriptor.functions})} files; {len(descriptor.problems)} problems"
        f"{read_part(descriptor, result.stats)}\n"
    )
    for problem in descriptor.problems:
        where = f":{problem.line}:{problem.column}" if problem.line is not None else ""
        out.write(f"  {problem.kind} {problem.path}{where}: {problem.reason}\n")
    if descriptor.packages:
        out.write("\n")
        write_table(package_rows(descriptor), PACKAGE_COLUMNS, out)
    empty = nothing_found_line(descriptor, result.stats)
    if empty:
        out.write(empty + "\n")
    return EXIT_OK


def _explain(path: str, result, out: TextIO) -> int:
    from codetracker.terminal import safe_text

    if result.packages is None:
        out.write(safe_text(f"{path}: the tree has no package.json: every module file is one module's") + "\n")
        return EXIT_OK
    out.write(safe_text(result.packages.explain(path, result.descriptor.files)) + "\n")
    return EXIT_OK
