"""Redrive: a dead-letter queue's messages back to their source queue (`codetracker redrive scan|persist|notify`).

The mover decides how (SQS StartMessageMoveTask where it exists, else receive → send → delete, deleting only
what was copied). A redriven message is an ordinary message again: its consumer is idempotent by job id, a
notification keeps its webhook-id (in its body) and starts its attempts again."""

from __future__ import annotations

from codetracker.errors import ConfigurationError
from codetracker.ports.queues import DeadLetterMover, RedriveOutcome

QUEUES = ("scan", "persist", "notify")


def redrive(
    queue: str, *, mover: DeadLetterMover, dead_letter_url: str | None, queue_url: str | None
) -> RedriveOutcome:
    if queue not in QUEUES:
        raise ConfigurationError(f"no queue {queue!r}: one of {', '.join(QUEUES)}")
    name = queue.upper()
    if not dead_letter_url:
        raise ConfigurationError(
            f"the {queue} dead-letter queue is not known: set CODE_TRACKER_{name}_DLQ_URL or pass --dlq-url",
            setting=f"CODE_TRACKER_{name}_DLQ_URL",
        )
    if not queue_url:
        raise ConfigurationError(
            f"the {queue} queue is not known: set CODE_TRACKER_{name}_QUEUE_URL or pass --queue-url",
            setting=f"CODE_TRACKER_{name}_QUEUE_URL",
        )
    return mover.redrive(dead_letter_url, queue_url)
