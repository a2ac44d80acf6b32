"""The edge every queue consumer shares: a received record → its full body (reading a claim check from the
payload store, checking its digest), deleting that payload after success, and what happens to a message that
is not a known version of its contract (logged with its message id, counted, recorded on its job if it names
one, and not retried: retrying garbage only fills the dead-letter queue)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from codetracker.contracts.claim_check import claim_check_from_json
from codetracker.contracts.message_fields import message_job_id
from codetracker.errors import ConfigurationError, InvalidMessage, PayloadUnavailable, StoreUnavailable
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.payloads import PayloadStore
from codetracker.ports.queues import QueueRecord
from codetracker.ports.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger("codetracker.pipeline")
INVALID_MESSAGES_METRIC = "InvalidMessages"


@dataclass(frozen=True, slots=True)
class OpenedMessage:
    body: str
    claim_location: str | None = None  # a claim-checked payload, deleted once the message is handled


def open_record(record: QueueRecord, payloads: PayloadStore | None) -> OpenedMessage:
    """The record's body, read from the payload store when it is a claim check. InvalidMessage for a pointer
    that is malformed or whose payload does not match its digest; PayloadUnavailable (retryable) when the
    payload cannot be read now."""
    claim = claim_check_from_json(record.body)
    if claim is None:
        return OpenedMessage(record.body)
    location, size, digest = claim
    if payloads is None:
        raise ConfigurationError(
            "a claim-checked message arrived and no payload bucket is configured",
            setting="CODE_TRACKER_PAYLOAD_BUCKET",
        )
    data = payloads.get(location)
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise InvalidMessage(f"the payload at {location} does not match its claim check")
    try:
        return OpenedMessage(data.decode("utf-8"), location)
    except UnicodeDecodeError:
        raise InvalidMessage(f"the payload at {location} is not UTF-8") from None


def finish_record(opened: OpenedMessage, payloads: PayloadStore | None) -> None:
    """After success: delete the claim-checked payload (a failure is logged: the lifecycle rule expires it)."""
    if opened.claim_location is None or payloads is None:
        return
    try:
        payloads.delete(opened.claim_location)
    except PayloadUnavailable as err:
        logger.warning(
            "claim-checked payload not deleted", extra={"location": opened.claim_location, "error": str(err)}
        )


@dataclass(frozen=True)
class RejectedRecord:
    """A record of `queue` whose body is not a known version of its contract, and why."""

    record: QueueRecord
    error: InvalidMessage
    queue: str


def reject_record(rejected: RejectedRecord, *, unit_of_work: UnitOfWorkFactory, clock: Clock, metrics: Metrics) -> None:
    """A message that is not a known version of its contract: never retried."""
    record, error, queue = rejected.record, rejected.error, rejected.queue
    job_id = message_job_id(record.body)
    logger.error(
        "invalid message dropped",
        extra={"message_id": record.message_id, "queue": queue, "reason": str(error), "job_id": job_id},
    )
    metrics.count(INVALID_MESSAGES_METRIC, dimensions={"queue": queue})
    if job_id is None:
        return
    try:
        with unit_of_work() as uow:
            job = uow.jobs.lock(job_id)
            if job is None or job.finished:
                return
            now = clock()
            uow.jobs.save(job.fail(now, code=error.code, message=f"{queue} message {record.message_id}: {error}"))
            uow.commit()
    except StoreUnavailable as err:
        # The message is dropped all the same: its job stays as it was, the log line above says why.
        logger.warning("invalid message not recorded on its job", extra={"job_id": job_id, "error": str(err)})
