"""The job's transitions: every legal move leads where the tables say, every illegal one is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from codetracker.domain.job import (
    LEADS_TO,
    LEGAL_FROM,
    IllegalJobTransition,
    Job,
    JobStage,
    JobStatus,
    JobTrigger,
    StageTimes,
)
from codetracker.domain.job_result import (
    PackageOutcome,
    ResultCounts,
    ResultOutcome,
    StageDurations,
    StaleResult,
    StoredResult,
    result_from_json,
    result_to_json,
)
from codetracker.domain.model import SnapshotKey

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(seconds=10)
KEY = SnapshotKey("hello", "main", "HEAD")
STORED = StoredResult(
    snapshot_id=3, commit_sha="c" * 40, ref_kind="branch", counts=ResultCounts(functions=2), changes={}
)
STALE = StaleResult(commit_sha="a" * 40, stored_commit_sha="c" * 40, stored_scanned_at="2026-01-01T00:00:00Z")


def job(status: JobStatus, **changes: object) -> Job:
    made = Job("j1", "r1", JobTrigger.API, "refs/heads/main", status, T0, T0)
    return replace(made, **changes)  # type: ignore[arg-type]


# Each transition with plausible arguments (one notification decided and not delivered, where that matters).
MOVES: dict[str, Callable[[Job], Job]] = {
    "start_scan": lambda j: j.start_scan(NOW),
    "scanned": lambda j: j.scanned(NOW, commit_sha="c" * 40, key=KEY),
    "persisted": lambda j: j.persisted(NOW, key=KEY, scan=StageTimes(T0, T0), result=STORED, notification_id="msg_1"),
    "superseded": lambda j: j.superseded(NOW, key=KEY, scan=StageTimes(T0, T0), result=STALE),
    "fail": lambda j: j.fail(NOW, code="ref_not_found", message="no ref", stage=JobStage.SCAN),
    "note_retry": lambda j: j.note_retry(NOW, code="store_unavailable", message="down", log_tail=("a line",)),
    "notification_sent": lambda j: j.notification_sent(NOW),
    "notification_attempted": lambda j: j.notification_attempted(NOW, attempt=2),
    "notified": lambda j: j.notified(NOW, attempt=1),
    "notification_failed": lambda j: j.notification_failed(
        NOW, attempt=5, code="delivery_failed", message="x", log_tail=()
    ),
    "notification_dropped": lambda j: j.notification_dropped(NOW),
}
CASES = [(name, status) for name in MOVES for status in JobStatus]


def test_every_transition_is_in_the_tables():
    assert set(MOVES) == set(LEGAL_FROM) == set(LEADS_TO)


@pytest.mark.parametrize(("name", "status"), CASES, ids=[f"{n}-from-{s}" for n, s in CASES])
def test_a_transition_moves_only_from_its_legal_states(name: str, status: JobStatus):
    before = job(status, notification_id="msg_1")
    if status not in LEGAL_FROM[name]:
        with pytest.raises(IllegalJobTransition) as refused:
            MOVES[name](before)
        assert refused.value.transition == name and refused.value.status == status
        return
    after = MOVES[name](before)
    assert after.status in LEADS_TO[name] or (None in LEADS_TO[name] and after.status == status)
    assert (after.id, after.repository_id, after.trigger, after.ref, after.created_at) == (
        "j1",
        "r1",
        "api",
        before.ref,
        T0,
    )


def test_a_job_starts_queued():
    made = Job.queued(
        "j2", "r1", JobTrigger.WEBHOOK, "refs/tags/v1", T0, module_slug="m", branch_name=None, release_tag="v1"
    )
    assert (made.status, made.created_at, made.updated_at, made.release_tag) == (JobStatus.QUEUED, T0, T0, "v1")
    assert made.result is None and not made.finished and not made.past_scanning


def test_start_scan_keeps_the_first_attempts_start():
    first = job(JobStatus.QUEUED).start_scan(T0 + timedelta(seconds=1))
    again = replace(first, status=JobStatus.PERSISTING).start_scan(NOW)
    assert again.status == JobStatus.SCANNING and again.scan == StageTimes(T0 + timedelta(seconds=1), None)


def test_scanned_names_the_key_closes_the_scan_and_clears_a_retry_reason():
    scanning = job(JobStatus.SCANNING, scan=StageTimes(T0, None), error_code="fetch_timeout", error_message="slow")
    scanned = scanning.scanned(NOW, commit_sha="c" * 40, key=KEY)
    assert (scanned.module_slug, scanned.branch_name, scanned.release_tag) == ("hello", "main", "HEAD")
    assert scanned.scan == StageTimes(T0, NOW) and scanned.commit_sha == "c" * 40
    assert scanned.error_code is None and scanned.error_message is None


def test_persisted_notifies_only_with_a_webhook_id_and_measures_its_stages():
    persisting = job(JobStatus.PERSISTING, scan=StageTimes(T0 + timedelta(seconds=2), None))
    told = StageTimes(T0 + timedelta(seconds=5), T0 + timedelta(seconds=6))
    notifying = persisting.persisted(NOW, key=KEY, scan=told, result=STORED, notification_id="msg_1")
    done = persisting.persisted(NOW, key=KEY, scan=told, result=STORED, notification_id=None)
    assert (notifying.status, notifying.notification_id) == (JobStatus.NOTIFYING, "msg_1")
    assert (done.status, done.notification_id) == (JobStatus.DONE, None)
    # The job's own scan start wins over the message's; the end comes from the message.
    assert done.scan == StageTimes(T0 + timedelta(seconds=2), T0 + timedelta(seconds=6))
    assert done.result == replace(STORED, durations=StageDurations(queued=2.0, scan=4.0, persist=0.0))


def test_a_superseded_job_is_done_with_its_stale_result():
    done = job(JobStatus.PERSISTING).superseded(NOW, key=KEY, scan=StageTimes(T0, T0), result=STALE)
    assert done.status == JobStatus.DONE and done.result == STALE and done.commit_sha == "a" * 40


def test_fail_closes_its_stage_keeps_what_it_is_not_given_and_cuts_the_message():
    scanning = job(JobStatus.SCANNING, scan=StageTimes(T0, None), commit_sha="b" * 40, log_tail=("old",))
    failed = scanning.fail(NOW, code="ref_not_found", message="x" * 3000, stage=JobStage.SCAN)
    assert failed.status == JobStatus.FAILED and failed.scan == StageTimes(T0, NOW) and failed.persist == StageTimes()
    assert (failed.commit_sha, failed.log_tail, len(failed.error_message or "")) == ("b" * 40, ("old",), 2000)
    untimed = scanning.fail(NOW, code="repository_deleted", message="gone", notification_id="msg_9")
    assert untimed.scan == StageTimes(T0, None) and untimed.notification_id == "msg_9"


def test_note_retry_keeps_the_status():
    noted = job(JobStatus.PERSISTING).note_retry(NOW, code="store_unavailable", message="down", log_tail=None)
    assert (noted.status, noted.error_code, noted.updated_at) == (JobStatus.PERSISTING, "store_unavailable", NOW)


def test_a_notification_is_recorded_sent_once_and_only_when_decided():
    notifying = job(JobStatus.NOTIFYING, notification_id="msg_1")
    sent = notifying.notification_sent(NOW)
    assert sent.notification_queued_at == NOW and not sent.notification_unsent
    with pytest.raises(IllegalJobTransition):
        sent.notification_sent(NOW)
    with pytest.raises(IllegalJobTransition):
        job(JobStatus.DONE).notification_sent(NOW)


def test_delivery_redeems_a_job_failed_by_its_notification_not_one_whose_scan_failed():
    by_delivery = job(JobStatus.FAILED, error_code="delivery_failed", error_message="HTTP 503")
    scan_failed = job(JobStatus.FAILED, error_code="ref_not_found", error_message="no ref")
    redeemed = by_delivery.notified(NOW, attempt=1)
    assert (redeemed.status, redeemed.error_code, redeemed.notification_delivered_at) == (JobStatus.DONE, None, NOW)
    kept = scan_failed.notified(NOW, attempt=1)
    assert (kept.status, kept.error_code) == (JobStatus.FAILED, "ref_not_found")
    with pytest.raises(IllegalJobTransition):
        redeemed.notified(NOW, attempt=2)  # delivered once


def test_a_failed_notification_keeps_a_failed_scans_reason():
    notifying = job(JobStatus.NOTIFYING)
    failed = notifying.notification_failed(
        NOW, attempt=5, code="delivery_rejected", message="HTTP 410", log_tail=("l",)
    )
    assert (failed.status, failed.error_code, failed.log_tail) == (JobStatus.FAILED, "delivery_rejected", ("l",))
    scan_failed = job(JobStatus.FAILED, error_code="ref_not_found", error_message="no ref", log_tail=("scan",))
    kept = scan_failed.notification_failed(NOW, attempt=5, code="delivery_rejected", message="HTTP 410", log_tail=())
    assert (kept.error_code, kept.error_message, kept.log_tail) == ("ref_not_found", "no ref", ("scan",))
    assert kept.notify == StageTimes(NOW, NOW) and kept.notification_attempts == 5


def test_a_dropped_notification_ends_a_notifying_job_only():
    assert job(JobStatus.NOTIFYING).notification_dropped(NOW).status == JobStatus.DONE
    failed = job(JobStatus.FAILED, error_code="ref_not_found")
    assert failed.notification_dropped(NOW).status == JobStatus.FAILED


@pytest.mark.parametrize(
    "result",
    [
        STALE,
        replace(STORED, durations=StageDurations(1.0, 2.0, 0.5), fetch={"bytes": 10}),
        replace(
            STORED,
            module_slug="core",
            packages=(
                PackageOutcome("core", "@m/core", "1.0.0", "", False, "HEAD", ResultOutcome.STORED, 3, 2, {"a": 1}),
                PackageOutcome("util", "util", None, "util", True, "HEAD", ResultOutcome.STALE),
            ),
            removed_packages=("gone",),
        ),
    ],
    ids=["stale", "one-module", "packages"],
)
def test_a_result_round_trips_through_its_json_form(result):
    assert result_from_json(result_to_json(result)) == result


def test_the_json_form_is_the_stored_shape():
    """The shape stored since the column was made (an older row reads back, a newer one is read by older code)."""
    stored = result_to_json(STORED)
    assert set(stored) == {
        *("outcome", "snapshot_id", "commit_sha", "ref_kind", "counts", "extraction", "fetch", "changes"),
        "durations_s",
    }
    assert stored["counts"]["functions"] == 2 and set(stored["durations_s"]) == {"queued", "scan", "persist"}
    assert set(result_to_json(STALE)) == {"outcome", "commit_sha", "stored_commit_sha", "stored_scanned_at"}
    old_row = {"outcome": "stored", "snapshot_id": 4, "commit_sha": None, "counts": {"functions": 1}, "changes": {}}
    assert result_from_json(old_row) == StoredResult(4, None, None, ResultCounts(functions=1), {})


def test_the_architecture_doc_draws_exactly_these_transitions():
    """docs/architecture.md's legend under the job's states lists each transition: from ──▶ to."""
    doc = (Path(__file__).parents[3] / "docs" / "architecture.md").read_text()
    section = doc[doc.index("## A job's life") :]
    drawn = {}
    for name, sources, targets in re.findall(r"^\s*(\w+): ([a-z |]+?) ──▶ ([a-z |()]+?)\s*$", section, re.M):
        drawn[name] = (set(sources.split(" | ")), set(targets.split(" | ")))
    expected = {
        name: ({str(s) for s in LEGAL_FROM[name]}, {"(same)" if s is None else str(s) for s in LEADS_TO[name]})
        for name in LEGAL_FROM
    }
    assert drawn == expected
