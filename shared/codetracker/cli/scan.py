"""`codetracker scan PATH|URL`: extract a folder or a git repository and store the snapshot (or one per
package). Which request a command line means, and which flags apply to which, is the CLI's own rule."""

from __future__ import annotations

import argparse
import json
import os
from typing import TextIO

from codetracker.cli.common import EXIT_OK, PARSER_CHOICES, PATH_HELP, Once, UsageError, in_folder, opener, required
from codetracker.cli.output import SUMMARY_COLUMNS, SUMMARY_FIT, nothing_found_line, read_part, summary_row


def add_parser(commands) -> None:
    scan = commands.add_parser(
        "scan",
        help="extract a folder or a git repository and store the snapshot",
        description="PATH is a folder (scanned as it is on disk) or, with --ref or a URL, a git repository "
        "(https://, http://, git://, file:// or a local repository path) fetched at one ref.",
    )
    scan.add_argument("source", nargs="?", metavar="PATH|URL")
    scan.add_argument("--ref", action=Once, help="git branch, tag or commit sha to scan (required for repositories)")
    scan.add_argument(
        "--branch",
        action=Once,
        help="branch name of the snapshot (folders in a git checkout: default the checked-out branch)",
    )
    scan.add_argument("--tag", action=Once, help="release tag of the snapshot (folders: default HEAD)")
    scan.add_argument(
        "--commit",
        action=Once,
        help="full commit sha to record (folders only, default a checkout's HEAD; repositories record the fetched one)",
    )
    scan.add_argument("--slug", action=Once, help="module slug (default: the folder or repository name, slugified)")
    scan.add_argument("--parser", choices=PARSER_CHOICES, default="auto")
    scan.add_argument(
        "--token-env",
        metavar="VAR",
        action=Once,
        help="name of an environment variable holding an access token for a private repository "
        "(a token is never taken on the command line, where other users could see it)",
    )
    scan.add_argument(
        "--replace",
        action="store_true",
        help="replace the snapshot even when it was scanned from another source (another repository or folder)",
    )
    scan.add_argument("--json", action="store_true", help="print the summary as JSON")
    scan.add_argument(
        "--packages",
        action="store_true",
        help="store one snapshot per npm package of the tree (its package.json name as the slug), all in one "
        "transaction; a tag written name@1.2.3 or name-v1.2.3 is a release of that package only",
    )
    scan.add_argument(
        "--package", action="append", metavar="NAME", help="like --packages, only this package (repeatable)"
    )
    scan.add_argument("--path", dest="in_folder", action=Once, metavar="DIR", help=PATH_HELP)


def _is_repository(source: str, ref: str | None) -> bool:
    return "://" in source or ref is not None or source.startswith("git@")


def _credentials(args: argparse.Namespace, env):
    if not args.token_env:
        return None
    from codetracker.ports.git import Credentials

    token = env.get(args.token_env)
    if not token:
        raise UsageError(f"environment variable {args.token_env} is not set or empty (--token-env)")
    # GitHub and most hosts accept a token as the password with any user name.
    return Credentials(username="x-access-token", password=token)


