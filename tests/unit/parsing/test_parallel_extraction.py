"""Extraction in worker processes (codetracker.parsing.workers): same results as one process, survives a
dying worker, leaves no process behind, needs no POSIX semaphore (AWS Lambda has no /dev/shm)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codetracker.contracts.descriptor import descriptor_to_dict
from codetracker.adapters.memory_store.blob_cache import MemoryBlobCache
from codetracker.adapters.memory_store.state import MemoryState
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.domain.model import EntryKind, FileExtraction, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.selection import SelectionOptions
from codetracker.parsing import get_parser, workers
from codetracker.parsing.extractor import ParserExtractor
from codetracker.parsing.workers import SEQUENTIAL, ParallelOptions, ParallelRun, WorkerPool, start_worker_process
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree
from tests.unit.parsing.parallel_helpers import (
    KILL_MARKER,
    RAISE_MARKER,
    KillerParser,
    ParserOnlyHere,
    RaisingParser,
    SlowInWorkersParser,
    SlowParser,
    UnpicklableParser,
    marked,
)

ROOT = Path(__file__).resolve().parents[3]
JS_FIXTURES = ROOT / "tests" / "fixtures" / "js"
# Always parallel (whatever the size), two workers, not kept after the scan.
TWO = ParallelOptions(workers=2, min_bytes=0, min_files=0, warm_min_bytes=0, warm_min_files=0, keep_workers=False)


def _generated(index: int) -> bytes:
    kind = index % 7
    if kind == 0:
        return b"module.exports = function f%d(a) { return a; };\n" % index
    if kind == 1:
        return b"export function broken%d( {\n" % index  # a parse error
    if kind == 2:
        return b"export\0binary %d" % index
    return (
        (
            b"/**\n * Function number %d.\n * @param {number} a the first\n * @param {string} [b='x'] the second\n"
            b" * @returns {Promise<number>} later\n */\nexport async function f%d(a, b = 'x', ...rest) { return a; }\n"
            b"export const g%d = ({ x, y }, [z] = []) => x + y + z;\nexport default function* () {}\n"
            % (index, index, index)
        )
        + b"// "
        + b"padding " * (index % 50)
        + b"\n"
    )


def corpus(generated: int = 520) -> dict[str, bytes]:
    """Every JS fixture plus `generated` modules: more than the default threshold of files."""
    files = {f"fixtures/{p.name}": p.read_bytes() for p in sorted(JS_FIXTURES.iterdir()) if p.is_file()}
    files.update({f"gen/{i // 50:02d}/m{i:04d}.mjs": _generated(i) for i in range(generated)})
    return files


def _json(result) -> str:
    return json.dumps(descriptor_to_dict(result.descriptor), ensure_ascii=False, sort_keys=False)


def _items(files: dict[str, bytes]) -> tuple[list[TreeEntry], list[tuple[TreeEntry, bytes]]]:
    entries = [TreeEntry(path, EntryKind.FILE, len(content), None) for path, content in sorted(files.items())]
    return entries, [(e, files[e.path]) for e in entries]


def _outcomes(files, parser, options, run=None, max_file_bytes=1 << 20, pool=None):
    """Every outcome of an extraction of `files` by `pool` (by default a pool of its own, stopped after)."""
    entries, items = _items(files)
    own = pool is None
    pool = pool or WorkerPool()
    try:
        return list(
            pool.extract(items, parser, planned=entries, max_file_bytes=max_file_bytes, options=options, run=run)
        )
    finally:
        if own:
            pool.shutdown()


def _gone(pid: int) -> bool:
    """Not running and reaped (a zombie still has its /proc entry)."""
    return not os.path.exists(f"/proc/{pid}")


class SpiedPool(WorkerPool):
    """A pool whose process starter records the pid of every worker it starts."""

    def __init__(self, **kwargs) -> None:
        self.started: list[int] = []
        super().__init__(start_process=self._spy, **kwargs)

    def _spy(self):
        process = start_worker_process()
        self.started.append(process.pid)
        return process


@pytest.fixture
def pool():
    """A pool of the test's own; its idle workers are stopped afterwards."""
    spied = SpiedPool()
    yield spied
    spied.shutdown()


