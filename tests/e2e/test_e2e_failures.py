"""The system survives its parts failing: the database stopping mid-run, `codetracker dev` SIGKILLed mid-scan.
Each test runs its own `codetracker dev` (it breaks it on purpose)."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from codetracker.local.receiver import Receiver
from tests.e2e.conftest import (
    REPO_ROOT,
    create_app,
    library,
    processes_of,
    queue_depth,
    register,
    start_dev,
    wait_job,
    wait_until,
)

pytestmark = pytest.mark.skipif(not (REPO_ROOT / "functions" / "scanner" / "app.py").exists(),
                                reason="the queue pipeline (issue 10) is not in this tree")  # fmt: skip

# Redeliveries while the database is away must not exhaust the receive counts (DLQ after 3 by default).
PATIENT = ["--parameter-overrides", "ScanMaxReceiveCount=30 PersistMaxReceiveCount=30"]


def _cli(dev, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codetracker.cli", *args], env=dev.env, capture_output=True,
                          text=True, timeout=120, cwd=REPO_ROOT)  # fmt: skip


def test_the_database_stops_mid_run_and_comes_back_nothing_lost_nothing_twice(tmp_path, make_repo):
    dev = start_dev(tmp_path, *PATIENT)
    try:
        with Receiver() as receiver:
            app = create_app(dev, "outage", callback_url=receiver.url)
            receiver.secret = app.signing_secret
            repos = [make_repo(f"outage{n}") for n in range(3)]
            for repo in repos:
                repo.commit(library(1))
            registered = [register(dev, app, repo) for repo in repos]
            stopped = _cli(dev, "db", "stop")
            assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stderr
            time.sleep(3)  # work in flight meets the outage and is redelivered
            assert dev.request("GET", "/health").status == 503
            started = _cli(dev, "db", "status")  # starts the embedded Postgres again
            assert started.returncode == 0, started.stderr
            jobs = {r["job_id"] for r in registered}
            receiver.wait_for(lambda d: d.job_id in jobs, count=3, timeout_s=120)
            time.sleep(2)  # a duplicate would arrive now
            per_job = {j: [d for d in receiver.delivered() if d.job_id == j] for j in jobs}
            assert all(len(found) == 1 for found in per_job.values()), per_job
            for r in registered:
                wait_job(dev, app, r["job_id"])
                snapshots = dev.request("GET", f"/repositories/{r['id']}/snapshots", token=app.token).json["items"]
                assert len(snapshots) == 1
            for dlq in ("ScanDeadLetterQueue", "PersistDeadLetterQueue", "NotifyDeadLetterQueue"):
                assert queue_depth(dev, dlq) == (0, 0), dlq
            # The outage was met: some batch failed in part or whole and came back (the log of a batch that
            # all went well says "N done, 0 left for redelivery").
            assert re.search(r"\b[1-9]\d* left for redelivery|whole batch redelivered", dev.log_text())
    finally:
        dev.stop()


def _big_library(files: int) -> dict[str, str]:
    out = {"package.json": '{"name": "big"}'}
    for n in range(files):
        body = "\n".join(f"/** @param {{number}} a{k} */\nexport function f{n}_{k}(a{k}) {{ return a{k} + {k}; }}"
                         for k in range(20))  # fmt: skip
        out[f"src/m{n:04d}.mjs"] = body + "\n"
    return out


def test_sigkill_mid_scan_then_restart_redelivers_and_completes_once(tmp_path, make_repo):
    repo = make_repo("killed")
    first = repo.commit(_big_library(1500))
    dev = start_dev(tmp_path)
    with Receiver() as receiver:
        app = create_app(dev, "killed", callback_url=receiver.url)
        receiver.secret = app.signing_secret
        registered = register(dev, app, repo)
        inflight = tmp_path / "dev" / "inflight" / "ScannerFunction-1.json"
        wait_until(inflight.exists, timeout_s=30, what="the scanner holding the message")
        dev.kill()
        wait_until(lambda: all("codetracker.local.instance" not in c and "parsing.worker_main" not in c
                               for _, c in processes_of(tmp_path)), timeout_s=20, what="no instance left")  # fmt: skip
        assert receiver.deliveries == []

        again = start_dev(tmp_path)
        try:
            assert "made visible again" in again.log_text()
            (delivery,) = receiver.wait_for(lambda d: d.job_id == registered["job_id"], timeout_s=120)
            assert delivery.payload["data"]["commit_sha"] == first
            done = wait_job(again, app, registered["job_id"])
            assert done["status"] == "done"
            time.sleep(2)
            assert len([d for d in receiver.deliveries if d.job_id == registered["job_id"]]) == 1
            snapshots = again.request("GET", f"/repositories/{registered['id']}/snapshots", token=app.token).json
            assert len(snapshots["items"]) == 1
        finally:
            again.stop()
    wait_until(lambda: not processes_of(tmp_path), timeout_s=20, what="every process gone")
