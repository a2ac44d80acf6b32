"""Parsing in worker processes, so that one extraction uses every CPU the process may run on.

py-tree-sitter holds the GIL while it parses (threads were measured slower than one thread), so the
work goes to processes. They are plain interpreters started with `subprocess` (fork+exec) and talk to
this process over their stdin/stdout pipes only (codetracker.parsing.worker_main: the worker's side and
the wire format; codetracker.parsing.worker_scan: one extraction over the workers):

- no multiprocessing machinery at all: no semaphore or lock (AWS Lambda has no /dev/shm, so
  `multiprocessing.Pool`/`Queue` and `ProcessPoolExecutor` fail there), no resource-tracker process, no
  re-import of the parent's `__main__` (what `spawn` and `forkserver` do);
- nothing of the parent is copied into a worker: exec replaces its memory (no lock held by another
  thread, no database socket: every other descriptor is closed), whenever the workers are started;
- a worker imports what parsing needs (codetracker.domain, codetracker.parsing, the parser backend).

A WorkerPool holds the workers of one process: how they are started and how many CPUs there are are its
constructor's arguments (tests pass their own). An exception or KeyboardInterrupt in the caller kills and
reaps every worker of the scan. After a clean scan the workers stay idle for the next scan of this process
(a Lambda container serves many invocations; starting a worker costs ~0.15 s of CPU), unless
ParallelOptions.keep_workers is off; they exit when this process closes their pipes (`shutdown`, at exit,
or when it dies).
"""

from __future__ import annotations

import atexit
import math
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from codetracker.domain.model import Checkpoint, TreeEntry
from codetracker.parsing.worker_main import parser_spec
from codetracker.parsing.worker_scan import CHECK_SECONDS, Outcome, ParallelScan, Worker, WorkerGroup, extract_one
from codetracker.ports.parsing import ModuleParser

__all__ = ["CHECK_SECONDS", "Outcome", "ParallelOptions", "ParallelRun", "WorkerPool", "available_cpus"]

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
    """What one extraction did, filled in when passed to WorkerPool.extract (tests, bench, debugging)."""

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


_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from codetracker.parsing.worker_main import serve; serve()"
)


