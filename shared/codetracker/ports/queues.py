"""The queues between the api and the pipeline's stages (SQS in AWS), as their senders and consumers see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from codetracker.domain.queue_messages import NotifyRequested, PersistRequested, ScanRequested


class ScanQueue(Protocol):
    """Where scan requests go (SQS in AWS; adapters/sqs.py). Only the outbox relay sends (usecases/outbox.py),
    after the message's job is committed."""

    def send(self, message: ScanRequested) -> str:
        """Send one message; returns the queue's message id. Raises RetryableError when the queue is
        unavailable."""
        ...


@dataclass(frozen=True, slots=True)
class QueueRecord:
    """One received queue message, as a consumer sees it."""

    message_id: str
    body: str
    receive_count: int  # SQS ApproximateReceiveCount: 1 on the first delivery (a redriven copy starts again)
    receipt_handle: str = field(default="", repr=False)


class PersistQueue(Protocol):
    def send(self, message: PersistRequested) -> str:
        """Send one message (a claim check when large); the queue's message id. RetryableError when the
        queue or the payload store is unavailable."""
        ...


class NotifyQueue(Protocol):
    def send(self, message: NotifyRequested) -> str: ...


class MessageVisibility(Protocol):
    """When a received message of one queue is delivered again (SQS ChangeMessageVisibility)."""

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Raise RetryableError when the queue cannot be reached."""
        ...


@dataclass(frozen=True, slots=True)
class RedriveOutcome:
    moved: int | None  # None: a move task was started and moves them on its own (SQS StartMessageMoveTask)
    method: str  # "move_task" | "copy"
    task_handle: str | None = None


class DeadLetterMover(Protocol):
    def redrive(self, dead_letter_url: str, destination_url: str) -> RedriveOutcome:
        """Move every message of a dead-letter queue back to its source queue, losing and duplicating none."""
        ...
