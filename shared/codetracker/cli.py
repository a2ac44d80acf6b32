"""The `codetracker` command. Thin: parse flags, build a request, call the use cases, print the result.

Which request a command line means (a folder or a repository scan), and which flags apply to which, is the
CLI's own rule; everything about the request's values is validated by the request itself (usecases/requests),
whose messages name fields: `_error_line` turns a field into its flag.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from codetracker.contracts import SUMMARY_FIELDS

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PARSER_CHOICES = ("auto", "tree-sitter", "esprima")


class UsageError(Exception):
    pass


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Once(argparse.Action):
    """A flag that may be given once: a repeat is an error, not a silent override."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            raise UsageError(f"{option_string} is given more than once")
        setattr(namespace, self.dest, values)


def build_parser() -> argparse.ArgumentParser:
    root = _ArgumentParser(prog="codetracker", description="Track the exported functions of JavaScript modules.")
    commands = root.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    # Positionals are optional to argparse and required by the commands: argparse would otherwise report a
    # missing positional before an unknown flag (`scan --frobnicate`), which hides the real mistake.
    extract = commands.add_parser("extract", help="print the descriptor of a folder (no database)")
    extract.add_argument("path", nargs="?", help="folder of JavaScript sources")
    extract.add_argument("--json", action="store_true", help="print the descriptor as JSON")
    extract.add_argument("--slug", action=_Once, help="module slug (default: the folder name, slugified)")
    extract.add_argument("--parser", choices=PARSER_CHOICES, default="auto")
    extract.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="only this package (by its package.json name; repeatable); default: every package",
    )
    extract.add_argument(
        "--explain",
        action=_Once,
        metavar="FILE",
        help="say which package holds FILE (relative to PATH) and which rule publishes or excludes it",
    )

    scan = commands.add_parser(
        "scan",
        help="extract a folder or a git repository and store the snapshot",
        description="PATH is a folder (scanned as it is on disk) or, with --ref or a URL, a git repository "
        "(https://, http://, git://, file:// or a local repository path) fetched at one ref.",
    )
    scan.add_argument("source", nargs="?", metavar="PATH|URL")
    scan.add_argument("--ref", action=_Once, help="git branch, tag or commit sha to scan (required for repositories)")
    scan.add_argument(
        "--branch",
        action=_Once,
        help="branch name of the snapshot (folders in a git checkout: default the checked-out branch)",
    )
    scan.add_argument("--tag", action=_Once, help="release tag of the snapshot (folders: default HEAD)")
    scan.add_argument(
        "--commit",
        action=_Once,
        help="full commit sha to record (folders only, default a checkout's HEAD; repositories record the fetched one)",
    )
    scan.add_argument("--slug", action=_Once, help="module slug (default: the folder or repository name, slugified)")
    scan.add_argument("--parser", choices=PARSER_CHOICES, default="auto")
    scan.add_argument(
        "--token-env",
        metavar="VAR",
        action=_Once,
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

    show = commands.add_parser(
        "show", help="list stored snapshots (of every module, or of one), or one snapshot's functions"
    )
    show.add_argument("slug", nargs="?", help="the module (default: list every stored module's snapshots)")
    show.add_argument("--branch", action=_Once)
    show.add_argument("--tag", action=_Once)
    show.add_argument(
        "--repository",
        action=_Once,
        metavar="ID",
        help="a registered repository's snapshots (the service's, e.g. of a running codetracker dev) instead of "
        "the CLI's own scans",
    )
    show.add_argument("--json", action="store_true")

    db = commands.add_parser("db", help="the database: where it is, and stopping the embedded one")
    db.add_argument(
        "action",
        nargs="?",
        choices=("status", "stop"),
        help="status: print the connection (no password) "
        "and the schema version; stop: stop the embedded Postgres (it otherwise keeps running so the "
        "next command starts fast)",
    )
    redrive = commands.add_parser(
        "redrive",
        help="move a dead-letter queue's messages back to its queue",
        description="Moves every message of the scan, persist or notify dead-letter queue back to its source queue "
        "(SQS StartMessageMoveTask where the endpoint has it, else receive, send, then delete each copied "
        "message). Queue URLs come from CODE_TRACKER_<QUEUE>_QUEUE_URL and CODE_TRACKER_<QUEUE>_DLQ_URL, or the "
        "flags. A redriven notification keeps its webhook-id and starts its attempts again.",
    )
    redrive.add_argument("queue", nargs="?", choices=("scan", "persist", "notify"))
    redrive.add_argument(
        "--dlq-url", action=_Once, help="the dead-letter queue (default: CODE_TRACKER_<QUEUE>_DLQ_URL)"
    )
    redrive.add_argument("--queue-url", action=_Once, help="its source queue (default: CODE_TRACKER_<QUEUE>_QUEUE_URL)")
    _add_dev(commands)
    return root


_DEV_DESCRIPTION = """\
Run the whole system on this machine, from template.yaml, with the Lambda handlers themselves: the embedded
Postgres (or DATABASE_URL / CODE_TRACKER_PG_*), SQS and S3 in moto's server with the template's queues, DLQs,
redrive policies and visibility timeouts, the HTTP API on 127.0.0.1 (API Gateway HTTP API v2 events), one
poller per SQS event source (Lambda's event source mapping: long polls, batch sizes, partial batch
responses) and the template's schedules. Everything listens on 127.0.0.1 only; Ctrl-C or SIGTERM stops it all.
Private repository and callback URLs (127.0.0.1, http://, file://) are allowed in this mode only."""

_DEV_EPILOG = """\
settings (environment):
  CODE_TRACKER_ADMIN_TOKEN            admin token of POST /apps (default: generated, printed once)
  CODE_TRACKER_GITHUB_WEBHOOK_SECRET  secret of GitHub webhooks (default: generated once, kept in the dev dir)
  CODE_TRACKER_ENCRYPTION_KEY         key of the tokens and secrets at rest (default: generated once, kept)
  CODE_TRACKER_DEV_DIR                dev directory: runtime.json (where everything listens), secrets.json,
                                      the lock (default: beside the embedded Postgres, .../codetracker/dev)
  CODE_TRACKER_NOTIFY_MAX_ATTEMPTS, CODE_TRACKER_NOTIFY_BACKOFF_BASE_S, CODE_TRACKER_RETENTION_DAYS, ...
                                      a variable that mirrors a template parameter sets the parameter, so
                                      the queues follow (NotifyMaxAttempts is also the notify queue's
                                      maxReceiveCount); other CODE_TRACKER_* settings reach the functions
                                      in place of the template's literal values

Handler logs (Powertools, JSON) are shown from WARNING up; --parameter-overrides LogLevel=INFO shows more.
Other commands use a running codetracker dev given the same settings: codetracker redrive notify,
codetracker show SLUG --repository ID, codetracker db status."""


def _add_dev(commands) -> None:
    dev = commands.add_parser(
        "dev",
        help="run the whole system locally (API, queues, functions, schedules) from template.yaml",
        description=_DEV_DESCRIPTION,
        epilog=_DEV_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dev.add_argument(
        "--port",
        type=int,
        action=_Once,
        metavar="N",
        help="port of the HTTP API on 127.0.0.1 (default 3000, as sam local start-api)",
    )
    dev.add_argument(
        "--template",
        action=_Once,
        metavar="PATH",
        help="the SAM template (default: ./template.yaml, else the project's)",
    )
    dev.add_argument(
        "--parameter-overrides",
        nargs="+",
        action="append",
        metavar="NAME=VALUE",
        help="template parameters, as sam deploy takes them (NotifyMaxAttempts=3 ScanMaxReceiveCount=2)",
    )
    dev.add_argument(
        "--reconcile-every",
        action=_Once,
        metavar="DURATION",
        help="run the reconciler this often instead of the template's ReconcileSchedule (10s, 5m, 1h; off: never)",
    )
    dev.add_argument(
        "--retention-every",
        action=_Once,
        metavar="DURATION",
        help="run the retention cleanup this often instead of RetentionSchedule (off: never)",
    )
    dev.add_argument(
        "--concurrency",
        type=int,
        action=_Once,
        metavar="N",
        help="instances per function: HTTP API instances, and pollers per SQS event source, never "
        "more than its MaximumConcurrency (default 1)",
    )
    dev.add_argument(
        "--max-visibility-timeout",
        action=_Once,
        metavar="DURATION",
        help="cap every queue's visibility timeout (the template's are 6x the function timeouts, "
        "up to 90 minutes; tests shorten redelivery with this)",
    )
    dev.add_argument(
        "--moto-port",
        type=int,
        action=_Once,
        metavar="N",
        help="port of the moto server on 127.0.0.1 (default: a free one)",
    )
    dev.add_argument(
        "--shutdown-grace",
        action=_Once,
        metavar="DURATION",
        help="how long a stop waits for invocations under way before killing them (default 10s)",
    )
    dev.add_argument(
        "--startup-timeout",
        action=_Once,
        metavar="DURATION",
        help="how long the functions may take to start (default 60s)",
    )


_POSITIONALS = {
    "extract": "PATH",
    "scan": "PATH|URL",
    "show": "SLUG",
    "db": "status|stop",
    "redrive": "scan|persist|notify",
}


# --- output -------------------------------------------------------------------------------------------

# The table shows the summary's fields but its scan time, which `show` puts last, with the source.
_SUMMARY_COLUMNS = tuple(name for name in SUMMARY_FIELDS if name != "last_scanned_at")
_FUNCTION_COLUMNS = ("file", "function", "export", "async", "parameters", "returns")
# On a terminal: what identifies a row is never cut; descriptions are cut first.
_FUNCTION_FIT = {"keep": ("file", "function"), "shrink_first": ("parameters", "returns")}
# A summary's source is last and never cut (a row too wide wraps at its end); a sha cut is still recognisable.
_SUMMARY_FIT = {"keep": ("module_slug", "branch_name", "release_tag", "source"), "shrink_first": ("commit_sha",)}

# Request fields → the flags that set them: the core's messages name fields, the CLI's name flags.
_FLAGS = {
    "branch": "--branch",
    "tag": "--tag",
    "commit": "--commit",
    "slug": "--slug",
    "ref": "--ref",
    "package": "--package",
}
_PACKAGE_COLUMNS = ("package", "version", "path", "module_slug", "private", "files", "functions")


def _error_line(error: Exception) -> str:
    from codetracker.errors import FetchLimitExceeded, SnapshotSourceConflict, SourceIsGitRepository
    from codetracker.terminal import safe_text

    message = str(error)
    field = getattr(error, "field", None) or ""
    flag = _FLAGS.get(field)
    if flag and message.startswith(field + " "):
        message = flag + message[len(field) :]
    elif flag:
        message += f" ({flag})"
    if isinstance(error, SourceIsGitRepository):
        message += " (use --ref REF)"
    if isinstance(error, SnapshotSourceConflict):
        message += " (--replace replaces it; --slug stores this scan under another name)"
    if isinstance(error, FetchLimitExceeded) and error.setting:
        message += f" (raise {error.setting} to allow more)"
    return f"codetracker: error: {safe_text(message)}\n"


def _function_rows(functions) -> list[tuple]:
    return [
        (f.file_path, f.name, f.export_type, "async" if f.is_async else "", _signature(f), _returns(f))
        for f in functions
    ]


def _signature(f) -> str:
    parts = []
    for p in f.parameters:
        text = ("..." if p.is_rest else "") + p.name + ("?" if p.is_optional and not p.is_rest else "")
        parts.append(f"{text}: {p.type}" if p.type else text)
    return "(" + ", ".join(parts) + ")"


def _returns(f) -> str:
    return " | ".join(r.type for r in f.return_values if r.type)


def _nothing_found_line(descriptor, extraction) -> str | None:
    """Why an empty result is empty (the summary line says what was not read)."""
    if descriptor.functions:
        return None
    return f"no exported functions found in {extraction.candidates} module files (JavaScript and TypeScript)"


def _read_part(descriptor, extraction) -> str:
    """The end of a summary line, always: type-only exports read, and which files were not read, why."""
    from codetracker.domain.selection import describe_unread_sources

    types = sum(count for _, count in descriptor.type_exports)
    unread = describe_unread_sources(dict(extraction.unread_sources))
    return f"; {types} type exports; {unread}" if types else f"; {unread}"


# --- commands -----------------------------------------------------------------------------------------


def _required(args: argparse.Namespace, name: str) -> str:
    value = getattr(args, name)
    if value is None:
        shown = _POSITIONALS[args.command]
        raise UsageError(f"the following argument is required: {shown} (see 'codetracker {args.command} --help')")
    return value


def _opener(services, progress):
    return lambda path: services.open_folder(path, walk_progress=progress.walk)


def _cmd_extract(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker import contracts
    from codetracker.terminal import Progress, write_table
    from codetracker.usecases.extract import ExtractionPorts, extract_folder
    from codetracker.usecases.requests import ExtractFolderRequest

    request = ExtractFolderRequest(
        _required(args, "path"),
        module_slug=args.slug,
        options=services.settings.selection,
        package_names=tuple(args.package or ()),
    )
    with Progress(err) as progress:
        result = extract_folder(
            request,
            open_folder=_opener(services, progress),
            extraction=ExtractionPorts(services.extractor(args.parser), progress=progress),
        )
    descriptor = result.descriptor
    if args.explain is not None:
        return _explain(args.explain, result, out)
    if args.json:
        json.dump(contracts.descriptor_to_dict(descriptor), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    write_table(_function_rows(descriptor.functions), _FUNCTION_COLUMNS, out, **_FUNCTION_FIT)
    out.write(
        f"\n{descriptor.module_slug}: {len(descriptor.functions)} functions in "
        f"{len({f.file_path for f in descriptor.functions})} files; {len(descriptor.problems)} problems"
        f"{_read_part(descriptor, result.stats)}\n"
    )
    for problem in descriptor.problems:
        where = f":{problem.line}:{problem.column}" if problem.line is not None else ""
        out.write(f"  {problem.kind} {problem.path}{where}: {problem.reason}\n")
    if descriptor.packages:
        out.write("\n")
        write_table(_package_rows(descriptor), _PACKAGE_COLUMNS, out)
    empty = _nothing_found_line(descriptor, result.stats)
    if empty:
        out.write(empty + "\n")
    return EXIT_OK


def _package_rows(descriptor) -> list[tuple]:
    """One row per package: what it publishes and the functions found in it."""
    rows = []
    for package in descriptor.packages:
        published = set(package.files)
        functions = sum(1 for f in descriptor.functions if f.file_path in published)
        rows.append(
            (
                package.name,
                package.version or "",
                package.path or ".",
                package.module_slug,
                "private" if package.private else "",
                len(package.files),
                functions,
            )
        )
    return rows


def _explain(path: str, result, out: TextIO) -> int:
    from codetracker.terminal import safe_text

    if result.packages is None:
        out.write(safe_text(f"{path}: the tree has no package.json: every module file is one module's") + "\n")
        return EXIT_OK
    out.write(safe_text(result.packages.explain(path, result.descriptor.files)) + "\n")
    return EXIT_OK


def _is_repository(source: str, ref: str | None) -> bool:
    return "://" in source or ref is not None or source.startswith("git@")


def _credentials(args: argparse.Namespace, env):
    if not args.token_env:
        return None
    from codetracker.ports import Credentials

    token = env.get(args.token_env)
    if not token:
        raise UsageError(f"environment variable {args.token_env} is not set or empty (--token-env)")
    # GitHub and most hosts accept a token as the password with any user name.
    return Credentials(username="x-access-token", password=token)


def _cmd_scan(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker import contracts
    from codetracker.terminal import Progress, write_table
    from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
    from codetracker.usecases.persist import persist_scan
    from codetracker.usecases.requests import FolderScanRequest, RepositoryScanRequest
    from codetracker.domain.snapshot_keys import HEAD_TAG
    from codetracker.usecases.extract import ExtractionPorts
    from codetracker.usecases.scan import FetchPorts, scan_folder, scan_repository

    source = _required(args, "source")
    cache = UnitOfWorkBlobCache(services.unit_of_work)
    settings = services.settings
    with Progress(err) as progress:
        extraction = ExtractionPorts(services.extractor(args.parser), cache=cache, progress=progress)
        if _is_repository(source, args.ref):
            if not args.ref:
                raise UsageError("--ref is required when scanning a repository URL")
            if args.commit:
                raise UsageError("--commit applies to folder scans; a repository scan records the fetched commit")
            request = RepositoryScanRequest(
                source,
                args.ref,
                branch_name=args.branch,
                release_tag=args.tag,
                module_slug=args.slug,
                credentials=_credentials(args, os.environ),
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
            checkout = services.find_checkout(source)
            request = FolderScanRequest(
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
                request, open_folder=_opener(services, progress), clock=services.clock, extraction=extraction
            )
    if result.descriptor.packages:
        return _persist_packages(args, result, services, out)
    summary = persist_scan(result, unit_of_work=services.unit_of_work, replace_source=args.replace).summary
    if args.json:
        json.dump(contracts.scan_outcome_to_dict(summary, result), out, indent=2)
        out.write("\n")
        return EXIT_OK
    write_table([_summary_row(summary)], _SUMMARY_COLUMNS + ("source",), out, **_SUMMARY_FIT)
    stats = result.extraction
    line = f"{stats.candidates} module files: {stats.parsed} extracted, {stats.cache_hits} from the cache"
    fetch = result.fetch
    if fetch is not None and fetch.transport == "local":
        line += "; read in place from the local repository"
    elif fetch is not None:
        how = "trees first, then the blobs needed" if fetch.used_filter else "full depth-1 fetch"
        line += f"; fetched {fetch.bytes_received:,} bytes ({how})"
    out.write(line + _read_part(result.descriptor, stats) + "\n")
    empty = _nothing_found_line(result.descriptor, stats)
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


def _summary_row(summary, *, scanned_at: bool = False) -> list:
    from codetracker import contracts
    from codetracker.domain.snapshot_sources import describe_source

    row = contracts.summary_to_dict(summary)
    # The listing (scanned_at) names each snapshot's package, "gone" when it left the tree.
    package = (summary.package_name or "") + (" (gone)" if summary.removed_from_tree_at else "")
    cells = [row[k] for k in _SUMMARY_COLUMNS] + ([package, row["last_scanned_at"]] if scanned_at else [])
    return cells + [describe_source(summary.source_location, summary.source_subpath)]


def _package_names(args: argparse.Namespace) -> tuple[str, ...] | None:
    if not (args.packages or args.package):
        return None
    if args.slug is not None:
        raise UsageError("--slug names one module; with --packages each package takes the slug of its name")
    return tuple(args.package or ())


def _persist_packages(args: argparse.Namespace, result, services, out: TextIO) -> int:
    """One snapshot per package, stored together; one row (or JSON outcome) per package."""
    from codetracker import contracts
    from codetracker.terminal import safe_text, write_table
    from codetracker.usecases.package_scan import persist_package_scans, split_by_package

    tag = result.key.release_tag if result.ref_kind == "tag" and args.tag is None else None
    scan = split_by_package(result, tag=tag)
    stored = persist_package_scans(scan, unit_of_work=services.unit_of_work)
    results, persisted = scan.results, stored.persisted
    if args.json:
        outcomes = [contracts.scan_outcome_to_dict(p.summary, r) for p, r in zip(persisted, results, strict=True)]
        outcomes += [contracts.summary_to_dict(s) for s in stored.removed]
        json.dump(outcomes, out, indent=2)
        out.write("\n")
        return EXIT_OK
    write_table([_summary_row(p.summary) for p in persisted], _SUMMARY_COLUMNS + ("source",), out, **_SUMMARY_FIT)
    stats = result.extraction
    out.write(
        f"{len(results)} packages; {stats.candidates} module files: {stats.parsed} extracted, "
        f"{stats.cache_hits} from the cache\n"
    )
    for gone in stored.removed:
        out.write(safe_text(f"{gone.module_slug}: no longer in the tree; its snapshot is marked removed\n"))
    return EXIT_OK


def _cmd_show(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker import contracts
    from codetracker.domain.snapshot_sources import describe_source
    from codetracker.terminal import safe_text, write_table
    from codetracker.usecases.requests import SnapshotQuery
    from codetracker.usecases.snapshots import show_snapshots

    scope = {}
    if args.repository is not None:
        from codetracker.domain.service import registration_scope

        scope["scope"] = registration_scope(args.repository.strip().lower())
    query = SnapshotQuery(args.slug, args.branch, args.tag, **scope)
    view = show_snapshots(query, unit_of_work=services.unit_of_work)
    if view.descriptor is None:
        if args.json:
            json.dump([contracts.summary_to_dict(s) for s in view.snapshots], out, indent=2)
            out.write("\n")
        elif not view.snapshots:
            wanted = " with that branch or tag" if args.branch or args.tag else ""
            out.write(f"no snapshots stored{wanted} (codetracker scan PATH|URL stores one)\n")
        else:
            write_table(
                [_summary_row(s, scanned_at=True) for s in view.snapshots],
                _SUMMARY_COLUMNS + ("package", "last_scanned_at", "source"),
                out,
                **_SUMMARY_FIT,
            )
        return EXIT_OK
    (only,) = view.snapshots
    if args.json:
        payload = contracts.descriptor_to_dict(view.descriptor, include_files=False)
        payload["snapshot"] = contracts.summary_to_dict(only)
        json.dump(payload, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        heading = f"{only.module_slug} {only.branch_name} {only.release_tag} {only.commit_sha or ''}"
        out.write(safe_text(heading) + "\n")
        out.write(safe_text("source: " + describe_source(only.source_location, only.source_subpath)) + "\n")
        write_table(_function_rows(view.descriptor.functions), _FUNCTION_COLUMNS, out, **_FUNCTION_FIT)
    return EXIT_OK


def _cmd_db(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.adapters.postgres.connection import redacted
    from codetracker.local.embedded_postgres import stop_embedded_postgres

    action = _required(args, "action")
    database = services.settings.database
    if action == "stop":
        if not database.embedded:
            raise UsageError("the database is configured (DATABASE_URL or CODE_TRACKER_PG_*): nothing to stop")
        stopped = stop_embedded_postgres(database.embedded_data_dir)
        out.write(f"embedded Postgres in {database.embedded_data_dir}: {'stopped' if stopped else 'was not running'}\n")
        return EXIT_OK
    where = f"embedded Postgres in {database.embedded_data_dir}" if database.embedded else "configured"
    version, applied = services.database.schema_version()
    out.write(f"database: {redacted(database.conninfo_source()())} ({where})\n")
    out.write(f"schema version: {version} ({applied} migrations applied)\n")
    running = _running_dev(os.environ)
    if running is not None:
        out.write(
            f"codetracker dev: running (pid {running['pid']}), API {running['api_url']}, "
            f"SQS/S3 {running['endpoint_url']}\n"
        )
    return EXIT_OK


def _use_running_dev(env) -> None:
    """Queue settings absent and a `codetracker dev` running with these settings: act on its queues (its SQS
    endpoint and queue URLs from the record it keeps), as on AWS with the stack's outputs."""
    if any(env.get(f"CODE_TRACKER_{q}_DLQ_URL") for q in ("SCAN", "PERSIST", "NOTIFY")):
        return
    running = _running_dev(env)
    if running is None:
        return
    from codetracker.local.record import runtime_environment

    for name, value in runtime_environment(running).items():
        if name.startswith("AWS_") or not env.get(name):
            env[name] = value


def _running_dev(env):
    """The record of a `codetracker dev` running with these settings, or None."""
    try:
        from codetracker.local.record import read_runtime
    except ImportError:  # the Lambda layer has no codetracker.local
        return None
    return read_runtime(env)


def _cmd_dev(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.local.plan import PlanError, parameter_overrides, parse_duration
    from codetracker.local.runtime import DEFAULT_PORT, DevError, DevOptions, DevRuntime, template_path

    def duration(value: str | None, flag: str, default: float | None = None, *, off: bool = False) -> float | None:
        if value is None:
            return default
        if off and value.strip().lower() == "off":
            return None
        try:
            return parse_duration(value)
        except PlanError as error:
            raise UsageError(f"{flag}: {error}") from None

    port = DEFAULT_PORT if args.port is None else args.port
    if not 0 <= port < 65536:
        raise UsageError("--port must be a TCP port number (0: any free port)")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be 1 or more")
    try:
        overrides = parameter_overrides([" ".join(items) for items in args.parameter_overrides or []])
    except PlanError as error:
        raise UsageError(f"--parameter-overrides: {error}") from None
    every = {}
    for flag, function_id, value in (
        ("--reconcile-every", "ReconcilerFunction", args.reconcile_every),
        ("--retention-every", "RetentionFunction", args.retention_every),
    ):
        if value is not None:
            every[function_id] = duration(value, flag, off=True)
    visibility = duration(args.max_visibility_timeout, "--max-visibility-timeout")
    try:
        options = DevOptions(
            template=template_path(args.template),
            port=port,
            parameter_overrides=overrides,
            schedule_every=every,
            concurrency=args.concurrency or 1,
            max_visibility_timeout_s=max(0, int(round(visibility))) if visibility is not None else None,
            moto_port=args.moto_port or 0,
            shutdown_grace_s=duration(args.shutdown_grace, "--shutdown-grace", 10.0),
            startup_timeout_s=duration(args.startup_timeout, "--startup-timeout", 60.0),
        )
        return DevRuntime(options, out=out).run()
    except DevError as error:
        raise UsageError(str(error)) from None


def _cmd_redrive(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.usecases.redrive import redrive

    queue = _required(args, "queue")
    configured = services.settings.pipeline.queue(queue)
    outcome = redrive(
        queue,
        mover=services.dead_letters,
        dead_letter_url=args.dlq_url or configured.dlq_url,
        queue_url=args.queue_url or configured.url,
    )
    if outcome.method == "move_task":
        out.write(f"{queue}: a message move task was started (task {outcome.task_handle}); SQS moves the messages\n")
    else:
        out.write(f"{queue}: {outcome.moved} message(s) moved back from the dead-letter queue\n")
    return EXIT_OK


_COMMANDS = {
    "extract": _cmd_extract,
    "scan": _cmd_scan,
    "show": _cmd_show,
    "db": _cmd_db,
    "redrive": _cmd_redrive,
    "dev": _cmd_dev,
}


def main(
    argv: Sequence[str] | None = None, *, services=None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from codetracker.errors import CodetrackerError

    owns_services = services is None
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError(
                "a command is required: extract, scan, show, db, redrive or dev (see 'codetracker --help')"
            )
        if services is None and args.command != "dev":
            from codetracker.local.embedded_postgres import embedded_conninfo
            from codetracker.settings import Settings
            from codetracker.wiring import Services

            if args.command == "redrive":
                _use_running_dev(os.environ)
            services = Services(Settings.from_env(embedded_conninfo=embedded_conninfo))
        return _COMMANDS[args.command](args, services, out, err)
    except UsageError as error:
        err.write(f"codetracker: error: {error}\n")
        return EXIT_USAGE
    except CodetrackerError as error:
        err.write(_error_line(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("codetracker: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if os.environ.get("CODETRACKER_DEBUG"):
            raise
        err.write(
            f"codetracker: internal error: {type(error).__name__}: {error} (set CODETRACKER_DEBUG=1 for a traceback)\n"
        )
        return EXIT_INTERNAL
    finally:
        if owns_services and services is not None:
            try:
                services.close()
            except KeyboardInterrupt:
                pass  # a second Ctrl-C while closing: the first one's message is already out


if __name__ == "__main__":
    sys.exit(main())
