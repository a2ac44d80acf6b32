"""`codetracker redrive scan|persist|notify`: a dead-letter queue's messages back to its queue."""

from __future__ import annotations

import argparse
from typing import TextIO

from codetracker.cli.common import EXIT_OK, Once, required


def add_parser(commands) -> None:
    redrive = commands.add_parser(
        "redrive",
        help="move a dead-letter queue's messages back to its queue",
        description="Moves every message of the scan, persist or notify dead-letter queue back to its source queue "
        "(SQS StartMessageMoveTask where the endpoint has it, else receive, send, then delete each copied "
        "message). Queue URLs come from CODE_TRACKER_<QUEUE>_QUEUE_URL and CODE_TRACKER_<QUEUE>_DLQ_URL, or the "
        "flags. A redriven notification keeps its webhook-id and starts its attempts again.",
    )
    redrive.add_argument("queue", nargs="?", choices=("scan", "persist", "notify"))
    redrive.add_argument("--dlq-url", action=Once, help="the dead-letter queue (default: CODE_TRACKER_<QUEUE>_DLQ_URL)")
    redrive.add_argument("--queue-url", action=Once, help="its source queue (default: CODE_TRACKER_<QUEUE>_QUEUE_URL)")


def run(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    from codetracker.usecases.redrive import redrive

    queue = required(args, "queue")
    configured = services.settings.pipeline.queue(queue)
    outcome = redrive(
        queue,
        mover=services.dead_letters,
        dead_letter_url=args.dlq_url or configured.dlq_url,
        queue_url=args.queue_url or configured.url,
    )
    if outcome.method == "move_task":
        out.write(f"{queue}: a message move task was started (task {outcome.task_handle}); SQS moves the messages\n")
    else:
        out.write(f"{queue}: {outcome.moved} message(s) moved back from the dead-letter queue\n")
    return EXIT_OK
