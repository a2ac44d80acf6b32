"""`codetracker show [SLUG]`: the stored snapshots (of every module, or of one), or one snapshot's functions."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from codetracker.cli.common import EXIT_OK, Once, UsageError
from codetracker.cli.output import (
    FUNCTION_COLUMNS,
    FUNCTION_FIT,
    SUMMARY_COLUMNS,
    SUMMARY_FIT,
    function_rows,
    summary_row,
)


def add_parser(commands) -> None:
    show = commands.add_parser(
        "show", help="list stored snapshots (of every module, or of one), or one snapshot's functions"
    )
    show.add_argument("slug", nargs="?", help="the module (default: list every stored module's snapshots)")
    show.add_argument("--branch", action=Once)
    show.add_argument("--tag", action=Once)
    show.add_argument(
        "--repository",
        action=Once,
        metavar="ID",
        help="a registered repository's snapshots (the service's, e.g. of a running codetracker dev) instead of "
        "the CLI's own scans",
    )
    show.add_argument(
        "--public",
        action="store_true",
        help="with SLUG and --tag: only the package's public API, by subpath (what each entry point exports)",
    )
    show.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.contracts.cli_output import summary_to_dict
    from codetracker.contracts.descriptor import descriptor_to_dict
    from codetracker.domain.model import DEFAULT_SCOPE
    from codetracker.domain.snapshot_sources import describe_source
    from codetracker.terminal import safe_text, write_table
    from codetracker.usecases.scan_requests import SnapshotQuery
    from codetracker.usecases.snapshots import show_snapshots

    scope = DEFAULT_SCOPE
    if args.repository is not None:
        from codetracker.domain.registry import registration_scope

        scope = registration_scope(args.repository.strip().lower())
    query = SnapshotQuery(args.slug, args.branch, args.tag, scope=scope)
    if args.public and (args.slug is None or args.tag is None):
        raise UsageError("--public lists one snapshot's public API: give SLUG and --tag (e.g. --tag HEAD)")
    view = show_snapshots(query, unit_of_work=services.unit_of_work)
    if view.descriptor is None:
        if args.json:
            json.dump([summary_to_dict(s) for s in view.snapshots], out, indent=2)
            out.write("\n")
        elif not view.snapshots:
            wanted = " with that branch or tag" if args.branch or args.tag else ""
            out.write(f"no snapshots stored{wanted} (codetracker scan PATH|URL stores one)\n")
        else:
            write_table(
                [summary_row(s, scanned_at=True) for s in view.snapshots],
                SUMMARY_COLUMNS + ("package", "last_scanned_at", "source"),
                out,
                **SUMMARY_FIT,
            )
        return EXIT_OK
    (only,) = view.snapshots
    if args.public:
        from codetracker.cli.public_api import write_public_api

        write_public_api(only, view.descriptor, as_json=args.json, out=out)
    elif args.json:
        payload = descriptor_to_dict(view.descriptor, include_files=False)
        payload["snapshot"] = summary_to_dict(only)
        json.dump(payload, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        heading = f"{only.module_slug} {only.branch_name} {only.release_tag} {only.commit_sha or ''}"
        out.write(safe_text(heading) + "\n")
        out.write(safe_text("source: " + describe_source(only.source_location, only.source_subpath)) + "\n")
        write_table(function_rows(view.descriptor.functions), FUNCTION_COLUMNS, out, **FUNCTION_FIT)
    return EXIT_OK
