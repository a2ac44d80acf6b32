"""The `notifier` Lambda (notify queue, SQS): each notify.requested message → one POST to the app's callback
URL, signed per Standard Webhooks. Retryable answers back off by changing the message's visibility and are
batch item failures; after the last attempt (the queue's maxReceiveCount) the message goes to the notify DLQ,
from which `codetracker redrive notify` brings it back.

Thin: Powertools Logger/Metrics (Tracer in Lambda only), the shared SQS edge, the use case. No I/O at import."""

from __future__ import annotations

from typing import Any

from codetracker.queue_edge import install_job_logging, powertools, sqs_batch, traced_handler

SERVICE = "codetracker-notifier"
logger, metrics = powertools(SERVICE)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(log_event=False)
def _handle(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    from codetracker.usecases.notify import handle_notify_record

    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    install_job_logging(logger)
    ports = services.notifier_ports()
    return sqs_batch(event, context, lambda record: handle_notify_record(record, ports=ports))


lambda_handler = traced_handler(_handle, SERVICE)
