"""The `scanner` Lambda (scan queue, SQS): each scan.requested message → fetch the ref (dulwich), extract,
the result on the persist queue; a permanent failure fails the job (and notifies `scan.failed`), anything else
is a batch item failure (redelivered, then the scan DLQ). The scan stops before the invocation's time runs
out (context.get_remaining_time_in_millis, CODE_TRACKER_SCAN_RESERVE_S): a typed, retryable failure.

Thin: the shared edge (handler_edge: Powertools, services, tracing, the SQS batch), the use case. No I/O at import;
`services` from wiring, or passed by a test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.handler_edge import Event, lambda_handler_for, sqs_batch, time_left

if TYPE_CHECKING:
    from codetracker.wiring import Services


def _scan(event: Event, context: Any, services: Services) -> dict[str, Any]:
    from codetracker.usecases.scanner import handle_scan_record

    ports = services.scanner_ports()
    remaining = time_left(context)
    return sqs_batch(event, context, lambda record: handle_scan_record(record, ports=ports, time_left=remaining))


lambda_handler = lambda_handler_for("codetracker-scanner", _scan)
