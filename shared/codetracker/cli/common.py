"""What every command shares: exit codes, the one-line usage error, the once-only flag, and the error line
that turns a request field into its flag."""

from __future__ import annotations

import argparse
from typing import NoReturn

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PARSER_CHOICES = ("auto", "tree-sitter", "esprima")


class UsageError(Exception):
    pass


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


class Once(argparse.Action):
    """A flag that may be given once: a repeat is an error, not a silent override."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            raise UsageError(f"{option_string} is given more than once")
        setattr(namespace, self.dest, values)


# The positional each command requires, as its usage names it.
_POSITIONALS = {
    "extract": "PATH",
    "scan": "PATH|URL",
    "show": "SLUG",
    "db": "status|stop",
    "redrive": "scan|persist|notify",
}


def required(args: argparse.Namespace, name: str) -> str:
    """A positional argparse takes as optional (so an unknown flag is reported first) that the command needs."""
    value = getattr(args, name)
    if value is None:
        shown = _POSITIONALS[args.command]
        raise UsageError(f"the following argument is required: {shown} (see 'codetracker {args.command} --help')")
    return value


# Request fields → the flags that set them: the core's messages name fields, the CLI's name flags.
_FLAGS = {
    "branch": "--branch",
    "tag": "--tag",
    "commit": "--commit",
    "slug": "--slug",
    "ref": "--ref",
    "package": "--package",
    "subpath": "--path",
}


def error_line(error: Exception) -> str:
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


def opener(services, progress):
    """The folder opener of a command that shows its walk's progress."""
    return lambda path: services.open_folder(path, walk_progress=progress.walk)


PATH_HELP = (
    "one folder of the tree (relative to its root) scanned as a module of its own, named after the folder "
    "(default: the whole tree)"
)


def in_folder(folder: str, path: str | None) -> str:
    """The folder `--path DIR` names inside `folder` (DIR checked: relative, never leaving it)."""
    if path is None:
        return folder
    import os

    from codetracker.domain.snapshot_sources import tree_folder

    inside = tree_folder(path)
    return os.path.join(folder, inside) if inside else folder
