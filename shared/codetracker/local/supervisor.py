"""The function instances' processes under `codetracker dev`: started, awaited until ready, replaced when
they die, killed (with their process group) at an invocation's deadline, and stopped with a grace period.

An instance that dies while running (a crash, a timeout) is replaced, and what its process group left behind
(parser worker processes) is killed with it. An invocation still running at its deadline (the function's
Timeout; each instance reports its invocations on a pipe) is killed with its process group, as Lambda ends a
timed-out invocation, whatever the handler is doing.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from codetracker.local.instances import Instance
from codetracker.local.options import DevError

# How long after an invocation's deadline the runtime kills its instance: the instance's own timer ends it at
# the deadline when the handler lets it run; this is for a handler that does not (C code holding the GIL).
DEADLINE_GRACE_S = 0.25


class InstanceSupervisor:
    def __init__(self, say: Callable[[str], None], *, startup_timeout_s: float) -> None:
        self.say = say
        self.startup_timeout_s = startup_timeout_s
        self.instances: list[Instance] = []
        self.stopping = threading.Event()
        self.hurry = threading.Event()  # a second stop signal: no grace period

    def spawn(self, instance: Instance) -> None:
        _close_invocations(instance)
        read_end, write_end = os.pipe()
        invocations_read, invocations_write = os.pipe()
        spec = {**instance.spec, "ready_fd": write_end, "invocation_fd": invocations_write}
        try:
            instance.process = subprocess.Popen(
                [sys.executable, "-m", "codetracker.local.instance"],
                stdin=subprocess.PIPE,
                pass_fds=(write_end, invocations_write, *instance.pass_fds),
                env=spec["env"],
                # The runtime coordinates Ctrl-C (the terminal's signal is not theirs), and an instance with its
                # worker processes is one process group, killed as one.
                start_new_session=True,
            )
        finally:
            os.close(write_end)
            os.close(invocations_write)
        instance.invocation_fd = invocations_read
        instance.deadline = None
        assert instance.process.stdin is not None
        instance.process.stdin.write(json.dumps(spec).encode() + b"\n")
        instance.process.stdin.flush()
        instance.ready_fd = read_end
        instance.started = time.monotonic()

    def wait_ready(self, instances: list[Instance]) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        waiting = {i.ready_fd: i for i in instances if i.ready_fd is not None}
        while waiting:
            if self.stopping.is_set():
                raise DevError("stopped while starting")
            left = deadline - time.monotonic()
            if left <= 0:
                names = ", ".join(sorted(i.name for i in waiting.values()))
                raise DevError(f"not ready after {self.startup_timeout_s:g} s: {names}")
            ready, _, _ = select.select(list(waiting), [], [], min(left, 0.25))
            self.watch_invocations(0.0)  # the running instances keep their deadlines meanwhile
            for fd in ready:
                instance = waiting.pop(fd)
                line = os.read(fd, 64)
                os.close(fd)
                instance.ready_fd = None
                if not line.startswith(b"ready"):
                    status = instance.process.wait() if instance.process else None
                    raise DevError(f"{instance.name} failed to start (exit status {status}); see its output above")

    def supervise(self) -> None:
        while not self.stopping.is_set():
            self.watch_invocations(0.25)
            for instance in self.instances:
                process = instance.process
                if process is None or process.poll() is None:
                    continue
                status = process.returncode
                kill_group(process)  # what the instance left running (parser workers)
                now = time.monotonic()
                instance.restarts = [t for t in instance.restarts if now - t < 60] + [now]
                if len(instance.restarts) > 5:
                    if now - instance.restarts[-2] < 5:
                        continue  # crashing in a loop: try again in a few seconds
                self.say(f"{instance.name}: exited with status {status}; starting a new instance")
                self.spawn(instance)
                try:
                    self.wait_ready([instance])
                except DevError as err:
                    self.say(f"{instance.name}: {err}")

    def watch_invocations(self, wait_s: float) -> None:
        """Read the instances' invocation reports for up to `wait_s`; kill an instance whose invocation is
        still running past its deadline."""
        watched = {i.invocation_fd: i for i in self.instances if i.invocation_fd is not None}
        deadlines = [i.deadline + DEADLINE_GRACE_S for i in self.instances if i.deadline is not None]
        wait_s = max(0.0, min([wait_s, *(d - time.monotonic() for d in deadlines)]))
        if not watched:
            time.sleep(wait_s)
        for fd in select.select(list(watched), [], [], wait_s)[0] if watched else ():
            instance = watched[fd]
            data = os.read(fd, 4096)
            if not data:  # the instance is gone
                _close_invocations(instance)
                continue
            for line in data.decode("ascii", "replace").splitlines():
                verb, _, value = line.partition(" ")
                instance.deadline = float(value) if verb == "begin" else None
        now = time.monotonic()
        for instance in self.instances:
            if instance.deadline is None or now < instance.deadline + DEADLINE_GRACE_S:
                continue
            instance.deadline = None
            process = instance.process
            if process is not None and process.poll() is None:
                timeout = instance.spec["function"]["timeout_s"]
                self.say(f"{instance.name}: Task timed out after {timeout:g} seconds: the instance is killed")
                kill_group(process)

    def terminate(self, instances: list[Instance], grace_s: float) -> None:
        """SIGTERM, then up to `grace_s` for the invocation under way, then the process group is killed."""
        for instance in instances:
            if instance.process is not None and instance.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    instance.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for instance in instances:
            process = instance.process
            if process is None:
                continue
            while process.poll() is None and time.monotonic() < deadline and not self.hurry.is_set():
                time.sleep(0.05)
            kill_group(process)  # still running after the grace period, or its worker processes
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if instance.ready_fd is not None:
                os.close(instance.ready_fd)
                instance.ready_fd = None
            _close_invocations(instance)


def _close_invocations(instance: Instance) -> None:
    if instance.invocation_fd is not None:
        os.close(instance.invocation_fd)
        instance.invocation_fd = None
    instance.deadline = None


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process group of an instance (it leads one: start_new_session), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
