"""Starting and stopping `codetracker dev`: everything on 127.0.0.1, a clean stop leaves nothing behind, a
SIGKILLed run's Postgres and queues are adopted by the next one, the record that other commands read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from tests.e2e.conftest import (
    REPO_ROOT,
    dev_env,
    port_is_free,
    processes_of,
    start_dev,
    uses_shared_dev,
    wait_until,
)


def _listening_ports(pids: set[int]) -> set[tuple[str, int]]:
    """(address, port) of the TCP sockets the given processes listen on."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                address, port = fields[1].split(":")
                found.add((address, int(port, 16)))
    return found


def test_clean_stop_leaves_no_process_port_or_record(tmp_path):
    dev = start_dev(tmp_path)
    port = urlsplit(dev.api_url).port
    moto_port = urlsplit(dev.record["endpoint_url"]).port
    pids = {pid for pid, _ in processes_of(tmp_path)}
    assert len(pids) > 3
    # Everything listens on 127.0.0.1 only (0100007F), Postgres on a Unix socket.
    listening = _listening_ports(pids)
    assert {p for _, p in listening} >= {port, moto_port}
    assert {address for address, _ in listening} == {"0100007F"}, listening
    record = json.loads((tmp_path / "dev" / "runtime.json").read_text())
    assert record["pid"] == dev.process.pid and record["state"] == "ready"
    assert (tmp_path / "dev" / "runtime.json").stat().st_mode & 0o077 == 0
    assert set(record["queues"]) >= {"ScanQueue", "ScanDeadLetterQueue", "NotifyQueue", "NotifyDeadLetterQueue"}

    assert dev.stop(signal.SIGINT) == 0
    wait_until(lambda: not processes_of(tmp_path), timeout_s=20, what="every process gone")
    assert port_is_free(port) and port_is_free(moto_port)
    assert not (tmp_path / "dev" / "runtime.json").exists()
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    assert "codetracker dev: stopped" in dev.log_text()


def test_sigterm_stops_as_ctrl_c_does(tmp_path):
    dev = start_dev(tmp_path)
    assert dev.stop(signal.SIGTERM) == 0
    wait_until(lambda: not processes_of(tmp_path), timeout_s=20, what="every process gone")


def test_a_sigkilled_run_is_adopted_by_the_next(tmp_path):
    first = start_dev(tmp_path)
    moto_pid = first.record["moto"]["pid"]
    first.kill()

    # The instances go with it (their stdin closes); Postgres and the moto server (the queues) stay.
    def only_infrastructure() -> bool:
        return all("codetracker.local.instance" not in cmd for _, cmd in processes_of(tmp_path))

    wait_until(only_infrastructure, timeout_s=20, what="the instances gone")
    left = processes_of(tmp_path)
    assert any(pid == moto_pid for pid, _ in left)
    assert (tmp_path / "pgdata" / "postmaster.pid").exists()
    handles = json.loads((tmp_path / "pgdata" / ".handle_pids.json").read_text())
    assert first.process.pid in handles  # pgserver's stale pid, as verified in the issue

    second = start_dev(tmp_path)
    try:
        assert second.record["moto"]["pid"] == moto_pid
        assert "adopted from the previous run" in second.log_text()
        assert "already running, reused" in second.log_text()
        handles = json.loads((tmp_path / "pgdata" / ".handle_pids.json").read_text())
        assert first.process.pid not in handles
        assert second.request("GET", "/health").status == 200
    finally:
        assert second.stop() == 0
    wait_until(lambda: not processes_of(tmp_path), timeout_s=20, what="every process gone")


@uses_shared_dev
def test_a_second_run_on_the_same_dev_directory_is_refused(dev):
    env = dict(dev.env)
    done = subprocess.run([sys.executable, "-m", "codetracker.cli", "dev", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)  # fmt: skip
    assert done.returncode == 2
    assert "already runs with the dev directory" in done.stderr
    assert str(dev.process.pid) in done.stderr


@uses_shared_dev
def test_a_busy_port_is_named(tmp_path, dev):
    port = urlsplit(dev.api_url).port
    done = subprocess.run([sys.executable, "-m", "codetracker.cli", "dev", "--port", str(port)],
                          env=dev_env(tmp_path), capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    wait_until(lambda: not processes_of(tmp_path), timeout_s=20, what="what it started stopped")


def test_help_explains_every_option():
    done = subprocess.run([sys.executable, "-m", "codetracker.cli", "dev", "--help"], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "shared")})  # fmt: skip
    assert done.returncode == 0
    for option in ("--port", "--template", "--parameter-overrides", "--reconcile-every", "--retention-every",
                   "--concurrency", "--max-visibility-timeout", "--moto-port", "--shutdown-grace",
                   "--startup-timeout", "CODE_TRACKER_ADMIN_TOKEN", "CODE_TRACKER_DEV_DIR"):  # fmt: skip
        assert option in done.stdout, option


def test_a_generated_admin_token_is_printed_once(tmp_path):
    env = dev_env(tmp_path)
    del env["CODE_TRACKER_ADMIN_TOKEN"]
    from codetracker.local.launcher import DevProcess

    dev = DevProcess(env=env, args=["--reconcile-every", "off"], log_path=tmp_path / "dev.log").start()
    try:
        lines = [line for line in dev.log_text().splitlines() if "admin token" in line]
        assert len(lines) == 1
        token = lines[0].split()[2]
        assert dev.request("POST", "/apps", json_body={"name": "x"}, token=token).status == 201
        assert dev.request("POST", "/apps", json_body={"name": "x"}, token="wrong").status == 401
        assert token not in json.dumps(dev.record)
    finally:
        dev.stop()
    time.sleep(0)
