"""The notifier: latency of one notification, message in → signed POST answered → outcome recorded, against a
webhook receiver on 127.0.0.1, beside a bare httpx POST of the same bytes to the same receiver (the reference,
measured in the same run).

    .venv/bin/python bench/bench_notify.py [--notifications N] [--database-url URL]

Ours is the notifier's use case for one SQS record, as the handler runs it: read the job, registration and app
(Postgres), the URL policy, decrypt the signing secret, sign (Standard Webhooks), POST through the policy
network backend (resolve, check, connect), record the delivery and its activity (Postgres). Each receiver
request is verified with the reference `standardwebhooks` package (outside the timed part: the receiver's
thread). Real Postgres (an embedded pgserver in a temporary directory unless --database-url). Writes
bench/results/notify.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": statistics.median(ordered) * 1e3,
        "p99_ms": at(0.99) * 1e3,
        "max_ms": ordered[-1] * 1e3,
        "n": len(ordered),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notifications", type=int, default=300)
    ap.add_argument("--database-url")
    args = ap.parse_args()

    import httpx

    from codetracker.contracts.notify_requested import notify_requested_to_json
    from codetracker.contracts.webhooks import event_to_bytes
    from codetracker.adapters.dns import SystemResolver
    from codetracker.adapters.memory_queue import MemoryVisibility
    from codetracker.adapters.metrics_powertools import MemoryMetrics
    from codetracker.adapters.notify_httpx import HttpxWebhookSender
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
    from codetracker.domain.notifications import notification_id
    from codetracker.domain.job import Job, JobStatus, JobTrigger
    from codetracker.domain.queue_messages import NotifyRequested
    from codetracker.domain.registry import App, Registration, RepositoryStatus
    from codetracker.ports.queues import QueueRecord
    from codetracker.settings import Settings
    from codetracker.usecases.notify import NotifierPorts, handle_notify_record
    from codetracker.usecases.registry import signing_secret_context
    from codetracker.usecases.url_policy import UrlPolicy
    from codetracker.wiring import Services, utc_now
    from tests.support.webhook_receiver import WebhookReceiver

    server = None
    database_url = args.database_url
    if database_url is None:
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(prefix="codetracker-bench-notify-"), cleanup_mode="delete")
        database_url = server.get_uri()
    n = args.notifications
    try:
        with WebhookReceiver(SECRET) as receiver:
            services = Services(
                Settings.from_env({"CODE_TRACKER_ENCRYPTION_KEY": KEY, "CODE_TRACKER_ALLOW_PRIVATE_URLS": "1"})
            )
            database = PostgresDatabase(database_url)
            uow = PostgresUnitOfWorkFactory(database)
            cipher = services.cipher
            now = datetime.now(UTC)
            app_id, repo_id = str(uuid.uuid4()), str(uuid.uuid4())
            jobs = [str(uuid.uuid4()) for _ in range(n)]
            with uow() as unit:
                unit.apps.add(
                    App(
                        app_id,
                        "bench",
                        uuid.uuid4().bytes * 2,
                        cipher.encrypt(SECRET, context=signing_secret_context(app_id)),
                        None,
                        now,
                    )
                )
                unit.registrations.add(
                    Registration(
                        repo_id,
                        app_id,
                        f"https://github.com/bench/{repo_id}",
                        "https://github.com/bench/r",
                        "r",
                        "main",
                        "main",
                        receiver.url,
                        None,
                        RepositoryStatus.SYNCED,
                        None,
                        "a" * 40,
                        now,
                        now,
                        now,
                    )
                )
                for job_id in jobs:
                    unit.jobs.add(
                        Job(
                            job_id,
                            repo_id,
                            JobTrigger.WEBHOOK,
                            "refs/heads/main",
                            JobStatus.NOTIFYING,
                            now,
                            now,
                            commit_sha="a" * 40,
                            notification_id=notification_id(job_id),
                            notification_queued_at=now,
                        )
                    )
                unit.commit()
            ports = NotifierPorts(
                unit_of_work=uow,
                sender=HttpxWebhookSender(SystemResolver(), allow_private=True),
                visibility=MemoryVisibility(),
                cipher=cipher,
                url_policy=UrlPolicy(SystemResolver(), allow_private=True),
                clock=utc_now,
                metrics=MemoryMetrics(),
            )
            bodies = []
            for job_id in jobs:
                event = {
                    "type": "snapshot.stored",
                    "timestamp": now.isoformat(),
                    "data": {
                        "job": {"id": job_id},
                        "changes": {"added": [{"file_path": "src/a.js", "name": f"f{i}"} for i in range(20)]},
                    },
                }
                bodies.append(
                    notify_requested_to_json(NotifyRequested(notification_id(job_id), job_id, repo_id, event))
                )
            # warm-up: first connection, first statements
            handle_notify_record(QueueRecord("warm", bodies[0], 1, "rh"), ports=ports)
            ours = []
            for i, body in enumerate(bodies[1:], 1):
                started = time.perf_counter()
                handle_notify_record(QueueRecord(f"m{i}", body, 1, "rh"), ports=ports)
                ours.append(time.perf_counter() - started)
            requests = receiver.wait_for(n)
            assert all(r.verified for r in requests), [r.error for r in requests if not r.verified][:3]
            payload = event_to_bytes(json.loads(bodies[0])["event"])
            bare = []
            with httpx.Client() as client:
                client.post(receiver.url, content=payload)
                for _ in range(n - 1):
                    started = time.perf_counter()
                    client.post(receiver.url, content=payload, headers={"content-type": "application/json"})
                    bare.append(time.perf_counter() - started)
            (delivered,) = [
                row
                for row in [
                    database.connection()
                    .execute("SELECT count(*) FROM jobs WHERE notification_delivered_at IS NOT NULL")
                    .fetchone()
                ]
            ]
            database.close()
    finally:
        if server is not None:
            server.cleanup()
    figures = {
        "notifier": percentiles(ours),
        "bare_httpx_post": percentiles(bare),
        "delivered": delivered[0],
        "python": sys.version.split()[0],
    }
    ratio = figures["notifier"]["p50_ms"] / figures["bare_httpx_post"]["p50_ms"]
    print(f"notification, message in → delivered and recorded (n={len(ours)}):")
    for name in ("notifier", "bare_httpx_post"):
        f = figures[name]
        print(f"  {name:18s} p50 {f['p50_ms']:7.2f} ms  p99 {f['p99_ms']:7.2f} ms  max {f['max_ms']:7.2f} ms")
    print(
        f"  the notifier's p50 is {ratio:.1f}x a bare POST; {figures['delivered']} jobs recorded delivered, every "
        "signature verified by standardwebhooks"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notify.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
