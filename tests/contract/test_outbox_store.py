"""The outbox's contract, run against Postgres and the in-memory fake: a message is committed with its job or
not at all, a claim holds it from other relays until its moment, sent ones are never claimed again, a failed
send is claimable again from its retry moment, and it goes with its job. Also the jobs' stale listing that
the reconciler fails abandoned jobs from."""

from __future__ import annotations

import threading
from datetime import timedelta

from codetracker.domain.job import JobStatus
from codetracker.domain.queue_messages import OutboxMessage
from tests.contract.test_service_stores import T0, add, app, job, registration


def _seed(factory, jobs: int = 1, **job_changes):
    a = app()
    r = registration(a.id)
    found = [job(r.id, **job_changes) for _ in range(jobs)]
    add(factory, a, r, *found)
    return found


def _queue(factory, *jobs, at=T0) -> list[OutboxMessage]:
    with factory() as uow:
        added = [uow.outbox.add(OutboxMessage(j.id, "scan", f'{{"job_id": "{j.id}"}}', at)) for j in jobs]
        uow.commit()
    return added


def test_a_message_is_committed_with_its_transaction_or_not_at_all(unit_of_work):
    (j,) = _seed(unit_of_work)
    with unit_of_work() as uow:
        uow.outbox.add(OutboxMessage(j.id, "scan", "{}", T0))  # rolled back
    with unit_of_work() as uow:
        assert uow.outbox.unsent(limit=10) == []
    (added,) = _queue(unit_of_work, j)
    assert added.id is not None
    with unit_of_work() as uow:
        (stored,) = uow.outbox.unsent(limit=10)
    assert (stored.id, stored.job_id, stored.queue, stored.body) == (added.id, j.id, "scan", added.body)
    assert stored.sent_at is None and stored.attempts == 0 and stored.created_at == T0


def test_a_claim_holds_messages_from_other_relays_until_its_moment(factories):
    first, second = factories
    jobs = _seed(first, 3)
    _queue(first, *jobs)
    with first() as uow:
        claimed = uow.outbox.claim(at=T0, until=T0 + timedelta(seconds=60), limit=2)
        uow.commit()
    assert [m.job_id for m in claimed] == [j.id for j in jobs[:2]]  # oldest first
    assert {m.attempts for m in claimed} == {1}
    with second() as uow:
        rest = uow.outbox.claim(at=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=61), limit=10)
        uow.commit()
    assert [m.job_id for m in rest] == [jobs[2].id]
    with second() as uow:
        assert uow.outbox.claim(at=T0 + timedelta(seconds=59), until=T0 + timedelta(seconds=99), limit=10) == []
        # The first relay died: its claim lapses and the messages are claimed again (at least once).
        again = uow.outbox.claim(at=T0 + timedelta(seconds=61), until=T0 + timedelta(seconds=200), limit=10)
        uow.commit()
    assert sorted(m.job_id for m in again) == sorted(j.id for j in jobs)
    assert {m.job_id: m.attempts for m in again} == {jobs[0].id: 2, jobs[1].id: 2, jobs[2].id: 2}


def test_a_claim_can_name_its_jobs(unit_of_work):
    jobs = _seed(unit_of_work, 3)
    _queue(unit_of_work, *jobs)
    with unit_of_work() as uow:
        claimed = uow.outbox.claim(at=T0, until=T0 + timedelta(seconds=60), limit=10, job_ids=[jobs[1].id])
        uow.commit()
    assert [m.job_id for m in claimed] == [jobs[1].id]


def test_sent_messages_are_never_claimed_again(unit_of_work):
    jobs = _seed(unit_of_work, 2)
    _queue(unit_of_work, *jobs)
    with unit_of_work() as uow:
        claimed = uow.outbox.claim(at=T0, until=T0 + timedelta(seconds=60), limit=10)
        uow.outbox.mark_sent([claimed[0].id], at=T0 + timedelta(seconds=1))
        uow.commit()
    with unit_of_work() as uow:
        (left,) = uow.outbox.unsent(limit=10)
        later = uow.outbox.claim(at=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2), limit=10)
    assert left.job_id == jobs[1].id
    assert [m.job_id for m in later] == [jobs[1].id]


def test_a_failed_send_is_claimable_again_from_its_retry_moment_with_its_reason(unit_of_work):
    jobs = _seed(unit_of_work, 2)
    _queue(unit_of_work, *jobs)
    with unit_of_work() as uow:
        failed, untried = uow.outbox.claim(at=T0, until=T0 + timedelta(seconds=60), limit=10)
        uow.outbox.release(failed.id, retry_at=T0 + timedelta(seconds=30), error="queue_unavailable: throttled")
        uow.outbox.release(untried.id, retry_at=T0, error=None)
        uow.commit()
    with unit_of_work() as uow:
        now = uow.outbox.claim(at=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=60), limit=10)
        uow.commit()
    assert [(m.job_id, m.attempts) for m in now] == [(untried.job_id, 1)]  # an untried release is no attempt
    with unit_of_work() as uow:
        uow.outbox.mark_sent([now[0].id], at=T0 + timedelta(seconds=2))
        later = uow.outbox.claim(at=T0 + timedelta(seconds=30), until=T0 + timedelta(seconds=90), limit=10)
        uow.commit()
    assert [(m.job_id, m.attempts, m.last_error) for m in later] == [(failed.job_id, 2, "queue_unavailable: throttled")]


def test_messages_go_with_their_job(unit_of_work):
    (j,) = _seed(unit_of_work)
    _queue(unit_of_work, j)
    with unit_of_work() as uow:
        assert uow.retention.delete_jobs(before=T0 + timedelta(days=1), limit=10) == 1
        uow.commit()
    with unit_of_work() as uow:
        assert uow.outbox.unsent(limit=10) == []


def test_concurrent_claims_never_share_a_message(factories):
    first, second = factories
    jobs = _seed(first, 60)
    _queue(first, *jobs)
    taken: list[list[str]] = [[], []]

    def relay(index: int, factory) -> None:
        for _ in range(30):
            with factory() as uow:
                claimed = uow.outbox.claim(at=T0, until=T0 + timedelta(minutes=5), limit=3)
                uow.commit()
            taken[index] += [m.job_id for m in claimed]

    threads = [threading.Thread(target=relay, args=(i, f)) for i, f in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not set(taken[0]) & set(taken[1])
    assert sorted(taken[0] + taken[1]) == sorted(j.id for j in jobs)


def test_stale_jobs_are_the_active_ones_unchanged_since_the_bound(unit_of_work):
    a = app()
    r = registration(a.id)
    old = T0 - timedelta(hours=7)
    queued = job(r.id, updated_at=old)
    scanning = job(r.id, updated_at=old, status=JobStatus.SCANNING)
    persisting = job(r.id, updated_at=old - timedelta(minutes=1), status=JobStatus.PERSISTING)
    done = job(r.id, updated_at=old, status=JobStatus.DONE)
    failed = job(r.id, updated_at=old, status=JobStatus.FAILED)
    notifying = job(r.id, updated_at=old, status=JobStatus.NOTIFYING)
    recent = job(r.id, updated_at=T0)
    add(unit_of_work, a, r, queued, scanning, persisting, done, failed, notifying, recent)
    with unit_of_work() as uow:
        stale = uow.jobs.list_stale(before=T0 - timedelta(hours=6), limit=10)
        first = uow.jobs.list_stale(before=T0 - timedelta(hours=6), limit=1)
    assert {j.id for j in stale} == {queued.id, scanning.id, persisting.id}
    assert [j.id for j in first] == [persisting.id]  # oldest change first
