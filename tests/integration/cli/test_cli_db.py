"""`codetracker db`: the embedded Postgres is started on demand, reported, and stopped on request."""

from __future__ import annotations

import os
import subprocess
import sys


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codetracker.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_status_starts_embedded_postgres_and_stop_stops_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_"))}
    env["CODE_TRACKER_PG_DATA"] = str(tmp_path / "pgdata")
    try:
        status = _cli("db", "status", env=env)
        assert status.returncode == 0, status.stderr
        assert f"embedded Postgres in {tmp_path / 'pgdata'}" in status.stdout
        assert "schema version:" in status.stdout
        assert (tmp_path / "pgdata" / "postmaster.pid").exists()
    finally:
        stop = _cli("db", "stop", env=env)
    assert stop.returncode == 0 and "stopped" in stop.stdout, stop.stderr
    assert "Traceback" not in stop.stderr
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    again = _cli("db", "stop", env=env)
    assert again.returncode == 0 and "was not running" in again.stdout


def test_stop_with_a_configured_database_is_a_usage_error(tmp_path):
    env = dict(os.environ, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    result = _cli("db", "stop", env=env)
    assert result.returncode == 2 and result.stderr.startswith("codetracker: error:")
