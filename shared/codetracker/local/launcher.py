"""Start `codetracker dev` as a child process and talk to it: for the demo, the end-to-end tests and the
benchmarks (a script that needs the whole system, as a user runs it).

    with DevProcess(env={...}, args=["--max-visibility-timeout", "2s"], log_path=path) as dev:
        dev.api_url        # from the record it writes in its dev directory
        dev.record         # runtime.json: queues, endpoint, ...
        dev.request("POST", "/apps", json={...}, token=...)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codetracker.local import record as rec


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
         timeout: float = 30.0) -> Answer:  # fmt: skip
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Answer(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, dict(err.headers.items()), err.read())


class DevProcess:
    def __init__(self, *, env: Mapping[str, str], args: Sequence[str] = (), log_path: Path | None = None,
                 python: str | None = None, cwd: Path | None = None,
                 startup_timeout_s: float = 90.0, wait_for_api: bool = True) -> None:  # fmt: skip
        self.env = dict(env)
        self.args = list(args)
        self.log_path = log_path
        self.python = python or sys.executable
        self.cwd = cwd
        self.startup_timeout_s = startup_timeout_s
        self.wait_for_api = wait_for_api  # False: a template without the api function
        self.process: subprocess.Popen | None = None
        self.record: dict[str, Any] = {}
        self._log: Any = None

    @property
    def dev_dir(self) -> Path:
        return rec.dev_dir(self.env)

    @property
    def api_url(self) -> str:
        return self.record["api_url"]

    def start(self) -> DevProcess:
        if self.log_path is not None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        record_path = self.dev_dir / rec.RECORD
        self.process = subprocess.Popen(
            [self.python, "-m", "codetracker.cli", "dev", "--port", "0", *self.args],
            env=self.env, stdin=subprocess.DEVNULL,
            stdout=self._log if self._log else subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=self.cwd,
        )  # fmt: skip
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"codetracker dev exited with status {self.process.returncode}: {self.log_tail()}")
            found = rec.read_json(record_path)
            if isinstance(found, dict) and found.get("pid") == self.process.pid and found.get("state") == "ready":
                self.record = found
                break
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"codetracker dev not ready after {self.startup_timeout_s:g} s: {self.log_tail()}")
            time.sleep(0.05)
        while self.wait_for_api and http("GET", self.api_url + "/health").status != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("GET /health does not answer 200")
            time.sleep(0.05)
        return self

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def request(self, method: str, path: str, *, json_body: Any = None, token: str | None = None,
                body: bytes | None = None, headers: Mapping[str, str] | None = None) -> Answer:  # fmt: skip
        sent = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("content-type", "application/json")
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        return http(method, self.api_url + path, body=body, headers=sent)

    def stop(self, sig: int = signal.SIGINT, timeout_s: float = 60.0) -> int | None:
        """Stop as Ctrl-C does; the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._close_log()
        return process.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing of it can clean up."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> DevProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
