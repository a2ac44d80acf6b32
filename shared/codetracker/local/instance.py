"""One instance of one function, in a process of its own, as Lambda runs it: its own environment (the
template's variables, resolved), the handler imported from the function's code folder at start (the init
phase), then invoked by the HTTP bridge, an SQS poller or a schedule. Started by `codetracker.local.runtime`.

    python -m codetracker.local.instance      (the instance's spec is the first line of stdin, as JSON)

stdin stays open: when it reaches end of file the runtime is gone (even SIGKILLed), and the instance ends at
once, as an instance ends with its host. SIGTERM is a graceful stop: the invocation under way finishes, no new
one starts. An invocation that outlasts the function's Timeout ends the instance (Lambda's "Task timed out"):
the instance exits at its deadline, and since a handler stuck in C code holding the GIL can stop that timer
from ever running, each invocation's deadline is also sent to the runtime (`invocation_fd`), which kills the
instance's process group (its worker processes too) when it is still running then. The runtime starts a new
instance; an SQS batch comes back after its visibility timeout, an HTTP request is answered 500 as API
Gateway answers a timed-out function (when the instance can still answer it).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codetracker.local.lambda_context import log_line
from codetracker.local.plan import EventSourceSpec, FunctionSpec, ScheduleSpec

EXIT_TIMED_OUT = 124


def function_from(data: dict[str, Any]) -> FunctionSpec:
    return FunctionSpec(data["logical_id"], Path(data["code_dir"]), data["handler"], float(data["timeout_s"]),
                        int(data["memory_mb"]), {})  # fmt: skip


def function_to(function: FunctionSpec) -> dict[str, Any]:
    return {"logical_id": function.logical_id, "code_dir": str(function.code_dir), "handler": function.handler,
            "timeout_s": function.timeout_s, "memory_mb": function.memory_mb}  # fmt: skip


def load_handler(function: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """`module.attribute` of the handler, imported with the code folder first on sys.path (as Lambda does)."""
    sys.path.insert(0, str(function.code_dir))
    module = importlib.import_module(function.module)
    return getattr(module, function.attribute)


def _with_timeout(handler: Callable, function: FunctionSpec, invocation_fd: int | None,
                  on_timeout: Callable[[], None] = lambda: None) -> Callable:  # fmt: skip
    def timed_out() -> None:
        log_line(function.logical_id, f"Task timed out after {function.timeout_s:g} seconds: the instance ends")
        on_timeout()
        os._exit(EXIT_TIMED_OUT)

    def tell_runtime(line: str) -> None:
        if invocation_fd is not None:
            with contextlib.suppress(OSError):  # the runtime is gone: stdin's end of file ends this instance
                os.write(invocation_fd, line.encode("ascii") + b"\n")

    def call(event: dict[str, Any], context: Any) -> Any:
        # CLOCK_MONOTONIC is one clock for every process of the machine: the runtime compares it with its own.
        tell_runtime(f"begin {time.monotonic() + function.timeout_s:.3f}")
        timer = threading.Timer(function.timeout_s, timed_out)
        timer.daemon = True
        timer.start()
        try:
            return handler(event, context)
        finally:
            timer.cancel()
            tell_runtime("end")

    return call


def _watch_parent() -> None:
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)  # the runtime is gone


class _QuietStdout:
    """stdout without what the runtime was asked not to show: Powertools' EMF lines (with
    POWERTOOLS_METRICS_DISABLED it still prints each instance's cold start metric: single_metric ignores the
    setting), and JSON log records below POWERTOOLS_LOG_LEVEL (the handlers lower the level of their
    `codetracker` loggers to keep a failed job's last lines; locally those lines would drown the event log)."""

    _LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

    def __init__(self, stream: Any, *, hide_metrics: bool, level: str) -> None:
        self._stream = stream
        self._pending = ""
        below = self._LEVELS[: self._LEVELS.index(level)] if level in self._LEVELS else ()
        self._hidden = tuple(f'{{"level":"{name}"' for name in below) + (('{"_aws":',) if hide_metrics else ())

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if not line.startswith(self._hidden):
                self._stream.write(line + "\n")
        self._stream.flush()
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> int:
    spec = json.loads(sys.stdin.buffer.readline())
    os.environ.clear()
    os.environ.update(spec["env"])
    sys.stdout = _QuietStdout(
        sys.stdout,
        hide_metrics=os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"),
        level=os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO").upper(),
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runtime coordinates the stop
    threading.Thread(target=_watch_parent, name="parent-watch", daemon=True).start()

    function = function_from(spec["function"])
    kind = spec["kind"]
    if kind != "http" and spec.get("nice"):
        # On Lambda every instance has CPUs of its own; here they share this machine's. Queue consumers and
        # schedules yield to the instances answering HTTP requests, whose callers wait.
        os.nice(int(spec["nice"]))
    handler = load_handler(function)
    invocation_fd = spec.get("invocation_fd")
    if kind == "http":
        from codetracker.local.http_bridge import ApiBridge

        listening = socket.socket(fileno=spec["listen_fd"])
        bridge = ApiBridge(function, handler, listening)
        bridge.handler = _with_timeout(handler, function, invocation_fd, bridge.answer_timed_out)

        def stop_serving(*_: object) -> None:
            stop.set()
            threading.Thread(target=bridge.shutdown).start()

        signal.signal(signal.SIGTERM, stop_serving)
        run: Callable[[], None] = bridge.serve_forever
    elif kind == "sqs":
        from codetracker.local import queues
        from codetracker.local.pollers import SqsPoller

        poller = SqsPoller(
            sqs=queues.client("sqs", spec["endpoint_url"]),
            queue=queues.LocalQueue(**spec["queue"]),
            function=function,
            source=EventSourceSpec(**spec["source"]),
            handler=_with_timeout(handler, function, invocation_fd),
            stop=stop,
            inflight_file=Path(spec["inflight_file"]),
        )
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        run = poller.run
    elif kind == "schedule":
        from codetracker.local.schedules import ScheduleRunner

        runner = ScheduleRunner(
            ScheduleSpec(**spec["schedule"]), function, _with_timeout(handler, function, invocation_fd), stop
        )
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        run = runner.run
    else:
        raise SystemExit(f"unknown instance kind {kind!r}")
    os.write(spec["ready_fd"], b"ready\n")
    os.close(spec["ready_fd"])
    run()
    sys.stdout.flush()
    sys.stderr.flush()
    # Not a normal interpreter exit: the parent-watch thread is blocked reading stdin, and finalizing under it
    # aborts the process; the handler's resources (a database connection) go with the process.
    os._exit(0)


if __name__ == "__main__":
    main()
