"""The `reconciler` Lambda (EventBridge schedule, default every 15 minutes): send the scan messages left in the
outbox, fail jobs whose message died (`scan_abandoned`), list every watched repository's refs without fetching
objects and queue scans for refs whose commit differs from the stored snapshot's.
Returns the run's report (counts).

Thin: Powertools Logger/Metrics (Tracer in Lambda only), the use case. No I/O at import."""

from __future__ import annotations

from typing import Any

from codetracker.queue_edge import install_job_logging, powertools, time_left, traced_handler

SERVICE = "codetracker-reconciler"
logger, metrics = powertools(SERVICE)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(log_event=False)
def _handle(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    from codetracker.usecases.reconcile import reconcile

    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    install_job_logging(logger)
    pipeline = services.settings.pipeline
    report = reconcile(
        unit_of_work=services.unit_of_work,
        ref_lister=services.ref_lister,
        scan_queue=services.scan_queue,
        cipher=services.cipher,
        resolver=services.resolver,
        clock=services.clock,
        metrics=services.metrics,
        limits=services.settings.fetch_limits,
        concurrency=pipeline.reconcile_concurrency,
        max_scans=pipeline.reconcile_max_scans,
        allow_private_urls=services.settings.api.allow_private_urls,
        time_left=time_left(context),
        pipeline=services.pipeline_ports(),
        abandon_after_s=pipeline.abandon_after_s,
    )
    return report.as_dict()


lambda_handler = traced_handler(_handle, SERVICE)
