"""The service tables' contract, run against Postgres and the in-memory fake: apps, registrations (one app
never reads another's), jobs, activities, webhook deliveries, and the snapshot reads the api adds (by id, a
page of functions, a scope deleted)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from psycopg.errors import ForeignKeyViolation

from codetracker.domain.job_result import StaleResult
from codetracker.domain.model import Descriptor, ExportedFunction, Parameter, ReturnValue, SnapshotKey, SnapshotSource
from codetracker.domain.job import Job, JobStatus, JobTrigger
from codetracker.domain.registry import (
    Activity,
    ActivityStatus,
    ActivityType,
    App,
    Registration,
    RepositoryStatus,
    WebhookDelivery,
    registration_scope,
)
from codetracker.errors import Conflict, InvalidInput
from codetracker.ports.snapshot_store import FunctionCursor, FunctionSelection, SnapshotSelection, SnapshotToStore

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def app(name: str = "a") -> App:
    return App(str(uuid.uuid4()), name, uuid.uuid4().bytes * 2, b"\x01cipher", None, T0)


def registration(app_id: str, url: str = "https://example.com/o/r", *, at: datetime = T0, **changes) -> Registration:
    r = Registration(
        id=str(uuid.uuid4()),
        app_id=app_id,
        url=url,
        display_url=url + ".git",
        module_slug="r",
        default_branch=None,
        watched_branch="main",
        callback_url=None,
        access_token_encrypted=b"\x01tok",
        status=RepositoryStatus.PENDING_SNAPSHOT,
        last_error=None,
        last_scanned_commit=None,
        last_scanned_at=None,
        created_at=at,
        updated_at=at,
    )
    return replace(r, **changes)


def job(repository_id: str, *, at: datetime = T0, ref: str = "refs/heads/main", **changes) -> Job:
    j = Job(
        str(uuid.uuid4()),
        repository_id,
        JobTrigger.API,
        ref,
        JobStatus.QUEUED,
        at,
        at,
        module_slug="r",
        branch_name="main",
        release_tag="HEAD",
    )
    return replace(j, **changes)


def add(factory, *items) -> None:
    with factory() as uow:
        for item in items:
            stores = {App: uow.apps, Registration: uow.registrations, Job: uow.jobs, Activity: uow.activities}
            stores[type(item)].add(item)
        uow.commit()


def test_apps_are_found_by_token_hash_and_id(factories):
    first, second = factories
    a = app()
    add(first, a)
    with second(read_only=True) as uow:
        assert uow.apps.by_token_sha256(a.token_sha256) == a
        assert uow.apps.by_token_sha256(b"\x00" * 32) is None
        assert uow.apps.get(a.id) == a
        assert uow.apps.get("not-a-uuid") is None


def test_a_registration_is_read_only_through_its_app(factories):
    first, second = factories
    a, b = app("a"), app("b")
    ra = registration(a.id)
    add(first, a, b, ra)
    with second(read_only=True) as uow:
        assert uow.registrations.get(a.id, ra.id) == ra
        assert uow.registrations.get(b.id, ra.id) is None  # another app's id names nothing
        assert uow.registrations.by_url(a.id, ra.url) == ra
        assert uow.registrations.by_url(b.id, ra.url) is None
        assert uow.registrations.list(b.id, limit=10) == []
        assert uow.registrations.get(a.id, "garbage") is None


def test_one_live_registration_per_app_and_url(unit_of_work):
    a, b = app("a"), app("b")
    first = registration(a.id)
    add(unit_of_work, a, b, first, registration(b.id))  # another app may register the same URL
    with pytest.raises(Conflict), unit_of_work() as uow:
        uow.registrations.add(registration(a.id))
    # Deleted, the URL may be registered again (a new id: a new snapshot scope).
    with unit_of_work() as uow:
        uow.registrations.update(replace(first, deleted_at=T0, access_token_encrypted=None))
        uow.registrations.add(registration(a.id))
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.registrations.get(a.id, first.id) is None
        assert len(uow.registrations.watching([first.url])) == 2


def test_registrations_list_in_creation_order_by_pages(unit_of_work):
    a = app()
    rs = [registration(a.id, f"https://example.com/o/r{i}", at=T0 + timedelta(seconds=i % 3)) for i in range(7)]
    add(unit_of_work, a, *rs)
    expected = sorted(rs, key=lambda r: (r.created_at, r.id))
    with unit_of_work(read_only=True) as uow:
        page = uow.registrations.list(a.id, limit=3)
        rest = uow.registrations.list(a.id, limit=10, after=(page[-1].created_at, page[-1].id))
    assert page + rest == expected


def test_update_writes_every_mutable_field(unit_of_work):
    a = app()
    r = registration(a.id)
    add(unit_of_work, a, r)
    changed = replace(
        r,
        watched_branch=None,
        callback_url="https://hooks.example.com/x",
        access_token_encrypted=None,
        status=RepositoryStatus.SYNCED,
        last_error="x",
        last_scanned_commit="a" * 40,
        last_scanned_at=T0,
        default_branch="trunk",
        updated_at=T0 + timedelta(minutes=1),
        branch_patterns=("release/*", "**/lts"),
        tag_patterns=(),
    )
    with unit_of_work() as uow:
        uow.registrations.update(changed)
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.registrations.get(a.id, r.id) == changed


def test_watching_finds_live_registrations_of_any_app(unit_of_work):
    a, b = app("a"), app("b")
    ra, rb, other = registration(a.id), registration(b.id), registration(a.id, "https://example.com/o/other")
    add(unit_of_work, a, b, ra, rb, other)
    with unit_of_work(read_only=True) as uow:
        assert {r.id for r in uow.registrations.watching([ra.url, "https://nowhere"])} == {ra.id, rb.id}
        assert uow.registrations.watching([]) == []


def test_jobs_are_read_through_the_app_and_listed_newest_first(unit_of_work):
    a, b = app("a"), app("b")
    r = registration(a.id)
    jobs = [job(r.id, at=T0 + timedelta(seconds=i)) for i in range(5)]
    jobs[2] = replace(
        jobs[2],
        result=StaleResult(commit_sha="b" * 40, stored_commit_sha="c" * 40, stored_scanned_at="2026-01-01T00:00:00Z"),
        error_code="ref_not_found",
        error_message="no ref",
        status=JobStatus.FAILED,
        commit_sha="b" * 40,
    )
    add(unit_of_work, a, b, r, *jobs)
    with unit_of_work(read_only=True) as uow:
        assert uow.jobs.get(a.id, jobs[2].id) == jobs[2]
        assert uow.jobs.get(b.id, jobs[2].id) is None
        newest = uow.jobs.list_for_repository(r.id, limit=2)
        rest = uow.jobs.list_for_repository(r.id, limit=10, before=(newest[-1].created_at, newest[-1].id))
        pending = uow.jobs.find_pending(r.id, "refs/heads/main")
    assert newest + rest == jobs[::-1]
    assert pending == jobs[4]
    with unit_of_work() as uow:
        uow.jobs.set_status(jobs[4].id, JobStatus.SCANNING, at=T0 + timedelta(hours=1))
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.jobs.find_pending(r.id, "refs/heads/main") == jobs[3]
        assert uow.jobs.get(a.id, jobs[4].id).status == JobStatus.SCANNING


def test_activities_newest_first_by_pages(unit_of_work):
    a = app()
    r = registration(a.id)
    j = job(r.id)
    add(unit_of_work, a, r, j)
    with unit_of_work() as uow:
        for i in range(5):
            uow.activities.add(
                Activity(
                    r.id,
                    a.id,
                    ActivityType.SCAN_REQUESTED,
                    ActivityStatus.OK,
                    T0,
                    f"n{i}",
                    job_id=j.id if i % 2 else None,
                )
            )
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        first = uow.activities.list_for_repository(r.id, limit=2)
        rest = uow.activities.list_for_repository(r.id, limit=10, before=first[-1].id)
    assert [x.details for x in first + rest] == ["n4", "n3", "n2", "n1", "n0"]
    assert [x.job_id for x in first] == [None, j.id]
    assert all(x.id is not None for x in first + rest)


def test_a_failed_activity_leaves_the_unit_usable(unit_of_work):
    a = app()
    r = registration(a.id)
    add(unit_of_work, a)
    with unit_of_work() as uow:
        uow.registrations.add(r)
        with pytest.raises((InvalidInput, ForeignKeyViolation)):
            # An unknown registration: refused by the store (a foreign key in Postgres).
            uow.activities.add(Activity(str(uuid.uuid4()), a.id, ActivityType.SCAN_REQUESTED, ActivityStatus.OK, T0))
        uow.jobs.add(job(r.id))
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.registrations.get(a.id, r.id) == r
        assert len(uow.jobs.list_for_repository(r.id, limit=5)) == 1


def test_a_delivery_is_claimed_once(factories):
    first, second = factories
    d = WebhookDelivery("72d3162e-cc78-11e3-81ab-4c9367dc0958", "push", T0, "queued")
    with first() as uow:
        assert uow.webhook_deliveries.claim(d) is True
        # Not committed: rolled back, so the delivery may be handled again.
    with second() as uow:
        assert uow.webhook_deliveries.get(d.delivery_id) is None
        assert uow.webhook_deliveries.claim(d) is True
        uow.commit()
    with first() as uow:
        assert uow.webhook_deliveries.claim(replace(d, outcome="again")) is False
        assert uow.webhook_deliveries.get(d.delivery_id) == d


def _descriptor(slug: str, n: int) -> Descriptor:
    return Descriptor(
        slug,
        tuple(
            ExportedFunction(
                f"f{i}",
                f"src/{i % 3}.js",
                "named",
                False,
                None,
                None,
                i // 3,
                (Parameter("x", 0, "string", False, False, None, None, None),),
                (ReturnValue("number", None),),
            )
            for i in range(n)
        ),
    )


def test_snapshots_by_id_pages_of_functions_and_scope_deletion(unit_of_work):
    scope_a, scope_b = registration_scope(str(uuid.uuid4())), registration_scope(str(uuid.uuid4()))
    with unit_of_work() as uow:
        sa = uow.snapshots.store_snapshot(
            SnapshotToStore(SnapshotKey("m", "main", "HEAD", scope_a), _descriptor("m", 10), SnapshotSource("m"))
        )
        uow.snapshots.store_snapshot(
            SnapshotToStore(SnapshotKey("m", "main", "v1", scope_a), _descriptor("m", 2), SnapshotSource("m"))
        )
        sb = uow.snapshots.store_snapshot(
            SnapshotToStore(SnapshotKey("m", "main", "HEAD", scope_b), _descriptor("m", 1), SnapshotSource("m"))
        )
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.snapshots.summary_by_id(sa.snapshot_id) == sa
        assert uow.snapshots.summary_by_id(10**12) is None
        whole = uow.snapshots.load_snapshot(sa.key).functions
        page = uow.snapshots.load_functions(FunctionSelection(sa.snapshot_id, limit=4))
        last = page[-1]
        rest = uow.snapshots.load_functions(
            FunctionSelection(sa.snapshot_id, limit=100, after=FunctionCursor(last.file_path, last.order_in_file))
        )
    assert tuple(page + rest) == whole and len(page) == 4
    with unit_of_work() as uow:
        assert uow.snapshots.delete_scope(scope_a) == 2
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.snapshots.summary_by_id(sa.snapshot_id) is None
        assert uow.snapshots.list_snapshots(SnapshotSelection(scope=scope_a)) == []
        assert uow.snapshots.summary_by_id(sb.snapshot_id) == sb
