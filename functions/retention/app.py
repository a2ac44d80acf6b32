"""The `retention` Lambda (EventBridge schedule, daily): jobs, activities and webhook deliveries older than
CODE_TRACKER_RETENTION_DAYS, and parsed_blobs rows no snapshot lists that are older than that, deleted in small
batches. Returns what it deleted.

Thin: the shared edge (handler_edge: Powertools, services, tracing), the use case from wiring. No I/O at import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.handler_edge import Event, lambda_handler_for, time_left

if TYPE_CHECKING:
    from codetracker.wiring import Services


def _clean_up(event: Event, context: Any, services: Services) -> dict[str, Any]:
    report = services.retention_cleaner(time_left=time_left(context))()
    return {"cutoff": report.cutoff, "deleted": report.deleted, "complete": report.complete}


lambda_handler = lambda_handler_for("codetracker-retention", _clean_up)
