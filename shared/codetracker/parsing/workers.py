"""Parsing in worker processes, so that one extraction uses every CPU the process may run on.

py-tree-sitter holds the GIL while it parses (threads were measured slower than one thread), so the
work goes to processes. They are plain interpreters started with `subprocess` (fork+exec) and talk to
this process over their stdin/stdout pipes only:

- no multiprocessing machinery at all: no semaphore or lock (AWS Lambda has no /dev/shm, so
  `multiprocessing.Pool`/`Queue` and `ProcessPoolExecutor` fail there), no resource-tracker process, no
  re-import of the parent's `__main__` (what `spawn` and `forkserver` do);
- nothing of the parent is copied into a worker: exec replaces its memory (no lock held by another
  thread, no database socket: every other descriptor is closed), whenever the workers are started;
- a worker imports what parsing needs (codetracker.domain, codetracker.parsing, the parser backend).

Wire format, both ways: frames of an 8-byte big-endian length then a pickle. The parent sends
("parser", spec) then ("batch", [(id, bytes, dialect), ...]); the worker answers every file on its own, in order,
(id, True, FileExtraction) or (id, False, exception or None, traceback text). Results come back in the
order files were read, so the caller sees exactly what the sequential path would give.

Bounded memory: files go to workers in batches (~BATCH_BYTES), each worker has at most
MAX_OUTSTANDING_BYTES of unanswered files, and the parent reads the next file from the tree only when a
worker has room. The parent keeps the bytes of unanswered files only (to re-send them if a worker dies).

A worker that dies (killed, out of memory, crashed) fails the file it was on: recorded as SKIPPED with the
reason ("parser worker died (signal 9)"), never cached. Its other unanswered files go to another worker
or a fresh one. An exception or KeyboardInterrupt in the parent kills and reaps every worker.

After a clean scan the workers stay idle for the next scan of this process (a Lambda container serves
many invocations; starting a worker costs ~0.15 s of CPU), unless ParallelOptions.keep_workers is off;
they exit when this process closes their pipes (`shutdown_workers`, at exit, or when it dies).
"""

from __future__ import annotations

import atexit
import math
import os
import pickle
import selectors
import signal
import struct
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from codetracker.domain.extraction import extract_blob
from codetracker.domain.model import Checkpoint, FileExtraction, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.selection import SelectionOptions, size_skip_reason, source_dialect
from codetracker.ports.parsing import ModuleParser

Outcome = FileExtraction | ScanProblem  # a ScanProblem is about this run only: the caller never caches it

# Measured with bench/threshold.py on 2 cores (bench/README.md, "Where workers pay"): a cold start costs
# ~0.2 s of CPU per worker (interpreter, imports, parser set-up) and this process parses meanwhile, so on
# 2 cores a scan gains from ~0.5 s of sequential parsing (~3 MB, ~500 files of an npm package); below,
# the workers would cost CPU and memory for nothing. Bytes decide when every size is known; the file
# count when some are not (git trees fetched without blob sizes).
DEFAULT_MIN_BYTES = 3_000_000
DEFAULT_MIN_FILES = 500
# Idle workers of an earlier scan at hand: only the round trips remain to pay for (~50 us a file).
DEFAULT_WARM_MIN_BYTES = 256 * 1024
DEFAULT_WARM_MIN_FILES = 50

BATCH_BYTES = 128 * 1024
BATCH_FILES = 64
MAX_OUTSTANDING_BYTES = 2 * BATCH_BYTES
COALESCE_WHEN_QUEUED = BATCH_BYTES
COALESCE_SECONDS = 0.002
_READ_CHUNK = 256 * 1024
_READY = -1  # the id of a worker's "parser built, send files" answer
CHECK_SECONDS = 0.5  # while workers parse, the checkpoint is called at least this often
_HEADER = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class ParallelOptions:
    """How an extraction uses worker processes. The defaults suit every caller; tests and the bench
    override them."""

    workers: int | None = None  # None: one per available CPU; 0 or 1: parse in this process
    min_bytes: int = DEFAULT_MIN_BYTES  # candidate bytes from which workers are started,
    min_files: int = DEFAULT_MIN_FILES  # or candidate files when some sizes are unknown
    warm_min_bytes: int = DEFAULT_WARM_MIN_BYTES  # the same, when idle workers are already running
    warm_min_files: int = DEFAULT_WARM_MIN_FILES
    keep_workers: bool = True  # keep the workers idle after a clean scan, for the next one
    max_restarts: int = 8  # workers started to replace dead ones, per scan; then the rest runs here

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")


