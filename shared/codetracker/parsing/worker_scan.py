"""One extraction over a group of parser worker processes (the parent's side of codetracker.parsing.workers).

Bounded memory: files go to workers in batches (~BATCH_BYTES), each worker has at most
MAX_OUTSTANDING_BYTES of unanswered files, and the parent reads the next file from the tree only when a
worker has room. The parent keeps the bytes of unanswered files only (to re-send them if a worker dies).
Results come back in the order files were read, so the caller sees exactly what the sequential path gives.

A worker that dies (killed, out of memory, crashed) fails the file it was on: recorded as SKIPPED with the
reason ("parser worker died (signal 9)"), never cached. Its other unanswered files go to another worker
or a fresh one. While workers start, this process parses; when none is left, it parses the rest.
"""

from __future__ import annotations

import os
import pickle
import selectors
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from codetracker.domain.extraction import extract_blob
from codetracker.domain.model import Checkpoint, FileExtraction, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.selection import SelectionOptions, size_skip_reason, source_dialect
from codetracker.parsing.worker_main import HEADER, READY_ID
from codetracker.ports.parsing import ModuleParser

if TYPE_CHECKING:
    from codetracker.parsing.workers import ParallelOptions, ParallelRun

Outcome = FileExtraction | ScanProblem  # a ScanProblem is about this run only: the caller never caches it

BATCH_BYTES = 128 * 1024
BATCH_FILES = 64
MAX_OUTSTANDING_BYTES = 2 * BATCH_BYTES
COALESCE_WHEN_QUEUED = BATCH_BYTES
COALESCE_SECONDS = 0.002
CHECK_SECONDS = 0.5  # while workers parse, the checkpoint is called at least this often
_READ_CHUNK = 256 * 1024


def extract_one(entry: TreeEntry, content: bytes, parser: ModuleParser, max_file_bytes: int) -> Outcome:
    """One file parsed in this process."""
    if len(content) > max_file_bytes:  # trees fetched without blob sizes learn the size only now
        return ScanProblem(
            entry.path, ProblemKind.SKIPPED, size_skip_reason(len(content), SelectionOptions(max_file_bytes))
        )
    return extract_blob(content, parser, source_dialect(entry.path))


class Worker:
    """The parent's handle of one worker process: its pipes, buffers and unanswered files."""

    __slots__ = ("proc", "pid", "wfd", "rfd", "wbuf", "rbuf", "sent", "outstanding", "ready", "broken")

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
        self.ready = False  # it has said so: interpreter started, modules imported, parser built
        self.broken = False  # it could not build the parser (and exits): its files go elsewhere

    def alive(self) -> bool:
        return self.proc.poll() is None

    def idle(self) -> bool:
        """Alive with nothing under way: fit to serve another scan."""
        return self.alive() and not self.sent and not self.wbuf and not self.rbuf

    def queue(self, message: object) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.wbuf += HEADER.pack(len(payload))
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


class WorkerGroup:
    """Workers serving one scan, or idle between scans; only the process that started them stops them."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self.owner = os.getpid()

    def ours(self) -> bool:
        return self.owner == os.getpid()  # else a forked copy of this process: not our children

    def close(self) -> None:
        """Clean stop: a worker exits when its stdin closes. One still starting (it would read the end of
        its input only once its imports are done) is killed: it holds nothing yet."""
        if not self.ours():
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
        if not self.ours():
            return
        for w in self.workers:
            try:
                w.proc.kill()
            except OSError:
                pass
        for w in self.workers:
            w.kill()
        self.workers = []


class _Raise:
    """A worker's exception, raised when the caller reaches that file."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


