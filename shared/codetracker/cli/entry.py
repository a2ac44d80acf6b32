"""The command line: the parser of every command, and `main`, which runs one and turns every error into one
line and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from codetracker.cli import db, extract, redrive, scan, show
from codetracker.cli.common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    OneLineArgumentParser,
    UsageError,
    error_line,
)

_COMMANDS = {"extract": extract, "scan": scan, "show": show, "db": db, "redrive": redrive}


def _commands() -> dict:
    """The commands of this install: `dev` is local-only, absent where `codetracker.local` is not shipped."""
    try:
        from codetracker.local import cli as dev
    except ImportError:
        return _COMMANDS
    return {**_COMMANDS, "dev": dev}


def build_parser(commands: dict | None = None):
    root = OneLineArgumentParser(prog="codetracker", description="Track the exported functions of JavaScript modules.")
    subparsers = root.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    for command in (commands or _commands()).values():
        command.add_parser(subparsers)
    return root


def main(
    argv: Sequence[str] | None = None, *, services=None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    from codetracker.errors import CodetrackerError

    owns_services = services is None
    try:
        commands = _commands()
        args = build_parser(commands).parse_args(argv)
        if args.command is None:
            raise UsageError(
                "a command is required: extract, scan, show, db, redrive or dev (see 'codetracker --help')"
            )
        if services is None and args.command != "dev":
            from codetracker.local.embedded_postgres import embedded_conninfo
            from codetracker.settings import Settings
            from codetracker.wiring import Services

            if args.command == "redrive":
                from codetracker.cli.running_dev import use_running_dev

                use_running_dev(os.environ)
            services = Services(Settings.from_env(embedded_conninfo=embedded_conninfo))
        return commands[args.command].run(args, services, out, err)
    except UsageError as error:
        err.write(f"codetracker: error: {error}\n")
        return EXIT_USAGE
    except CodetrackerError as error:
        err.write(error_line(error))
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