SEQUENTIAL = ParallelOptions(workers=1)


@dataclass(slots=True)
class ParallelRun:
    """What one extraction did, filled in when passed to extract_contents (tests, bench, debugging)."""

    workers: int = 1  # 1: parsed in this process
    pids: list[int] = field(default_factory=list)  # every worker that served the scan
    deaths: int = 0
    reused: bool = False  # idle workers of an earlier scan served it
    parsed_here: int = 0  # files parsed in this process (while workers started, or none was left)


def available_cpus() -> int:
    """CPUs this process may run on: its affinity mask (a container's cpuset), capped by a cgroup v2 CPU
    quota when one is set (`docker --cpus`). Not os.cpu_count(), which counts the host's CPUs."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            cpus = min(cpus, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def plan_workers(planned: Sequence[TreeEntry], options: ParallelOptions) -> int:
    """How many workers a scan of `planned` gets; 1 means sequential."""
    wanted = options.workers if options.workers is not None else available_cpus()
    if wanted <= 1 or len(planned) < 2:
        return 1
    warm = _idle_workers() >= 2
    if all(e.size is not None for e in planned):
        enough = sum(e.size for e in planned) >= (options.warm_min_bytes if warm else options.min_bytes)
    else:
        enough = len(planned) >= (options.warm_min_files if warm else options.min_files)
    return min(wanted, len(planned)) if enough else 1


def extract_contents(
    contents: Iterable[tuple[TreeEntry, bytes]],
    parser: ModuleParser,
    *,
    planned: Sequence[TreeEntry],
    max_file_bytes: int,
    options: ParallelOptions | None = None,
    run: ParallelRun | None = None,
    checkpoint: Checkpoint | None = None,
) -> Iterator[tuple[TreeEntry, Outcome]]:
    """Extract every (entry, bytes) of `contents` (typically `tree.read_many(planned)`), in that order.

    `checkpoint` (the scan's time budget) is called before each file parsed here and, while workers parse,
    at least every CHECK_SECONDS: what it raises stops the extraction (and kills the workers).

    Yields (entry, FileExtraction) for a file extracted, (entry, ScanProblem) for a file not extracted in
    this run (over `max_file_bytes`, or its parser worker died): results to cache, and problems not to.
    `planned` (the entries `contents` will give) decides whether workers pay for themselves. Exceptions
    of the parser other than ParseFailure propagate, as in the sequential path."""
    options = options or ParallelOptions()
    run = run if run is not None else ParallelRun()
    workers = plan_workers(planned, options)
    spec = _parser_spec(parser) if workers > 1 else None
    if spec is None:
        return _sequential(contents, parser, max_file_bytes, checkpoint)
    return _parallel(iter(contents), parser, spec, workers, max_file_bytes, options, run, checkpoint)


def shutdown_workers() -> None:
    """Close the pipes of idle workers (they exit) and reap them. Runs at interpreter exit too."""
    with _idle_lock:
        global _idle
        pool, _idle = _idle, None
    if pool is not None:
        pool.close()


# --- in this process ----------------------------------------------------------------------------------


def _one(entry: TreeEntry, content: bytes, parser: ModuleParser, max_file_bytes: int) -> Outcome:
    if len(content) > max_file_bytes:  # trees fetched without blob sizes learn the size only now
        return ScanProblem(
            entry.path, ProblemKind.SKIPPED, size_skip_reason(len(content), SelectionOptions(max_file_bytes))
        )
    return extract_blob(content, parser, source_dialect(entry.path))


def _sequential(
    contents: Iterable[tuple[TreeEntry, bytes]],
    parser: ModuleParser,
    max_file_bytes: int,
    checkpoint: Checkpoint | None = None,
) -> Iterator[tuple[TreeEntry, Outcome]]:
    for entry, content in contents:
        if checkpoint is not None:
            checkpoint()
        yield entry, _one(entry, content, parser, max_file_bytes)


def _parser_spec(parser: ModuleParser) -> bytes | None:
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


# --- the parent's side --------------------------------------------------------------------------------


class _Raise:
    """A worker's exception, raised when the caller reaches that file."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Worker:
    __slots__ = ("proc", "pid", "wfd", "rfd", "wbuf", "rbuf", "sent", "outstanding", "parser_spec", "ready", "broken")

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.pid: int = proc.pid
        self.wfd: int = proc.stdin.fileno()
        self.rfd: int = proc.stdout.fileno()
        os.set_blocking(self.wfd, False)
        self.wbuf = bytearray()
        self.rbuf = bytearray()
        self.sent: deque[tuple[int, int]] = deque()  # (id, bytes) sent and not answered, in order
        self.outstanding = 0
        self.parser_spec: bytes | None = None
        self.ready = False  # it has said so: interpreter started, modules imported, parser built
        self.broken = False  # it could not build the parser (and exits): its files go elsewhere

    def alive(self) -> bool:
        return self.proc.poll() is None

    def queue(self, message: object) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.wbuf += _HEADER.pack(len(payload))
        self.wbuf += payload

    def close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.close_pipes()
        self.proc.wait()


_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); from codetracker.parsing.workers import serve; serve()"
)


