"""The `scanner` Lambda (scan queue, SQS): each scan.requested message → fetch the ref (dulwich), extract,
the result on the persist queue; a permanent failure fails the job (and notifies `scan.failed`), anything else
is a batch item failure (redelivered, then the scan DLQ). The scan stops before the invocation's time runs
out (context.get_remaining_time_in_millis, CODE_TRACKER_SCAN_RESERVE_S): a typed, retryable failure.

Thin: Powertools Logger/Metrics (Tracer in Lambda only), the shared SQS edge, the use case. No I/O at import;
`services` from wiring, or passed by a test."""

from __future__ import annotations

from typing import Any

from codetracker.queue_edge import install_job_logging, powertools, sqs_batch, time_left, traced_handler

SERVICE = "codetracker-scanner"
logger, metrics = powertools(SERVICE)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(log_event=False)
def _handle(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    from codetracker.usecases.pipeline import handle_scan_record

    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    install_job_logging(logger)
    ports = services.pipeline_ports(scanner=True)
    remaining = time_left(context)
    return sqs_batch(event, context, lambda record: handle_scan_record(record, ports=ports, time_left=remaining))


lambda_handler = traced_handler(_handle, SERVICE)
