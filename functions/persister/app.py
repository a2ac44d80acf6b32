"""The `persister` Lambda (persist queue, SQS): each persist.requested message → the snapshot stored with the
job's change, the repository's and the activity in one transaction (idempotent by job id), then the notify
message when the registration has a callback URL. The database away is a batch item failure (redelivered).

Thin: the shared edge (handler_edge: Powertools, services, tracing, the SQS batch), the use case. No I/O at import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.handler_edge import Event, lambda_handler_for, sqs_batch

if TYPE_CHECKING:
    from codetracker.wiring import Services


def _persist(event: Event, context: Any, services: Services) -> dict[str, Any]:
    from codetracker.usecases.persister import handle_persist_record

    ports = services.pipeline_ports()
    return sqs_batch(event, context, lambda record: handle_persist_record(record, ports=ports))


lambda_handler = lambda_handler_for("codetracker-persister", _persist)
