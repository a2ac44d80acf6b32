"""The outbox relay over the in-memory unit of work (held to the Postgres contract in tests/contract): what it
sends, in which order, what a failed send leaves, that the after-commit send never fails its request; and
which jobs a repository's status follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from codetracker.adapters.memory_queue import MemoryScanQueue
from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.adapters.sqs import QueueUnavailable
from codetracker.domain.job import JobTrigger
from codetracker.errors import StoreUnavailable
from codetracker.ports.metrics import NoMetrics
from codetracker.usecases.jobs import ScanToQueue, follows_repository, queue_scan
from codetracker.usecases.outbox import RETRY_AFTER_S, relay_outbox, send_queued
from tests.contract.test_service_stores import add, app, registration

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world():
    clock = Clock()
    factory = MemoryUnitOfWorkFactory(clock=clock)
    a = app()
    r = registration(a.id)
    add(factory, a, r)
    return factory, r, clock


def _queue(factory, r, clock, refs):
    with factory() as uow:
        jobs = [queue_scan(uow, ScanToQueue(r, ref, JobTrigger.API), clock=clock, metrics=NoMetrics()) for ref in refs]
        uow.commit()
    return jobs


def test_nothing_is_sent_inside_the_transaction_and_the_relay_sends_once_in_order(world):
    factory, r, clock = world
    queue = MemoryScanQueue()
    jobs = _queue(factory, r, clock, ["refs/heads/main", "refs/tags/v1", "refs/tags/v2"])
    assert queue.bodies == []
    report = relay_outbox(unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics())
    assert (report.sent, report.failed) == (3, 0)
    assert [m.job_id for m in queue.messages()] == [j.id for j in jobs]
    assert [m.ref for m in queue.messages()] == ["refs/heads/main", "refs/tags/v1", "refs/tags/v2"]
    assert relay_outbox(unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics()).sent == 0
    assert len(queue.bodies) == 3


def test_a_failed_send_stops_the_run_and_is_retried_later_the_rest_at_once(world):
    factory, r, clock = world
    queue = MemoryScanQueue()
    jobs = _queue(factory, r, clock, ["refs/tags/v1", "refs/tags/v2", "refs/tags/v3"])
    queue.fail_with = QueueUnavailable("throttled")
    report = relay_outbox(unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics())
    assert (report.sent, report.failed) == (0, 1)
    queue.fail_with = None
    # The two untried are free at once; the failed one from its retry moment.
    assert relay_outbox(unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics()).sent == 2
    clock.now += timedelta(seconds=RETRY_AFTER_S)
    assert relay_outbox(unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics()).sent == 1
    assert sorted(m.job_id for m in queue.messages()) == sorted(j.id for j in jobs)
    with factory() as uow:
        assert uow.outbox.unsent(limit=10) == []


def test_the_send_after_the_commit_never_fails_its_request(world):
    factory, r, clock = world
    queue = MemoryScanQueue()
    (job,) = _queue(factory, r, clock, ["HEAD"])

    def database_away(**_):
        raise StoreUnavailable("Postgres failed (OperationalError)")

    send_queued([job.id], unit_of_work=database_away, scan_queue=queue, clock=clock, metrics=NoMetrics())
    queue.fail_with = QueueUnavailable("throttled")
    send_queued([job.id], unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics())
    queue.fail_with = None
    clock.now += timedelta(seconds=RETRY_AFTER_S)
    send_queued([job.id], unit_of_work=factory, scan_queue=queue, clock=clock, metrics=NoMetrics())
    assert [m.job_id for m in queue.messages()] == [job.id]


@pytest.mark.parametrize(
    "watched, default, ref, follows",
    [
        ("main", None, "refs/heads/main", True),
        ("main", None, "main", True),
        ("main", None, "HEAD", False),
        ("main", None, "refs/tags/v1.0.0", False),
        ("main", None, "nonexistent-branch", False),
        (None, None, "HEAD", True),
        (None, "trunk", "HEAD", True),
        (None, "trunk", "refs/heads/trunk", True),
        (None, "trunk", "refs/heads/other", False),
        (None, None, "refs/heads/main", False),
    ],
)
def test_a_repository_follows_its_watched_branch_only(watched, default, ref, follows):
    r = replace(registration(app().id), watched_branch=watched, default_branch=default)
    assert follows_repository(ref, r) is follows
