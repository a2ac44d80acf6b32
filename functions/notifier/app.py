"""The `notifier` Lambda (notify queue, SQS): each notify.requested message → one POST to the app's callback
URL, signed per Standard Webhooks. Retryable answers back off by changing the message's visibility and are
batch item failures; after the last attempt (the queue's maxReceiveCount) the message goes to the notify DLQ,
from which `codetracker redrive notify` brings it back.

Thin: the shared edge (handler_edge: Powertools, services, tracing, the SQS batch), the use case. No I/O at import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.handler_edge import Event, lambda_handler_for, sqs_batch

if TYPE_CHECKING:
    from codetracker.wiring import Services


def _notify(event: Event, context: Any, services: Services) -> dict[str, Any]:
    from codetracker.usecases.notify import handle_notify_record

    ports = services.notifier_ports()
    return sqs_batch(event, context, lambda record: handle_notify_record(record, ports=ports))


lambda_handler = lambda_handler_for("codetracker-notifier", _notify)
