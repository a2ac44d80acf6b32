"""The one edge of every Lambda handler (functions/api, scanner, persister, notifier, reconciler, retention):
`lambda_handler_for(service, answer)` gives the handler with Powertools Logger/Metrics set up alike (the
`codetracker` loggers write through the function's JSON logger; the event is never logged; job ids stamped on
every line of a job: observability.py), the services (a test's `services=`, else the process's from wiring,
built on first use), and the Tracer only where it traces. `answer(event, context, services)` is the function's
own few lines: parse, one use case, shape. The SQS batch edge is here too (Powertools BatchProcessor +
process_partial_response: a failed record is a batch item failure, redelivered alone after its visibility
timeout; an empty batch answers nothing failed)."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from codetracker.ports.queues import QueueRecord

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics

    from codetracker.wiring import Services

NAMESPACE = "Codetracker"
Event = dict[str, Any]
Answer = Callable[[Event, Any, "Services"], dict[str, Any]]
Handler = Callable[..., dict[str, Any]]  # (event, context, services=None): Lambda passes the first two


def lambda_handler_for(
    service: str, answer: Answer, *, correlation_id_path: str | None = None, job_logging: bool = True
) -> Handler:
    """The Lambda handler of one function. `job_logging`: its use cases run jobs (every function but the api),
    so their lines carry job ids and are collected for the job's log tail."""
    logger, metrics = powertools(service)

    @metrics.log_metrics(capture_cold_start_metric=True)
    @logger.inject_lambda_context(correlation_id_path=correlation_id_path, log_event=False)
    def handle(event: Event, context: Any, services: Services | None = None) -> dict[str, Any]:
        if services is None:
            from codetracker.wiring import default_services

            services = default_services()
        if job_logging:
            install_job_logging(logger)
        return answer(event, context, services)

    return traced_handler(handle, service)


def powertools(service: str) -> tuple[Logger, Metrics]:
    """(Logger, Metrics) of one function; the `codetracker` loggers copy the Logger's configuration."""
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.logging import utils

    logger = Logger(service=service)
    metrics = Metrics(namespace=NAMESPACE, service=service)
    logging.getLogger("codetracker")
    utils.copy_config_to_registered_loggers(source_logger=logger, include={"codetracker"})
    # Many invocations count nothing; Powertools would warn on each of them.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    return logger, metrics


def install_job_logging(logger: Logger) -> None:
    """On each invocation (cheap): the `codetracker` loggers write through this function's Logger (several
    handlers may share a process: the local runtime, tests), job ids on every line, job lines collected
    (observability.install)."""
    from aws_lambda_powertools.logging import utils

    from codetracker import observability  # not at import: the api, which runs no job, never needs it

    utils.copy_config_to_registered_loggers(source_logger=logger, include={"codetracker"})
    observability.install(logger._logger, logging.getLogger("codetracker"))


def traced() -> bool:
    """Powertools' own rule for a Tracer that traces: in Lambda, not in SAM local, not disabled."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes", "on")
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not os.environ.get("AWS_SAM_LOCAL") and not disabled


def traced_handler(handler: Handler, service: str) -> Handler:
    """The handler under a Tracer where one traces (importing the X-Ray SDK costs a cold start elsewhere)."""
    if not traced():
        return handler
    from aws_lambda_powertools import Tracer

    under_tracer: Handler = Tracer(service=service).capture_lambda_handler(capture_response=False)(handler)
    return under_tracer


def queue_record(record: Any) -> QueueRecord:
    """A Powertools SQSRecord → the consumer's record (ApproximateReceiveCount is a string in the event)."""
    raw_count = record.attributes.approximate_receive_count
    try:
        count = int(raw_count)
    except (TypeError, ValueError):
        count = 1
    return QueueRecord(record.message_id, record.body or "", count, record.receipt_handle or "")


def sqs_batch(event: dict[str, Any], context: Any, handle: Callable[[QueueRecord], None]) -> dict[str, Any]:
    """Run `handle` on every record; the failed ones are reported as batch item failures."""
    if not event.get("Records"):
        return {"batchItemFailures": []}  # Powertools raises on an empty batch
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    # Every record failing is reported like any partial failure (the notifier has changed their visibility).
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: Any) -> None:  # Powertools calls it as record_handler(record=...)
        handle(queue_record(record))

    answer = process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    return {"batchItemFailures": answer["batchItemFailures"]}


def time_left(context: Any) -> Callable[[], float] | None:
    """Seconds left before the invocation's time limit, from the Lambda context (None without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: remaining() / 1000.0
