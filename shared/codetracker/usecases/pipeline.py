"""The pipeline's stages (scanner: usecases/scanner.py, persister: usecases/persister.py, notifier:
usecases/notify.py) and what they share: the ports every stage needs (PipelinePorts; the scanner adds its own,
ScannerPorts), and the edge of a queue record.

A job moves through its states by its own transitions (domain/job.py); each stage reads its job first, locked
(`jobs.lock`, usecases/job_stage.py), calls one transition and commits, with the activity and the
repository's change, in one unit of work. How a job ends (failed for good, a retry's reason, its
notification): usecases/job_outcomes.py.

At-least-once delivery, out of order:
- a stage does nothing for a job past it: a message delivered twice stores once and sends one notify message;
- a scan message is sent only after its job commits (the outbox, usecases/outbox.py); one naming a job the
  store does not have (deleted by retention, or not ours) is retried a few seconds later (JobNotReady, its
  visibility changed), until the queue moves it to its dead-letter queue;
- an older scan than the stored one replaces nothing (the job ends `done`, its result says `stale`);
- the persister stores the snapshot, the job's change and the repository's in one transaction, then sends the
  notify message, then records that it was sent: a failure between the two resends it on redelivery (same
  webhook-id: the notifier and the receiver deduplicate on it).

Errors: permanent ones fail the job with the typed reason and are not retried; anything else is raised, so
the queue redelivers it (then its dead-letter queue), after its reason is written on the job. A job whose
message died stays active until the reconciler fails it (`scan_abandoned`: usecases/abandoned.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from codetracker.errors import InvalidMessage
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.payloads import PayloadStore
from codetracker.ports.queues import NotifyQueue, QueueRecord
from codetracker.ports.secrets import TokenCipher
from codetracker.ports.unit_of_work import UnitOfWorkFactory
from codetracker.usecases.queue_records import OpenedMessage, RejectedRecord, finish_record, open_record, reject_record
from codetracker.usecases.url_policy import UrlPolicy

logger = logging.getLogger("codetracker.pipeline")
TimeLeft = Callable[[], float]  # seconds left before the function's time limit


@dataclass(frozen=True, slots=True)
class PipelinePorts:
    """What every stage needs, built by wiring (or a test): the persister's whole; the scanner's besides its
    own (usecases/scanner.py's ScannerPorts)."""

    unit_of_work: UnitOfWorkFactory
    clock: Clock
    metrics: Metrics
    cipher: TokenCipher
    url_policy: UrlPolicy
    notify_queue: NotifyQueue
    payloads: PayloadStore | None = None
    public_api_url: str | None = None
    log_lines: int = 20


def consume(
    record: QueueRecord,
    *,
    queue: str,
    ports: PipelinePorts,
    work: Callable[[OpenedMessage], None],
) -> None:
    """Open a record, run its work, delete its claim-checked payload after success. An invalid message is
    rejected (done, never retried); anything else raised reaches the queue (redelivery, then the DLQ)."""
    try:
        opened = open_record(record, ports.payloads)
        work(opened)
    except InvalidMessage as error:
        reject_record(
            RejectedRecord(record, error, queue),
            unit_of_work=ports.unit_of_work,
            clock=ports.clock,
            metrics=ports.metrics,
        )
        return
    finish_record(opened, ports.payloads)