@dataclass(eq=False)
class ParallelScan:
    """The files of one extraction spread over `group`'s workers, answered in read order. `outcomes()`
    yields them; the group is left for the caller to release (clean) or terminate (`clean` false)."""

    source: Iterator[tuple[TreeEntry, bytes]]
    parser: ModuleParser
    spec: bytes
    group: WorkerGroup
    _: KW_ONLY
    start_worker: Callable[[], Worker]
    max_file_bytes: int
    options: ParallelOptions
    run: ParallelRun
    checkpoint: Checkpoint | None
    # The scan's state.
    selector: selectors.BaseSelector = field(init=False, default_factory=selectors.DefaultSelector)
    # Sent or to send, not answered: kept to re-send.
    pending: dict[int, tuple[TreeEntry, bytes]] = field(init=False, default_factory=dict)
    # The ids of a dead worker's files, to send again (sorted).
    requeue: list[int] = field(init=False, default_factory=list)
    ready: dict[int, tuple[TreeEntry, Outcome | _Raise]] = field(init=False, default_factory=dict)
    next_id: int = field(init=False, default=0)  # ids are the read order
    next_out: int = field(init=False, default=0)
    exhausted: bool = field(init=False, default=False)
    restarts: int = field(init=False, default=0)
    clean: bool = field(init=False, default=False)  # every file answered and yielded

    # --- the loop -------------------------------------------------------------------------------------------

    def outcomes(self) -> Iterator[tuple[TreeEntry, Outcome]]:
        group, ready = self.group, self.ready
        try:
            for w in group.workers:
                self._watch(w)
            while True:
                while self.next_out in ready:
                    entry, outcome = ready.pop(self.next_out)
                    self.next_out += 1
                    if isinstance(outcome, _Raise):
                        raise outcome.error
                    yield entry, outcome
                if self.exhausted and not self.pending and self.next_out == self.next_id:
                    break
                if not group.workers:  # every worker died and none could be restarted: the rest here
                    self._parse_the_rest_here()
                    continue
                started = [w for w in group.workers if w.ready]
                for w in sorted(started, key=lambda x: x.outstanding):
                    if w.outstanding < MAX_OUTSTANDING_BYTES and (self.requeue or not self.exhausted):
                        self._fill(w)
                if self.next_out in ready:
                    continue
                if self.checkpoint is not None:
                    self.checkpoint()
                timeout = None if self.checkpoint is None else CHECK_SECONDS
                if not started:
                    # Workers are still starting (interpreter, imports: ~0.15 s of CPU each): this process
                    # parses meanwhile, so a start costs no wall time, and a scan smaller than a start is
                    # done here before any worker is up.
                    ident = self.requeue.pop(0) if self.requeue else self._next_file()
                    if ident is not None:
                        self._parse_here(ident)
                        timeout = 0
                    elif not self.pending:
                        continue  # the source just ran out: everything is done
                answered = self._serve(timeout)
                if answered and started and min(w.outstanding for w in started) >= COALESCE_WHEN_QUEUED:
                    # Every worker has ~20 ms of work queued: let answers gather instead of waking up for each
                    # one (small files answer every ~0.1 ms; each wake-up takes a CPU from a worker).
                    time.sleep(COALESCE_SECONDS)
            self.clean = True
        finally:
            self.selector.close()

    def _serve(self, timeout: float | None) -> bool:
        """Write and read what the pipes allow within `timeout`; whether any worker answered."""
        answered = False
        for key, events in self.selector.select(timeout):
            w = key.data
            if w not in self.group.workers:
                continue  # died earlier in this round
            if events & selectors.EVENT_WRITE and key.fd == w.wfd:
                self._on_writable(w)
            elif events & selectors.EVENT_READ:
                self._on_readable(w)
                answered = True
        return answered

    # --- files ----------------------------------------------------------------------------------------------

    def _next_file(self) -> int | None:
        while not self.exhausted:
            try:
                entry, content = next(self.source)
            except StopIteration:
                self.exhausted = True
                break
            ident = self.next_id
            self.next_id += 1
            if len(content) > self.max_file_bytes:
                self.ready[ident] = (entry, extract_one(entry, content, self.parser, self.max_file_bytes))
                continue
            self.pending[ident] = (entry, content)
            return ident
        return None

    def _parse_here(self, ident: int) -> None:
        entry, content = self.pending.pop(ident)
        self.ready[ident] = (entry, extract_one(entry, content, self.parser, self.max_file_bytes))
        self.run.parsed_here += 1

    def _parse_the_rest_here(self) -> None:
        for ident in sorted(self.pending):
            self._parse_here(ident)
        self.requeue.clear()
        while (next_ident := self._next_file()) is not None:
            self._parse_here(next_ident)

    def _fill(self, w: Worker) -> None:
        batch: list[tuple[int, bytes, str]] = []
        size = 0
        while w.outstanding + size < MAX_OUTSTANDING_BYTES and len(batch) < BATCH_FILES and size < BATCH_BYTES:
            ident = self.requeue.pop(0) if self.requeue else self._next_file()
            if ident is None:
                break
            entry, content = self.pending[ident]
            batch.append((ident, content, source_dialect(entry.path)))
            w.sent.append((ident, len(content)))
            size += len(content)
        if batch:
            w.outstanding += size
            w.queue(("batch", batch))
            self._want_write(w)

    # --- workers --------------------------------------------------------------------------------------------

    def _watch(self, w: Worker) -> None:
        self.selector.register(w.rfd, selectors.EVENT_READ, w)
        w.queue(("parser", self.spec))
        self._want_write(w)

    def _want_write(self, w: Worker) -> None:
        try:
            self.selector.get_key(w.wfd)
        except KeyError:
            self.selector.register(w.wfd, selectors.EVENT_WRITE, w)

    def _on_death(self, w: Worker) -> None:
        for fd in (w.rfd, w.wfd):
            try:
                self.selector.unregister(fd)
            except KeyError:
                pass
        try:  # its pipe closes a moment before it can be reaped: wait for the real exit status
            w.proc.wait(timeout=2)
        except Exception:  # noqa: BLE001 - TimeoutExpired: alive with its stdout closed; kill it
            pass
        w.kill()
        self.group.workers.remove(w)
        if not w.broken:  # a broken one had no parser: none in a new one either; its files go elsewhere
            self.run.deaths += 1
            if w.sent:
                culprit, _ = w.sent.popleft()
                entry, _ = self.pending.pop(culprit)
                self.ready[culprit] = (entry, ScanProblem(entry.path, ProblemKind.SKIPPED, _death_reason(w)))
        self.requeue.extend(ident for ident, _ in w.sent)
        self.requeue.sort()
        w.sent.clear()
        if w.broken:
            return
        if self.restarts < self.options.max_restarts and (self.requeue or not self.exhausted):
            self.restarts += 1
            try:
                fresh = self.start_worker()
            except OSError:
                return
            self.group.workers.append(fresh)
            self.run.pids.append(fresh.pid)
            self._watch(fresh)

    def _on_readable(self, w: Worker) -> None:
        try:
            data = os.read(w.rfd, _READ_CHUNK)
        except OSError:
            data = b""
        if not data:
            self._on_death(w)
            return
        buf = w.rbuf
        buf += data
        at = 0
        while len(buf) - at >= HEADER.size:
            (length,) = HEADER.unpack_from(buf, at)
            end = at + HEADER.size + length
            if len(buf) < end:
                break
            answer = pickle.loads(memoryview(buf)[at + HEADER.size : end])
            at = end
            ident = answer[0]
            if ident == READY_ID:
                w.ready, w.broken = answer[1], not answer[1]
                continue
            sent_id, size = w.sent.popleft()
            if sent_id != ident:  # the protocol is in order; anything else is a bug worth stopping on
                raise RuntimeError(f"parser worker {w.pid} answered file {ident}, expected {sent_id}")
            w.outstanding -= size
            entry, _ = self.pending.pop(ident)
            if answer[1]:
                self.ready[ident] = (entry, answer[2])
            else:
                self.ready[ident] = (entry, _Raise(_worker_error(entry, answer[2], answer[3])))
        del buf[:at]

    def _on_writable(self, w: Worker) -> None:
        try:
            written = os.write(w.wfd, w.wbuf)
        except BlockingIOError:
            return
        except OSError:  # EPIPE: it died; its stdout reports EOF next
            written = len(w.wbuf)
        del w.wbuf[:written]
        if not w.wbuf:
            self.selector.unregister(w.wfd)


def _death_reason(w: Worker) -> str:
    returncode = w.proc.returncode
    if returncode is not None and returncode < 0:
        return f"parser worker died (signal {-returncode})"
    return f"parser worker died (exit code {returncode})"


def _worker_error(entry: TreeEntry, error: bytes | None, text: str) -> BaseException:
    if error is not None:
        try:
            exc = pickle.loads(error)
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # noqa: BLE001 - fall back to the text
            pass
    return RuntimeError(f"parser worker failed on {entry.path}:\n{text}")
