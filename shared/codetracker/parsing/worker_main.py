"""A parser worker process (started by codetracker.parsing.workers): frames in on stdin, one answer per file
out on stdout, in order; EOF on stdin ends it. It imports what parsing needs only.

Wire format, both ways: frames of an 8-byte big-endian length then a pickle. The parent sends
("parser", spec) then ("batch", [(id, bytes, dialect), ...]); the worker answers ("ready": READY_ID, built,
failure) to the first, and every file on its own, in order, (id, True, FileExtraction) or
(id, False, exception or None, traceback text).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import traceback

from codetracker.domain.extraction import extract_blob
from codetracker.ports.parsing import ModuleParser

HEADER = struct.Struct(">Q")
READY_ID = -1  # the id of a worker's "parser built, send files" answer


def parser_spec(parser: ModuleParser) -> bytes | None:
    """How a worker builds the same parser: by name for a registered backend, else the parser pickled
    (its class must be importable in the worker). None when it cannot travel: then no workers."""
    from codetracker.parsing import PARSER_NAMES, get_parser

    name = getattr(parser, "name", None)
    if name in PARSER_NAMES and get_parser(name) is parser:
        return pickle.dumps(("name", name))
    try:
        return pickle.dumps(("pickle", pickle.dumps(parser)))
    except Exception:  # noqa: BLE001 - an unpicklable parser just parses here
        return None


def _build_parser(spec: bytes) -> ModuleParser:
    how, what = pickle.loads(spec)
    if how == "name":
        from codetracker.parsing import get_parser

        return get_parser(what)
    return pickle.loads(what)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def serve() -> None:
    """A worker's loop: frames in on stdin, one answer per file out on stdout; EOF on stdin ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    out = os.dup(1)
    os.dup2(2, 1)  # a stray print of a library cannot corrupt the answers
    parsers: dict[bytes, ModuleParser] = {}
    parser: ModuleParser | None = None
    try:
        while True:
            header = _read_exactly(0, HEADER.size)
            if header is None:
                return
            frame = _read_exactly(0, HEADER.unpack(header)[0])
            if frame is None:
                return
            kind, payload = pickle.loads(frame)
            if kind == "parser":
                parser = parsers.get(payload)
                built = parser is not None
                if not built:
                    try:
                        parser = parsers[payload] = _build_parser(payload)
                        built = True
                    except Exception:  # noqa: BLE001 - e.g. the parser's class cannot be imported here
                        failure = traceback.format_exc()
                ready = pickle.dumps((READY_ID, True, None) if built else (READY_ID, False, failure))
                _write_all(out, HEADER.pack(len(ready)) + ready)
                if not built:
                    return  # the parent parses this scan's files itself
                continue
            assert parser is not None, "a scan's files come after its parser"
            for ident, content, dialect in payload:
                answer: tuple[object, ...]
                try:
                    answer = (ident, True, extract_blob(content, parser, dialect))
                except Exception as exc:  # noqa: BLE001 - the parent raises it, as the sequential path would
                    try:
                        error: bytes | None = pickle.dumps(exc)
                    except Exception:  # noqa: BLE001
                        error = None
                    answer = (ident, False, error, traceback.format_exc())
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
                _write_all(out, HEADER.pack(len(data)) + data)
    except BrokenPipeError:
        return  # the parent is gone
