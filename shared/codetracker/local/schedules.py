"""The template's schedules, run locally: the function is invoked with an EventBridge scheduled event every
period (the template's `rate(...)`, or `--reconcile-every` / `--retention-every`), the first time one period
after the start, as EventBridge does. A run that outlasts its period delays the next one; runs never overlap.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from codetracker.local.lambda_context import LambdaContext, elapsed_ms, log_line
from codetracker.local.plan import LOCAL_ACCOUNT_ID, LOCAL_REGION, STACK_NAME, FunctionSpec, ScheduleSpec


def scheduled_event(schedule: ScheduleSpec, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    rule = f"{STACK_NAME}-{schedule.function}{schedule.event_name}"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


class ScheduleRunner:
    def __init__(self, schedule: ScheduleSpec, function: FunctionSpec,
                 handler: Callable[[dict[str, Any], Any], Any], stop: threading.Event) -> None:  # fmt: skip
        self.schedule = schedule
        self.function = function
        self.handler = handler
        self.stop = stop

    def run(self) -> None:
        every = self.schedule.every_s
        if every is None:
            self.stop.wait()
            return
        next_run = time.monotonic() + every
        while not self.stop.wait(max(0.0, next_run - time.monotonic())):
            self.invoke()
            next_run = max(next_run + every, time.monotonic())

    def invoke(self) -> Any:
        start = time.monotonic()
        try:
            result = self.handler(scheduled_event(self.schedule), LambdaContext(self.function))
        except Exception as err:  # noqa: BLE001 - logged; the next period runs again
            log_line(
                self.function.logical_id, f"scheduled run: error {type(err).__name__}: {err} ({elapsed_ms(start)})"
            )
            return None
        summary = ""
        if isinstance(result, dict):
            summary = ", ".join(f"{k} {v}" for k, v in list(result.items())[:6] if isinstance(v, (int, float, str)))
        log_line(
            self.function.logical_id, f"scheduled run done{': ' + summary if summary else ''} ({elapsed_ms(start)})"
        )
        return result
