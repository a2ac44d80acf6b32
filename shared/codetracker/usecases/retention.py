"""Retention (a schedule, daily): jobs, activities and webhook deliveries older than the retention age
(default 90 days), and parsed_blobs rows cached before that age that no stored snapshot lists or that an older
extractor version wrote, deleted in small batches, each batch its own short transaction, oldest first; stops
early when the function's time is nearly up (the next run goes on)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from codetracker.domain.extraction import READABLE_CACHE_VERSIONS
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger("codetracker.retention")

# Activities before their jobs (a job's deletion would otherwise update each of its activities first).
KINDS = ("activities", "webhook_deliveries", "jobs", "parsed_blobs")


@dataclass
class RetentionReport:
    deleted: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    complete: bool = True
    cutoff: str = ""


@dataclass(frozen=True)
class RetentionRequest:
    """One retention run: what is old, how much one transaction deletes, and the function's time (None: no
    deadline) less a reserve to answer in."""

    retention_days: int = 90
    batch: int = 500
    time_left: Callable[[], float] | None = None
    reserve_s: float = 5.0


def clean_up(
    request: RetentionRequest, *, unit_of_work: UnitOfWorkFactory, clock: Clock, metrics: Metrics
) -> RetentionReport:
    cutoff = clock() - timedelta(days=request.retention_days)
    report = RetentionReport(cutoff=cutoff.isoformat())
    time_left, batch = request.time_left, request.batch
    deadline = time.monotonic() + (time_left() - request.reserve_s) if time_left is not None else None
    for kind in KINDS:
        while True:
            if deadline is not None and time.monotonic() > deadline:
                report.complete = False
                logger.warning("retention stopped before the end; the next run goes on", extra=report.deleted)
                return report
            with unit_of_work() as uow:
                deleters: dict[str, Callable[..., int]] = {
                    "activities": uow.retention.delete_activities,
                    "webhook_deliveries": uow.retention.delete_webhook_deliveries,
                    "jobs": uow.retention.delete_jobs,
                    "parsed_blobs": partial(uow.retention.delete_stale_blobs, readable=READABLE_CACHE_VERSIONS),
                }
                deleted = deleters[kind](before=cutoff, limit=batch)
                uow.commit()
            report.deleted[kind] += deleted
            if deleted < batch:
                break
    for kind, count in report.deleted.items():
        if count:
            metrics.count("RetentionDeleted", count, dimensions={"kind": kind})
    logger.info("retention done", extra={"cutoff": report.cutoff, **report.deleted})
    return report