def run(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.contracts.cli_output import scan_outcome_to_dict
    from codetracker.terminal import Progress, write_table
    from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
    from codetracker.usecases.persist import persist_scan
    from codetracker.usecases.scan_requests import ScanFolderRequest, ScanRepositoryRequest
    from codetracker.domain.snapshot_keys import HEAD_TAG
    from codetracker.usecases.extract import ExtractionPorts
    from codetracker.usecases.scan import FetchPorts, scan_folder, scan_repository

    source = required(args, "source")
    cache = UnitOfWorkBlobCache(services.unit_of_work)
    settings = services.settings
    with Progress(err) as progress:
        extraction = ExtractionPorts(services.extractor(args.parser), cache=cache, progress=progress)
        if _is_repository(source, args.ref):
            if not args.ref:
                raise UsageError("--ref is required when scanning a repository URL")
            if args.commit:
                raise UsageError("--commit applies to folder scans; a repository scan records the fetched commit")
            request = ScanRepositoryRequest(
                source,
                args.ref,
                branch_name=args.branch,
                release_tag=args.tag,
                module_slug=args.slug,
                credentials=_credentials(args, os.environ),
                subpath=args.in_folder or "",
                options=settings.selection,
                package_names=_package_names(args),
            )
            result = scan_repository(
                request,
                fetching=FetchPorts(services.fetcher, limits=settings.fetch_limits, progress=progress.fetch),
                clock=services.clock,
                extraction=extraction,
            )
        else:
            if args.token_env:
                raise UsageError("--token-env applies to repository scans")
            source = in_folder(source, args.in_folder)
            checkout = services.find_checkout(source)
            folder_request = ScanFolderRequest(
                source,
                _folder_branch(args.branch, checkout),
                release_tag=args.tag if args.tag is not None else HEAD_TAG,
                commit_sha=args.commit or (checkout.commit_sha if checkout else None),
                module_slug=args.slug,
                checkout_root=checkout.root if checkout else None,
                options=settings.selection,
                package_names=_package_names(args),
            )
            result = scan_folder(
                folder_request, open_folder=opener(services, progress), clock=services.clock, extraction=extraction
            )
    if result.descriptor.packages:
        return _persist_packages(args, result, services, out)
    summary = persist_scan(result, unit_of_work=services.unit_of_work, replace_source=args.replace).summary
    if args.json:
        json.dump(scan_outcome_to_dict(summary, result), out, indent=2)
        out.write("\n")
        return EXIT_OK
    write_table([summary_row(summary)], SUMMARY_COLUMNS + ("source",), out, **SUMMARY_FIT)
    stats = result.extraction
    line = f"{stats.candidates} module files: {stats.parsed} extracted, {stats.cache_hits} from the cache"
    fetch = result.fetch
    if fetch is not None and fetch.transport == "local":
        line += "; read in place from the local repository"
    elif fetch is not None:
        how = "trees first, then the blobs needed" if fetch.used_filter else "full depth-1 fetch"
        line += f"; fetched {fetch.bytes_received:,} bytes ({how})"
    out.write(line + read_part(result.descriptor, stats) + "\n")
    empty = nothing_found_line(result.descriptor, stats)
    if empty:
        out.write(empty + "\n")
    return EXIT_OK


def _folder_branch(given: str | None, checkout) -> str:
    """The branch of a folder scan: the one given, else the checked-out branch of the checkout holding it."""
    if given is not None:
        return given
    if checkout is None:
        raise UsageError("--branch is required when scanning a folder that is not in a git checkout")
    if checkout.branch is None:
        from codetracker.terminal import safe_text

        raise UsageError(f"--branch is required: the git checkout at {safe_text(checkout.root)} has a detached HEAD")
    return checkout.branch


def _package_names(args: argparse.Namespace) -> tuple[str, ...] | None:
    if not (args.packages or args.package):
        return None
    if args.slug is not None:
        raise UsageError("--slug names one module; with --packages each package takes the slug of its name")
    return tuple(args.package or ())


def _persist_packages(args: argparse.Namespace, result, services, out: TextIO) -> int:
    """One snapshot per package, stored together; one row (or JSON outcome) per package."""
    from codetracker.contracts.cli_output import scan_outcome_to_dict, summary_to_dict
    from codetracker.terminal import safe_text, write_table
    from codetracker.usecases.package_scan import persist_package_scans, split_by_package

    tag = result.key.release_tag if result.ref_kind == "tag" and args.tag is None else None
    scan = split_by_package(result, tag=tag)
    stored = persist_package_scans(scan, unit_of_work=services.unit_of_work)
    results, persisted = scan.results, stored.persisted
    if args.json:
        outcomes = [scan_outcome_to_dict(p.summary, r) for p, r in zip(persisted, results, strict=True)]
        outcomes += [summary_to_dict(s) for s in stored.removed]
        json.dump(outcomes, out, indent=2)
        out.write("\n")
        return EXIT_OK
    write_table([summary_row(p.summary) for p in persisted], SUMMARY_COLUMNS + ("source",), out, **SUMMARY_FIT)
    stats = result.extraction
    out.write(
        f"{len(results)} packages; {stats.candidates} module files: {stats.parsed} extracted, "
        f"{stats.cache_hits} from the cache\n"
    )
    for gone in stored.removed:
        out.write(safe_text(f"{gone.module_slug}: no longer in the tree; its snapshot is marked removed\n"))
    return EXIT_OK
