"""What every benchmark shares: paths, running a measured subprocess, the environment, results.

Each measured side runs in its own subprocess, so two sides never pollute each other's memory figure.
Peak RSS is VmHWM from /proc/<pid>/status (the high-water mark of that process's own address space),
sampled every few milliseconds for the child and its descendants (git clone's index-pack, ...), and
completed by the worker's own reading of /proc/self/status just before it exits (`vmhwm_kb` in its
report). Not ru_maxrss from wait4/RUSAGE_CHILDREN: Linux carries the parent's high-water mark over into
the child at exec (a child of a 300 MB process reports >= 300 MB), which would make every side look as
big as this orchestrator.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workers.peak import vmhwm_kb  # the same reader the measured workers use on themselves

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
WORKERS = BENCH / "workers"
OUT_DIR = CACHE / "out"  # descriptors written by the extractors, profiles
PYTHON = sys.executable  # bench/run.py runs under .venv/bin/python (tasks.py bench)


class BenchUnavailable(Exception):
    """A benchmark cannot run here (a missing tool or project piece); the reason is reported, not raised."""


@dataclass
class Measured:
    cmd: list[str]
    wall: float  # seconds, process start to exit (interpreter start-up included)
    peak_rss_mb: float  # the largest VmHWM of one process of the tree
    returncode: int
    stdout: str
    stderr: str
    # Sum over every process of the tree (the child, its workers, ...) of each one's VmHWM: an upper bound
    # of the memory they held together (their peaks need not coincide).
    total_rss_mb: float = 0.0
    processes: int = 1  # processes seen in the tree
    cpu_s: float = 0.0  # user+system CPU of the child and the descendants it reaped (wait4 rusage)

    def json_line(self) -> dict[str, Any]:
        """The last stdout line that is a JSON object (workers print their report that way)."""
        for line in reversed(self.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"no JSON report from {' '.join(self.cmd)}:\n{self.stdout[-2000:]}\n{self.stderr[-4000:]}")

    def check(self) -> Measured:
        if self.returncode != 0:
            raise RuntimeError(
                f"command failed ({self.returncode}): {' '.join(self.cmd)}\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-6000:]}"
            )
        return self


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.extend(int(c) for c in fh.read().split())
    except (OSError, ValueError):
        pass
    return found


class _PeakSampler(threading.Thread):
    """Largest VmHWM seen among a process and its descendants, sampled every `interval` seconds."""

    def __init__(self, pid: int, argv: list[str], interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.argv0 = "\0".join(argv).encode()
        self.interval = interval
        self.peak_kb = 0
        self.peaks: dict[int, int] = {}  # pid -> largest VmHWM seen
        self._stop_event = threading.Event()

    def _exec_done(self) -> bool:
        # Until exec, the (v)forked child still has this process's memory map and command line.
        try:
            with open(f"/proc/{self.pid}/cmdline", "rb") as fh:
                return fh.read().rstrip(b"\0") == self.argv0
        except OSError:
            return False

    def run(self) -> None:
        started = False
        while not self._stop_event.is_set():
            if not started:
                started = self._exec_done()
            if started:
                pending = [self.pid]
                while pending:
                    pid = pending.pop()
                    hwm = vmhwm_kb(pid)
                    if hwm is not None:
                        self.peak_kb = max(self.peak_kb, hwm)
                        self.peaks[pid] = max(self.peaks.get(pid, 0), hwm)
                    pending.extend(_children(pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kb


def measure(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 900.0,
) -> Measured:
    """Run cmd to completion; its wall time and the peak RSS of it and its descendants."""
    args = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        sampler = _PeakSampler(proc.pid, args)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            # Reap with waitid(WNOWAIT) first: the exited child stays readable in /proc until reaped.
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            wall = time.perf_counter() - started
            peak_kb = sampler.stop()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            timer.cancel()
        out.seek(0)
        err.seek(0)
        measured = Measured(
            cmd=args,
            wall=wall,
            peak_rss_mb=peak_kb / 1024.0,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            cpu_s=usage.ru_utime + usage.ru_stime,
        )
    peaks = dict(sampler.peaks)
    try:  # a worker's own last reading, taken just before it exited, and its children's (parser workers)
        report = measured.json_line()
    except (RuntimeError, ValueError):
        report = {}
    reported = report.get("vmhwm_kb")
    if reported:
        measured.peak_rss_mb = max(measured.peak_rss_mb, reported / 1024.0)
        peaks[proc.pid] = max(peaks.get(proc.pid, 0), reported)
    for pid, kb in (report.get("children_vmhwm_kb") or {}).items():
        peaks[int(pid)] = max(peaks.get(int(pid), 0), kb)
        measured.peak_rss_mb = max(measured.peak_rss_mb, kb / 1024.0)
    measured.total_rss_mb = max(sum(peaks.values()) / 1024.0, measured.peak_rss_mb)
    measured.processes = max(len(peaks), 1)
    return measured


def run_quiet(cmd: Sequence[str | os.PathLike[str]], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """A set-up step (not measured): fail loudly with its output."""
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def worker_cmd(name: str, *args: str | os.PathLike[str]) -> list[str]:
    return [PYTHON, str(WORKERS / name), *[str(a) for a in args]]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def tool_version(cmd: Sequence[str]) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        out = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else None


def environment() -> dict[str, Any]:
    try:
        import codetracker

        ct_version = getattr(codetracker, "__version__", "?")
    except ImportError:  # pragma: no cover - the venv always has it
        ct_version = None
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    git_rev = None
    try:
        git_rev = (
            subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
            or None
        )
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "node": tool_version(["node", "--version"]),
        "npm": tool_version(["npm", "--version"]),
        "git": tool_version(["git", "--version"]),
        "codetracker": ct_version,
        "project_commit": git_rev,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- figures and results --------------------------------------------------------------------------------


@dataclass
class Figure:
    """One reported number. `target` is a human string ("<= 0.50"); `ok` is None when not a target."""

    bench: str
    name: str
    value: float | None
    unit: str = ""
    target: str | None = None
    ok: bool | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("bench", "name", "value", "unit", "target", "ok", "note")}


@dataclass
class BenchResult:
    name: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    unavailable: str | None = None  # why it did not run
    error: str | None = None  # it ran and broke
    seconds: float = 0.0

    def add(
        self,
        name: str,
        value: float | None,
        unit: str = "",
        *,
        at_most: float | None = None,
        at_least: float | None = None,
        note: str = "",
    ) -> Figure:
        target = ok = None
        if at_most is not None:
            target = f"<= {at_most:g}"
            ok = value is not None and value <= at_most
        elif at_least is not None:
            target = f">= {at_least:g}"
            ok = value is not None and value >= at_least
        figure = Figure(self.name, name, value, unit, target, ok, note)
        self.figures.append(figure)
        return figure

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 2),
            "unavailable": self.unavailable,
            "error": self.error,
            "figures": [f.as_dict() for f in self.figures],
            "details": self.details,
        }


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "x":
        return f"{value:.3f}x"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".rstrip()


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(out)


def log(message: str) -> None:
    print(message, flush=True)
