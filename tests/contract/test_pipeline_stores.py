"""What the queue consumers add to the stores, run against Postgres and the in-memory fake: jobs found, locked
and saved by id (no app), active jobs of a ref, registrations by id and all live ones, and retention's small
batches (old rows only; a cached blob a snapshot lists stays)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from codetracker.domain.job_result import (
    PackageOutcome,
    ResultCounts,
    ResultOutcome,
    StageDurations,
    StoredResult,
)
from codetracker.domain.model import Descriptor, EntryKind, FileExtraction, SnapshotKey, SnapshotSource, TreeEntry
from codetracker.domain.job import JobStatus, StageTimes
from codetracker.domain.registry import Activity, ActivityStatus, ActivityType, WebhookDelivery, registration_scope
from tests.contract.test_service_stores import T0, add, app, job, registration
from codetracker.ports.snapshot_store import SnapshotToStore


def test_a_job_is_found_locked_and_saved_by_id(factories):
    first, second = factories
    a = app()
    r = registration(a.id)
    j = job(r.id)
    add(first, a, r, j)
    changed = replace(
        j,
        status=JobStatus.FAILED,
        updated_at=T0 + timedelta(minutes=1),
        commit_sha="c" * 40,
        scan=StageTimes(T0, T0 + timedelta(seconds=3)),
        persist=StageTimes(T0 + timedelta(seconds=4), None),
        result=StoredResult(
            snapshot_id=7,
            commit_sha="c" * 40,
            ref_kind="branch",
            counts=ResultCounts(functions=2, files=1, unread_files=1),
            changes={"first_snapshot": True, "added_count": 2},
            durations=StageDurations(queued=0.5, scan=3.0, persist=None),
            extraction={"unread_sources": {".cjs": 1}},
            module_slug="core",
            packages=(
                PackageOutcome("core", "@mono/core", "1.0.0", "", False, "HEAD", ResultOutcome.STORED, 7, 2, {}),
                PackageOutcome("util", "util", None, "util", True, "HEAD", ResultOutcome.STALE),
            ),
            removed_packages=("gone",),
        ),
        error_code="ref_not_found",
        error_message="no such ref",
        log_tail=("line one", "line two"),
        notification_id="msg_x",
        notification_queued_at=T0,
        notification_attempts=2,
        notification_delivered_at=T0 + timedelta(minutes=2),
        # fixed fields: save never changes them
        trigger=j.trigger,
        ref=j.ref,
    )
    with first() as uow:
        assert uow.jobs.lock(j.id) == j
        uow.jobs.save(changed)
        uow.commit()
    with second(read_only=True) as uow:
        assert uow.jobs.find(j.id) == changed
        assert uow.jobs.find(str(uuid.uuid4())) is None and uow.jobs.find("not-a-uuid") is None
        assert uow.jobs.get(a.id, j.id) == changed


def test_active_jobs_of_a_ref(unit_of_work):
    a = app()
    r = registration(a.id)
    done = job(r.id, status=JobStatus.DONE)
    persisting = job(r.id, at=T0 + timedelta(seconds=1), status=JobStatus.PERSISTING)
    other_ref = job(r.id, ref="refs/tags/v1")
    add(unit_of_work, a, r, done, persisting, other_ref)
    with unit_of_work(read_only=True) as uow:
        assert uow.jobs.find_active(r.id, "refs/heads/main") == persisting
        assert uow.jobs.find_active(r.id, "refs/tags/v2") is None
        assert uow.jobs.find_active(r.id, "refs/tags/v1") == other_ref


def test_registrations_by_id_and_every_live_one(unit_of_work):
    a, b = app("a"), app("b")
    rs = [registration(a.id, f"https://example.com/o/r{i}") for i in range(3)] + [registration(b.id)]
    gone = registration(b.id, "https://example.com/o/gone", deleted_at=T0)
    add(unit_of_work, a, b, *rs, gone)
    with unit_of_work(read_only=True) as uow:
        assert uow.registrations.find(gone.id) == gone  # deleted ones too, for the consumers
        assert uow.registrations.find("nope") is None
        first = uow.registrations.list_live(limit=3)
        rest = uow.registrations.list_live(limit=3, after=first[-1].id)
    assert [r.id for r in first + rest] == sorted(r.id for r in rs)


def test_retention_deletes_old_rows_in_batches(factories):
    first, second = factories
    old, new = T0 - timedelta(days=100), T0
    a = app()
    r = registration(a.id)
    old_jobs = [job(r.id, at=old + timedelta(seconds=i)) for i in range(3)]
    new_job = job(r.id, at=new)
    add(first, a, r, *old_jobs, new_job)
    with first() as uow:
        for i, at in enumerate([old, old, new]):
            uow.activities.add(
                Activity(
                    r.id, a.id, ActivityType.SCAN_STARTED, ActivityStatus.OK, at, job_id=(old_jobs + [new_job])[i].id
                )
            )
        for name, at in (("d-old", old), ("d-new", new)):
            uow.webhook_deliveries.claim(WebhookDelivery(name, "push", at, "queued"))
        uow.commit()
    cutoff = T0 - timedelta(days=90)
    with first() as uow:
        assert uow.retention.delete_jobs(before=cutoff, limit=2) == 2
        uow.commit()
    with first() as uow:
        assert uow.retention.delete_jobs(before=cutoff, limit=2) == 1
        assert uow.retention.delete_jobs(before=cutoff, limit=2) == 0
        assert uow.retention.delete_activities(before=cutoff, limit=10) == 2
        assert uow.retention.delete_webhook_deliveries(before=cutoff, limit=10) == 1
        uow.commit()
    with second(read_only=True) as uow:
        assert [j.id for j in uow.jobs.list_for_repository(r.id, limit=10)] == [new_job.id]
        assert [x.created_at for x in uow.activities.list_for_repository(r.id, limit=10)] == [new]
        assert uow.webhook_deliveries.get("d-new") and uow.webhook_deliveries.get("d-old") is None


def test_retention_keeps_blobs_a_snapshot_lists(factories):
    first, second = factories
    kept, dropped = "a" * 40, "b" * 40
    extraction = FileExtraction(
        functions=(), problem_kind=None, problem_reason=None, problem_line=None, problem_column=None, blob_size=1
    )
    with first() as uow:
        uow.blob_cache.put_many({kept: extraction, dropped: extraction}, "v1")
        uow.snapshots.store_snapshot(
            SnapshotToStore(
                SnapshotKey("m", "main", "HEAD", registration_scope(str(uuid.uuid4()))),
                Descriptor("m", (), (TreeEntry("a.js", EntryKind.FILE, 1, kept),)),
                SnapshotSource("m"),
            ),
        )
        uow.commit()
    future = datetime.now(UTC) + timedelta(days=1)  # every row is older than this
    with first() as uow:
        assert (
            uow.retention.delete_stale_blobs(before=datetime.now(UTC) - timedelta(days=1), limit=10, readable="v1") == 0
        )
        assert uow.retention.delete_stale_blobs(before=future, limit=10, readable="v1") == 1
        uow.commit()
    with second(read_only=True) as uow:
        assert set(uow.blob_cache.get_many([kept, dropped], "v1")) == {kept}


def test_retention_deletes_the_blobs_an_older_extractor_wrote_even_when_listed(factories):
    """After a version bump the extractor never reads the old rows again, listed by a snapshot or not."""
    first, second = factories
    listed = "c" * 40
    extraction = FileExtraction(functions=(), blob_size=1)
    with first() as uow:
        uow.blob_cache.put_many({listed: extraction}, "13:auto:javascript:0.25.0")
        uow.blob_cache.put_many({listed: extraction}, "14:auto:javascript:0.25.0")
        uow.blob_cache.put_many({listed: extraction}, "140:auto:javascript:0.25.0")  # not version 14's
        uow.snapshots.store_snapshot(
            SnapshotToStore(
                SnapshotKey("m", "main", "HEAD", registration_scope(str(uuid.uuid4()))),
                Descriptor("m", (), (TreeEntry("a.js", EntryKind.FILE, 1, listed),)),
                SnapshotSource("m"),
            ),
        )
        uow.commit()
    future = datetime.now(UTC) + timedelta(days=1)
    with first() as uow:
        assert (
            uow.retention.delete_stale_blobs(before=datetime.now(UTC) - timedelta(days=1), limit=10, readable="14:")
            == 0
        )
        assert uow.retention.delete_stale_blobs(before=future, limit=10, readable="14:") == 2
        uow.commit()
    with second(read_only=True) as uow:
        assert set(uow.blob_cache.get_many([listed], "14:auto:javascript:0.25.0")) == {listed}
        assert uow.blob_cache.get_many([listed], "13:auto:javascript:0.25.0") == {}
        assert uow.blob_cache.get_many([listed], "140:auto:javascript:0.25.0") == {}
