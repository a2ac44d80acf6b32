"""The `reconciler` Lambda (EventBridge schedule, default every 15 minutes): send the scan messages left in the
outbox, fail jobs whose message died (`scan_abandoned`), list every watched repository's refs without fetching
objects and queue scans for refs whose commit differs from the stored snapshot's.
Returns the run's report (counts).

Thin: the shared edge (handler_edge: Powertools, services, tracing), the use case from wiring. No I/O at import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.handler_edge import Event, lambda_handler_for, time_left

if TYPE_CHECKING:
    from codetracker.wiring import Services


def _reconcile(event: Event, context: Any, services: Services) -> dict[str, Any]:
    return services.reconciler(time_left=time_left(context))().as_dict()


lambda_handler = lambda_handler_for("codetracker-reconciler", _reconcile)
