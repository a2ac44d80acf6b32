"""The `retention` Lambda (EventBridge schedule, daily): jobs, activities and webhook deliveries older than
CODE_TRACKER_RETENTION_DAYS, and parsed_blobs rows no snapshot lists that are older than that, deleted in small
batches. Returns what it deleted.

Thin: Powertools Logger/Metrics (Tracer in Lambda only), the use case. No I/O at import."""

from __future__ import annotations

from typing import Any

from codetracker.queue_edge import install_job_logging, powertools, time_left, traced_handler

SERVICE = "codetracker-retention"
logger, metrics = powertools(SERVICE)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(log_event=False)
def _handle(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    from codetracker.usecases.retention import clean_up

    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    install_job_logging(logger)
    pipeline = services.settings.pipeline
    report = clean_up(
        unit_of_work=services.unit_of_work,
        clock=services.clock,
        metrics=services.metrics,
        retention_days=pipeline.retention_days,
        batch=pipeline.retention_batch,
        time_left=time_left(context),
    )
    return {"cutoff": report.cutoff, "deleted": report.deleted, "complete": report.complete}


lambda_handler = traced_handler(_handle, SERVICE)