@pytest.fixture
def started(pool):
    """The pids of every worker `pool` started during the test."""
    return pool.started


# --- same results --------------------------------------------------------------------------------------


@pytest.mark.parametrize("parser_name", ["auto", "tree-sitter", "esprima"])
def test_parallel_descriptor_is_byte_for_byte_the_sequential_one(parser_name, started, pool):
    files = corpus()
    parser = get_parser(parser_name)
    options = SelectionOptions(max_file_bytes=4096)
    calls_seq: list[tuple[int, int]] = []
    calls_par: list[tuple[int, int]] = []
    sequential = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m", options=options),
        ExtractionPorts(ParserExtractor(parser, SEQUENTIAL, pool=pool), progress=lambda d, t: calls_seq.append((d, t))),
    )
    assert started == []
    parallel = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m", options=options),
        ExtractionPorts(
            ParserExtractor(parser, ParallelOptions(workers=2, min_bytes=50_000, keep_workers=False), pool=pool),
            progress=lambda d, t: calls_par.append((d, t)),
        ),
    )
    assert len(started) == 2
    assert _json(parallel) == _json(sequential)
    assert parallel.stats == sequential.stats
    assert calls_par == calls_seq  # the progress callback sees the same counts
    d = parallel.descriptor
    assert len(d.functions) > 500
    assert {p.kind for p in d.problems} == {ProblemKind.SKIPPED, ProblemKind.PARSE_ERROR}


def test_outcomes_come_in_read_order_and_equal_the_sequential_ones():
    files = corpus(300)
    run = ParallelRun()
    parallel = _outcomes(files, get_parser("auto"), TWO, run)
    assert run.workers == 2 and len(set(run.pids)) == 2
    assert parallel == _outcomes(files, get_parser("auto"), SEQUENTIAL)
    assert [e.path for e, _ in parallel] == sorted(files)


def test_a_file_found_too_large_once_read_is_a_problem_not_sent(started, pool):
    files = corpus(40)
    files["gen/huge.mjs"] = b"export function big() {}\n" + b"//" + b"x" * 9000 + b"\n"
    outcomes = dict((e.path, o) for e, o in _outcomes(files, get_parser("auto"), TWO, max_file_bytes=8192, pool=pool))
    assert outcomes["gen/huge.mjs"] == ScanProblem(
        "gen/huge.mjs", ProblemKind.SKIPPED, "file too large (9028 bytes > limit 8192)"
    )
    assert len(started) == 2


def test_blob_cache_hits_never_reach_the_workers(started, pool):
    files = corpus()
    cached, sequentially_cached = MemoryState(), MemoryState()
    cache = MemoryBlobCache(cached)
    first = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m"),
        ExtractionPorts(ParserExtractor(get_parser("auto"), TWO, pool=pool), cache=cache),
    )
    assert len(started) == 2 and first.stats.parsed == first.stats.candidates
    sequential_cache = MemoryBlobCache(sequentially_cached)
    extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m"),
        ExtractionPorts(ParserExtractor(get_parser("auto"), SEQUENTIAL, pool=pool), cache=sequential_cache),
    )
    assert cached.blobs == sequentially_cached.blobs  # the workers' results are what gets cached

    started.clear()
    second = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m"),
        ExtractionPorts(ParserExtractor(get_parser("auto"), TWO, pool=pool), cache=cache),
    )
    assert second.stats.parsed == 0 and started == []  # nothing to parse: no worker started
    assert _json(second) == _json(first)

    changed = dict(files, **{"gen/00/m0003.mjs": b"export function changed(a) {}\n"})
    tree = MemoryTree(changed)
    third = extract_tree(
        ExtractTreeRequest(tree, "m"), ExtractionPorts(ParserExtractor(get_parser("auto"), TWO, pool=pool), cache=cache)
    )
    assert third.stats.parsed == 1 and started == []  # one file: below any threshold
    assert tree.reads == ["gen/00/m0003.mjs"]


# --- when workers are used -----------------------------------------------------------------------------


def _planned(count: int, size: int | None) -> list[TreeEntry]:
    return [TreeEntry(f"f{i}.mjs", EntryKind.FILE, size, None) for i in range(count)]