def _start_worker() -> _Worker:
    import json
    import subprocess

    if not sys.executable:  # an embedded interpreter: nothing to start
        raise OSError("no Python executable to start parser workers with")
    path = [p for p in sys.path if isinstance(p, str)]
    proc = subprocess.Popen(
        [sys.executable, "-c", _BOOT, json.dumps(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
        close_fds=True,
    )
    return _Worker(proc)


class _Pool:
    def __init__(self, workers: list[_Worker]) -> None:
        self.workers = workers
        self.owner = os.getpid()

    def close(self) -> None:
        """Clean stop: a worker exits when its stdin closes. One still starting (it would read the end of
        its input only once its imports are done) is killed: it holds nothing yet."""
        if self.owner != os.getpid():  # a forked copy of this process: not our children
            return
        for w in self.workers:
            if not w.ready:
                w.kill()
            w.close_pipes()
        for w in self.workers:
            try:
                w.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - TimeoutExpired: it is stuck; kill it
                w.kill()
        self.workers = []

    def terminate(self) -> None:
        if self.owner != os.getpid():
            return
        for w in self.workers:
            try:
                w.proc.kill()
            except OSError:
                pass
        for w in self.workers:
            w.kill()
        self.workers = []


_idle: _Pool | None = None
_idle_lock = threading.Lock()
atexit.register(shutdown_workers)


def _idle_workers() -> int:
    pool = _idle
    return len(pool.workers) if pool is not None and pool.owner == os.getpid() else 0


def _checkout(count: int, run: ParallelRun) -> _Pool:
    """Idle workers of an earlier scan (alive ones), topped up with new ones to `count`."""
    global _idle
    with _idle_lock:
        pool, _idle = _idle, None
    workers: list[_Worker] = []
    if pool is not None and pool.owner == os.getpid():
        for w in pool.workers:
            if len(workers) < count and w.alive() and not w.sent and not w.wbuf and not w.rbuf:
                workers.append(w)
            else:
                w.kill()
        run.reused = bool(workers)
    started = _Pool(workers)
    try:
        while len(workers) < count:
            workers.append(_start_worker())
    except BaseException:
        started.terminate()
        raise
    return started


def _release(pool: _Pool, keep: bool) -> None:
    global _idle
    if keep:
        with _idle_lock:
            if _idle is None:
                _idle, pool = pool, None
    if pool is not None:
        pool.close()


def _death_reason(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        return f"parser worker died (signal {-returncode})"
    return f"parser worker died (exit code {returncode})"


def _parallel(
    source: Iterator[tuple[TreeEntry, bytes]],
    parser: ModuleParser,
    spec: bytes,
    count: int,
    max_file_bytes: int,
    options: ParallelOptions,
    run: ParallelRun,
    checkpoint: Checkpoint | None = None,
) -> Iterator[tuple[TreeEntry, Outcome]]:
    try:
        pool = _checkout(count, run)
    except OSError:  # no interpreter to start (an embedded Python, a process limit): parse here
        yield from _sequential(source, parser, max_file_bytes, checkpoint)
        return
    run.workers = count
    run.pids.extend(w.pid for w in pool.workers)
    selector = selectors.DefaultSelector()
    pending: dict[int, tuple[TreeEntry, bytes]] = {}  # sent or to send, not answered: kept to re-send
    requeue: list[int] = []  # ids of a dead worker's files, to send again (sorted)
    ready: dict[int, tuple[TreeEntry, Outcome | _Raise]] = {}
    next_id = 0  # ids are the read order
    next_out = 0
    exhausted = False
    restarts = 0
    clean = False

    def watch(w: _Worker) -> None:
        selector.register(w.rfd, selectors.EVENT_READ, w)
        w.parser_spec = spec
        w.queue(("parser", spec))
        _want_write(w)

    def next_file() -> int | None:
        nonlocal next_id, exhausted
        while not exhausted:
            try:
                entry, content = next(source)
            except StopIteration:
                exhausted = True
                break
            ident = next_id
            next_id += 1
            if len(content) > max_file_bytes:
                ready[ident] = (entry, _one(entry, content, parser, max_file_bytes))
                continue
            pending[ident] = (entry, content)
            return ident
        return None

    def fill(w: _Worker) -> None:
        batch: list[tuple[int, bytes, str]] = []
        size = 0
        while w.outstanding + size < MAX_OUTSTANDING_BYTES and len(batch) < BATCH_FILES and size < BATCH_BYTES:
            ident = requeue.pop(0) if requeue else next_file()
            if ident is None:
                break
            entry, content = pending[ident]
            batch.append((ident, content, source_dialect(entry.path)))
            w.sent.append((ident, len(content)))
            size += len(content)
        if batch:
            w.outstanding += size
            w.queue(("batch", batch))
            _want_write(w)

    def _want_write(w: _Worker) -> None:
        try:
            selector.get_key(w.wfd)
        except KeyError:
            selector.register(w.wfd, selectors.EVENT_WRITE, w)

    def on_death(w: _Worker) -> None:
        nonlocal restarts
        for fd in (w.rfd, w.wfd):
            try:
                selector.unregister(fd)
            except KeyError:
                pass
        try:  # its pipe closes a moment before it can be reaped: wait for the real exit status
            w.proc.wait(timeout=2)
        except Exception:  # noqa: BLE001 - TimeoutExpired: alive with its stdout closed; kill it
            pass
        w.kill()
        pool.workers.remove(w)
        if w.broken:  # no parser in that interpreter: none in a new one either; its files go elsewhere
            requeue.extend(ident for ident, _ in w.sent)
            requeue.sort()
            w.sent.clear()
            return
        run.deaths += 1
        reason = _death_reason(w.proc.returncode)
        if w.sent:
            culprit, _ = w.sent.popleft()
            entry, _ = pending.pop(culprit)
            ready[culprit] = (entry, ScanProblem(entry.path, ProblemKind.SKIPPED, reason))
        requeue.extend(ident for ident, _ in w.sent)
        requeue.sort()
        w.sent.clear()
        if restarts < options.max_restarts and (requeue or not exhausted):
            restarts += 1
            try:
                fresh = _start_worker()
            except OSError:
                return
            pool.workers.append(fresh)
            run.pids.append(fresh.pid)
            watch(fresh)

    def on_readable(w: _Worker) -> None:
        try:
            data = os.read(w.rfd, _READ_CHUNK)
        except OSError:
            data = b""
        if not data:
            on_death(w)
            return
        buf = w.rbuf
        buf += data
        at = 0
        while len(buf) - at >= _HEADER.size:
            (length,) = _HEADER.unpack_from(buf, at)
            end = at + _HEADER.size + length
            if len(buf) < end:
                break
            answer = pickle.loads(memoryview(buf)[at + _HEADER.size : end])
            at = end
            ident = answer[0]
            if ident == _READY:
                w.ready, w.broken = answer[1], not answer[1]
                continue
            sent_id, size = w.sent.popleft()
            if sent_id != ident:  # the protocol is in order; anything else is a bug worth stopping on
                raise RuntimeError(f"parser worker {w.pid} answered file {ident}, expected {sent_id}")
            w.outstanding -= size
            entry, _ = pending.pop(ident)
            if answer[1]:
                ready[ident] = (entry, answer[2])
            else:
                ready[ident] = (entry, _Raise(_worker_error(entry, answer[2], answer[3])))
        del buf[:at]

    def on_writable(w: _Worker) -> None:
        try:
            written = os.write(w.wfd, w.wbuf)
        except BlockingIOError:
            return
        except OSError:  # EPIPE: it died; its stdout reports EOF next
            written = len(w.wbuf)
        del w.wbuf[:written]
        if not w.wbuf:
            selector.unregister(w.wfd)

    try:
        for w in pool.workers:
            watch(w)
        while True:
            while next_out in ready:
                entry, outcome = ready.pop(next_out)
                next_out += 1
                if isinstance(outcome, _Raise):
                    raise outcome.error
                yield entry, outcome
            if exhausted and not pending and next_out == next_id:
                break
            if not pool.workers:  # every worker died and none could be restarted: the rest here
                for ident in sorted(pending):
                    entry, content = pending.pop(ident)
                    ready[ident] = (entry, _one(entry, content, parser, max_file_bytes))
                    run.parsed_here += 1
                requeue.clear()
                while (ident := next_file()) is not None:
                    entry, content = pending.pop(ident)
                    ready[ident] = (entry, _one(entry, content, parser, max_file_bytes))
                    run.parsed_here += 1
                continue
            started = [w for w in pool.workers if w.ready]
            for w in sorted(started, key=lambda x: x.outstanding):
                if w.outstanding < MAX_OUTSTANDING_BYTES and (requeue or not exhausted):
                    fill(w)
            if next_out in ready:
                continue
            if checkpoint is not None:
                checkpoint()
            timeout = None if checkpoint is None else CHECK_SECONDS
            if not started:
                # Workers are still starting (interpreter, imports: ~0.15 s of CPU each): this process
                # parses meanwhile, so a start costs no wall time, and a scan smaller than a start is
                # done here before any worker is up.
                ident = requeue.pop(0) if requeue else next_file()
                if ident is not None:
                    entry, content = pending.pop(ident)
                    ready[ident] = (entry, _one(entry, content, parser, max_file_bytes))
                    run.parsed_here += 1
                    timeout = 0
                elif not pending:
                    continue  # the source just ran out: everything is done
            answered = False
            for key, events in selector.select(timeout):
                w = key.data
                if w not in pool.workers:
                    continue  # died earlier in this round
                if events & selectors.EVENT_WRITE and key.fd == w.wfd:
                    on_writable(w)
                elif events & selectors.EVENT_READ:
                    on_readable(w)
                    answered = True
            if answered and started and min(w.outstanding for w in started) >= COALESCE_WHEN_QUEUED:
                # Every worker has ~20 ms of work queued: let answers gather instead of waking up for each
                # one (small files answer every ~0.1 ms; each wake-up takes a CPU from a worker).
                time.sleep(COALESCE_SECONDS)
        clean = True
    finally:
        selector.close()
        if clean:
            _release(pool, options.keep_workers)
        else:
            pool.terminate()


def _worker_error(entry: TreeEntry, error: bytes | None, text: str) -> BaseException:
    if error is not None:
        try:
            exc = pickle.loads(error)
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # noqa: BLE001 - fall back to the text
            pass
    return RuntimeError(f"parser worker failed on {entry.path}:\n{text}")


# --- the worker's side --------------------------------------------------------------------------------


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


def _build_parser(spec: bytes) -> ModuleParser:
    how, what = pickle.loads(spec)
    if how == "name":
        from codetracker.parsing import get_parser

        return get_parser(what)
    return pickle.loads(what)


def serve() -> None:
    """A worker's loop: frames in on stdin, one answer per file out on stdout; EOF on stdin ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    out = os.dup(1)
    os.dup2(2, 1)  # a stray print of a library cannot corrupt the answers
    parsers: dict[bytes, ModuleParser] = {}
    parser: ModuleParser | None = None
    try:
        while True:
            header = _read_exactly(0, _HEADER.size)
            if header is None:
                return
            frame = _read_exactly(0, _HEADER.unpack(header)[0])
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
                ready = pickle.dumps((_READY, True, None) if built else (_READY, False, failure))
                _write_all(out, _HEADER.pack(len(ready)) + ready)
                if not built:
                    return  # the parent parses this scan's files itself
                continue
            for ident, content, dialect in payload:
                try:
                    answer = (ident, True, extract_blob(content, parser, dialect))
                except Exception as exc:  # noqa: BLE001 - the parent raises it, as the sequential path would
                    try:
                        error: bytes | None = pickle.dumps(exc)
                    except Exception:  # noqa: BLE001
                        error = None
                    answer = (ident, False, error, traceback.format_exc())
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
                _write_all(out, _HEADER.pack(len(data)) + data)
    except BrokenPipeError:
        return  # the parent is gone