def start_worker_process() -> Any:
    """A worker interpreter with pipes on its stdin and stdout (a `subprocess.Popen`)."""
    import json
    import subprocess

    if not sys.executable:  # an embedded interpreter: nothing to start
        raise OSError("no Python executable to start parser workers with")
    path = [p for p in sys.path if isinstance(p, str)]
    return subprocess.Popen(
        [sys.executable, "-c", _BOOT, json.dumps(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
        close_fds=True,
    )


class WorkerPool:
    """The parser workers of this process: started for a scan big enough, kept idle between scans.

    `start_process` starts one worker interpreter (a Popen-like object with `stdin`/`stdout` pipes, `pid`,
    `poll`, `wait`, `kill`); `cpus` is how many CPUs scans may use (None: `available_cpus()`, read when a
    scan is planned)."""

    def __init__(self, *, start_process: Callable[[], Any] = start_worker_process, cpus: int | None = None) -> None:
        self._start_process = start_process
        self._cpus = cpus
        self._idle: WorkerGroup | None = None
        self._idle_lock = threading.Lock()

    def plan(self, planned: Sequence[TreeEntry], options: ParallelOptions) -> int:
        """How many workers a scan of `planned` gets; 1 means sequential."""
        if options.workers is not None:
            wanted = options.workers
        else:
            wanted = self._cpus if self._cpus is not None else available_cpus()
        if wanted <= 1 or len(planned) < 2:
            return 1
        warm = self.idle_workers() >= 2
        sizes = [e.size for e in planned if e.size is not None]
        if len(sizes) == len(planned):
            enough = sum(sizes) >= (options.warm_min_bytes if warm else options.min_bytes)
        else:
            enough = len(planned) >= (options.warm_min_files if warm else options.min_files)
        return min(wanted, len(planned)) if enough else 1

    def extract(
        self,
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

        `checkpoint` (the scan's time budget) is called before each file parsed here and, while workers
        parse, at least every CHECK_SECONDS: what it raises stops the extraction (and kills the workers).

        Yields (entry, FileExtraction) for a file extracted, (entry, ScanProblem) for a file not extracted in
        this run (over `max_file_bytes`, or its parser worker died): results to cache, and problems not to.
        `planned` (the entries `contents` will give) decides whether workers pay for themselves. Exceptions
        of the parser other than ParseFailure propagate, as in the sequential path."""
        options = options or ParallelOptions()
        run = run if run is not None else ParallelRun()
        count = self.plan(planned, options)
        spec = parser_spec(parser) if count > 1 else None
        if spec is None:
            return _sequential(contents, parser, max_file_bytes, checkpoint)
        return self._parallel(iter(contents), parser, spec, count, max_file_bytes, options, run, checkpoint)

    def idle_workers(self) -> int:
        group = self._idle
        return len(group.workers) if group is not None and group.ours() else 0

    def shutdown(self) -> None:
        """Close the pipes of idle workers (they exit) and reap them."""
        with self._idle_lock:
            group, self._idle = self._idle, None
        if group is not None:
            group.close()

    def _start_worker(self) -> Worker:
        return Worker(self._start_process())

    def _parallel(
        self,
        source: Iterator[tuple[TreeEntry, bytes]],
        parser: ModuleParser,
        spec: bytes,
        count: int,
        max_file_bytes: int,
        options: ParallelOptions,
        run: ParallelRun,
        checkpoint: Checkpoint | None,
    ) -> Iterator[tuple[TreeEntry, Outcome]]:
        try:
            group = self._checkout(count, run)
        except OSError:  # no interpreter to start (an embedded Python, a process limit): parse here
            yield from _sequential(source, parser, max_file_bytes, checkpoint)
            return
        run.workers = count
        run.pids.extend(w.pid for w in group.workers)
        scan = ParallelScan(
            source,
            parser,
            spec,
            group,
            start_worker=self._start_worker,
            max_file_bytes=max_file_bytes,
            options=options,
            run=run,
            checkpoint=checkpoint,
        )
        try:
            yield from scan.outcomes()
        finally:
            if scan.clean:
                self._release(group, options.keep_workers)
            else:
                group.terminate()

    def _checkout(self, count: int, run: ParallelRun) -> WorkerGroup:
        """Idle workers of an earlier scan (alive ones), topped up with new ones to `count`."""
        with self._idle_lock:
            idle, self._idle = self._idle, None
        workers: list[Worker] = []
        if idle is not None and idle.ours():
            for w in idle.workers:
                if len(workers) < count and w.idle():
                    workers.append(w)
                else:
                    w.kill()
            run.reused = bool(workers)
        group = WorkerGroup(workers)
        try:
            while len(workers) < count:
                workers.append(self._start_worker())
        except BaseException:
            group.terminate()
            raise
        return group

    def _release(self, group: WorkerGroup, keep: bool) -> None:
        if keep:
            with self._idle_lock:
                if self._idle is None:
                    self._idle = group
                    return
        group.close()


def _sequential(
    contents: Iterable[tuple[TreeEntry, bytes]],
    parser: ModuleParser,
    max_file_bytes: int,
    checkpoint: Checkpoint | None = None,
) -> Iterator[tuple[TreeEntry, Outcome]]:
    for entry, content in contents:
        if checkpoint is not None:
            checkpoint()
        yield entry, extract_one(entry, content, parser, max_file_bytes)


_shared: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> WorkerPool:
    """The pool of this process's extractions (built on first use; its workers are stopped at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WorkerPool()
        return _shared


def shutdown_workers() -> None:
    """Stop the idle workers of the shared pool. Runs at interpreter exit too."""
    pool = _shared
    if pool is not None:
        pool.shutdown()


atexit.register(shutdown_workers)
