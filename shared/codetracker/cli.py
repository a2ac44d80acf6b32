"""The `codetracker` command. Thin: parse arguments, call one use case, print the result."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from codetracker.contracts import SUMMARY_FIELDS

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2

PARSER_CHOICES = ("auto", "tree-sitter", "esprima")


class UsageError(Exception):
    pass


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    root = _ArgumentParser(prog="codetracker", description="Track the exported functions of JavaScript modules.")
    commands = root.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    extract = commands.add_parser("extract", help="print the descriptor of a folder (no database)")
    extract.add_argument("path", help="folder of JavaScript sources")
    extract.add_argument("--json", action="store_true", help="print the descriptor as JSON")
    extract.add_argument("--slug", help="module slug (default: the folder name, slugified)")
    extract.add_argument("--parser", choices=PARSER_CHOICES, default="auto")

    scan = commands.add_parser(
        "scan",
        help="extract a folder or a git repository and store the snapshot",
        description="PATH is a folder (scanned as it is on disk) or, with --ref or a URL, a git repository "
        "(https://, http://, git://, file:// or a local repository path) fetched at one ref.",
    )
    scan.add_argument("source", metavar="PATH|URL")
    scan.add_argument("--ref", help="git branch, tag or commit sha to scan (required for repositories)")
    scan.add_argument("--branch", help="branch name of the snapshot")
    scan.add_argument("--tag", help="release tag of the snapshot (folders: default HEAD)")
    scan.add_argument("--commit", help="commit sha to record (folders only; repositories record the fetched one)")
    scan.add_argument("--slug", help="module slug (default: the folder or repository name, slugified)")
    scan.add_argument("--parser", choices=PARSER_CHOICES, default="auto")
    scan.add_argument(
        "--token-env",
        metavar="VAR",
        help="name of an environment variable holding an access token for a private repository "
        "(a token is never taken on the command line, where other users could see it)",
    )
    scan.add_argument("--json", action="store_true", help="print the summary as JSON")

    show = commands.add_parser("show", help="list stored snapshots of a module, or one snapshot's functions")
    show.add_argument("slug")
    show.add_argument("--branch")
    show.add_argument("--tag")
    show.add_argument("--json", action="store_true")

    db = commands.add_parser("db", help="the database: where it is, and stopping the embedded one")
    db.add_argument(
        "action",
        choices=("status", "stop"),
        help="status: print the connection (no password) "
        "and the schema version; stop: stop the embedded Postgres (it otherwise keeps running so the "
        "next command starts fast)",
    )
    return root


# --- output -------------------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str], out: TextIO) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() + "\n")


# The table shows the summary's fields but its scan time, which `show` puts last.
_SUMMARY_COLUMNS = tuple(name for name in SUMMARY_FIELDS if name != "last_scanned_at")

# Request fields → the flags that set them: the core's messages name fields, the CLI's name flags.
_FLAGS = {"branch": "--branch", "tag": "--tag", "commit": "--commit", "slug": "--slug", "ref": "--ref"}


def _error_line(error: Exception) -> str:
    message = str(error)
    field = getattr(error, "field", None) or ""
    flag = _FLAGS.get(field)
    if flag and message.startswith(field + " "):
        message = flag + message[len(field) :]
    return f"codetracker: error: {message}\n"


class _ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 200:
            return
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\rextracting [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")


# --- commands -----------------------------------------------------------------------------------------


def _cmd_extract(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker import contracts
    from codetracker.usecases.extract import extract_folder
    from codetracker.usecases.requests import ExtractFolderRequest

    bar = _ProgressBar(err)
    result = extract_folder(
        ExtractFolderRequest(args.path, module_slug=args.slug),
        open_folder=services.open_folder,
        parser=services.parser(args.parser),
        options=services.settings.selection,
        progress=bar,
    )
    bar.finish()
    descriptor = result.descriptor
    if args.json:
        json.dump(contracts.descriptor_to_dict(descriptor), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    rows = [
        (f.file_path, f.name, f.export_type, "async" if f.is_async else "", _signature(f)) for f in descriptor.functions
    ]
    _table(rows, ("file", "function", "export", "", "parameters"), out)
    out.write(
        f"\n{descriptor.module_slug}: {len(descriptor.functions)} functions in "
        f"{len({f.file_path for f in descriptor.functions})} files; {len(descriptor.problems)} problems\n"
    )
    for problem in descriptor.problems:
        where = f":{problem.line}:{problem.column}" if problem.line is not None else ""
        out.write(f"  {problem.kind} {problem.path}{where}: {problem.reason}\n")
    return EXIT_OK


def _signature(f) -> str:
    parts = []
    for p in f.parameters:
        text = ("..." if p.is_rest else "") + p.name + ("?" if p.is_optional and not p.is_rest else "")
        parts.append(f"{text}: {p.type}" if p.type else text)
    return "(" + ", ".join(parts) + ")"


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
    from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
    from codetracker.usecases.persist import persist_scan
    from codetracker.usecases.requests import FolderScanRequest, RepositoryScanRequest
    from codetracker.domain.snapshot_keys import HEAD_TAG
    from codetracker.usecases.scan import scan_folder, scan_repository

    bar = _ProgressBar(err)
    cache = UnitOfWorkBlobCache(services.unit_of_work)
    settings = services.settings
    if _is_repository(args.source, args.ref):
        if not args.ref:
            raise UsageError("--ref is required when scanning a repository URL")
        if args.commit:
            raise UsageError("--commit applies to folder scans; a repository scan records the fetched commit")
        request = RepositoryScanRequest(
            args.source,
            args.ref,
            branch_name=args.branch,
            release_tag=args.tag,
            module_slug=args.slug,
            credentials=_credentials(args, os.environ),
        )
        result = scan_repository(
            request,
            fetcher=services.fetcher,
            parser=services.parser(args.parser),
            clock=services.clock,
            cache=cache,
            limits=settings.fetch_limits,
            options=settings.selection,
            progress=bar,
        )
    else:
        if args.token_env:
            raise UsageError("--token-env applies to repository scans")
        if not args.branch:
            raise UsageError("--branch is required when scanning a folder")
        request = FolderScanRequest(
            args.source,
            args.branch,
            release_tag=args.tag if args.tag is not None else HEAD_TAG,
            commit_sha=args.commit,
            module_slug=args.slug,
        )
        result = scan_folder(
            request,
            open_folder=services.open_folder,
            parser=services.parser(args.parser),
            clock=services.clock,
            cache=cache,
            options=settings.selection,
            progress=bar,
        )
    bar.finish()
    summary = persist_scan(result, unit_of_work=services.unit_of_work).summary
    if args.json:
        json.dump(contracts.scan_outcome_to_dict(summary, result), out, indent=2)
        out.write("\n")
    else:
        row = contracts.summary_to_dict(summary)
        _table([[row[k] for k in _SUMMARY_COLUMNS]], _SUMMARY_COLUMNS, out)
        stats = result.extraction
        line = f"{stats.candidates} module files: {stats.parsed} extracted, {stats.cache_hits} from the cache"
        if result.fetch is not None:
            how = "trees first, then the blobs needed" if result.fetch.used_filter else "full depth-1 fetch"
            line += f"; fetched {result.fetch.bytes_received:,} bytes ({how})"
        out.write(line + "\n")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker import contracts
    from codetracker.usecases.requests import SnapshotQuery
    from codetracker.usecases.snapshots import show_snapshots

    view = show_snapshots(SnapshotQuery(args.slug, args.branch, args.tag), unit_of_work=services.unit_of_work)
    if view.descriptor is None:
        if args.json:
            json.dump([contracts.summary_to_dict(s) for s in view.snapshots], out, indent=2)
            out.write("\n")
        else:
            rows = [contracts.summary_to_dict(s) for s in view.snapshots]
            _table(
                [[row[k] for k in _SUMMARY_COLUMNS] + [row["last_scanned_at"]] for row in rows],
                _SUMMARY_COLUMNS + ("last_scanned_at",),
                out,
            )
        return EXIT_OK
    (only,) = view.snapshots
    if args.json:
        payload = contracts.descriptor_to_dict(view.descriptor, include_files=False)
        payload["snapshot"] = contracts.summary_to_dict(only)
        json.dump(payload, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(f"{only.module_slug} {only.branch_name} {only.release_tag} {only.commit_sha or ''}\n")
        _table(
            [
                (f.file_path, f.name, f.export_type, "async" if f.is_async else "", _signature(f))
                for f in view.descriptor.functions
            ],
            ("file", "function", "export", "", "parameters"),
            out,
        )
    return EXIT_OK


def _cmd_db(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.adapters import postgres_connection

    database = services.settings.database
    if args.action == "stop":
        if not database.embedded:
            raise UsageError("the database is configured (DATABASE_URL or CODE_TRACKER_PG_*): nothing to stop")
        stopped = postgres_connection.stop_embedded_postgres(database.embedded_data_dir)
        out.write(f"embedded Postgres in {database.embedded_data_dir}: {'stopped' if stopped else 'was not running'}\n")
        return EXIT_OK
    where = f"embedded Postgres in {database.embedded_data_dir}" if database.embedded else "configured"
    version, applied = services.database.schema_version()
    out.write(f"database: {postgres_connection.redacted(database.conninfo_source()())} ({where})\n")
    out.write(f"schema version: {version} ({applied} migrations applied)\n")
    return EXIT_OK


_COMMANDS = {"extract": _cmd_extract, "scan": _cmd_scan, "show": _cmd_show, "db": _cmd_db}


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
            raise UsageError("a command is required: extract, scan, show or db (see 'codetracker --help')")
        if services is None:
            from codetracker.settings import Settings
            from codetracker.wiring import Services

            services = Services(Settings.from_env(allow_embedded_database=True))
        return _COMMANDS[args.command](args, services, out, err)
    except UsageError as error:
        err.write(f"codetracker: error: {error}\n")
        return EXIT_USAGE
    except CodetrackerError as error:
        err.write(_error_line(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("codetracker: interrupted\n")
        return 130
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
            services.close()


if __name__ == "__main__":
    sys.exit(main())
