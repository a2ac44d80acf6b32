"""The `persister` Lambda (persist queue, SQS): each persist.requested message → the snapshot stored with the
job's change, the repository's and the activity in one transaction (idempotent by job id), then the notify
message when the registration has a callback URL. The database away is a batch item failure (redelivered).

Thin: Powertools Logger/Metrics (Tracer in Lambda only), the shared SQS edge, the use case. No I/O at import."""

from __future__ import annotations

from typing import Any

from codetracker.queue_edge import install_job_logging, powertools, sqs_batch, traced_handler

SERVICE = "codetracker-persister"
logger, metrics = powertools(SERVICE)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(log_event=False)
def _handle(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    from codetracker.usecases.pipeline import handle_persist_record

    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    install_job_logging(logger)
    ports = services.pipeline_ports()
    return sqs_batch(event, context, lambda record: handle_persist_record(record, ports=ports))


lambda_handler = traced_handler(_handle, SERVICE)