def test_plan_workers_threshold_and_overrides():
    plan_workers = WorkerPool(cpus=4).plan
    defaults = ParallelOptions()
    assert plan_workers(_planned(10, 1000), defaults) == 1  # small scan: one process
    assert plan_workers(_planned(10, defaults.min_bytes // 10), defaults) == 4  # enough bytes
    assert plan_workers(_planned(defaults.min_files * 2, 10), defaults) == 1  # sizes known: bytes decide
    assert plan_workers(_planned(defaults.min_files - 1, None), defaults) == 1  # sizes unknown: files decide
    assert plan_workers(_planned(defaults.min_files, None), defaults) == 4
    for sequential in (0, 1):
        assert plan_workers(_planned(5000, 10_000), ParallelOptions(workers=sequential)) == 1
    assert plan_workers(_planned(5000, 1000), ParallelOptions(workers=3)) == 3
    assert plan_workers(_planned(3, 10), TWO) == 2
    assert plan_workers(_planned(1, 10), TWO) == 1
    assert WorkerPool(cpus=1).plan(_planned(5000, 10_000), defaults) == 1  # one CPU: never workers
    with pytest.raises(ValueError):
        ParallelOptions(workers=-1)


def test_idle_workers_lower_the_threshold():
    pool = SpiedPool(cpus=2)
    defaults = ParallelOptions()
    planned = _planned(100, defaults.warm_min_bytes // 100 + 1)
    try:
        assert pool.plan(planned, defaults) == 1
        keep = ParallelOptions(workers=2, min_bytes=0, min_files=0)
        _outcomes(corpus(30), get_parser("auto"), keep, pool=pool)  # two workers left idle
        assert pool.idle_workers() == 2
        assert pool.plan(planned, defaults) == 2
    finally:
        pool.shutdown()
    assert pool.idle_workers() == 0 and pool.plan(planned, defaults) == 1


def test_available_cpus_is_the_affinity_mask_not_the_host(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert workers.available_cpus() <= 3


def test_a_parser_that_cannot_travel_parses_here(started, pool):
    run = ParallelRun()
    files = corpus(30)
    outcomes = _outcomes(files, UnpicklableParser(), TWO, run, pool=pool)
    assert started == [] and run.workers == 1
    assert outcomes == _outcomes(files, get_parser("tree-sitter"), SEQUENTIAL, pool=pool)


def test_no_worker_can_start_so_everything_is_parsed_here():
    """An embedded interpreter or a process limit: the starter fails, the scan runs in this process."""

    def cannot_start():
        raise OSError("no Python executable to start parser workers with")

    files = corpus(60)
    run = ParallelRun()
    outcomes = _outcomes(files, get_parser("auto"), TWO, run, pool=WorkerPool(start_process=cannot_start))
    assert outcomes == _outcomes(files, get_parser("auto"), SEQUENTIAL)
    assert run.pids == [] and run.deaths == 0


def test_workers_that_cannot_build_the_parser_leave_the_work_here(started, pool):
    files = corpus(120)
    run = ParallelRun()
    outcomes = _outcomes(files, ParserOnlyHere(os.getpid()), TWO, run, pool=pool)
    assert outcomes == _outcomes(files, get_parser("tree-sitter"), SEQUENTIAL, pool=pool)
    assert len(started) == 2 and run.deaths == 0 and run.parsed_here == len(files)
    assert all(_gone(pid) for pid in started)


def test_idle_workers_serve_the_next_scan_until_shutdown(pool):
    keep = ParallelOptions(workers=2, min_bytes=0, min_files=0, warm_min_bytes=0, warm_min_files=0)
    files = corpus(30)
    first, second = ParallelRun(), ParallelRun()
    _outcomes(files, get_parser("auto"), keep, first, pool=pool)
    _outcomes(files, get_parser("tree-sitter"), keep, second, pool=pool)  # another parser, the same workers
    assert second.reused and second.pids == first.pids and pool.started == first.pids
    assert all(not _gone(pid) for pid in first.pids)
    pool.shutdown()
    assert all(_gone(pid) for pid in first.pids)


# --- a dying worker ------------------------------------------------------------------------------------


def test_a_worker_killed_mid_batch_fails_only_its_file():
    files = corpus(200)
    victim = "gen/01/m0060.mjs"
    files[victim] = files[victim] + KILL_MARKER.encode() + b"\n"
    parser = KillerParser(spare_pid=os.getpid())
    run = ParallelRun()
    outcomes = _outcomes(files, parser, TWO, run)
    expected = _outcomes(files, get_parser("tree-sitter"), SEQUENTIAL)
    assert [e.path for e, _ in outcomes] == [e.path for e, _ in expected]
    differing = {e.path: o for (e, o), (_, x) in zip(outcomes, expected) if o != x}
    assert differing == {victim: ScanProblem(victim, ProblemKind.SKIPPED, "parser worker died (signal 9)")}
    assert run.deaths == 1 and len(run.pids) == 3  # the dead one was replaced
    assert all(_gone(pid) for pid in run.pids)


def test_a_dead_worker_is_recorded_in_the_descriptor_and_never_cached():
    files = corpus(200)
    victims = ["gen/00/m0010.mjs", "gen/03/m0150.mjs"]
    for victim in victims:
        files[victim] = files[victim] + KILL_MARKER.encode() + b"\n"
    state = MemoryState()
    cache = MemoryBlobCache(state)
    tree = MemoryTree(files)
    result = extract_tree(
        ExtractTreeRequest(tree, "m"), ExtractionPorts(ParserExtractor(KillerParser(os.getpid()), TWO), cache=cache)
    )
    died = [p for p in result.descriptor.problems if p.reason.startswith("parser worker died")]
    assert [(p.path, p.kind, p.reason) for p in died] == [
        (v, ProblemKind.SKIPPED, "parser worker died (signal 9)") for v in victims
    ]
    shas = {e.path: e.sha for e in tree.entries()}
    cached = {sha for sha, _ in state.blobs}
    assert not any(shas[v] in cached for v in victims)  # a rescan tries them again
    assert len(cached) == len({shas[p] for p in shas if p.endswith((".js", ".mjs"))}) - len(victims)
    sequential = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m"),
        ExtractionPorts(ParserExtractor(get_parser("tree-sitter"), SEQUENTIAL)),
    )
    assert [f for f in result.descriptor.functions] == [
        f for f in sequential.descriptor.functions if f.file_path not in victims
    ]


def test_a_worker_killed_from_outside_loses_at_most_its_file_in_flight():
    files = corpus(300)
    run = ParallelRun()
    entries, items = _items(files)
    outcomes = []
    for entry, outcome in WorkerPool().extract(
        items, SlowParser(0.002), planned=entries, max_file_bytes=1 << 20, options=TWO, run=run
    ):
        if len(outcomes) == 20:
            os.kill(run.pids[0], signal.SIGKILL)
        outcomes.append((entry, outcome))
    expected = _outcomes(files, get_parser("tree-sitter"), SEQUENTIAL)
    differing = [(e.path, o) for (e, o), (_, x) in zip(outcomes, expected) if o != x]
    assert len(outcomes) == len(expected) and len(differing) <= 1
    assert all(o == ScanProblem(p, ProblemKind.SKIPPED, "parser worker died (signal 9)") for p, o in differing)
    assert run.deaths == 1


def test_when_no_worker_can_be_restarted_the_rest_is_parsed_here():
    files = corpus(120)
    victims = ["gen/02/m0101.mjs", "gen/02/m0108.mjs", "gen/02/m0111.mjs"]  # parsed: not binary, not CJS
    for victim in victims:
        files[victim] = files[victim] + KILL_MARKER.encode() + b"\n"
    run = ParallelRun()
    options = ParallelOptions(workers=2, min_bytes=0, min_files=0, keep_workers=False, max_restarts=0)
    outcomes = dict((e.path, o) for e, o in _outcomes(files, KillerParser(os.getpid()), options, run))
    assert run.deaths == 2 and len(run.pids) == 2
    died = sorted(p for p, o in outcomes.items() if isinstance(o, ScanProblem))
    assert died == victims[:2]
    assert isinstance(outcomes[victims[2]], FileExtraction)  # the test process parsed it (and was spared)


def test_this_process_parses_while_the_workers_start(started, pool):
    files = corpus(40)
    run = ParallelRun()
    outcomes = _outcomes(files, get_parser("auto"), TWO, run, pool=pool)  # ~80 small files: done before a worker is up
    assert outcomes == _outcomes(files, get_parser("auto"), SEQUENTIAL, pool=pool)
    assert len(started) == 2 and run.parsed_here > 0


def test_an_unexpected_parser_error_propagates_as_in_one_process(started, pool):
    files = corpus(100)
    files["gen/01/m0073.mjs"] += RAISE_MARKER.encode()
    with pytest.raises(LookupError, match="unexpected parser bug"):
        _outcomes(files, RaisingParser(), SEQUENTIAL, pool=pool)
    with pytest.raises(LookupError, match="unexpected parser bug"):
        _outcomes(files, RaisingParser(), TWO, pool=pool)
    assert len(started) == 2 and all(_gone(pid) for pid in started)


# --- shutting down -------------------------------------------------------------------------------------


def test_an_exception_in_the_caller_terminates_and_reaps_every_worker(started, pool):
    files = corpus()

    def interrupt(done: int, total: int) -> None:
        if done >= 50:
            assert len(started) == 2 and not any(_gone(pid) for pid in started)
            raise KeyboardInterrupt

    keep = ParallelOptions(workers=2, min_bytes=0, min_files=0)  # even workers meant to be kept
    with pytest.raises(KeyboardInterrupt):
        extract_tree(
            ExtractTreeRequest(MemoryTree(files), "m"),
            ExtractionPorts(ParserExtractor(get_parser("auto"), keep, pool=pool), progress=interrupt),
        )
    assert all(_gone(pid) for pid in started)
    assert pool.idle_workers() == 0


def test_an_interrupt_while_waiting_for_workers_terminates_them(started, pool):
    files = corpus(100)

    def on_alarm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.8)
    try:
        with pytest.raises(KeyboardInterrupt):
            _outcomes(files, SlowParser(0.05), TWO, pool=pool)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(started) == 2 and all(_gone(pid) for pid in started)


class BudgetSpent(Exception):
    pass


def test_the_checkpoint_stops_parsing_while_every_worker_is_busy(started, tmp_path, pool):
    """Issue 17: the time budget must stop any stage. Workers each on a slow file answer nothing for
    seconds; the checkpoint still runs every CHECK_SECONDS and what it raises ends the scan (and them).
    Deterministic under load: the budget is spent only once both workers are on a file (their marks), and
    this process parses slowly enough meanwhile (0.05 s a file: 26 s for the corpus) that it cannot finish
    before they are."""
    entries, items = _items(corpus())
    calls: list[float] = []  # when the checkpoint ran
    busy_calls: list[float] = []  # … of those, while both workers were on a file
    began = time.monotonic()

    def checkpoint() -> None:
        calls.append(time.monotonic() - began)
        if len(marked(str(tmp_path), "busy")) == 2:
            busy_calls.append(calls[-1])
            if len(busy_calls) >= 3:
                raise BudgetSpent

    with pytest.raises(BudgetSpent):
        list(
            pool.extract(
                items,
                SlowInWorkersParser(os.getpid(), 60.0, marks=str(tmp_path), spare_seconds=0.05),
                planned=entries,
                max_file_bytes=1 << 20,
                options=TWO,
                checkpoint=checkpoint,
            )
        )
    took = time.monotonic() - began
    # Called while waiting on busy workers (no answer comes for 60 s), at least every CHECK_SECONDS; the
    # margin is wide because CI machines are loaded (a liveness bound, not a timing measurement).
    gaps = [b - a for a, b in zip(busy_calls, busy_calls[1:])]
    assert all(gap < workers.CHECK_SECONDS + 2.0 for gap in gaps), gaps
    assert took < 60.0, (took, calls[:5], calls[-5:], busy_calls)  # not a worker's 60 s on its first file
    assert len(started) == 2 and all(_gone(pid) for pid in started)


def test_ctrl_c_in_a_real_process_leaves_no_worker(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(ROOT / "shared")!r}, {str(ROOT)!r}]
        from tests.unit.parsing.test_parallel_extraction import corpus, _items, TWO
        from tests.unit.parsing.parallel_helpers import SlowParser
        from codetracker.parsing.workers import ParallelRun, WorkerPool
        run = ParallelRun()
        entries, items = _items(corpus(200))
        for n, _ in enumerate(WorkerPool().extract(items, SlowParser(0.02), planned=entries, max_file_bytes=1 << 20,
                                                   options=TWO, run=run)):
            if n == 3:
                print(*run.pids, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert "KeyboardInterrupt" in stderr
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in pids)


# --- no semaphores (AWS Lambda) ------------------------------------------------------------------------

_NO_SEMAPHORES = """
import errno
import _multiprocessing


class SemLock:  # what Lambda gives: sem_open fails, there is no /dev/shm
    def __init__(self, *args, **kwargs):
        raise OSError(errno.ENOSYS, "Function not implemented")


_multiprocessing.SemLock = SemLock
import sys
sys.modules["multiprocessing.synchronize"] = None  # and importing it fails
"""


def test_the_parallel_path_needs_no_posix_semaphore(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(_NO_SEMAPHORES)  # applies to the workers too (inherited env)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(ROOT / "shared")!r}, {str(ROOT)!r}]
        import concurrent.futures, multiprocessing
        for attempt in (lambda: multiprocessing.Pool(2), lambda: multiprocessing.Queue(),
                        lambda: concurrent.futures.ProcessPoolExecutor(2).submit(abs, 1).result()):
            try:
                attempt()
            except (OSError, ImportError, NotImplementedError):
                pass
            else:
                raise SystemExit("semaphores are still available")
        from tests.unit.parsing.test_parallel_extraction import corpus, _outcomes, TWO
        from tests.unit.parsing.parallel_helpers import SemaphoreFreeParser
        from codetracker.parsing import get_parser
        from codetracker.parsing.workers import SEQUENTIAL, ParallelRun
        run = ParallelRun()
        files = corpus()
        parallel = _outcomes(files, SemaphoreFreeParser(), TWO, run)  # raises if a worker has semaphores
        assert parallel == _outcomes(files, get_parser("tree-sitter"), SEQUENTIAL)
        print(run.workers, len(set(run.pids)), sum(1 for _, o in parallel if getattr(o, "functions", ())))
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    workers_used, distinct_pids, with_functions = map(int, out.stdout.split())
    assert workers_used == 2 and distinct_pids == 2 and with_functions > 150


# --- the setting ---------------------------------------------------------------------------------------


def test_the_worker_setting_of_the_environment():
    from codetracker.errors import ConfigurationError
    from codetracker.settings import Settings
    from codetracker.wiring import Services

    def options(env):
        return Services(Settings.from_env(env)).parallel_options

    assert options({}) == ParallelOptions()
    assert options({"CODE_TRACKER_EXTRACT_WORKERS": ""}) == ParallelOptions()
    assert options({"CODE_TRACKER_EXTRACT_WORKERS": "0"}).workers == 0
    assert options({"CODE_TRACKER_EXTRACT_WORKERS": " 3 "}).workers == 3
    for bad in ("two", "-1", "1.5"):
        # A bad setting is the operator's mistake: a configuration error naming the variable.
        with pytest.raises(ConfigurationError) as caught:
            options({"CODE_TRACKER_EXTRACT_WORKERS": bad})
        assert caught.value.setting == "CODE_TRACKER_EXTRACT_WORKERS"


def test_workers_read_each_file_in_its_own_dialect():
    files = {f"ts/m{i:03d}.ts": b"export function f%d(a: string, b?: number): void {}\n" % i for i in range(60)}
    files.update({f"js/m{i:03d}.jsx": b"export const v%d = (p) => <p {...p} />;\n" % i for i in range(60)})
    parser = get_parser("auto")
    run = ParallelRun()
    parallel = _outcomes(files, parser, TWO, run)
    sequential = _outcomes(files, parser, ParallelOptions(workers=1))
    assert run.workers == 2 and parallel == sequential
    typed = next(outcome for entry, outcome in parallel if entry.path == "ts/m000.ts")
    assert [(p.name, p.type, p.is_optional) for p in typed.functions[0].parameters] == [
        ("a", "string", False),
        ("b", "number", True),
    ]
