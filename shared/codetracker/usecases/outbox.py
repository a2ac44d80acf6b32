"""The outbox relay: sends the scan messages committed with their jobs (usecases/jobs.queue_scan), then marks
them sent. At least once: a relay that dies after a send and before marking it lets the message's claim lapse,
and it is sent again (the scanner does nothing for a job past `queued`).

- The api (and the webhook, and the reconciler per repository) relays its own jobs' messages right after
  its commit (`send_queued`): a failed send is logged, not the request's failure (the job is committed).
- The reconciler's schedule relays whatever is left (`relay_outbox` without job ids): failed sends, a
  process killed between commit and send.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from codetracker.contracts.scan_requested import scan_requested_from_json
from codetracker.domain.queue_messages import OutboxMessage
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.queues import ScanQueue
from codetracker.ports.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger("codetracker.outbox")

SCAN_QUEUE = "scan"
# A claim outlives any send (boto's retries included); a relay that dies holds its messages this long.
CLAIM_S = 120.0
# A failed send is tried again by a relay that runs this much later, not by the one that failed.
RETRY_AFTER_S = 30.0
# The most messages one relay claims (the reconciler's run sends what is left, oldest first).
RELAY_BATCH = 500


@dataclass
class RelayReport:
    sent: int = 0
    failed: int = 0  # sends that failed (left for a later relay)


def relay_outbox(
    *,
    unit_of_work: UnitOfWorkFactory,
    scan_queue: ScanQueue,
    clock: Clock,
    metrics: Metrics,
    job_ids: Sequence[str] | None = None,
) -> RelayReport:
    """Send unsent messages (those of `job_ids`, else the oldest RELAY_BATCH) and mark them sent. Stops at the first
    failed send (the queue is likely away for the rest too). Raises StoreUnavailable when the database fails."""
    now = clock()
    with unit_of_work() as uow:
        claimed = uow.outbox.claim(at=now, until=now + timedelta(seconds=CLAIM_S), limit=RELAY_BATCH, job_ids=job_ids)
        uow.commit()
    report = RelayReport()
    sent: list[int] = []
    failed: tuple[OutboxMessage, str] | None = None
    try:
        for message in claimed:
            try:
                scan_queue.send(scan_requested_from_json(message.body))
            except Exception as error:  # noqa: BLE001 - any failure leaves the message to a later relay
                failed = (message, f"{getattr(error, 'code', type(error).__name__)}: {str(error)[:300]}")
                break
            assert message.id is not None
            sent.append(message.id)
    finally:
        # Recorded even when interrupted: what was sent is not sent again, what was not is free again.
        at = clock()
        with unit_of_work() as uow:
            uow.outbox.mark_sent(sent, at=at)
            untried = [m for m in claimed if m.id not in sent]
            for message in untried:
                reason = failed[1] if failed is not None and message is failed[0] else None
                retry_at = at + timedelta(seconds=RETRY_AFTER_S) if reason is not None else at
                uow.outbox.release(message.id, retry_at=retry_at, error=reason)  # type: ignore[arg-type]
            uow.commit()
    report.sent = len(sent)
    if failed is not None:
        report.failed = 1
        logger.warning(
            "scan message not sent; a later relay sends it",
            extra={"job_id": failed[0].job_id, "attempts": failed[0].attempts, "reason": failed[1]},
        )
        metrics.count("OutboxSendFailures")
    if report.sent:
        metrics.count("OutboxMessagesSent", report.sent)
    return report


def send_queued(
    job_ids: Sequence[str], *, unit_of_work: UnitOfWorkFactory, scan_queue: ScanQueue, clock: Clock, metrics: Metrics
) -> None:
    """Right after the commit that queued these jobs: send their messages. Never raises: the jobs are
    committed, and what is not sent now the reconciler's relay sends."""
    if not job_ids:
        return
    try:
        relay_outbox(unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics, job_ids=job_ids)
    except Exception as error:  # noqa: BLE001 - the relay's own failure is only a delay
        logger.warning(
            "scan messages left to the scheduled relay",
            extra={"jobs": len(job_ids), "reason": f"{getattr(error, 'code', type(error).__name__)}"},
        )
        metrics.count("OutboxSendFailures")
