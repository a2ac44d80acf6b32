"""Schedules run at their period with EventBridge's event; the dev directory's files."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from codetracker.local import record as rec
from codetracker.local.plan import FunctionSpec, ScheduleSpec
from codetracker.local.schedules import ScheduleRunner, scheduled_event


def test_a_schedule_runs_every_period_never_at_start_and_stops():
    calls = []
    function = FunctionSpec("ReconcilerFunction", Path("/x"), "app.lambda_handler", 300, 512, {})
    schedule = ScheduleSpec("ReconcilerFunction", "Schedule", "rate(15 minutes)", 0.2)
    stop = threading.Event()
    runner = ScheduleRunner(schedule, function, lambda e, c: calls.append((time.monotonic(), e)), stop)
    started = time.monotonic()
    thread = threading.Thread(target=runner.run)
    thread.start()
    time.sleep(0.7)
    stop.set()
    thread.join(2)
    assert 2 <= len(calls) <= 4
    assert calls[0][0] - started >= 0.19
    event = calls[0][1]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"][0].endswith(":rule/codetracker-ReconcilerFunctionSchedule")


def test_a_schedule_turned_off_never_runs():
    stop = threading.Event()
    function = FunctionSpec("RetentionFunction", Path("/x"), "app.lambda_handler", 300, 256, {})
    runner = ScheduleRunner(ScheduleSpec("RetentionFunction", "Schedule", "rate(1 day)", None), function,
                            lambda e, c: (_ for _ in ()).throw(AssertionError("ran")), stop)  # fmt: skip
    thread = threading.Thread(target=runner.run)
    thread.start()
    stop.set()
    thread.join(2)
    assert not thread.is_alive()
    assert scheduled_event(runner.schedule)["region"] == "us-east-1"


def test_records_are_written_whole_and_private(tmp_path):
    path = tmp_path / "dev" / "runtime.json"
    rec.write_json(path, {"pid": 1})
    assert rec.read_json(path) == {"pid": 1}
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["runtime.json"]  # no temporary file left
    path.write_text("{half")
    assert rec.read_json(path) is None


def test_stored_secrets_are_generated_once(tmp_path):
    first = rec.stored_secrets(tmp_path, ("encryption_key", "github_webhook_secret"))
    assert len(first["encryption_key"]) == 64 and int(first["encryption_key"], 16) >= 0
    assert rec.stored_secrets(tmp_path, ("encryption_key", "github_webhook_secret")) == first
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_the_dev_directory_follows_the_settings(tmp_path):
    assert rec.dev_dir({"CODE_TRACKER_DEV_DIR": str(tmp_path / "d")}) == (tmp_path / "d").resolve()
    assert rec.dev_dir({"CODE_TRACKER_PG_DATA": str(tmp_path / "x" / "pg")}) == (tmp_path / "x" / "dev").resolve()
    assert rec.read_runtime({"CODE_TRACKER_DEV_DIR": str(tmp_path / "none")}) is None
    rec.write_json(tmp_path / "d" / "runtime.json", {"pid": 999_999_999})
    assert rec.read_runtime({"CODE_TRACKER_DEV_DIR": str(tmp_path / "d")}) is None  # its process is gone
