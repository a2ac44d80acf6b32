"""Parsers for the parallel-extraction tests. They travel to the worker processes pickled, so they live
in a module a worker can import (no pytest here), and keep no state but plain values."""

from __future__ import annotations

import os
import signal
import time

from codetracker.parsing import get_parser

KILL_MARKER = "/* KILL THIS WORKER */"
RAISE_MARKER = "/* RAISE IN THE PARSER */"


class TreeSitterCommonJs:
    """CommonJS files are read as tree-sitter reads them, for every parser here (their ES module reading is
    what the tests vary)."""

    def parse_commonjs(self, source: str):
        return get_parser("tree-sitter").parse_commonjs(source)


class KillerParser(TreeSitterCommonJs):
    """tree-sitter, except that a source containing KILL_MARKER kills the process parsing it with
    SIGKILL (as the OOM killer would) - unless that process is `spare_pid` (the test itself), where each
    parse takes `spare_delay` seconds more: the test process parses only the first few files, while its
    workers start, and the marked files further on reach the workers."""

    name = "killer"

    def __init__(self, spare_pid: int, spare_delay: float = 0.05) -> None:
        self.spare_pid = spare_pid
        self.spare_delay = spare_delay

    def parse(self, source: str):
        if os.getpid() == self.spare_pid:
            time.sleep(self.spare_delay)
        elif KILL_MARKER in source:
            os.kill(os.getpid(), signal.SIGKILL)
        return get_parser("tree-sitter").parse(source)


class RaisingParser(TreeSitterCommonJs):
    """tree-sitter, except that a source containing RAISE_MARKER raises an unexpected error."""

    name = "raising"

    def parse(self, source: str):
        if RAISE_MARKER in source:
            raise LookupError("unexpected parser bug")
        return get_parser("tree-sitter").parse(source)


class SlowParser(TreeSitterCommonJs):
    """tree-sitter after a pause: keeps workers busy long enough to interrupt a scan."""

    name = "slow"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def parse(self, source: str):
        time.sleep(self.seconds)
        return get_parser("tree-sitter").parse(source)


class SlowInWorkersParser(TreeSitterCommonJs):
    """tree-sitter, after a pause of `seconds` in every process but `spare_pid` (the test), where each parse
    takes `spare_seconds`: the test process parses files itself while its workers start, and must not get
    through the whole corpus before they are up, however slowly they start under load. With `marks` (a
    folder), each worker leaves `busy-<pid>` there when it starts a file."""

    name = "slow-in-workers"

    def __init__(self, spare_pid: int, seconds: float, marks: str | None = None, spare_seconds: float = 0.0):
        self.spare_pid = spare_pid
        self.seconds = seconds
        self.marks = marks
        self.spare_seconds = spare_seconds

    def parse(self, source: str):
        if os.getpid() == self.spare_pid:
            time.sleep(self.spare_seconds)
        else:
            if self.marks is not None:
                with open(os.path.join(self.marks, f"busy-{os.getpid()}"), "w"):
                    pass
            time.sleep(self.seconds)
        return get_parser("tree-sitter").parse(source)


def marked(marks: str, what: str) -> set[str]:
    """The pids that left `what` marks in the folder `marks`."""
    prefix = f"{what}-"
    return {name[len(prefix) :] for name in os.listdir(marks) if name.startswith(prefix)}


class UnpicklableParser(TreeSitterCommonJs):
    name = "local"

    def __init__(self) -> None:
        self.parse = lambda source: get_parser("tree-sitter").parse(source)


class SemaphoreFreeParser(TreeSitterCommonJs):
    """tree-sitter, after checking that this process cannot use POSIX semaphores (the Lambda test)."""

    name = "semaphore-free"

    def parse(self, source: str):
        try:
            import multiprocessing.synchronize  # noqa: F401
        except ImportError:
            return get_parser("tree-sitter").parse(source)
        raise LookupError(f"process {os.getpid()} can use semaphores: the test set-up did not reach it")


class ParserOnlyHere(TreeSitterCommonJs):
    """A parser whose unpickling fails anywhere but in the process that made it: workers cannot build it."""

    name = "only-here"

    def __init__(self, home_pid: int) -> None:
        self.home_pid = home_pid

    def __setstate__(self, state):
        if os.getpid() != state["home_pid"]:
            raise ImportError("this parser cannot be built in a worker")
        self.__dict__.update(state)

    def parse(self, source: str):
        return get_parser("tree-sitter").parse(source)
