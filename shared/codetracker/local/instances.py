"""Which instances a function has under `codetracker dev`: `--concurrency` for the HTTP API, per SQS event
source up to `--concurrency` pollers (never above the mapping's MaximumConcurrency), one per schedule; each
with the spec `codetracker.local.instance` starts from."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetracker.local.instance import function_to
from codetracker.local.plan import Plan

if TYPE_CHECKING:
    from codetracker.local.queues import LocalQueue

# Queue consumers and schedules run at a lower CPU priority than the HTTP instances (see instance.py).
BACKGROUND_NICENESS = 10


@dataclass
class Instance:
    name: str  # "ScannerFunction#1"
    function: str
    spec: dict[str, Any]
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen | None = None
    ready_fd: int | None = None
    invocation_fd: int | None = None  # read end: "begin <monotonic deadline>" / "end" lines from the instance
    deadline: float | None = None  # of the invocation under way
    started: float = 0.0
    restarts: list[float] = field(default_factory=list)


def function_instances(
    plan: Plan,
    function_id: str,
    env: dict[str, str],
    queues: Mapping[str, LocalQueue],
    *,
    endpoint: str,
    inflight_dir: Path,
    concurrency: int,
    listen_fd: int,
) -> list[Instance]:
    function = plan.functions[function_id]
    common = {"function": function_to(function), "env": env, "nice": BACKGROUND_NICENESS}
    instances = []
    if function_id in plan.http_functions:
        for n in range(max(1, concurrency)):
            spec = {**common, "kind": "http", "listen_fd": listen_fd}
            instances.append(Instance(f"{function_id}#{n + 1}", function_id, spec, (listen_fd,)))
    for source in plan.event_sources:
        if source.function != function_id:
            continue
        count = max(1, min(concurrency, source.max_concurrency or concurrency))
        for n in range(count):
            name = f"{function_id}#{n + 1}"
            spec = {
                **common,
                "kind": "sqs",
                "queue": asdict(queues[source.queue]),
                "endpoint_url": endpoint,
                "source": asdict(source),
                "inflight_file": str(inflight_dir / f"{name.replace('#', '-')}.json"),
            }  # fmt: skip
            instances.append(Instance(name, function_id, spec))
    for schedule in plan.schedules:
        if schedule.function == function_id:
            spec = {
                **common,
                "kind": "schedule",
                "schedule": {"function": schedule.function, "event_name": schedule.event_name,
                             "expression": schedule.expression, "every_s": schedule.every_s},
            }  # fmt: skip
            instances.append(Instance(f"{function_id}#{schedule.event_name}", function_id, spec))
    return instances
