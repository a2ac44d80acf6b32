"""What the queue and schedule handlers (functions/scanner, persister, notifier, reconciler, retention) share:
Powertools Logger/Metrics set up alike (the `codetracker` loggers write through the handler's JSON logger;
job ids stamped on every line of a job: observability.py), the Tracer only where it traces, and the SQS batch
edge (Powertools BatchProcessor + process_partial_response: a failed record is a batch item failure,
redelivered alone after its visibility timeout; an empty batch answers nothing failed)."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from typing import Any

from codetracker import observability
from codetracker.ports import QueueRecord

NAMESPACE = "Codetracker"


def powertools(service: str) -> tuple[Any, Any]:
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


def install_job_logging(logger: Any) -> None:
    """On each invocation (cheap): the `codetracker` loggers write through this function's Logger (several
    handlers may share a process: the local runtime, tests), job ids on every line, job lines collected
    (observability.install)."""
    from aws_lambda_powertools.logging import utils

    utils.copy_config_to_registered_loggers(source_logger=logger, include={"codetracker"})
    observability.install(logger._logger if hasattr(logger, "_logger") else logger, logging.getLogger("codetracker"))


def traced() -> bool:
    """Powertools' own rule for a Tracer that traces: in Lambda, not in SAM local, not disabled."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes", "on")
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not os.environ.get("AWS_SAM_LOCAL") and not disabled


def traced_handler(handler: Callable[..., Any], service: str) -> Callable[..., Any]:
    """The handler under a Tracer where one traces (importing the X-Ray SDK costs a cold start elsewhere)."""
    if not traced():
        return handler
    from aws_lambda_powertools import Tracer

    return Tracer(service=service).capture_lambda_handler(capture_response=False)(handler)


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

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def time_left(context: Any) -> Callable[[], float] | None:
    """Seconds left before the invocation's time limit, from the Lambda context (None without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: remaining() / 1000.0
