"""The notifier against a real HTTP server on 127.0.0.1: every kind of answer, timeouts, a closed port, a
redirect (never followed), and the private-address policy applied when connecting (DNS rebinding). Signatures
verified by the reference `standardwebhooks` package."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from codetracker.contracts.notify_requested import notify_requested_to_json
from codetracker.adapters.dns import StaticResolver
from codetracker.adapters.memory_queue import MemoryVisibility
from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.adapters.metrics_powertools import MemoryMetrics
from codetracker.adapters.notify_httpx import HttpxWebhookSender
from codetracker.domain.notifications import notification_id
from codetracker.domain.job import Job, JobStatus, JobTrigger
from codetracker.domain.queue_messages import NotifyRequested
from codetracker.domain.registry import App, Registration, RepositoryStatus
from codetracker.errors import DeliveryAddressRefused, DeliveryConnectionFailed, DeliveryTimeout
from codetracker.ports.queues import QueueRecord
from codetracker.settings import Settings
from codetracker.usecases.notify import NotifierPorts, handle_notify_record
from codetracker.usecases.registry import signing_secret_context
from codetracker.usecases.url_policy import UrlPolicy
from codetracker.wiring import Services, utc_now
from tests.support.git_servers import closed_port
from tests.support.pipeline import settings_env
from tests.support.webhook_receiver import Reply, WebhookReceiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class World:
    def __init__(self, callback: str, *, sender=None, max_attempts: int = 3) -> None:
        services = Services(Settings.from_env(settings_env()))
        self.cipher = services.cipher
        self.uow = MemoryUnitOfWorkFactory()
        self.visibility = MemoryVisibility()
        self.metrics = MemoryMetrics()
        app_id, repo_id, self.job_id = (str(uuid.uuid4()) for _ in range(3))
        app = App(
            app_id, "a", b"t" * 32, self.cipher.encrypt(SECRET, context=signing_secret_context(app_id)), None, NOW
        )
        registration = Registration(
            repo_id,
            app_id,
            "https://github.com/o/r",
            "https://github.com/o/r",
            "r",
            "main",
            "main",
            callback,
            None,
            RepositoryStatus.SYNCED,
            None,
            "a" * 40,
            NOW,
            NOW,
            NOW,
        )
        job = Job(
            self.job_id,
            repo_id,
            JobTrigger.API,
            "refs/heads/main",
            JobStatus.NOTIFYING,
            NOW,
            NOW,
            commit_sha="a" * 40,
            module_slug="r",
            branch_name="main",
            release_tag="HEAD",
            notification_id=notification_id(self.job_id),
            notification_queued_at=NOW,
        )
        with self.uow() as uow:
            uow.apps.add(app)
            uow.registrations.add(registration)
            uow.jobs.add(job)
            uow.commit()
        self.registration = registration
        self.sender = sender or HttpxWebhookSender(
            StaticResolver({}), allow_private=True, connect_timeout_s=1, read_timeout_s=0.5, total_timeout_s=1.0
        )
        self.ports = NotifierPorts(
            unit_of_work=self.uow,
            sender=self.sender,
            visibility=self.visibility,
            cipher=self.cipher,
            url_policy=UrlPolicy(StaticResolver({}), allow_private=True),
            clock=utc_now,
            metrics=self.metrics,
            max_attempts=max_attempts,
            backoff_base_s=1,
            backoff_cap_s=900,
        )
        event = {"type": "snapshot.stored", "timestamp": "2026-11-01T12:00:00Z", "data": {"job": {"id": self.job_id}}}
        self.message = NotifyRequested(notification_id(self.job_id), self.job_id, repo_id, event)

    def deliver(self, attempt: int = 1) -> bool:
        """True when the record succeeded (no batch item failure)."""
        record = QueueRecord(f"m-{attempt}", notify_requested_to_json(self.message), attempt, f"rh-{attempt}")
        try:
            handle_notify_record(record, ports=self.ports)
        except Exception:  # noqa: BLE001 - a batch item failure
            return False
        return True

    def job(self) -> Job:
        with self.uow() as uow:
            return uow.jobs.find(self.job_id)

    def repository(self) -> Registration:
        with self.uow() as uow:
            return uow.registrations.find(self.registration.id)


@pytest.fixture
def receiver():
    with WebhookReceiver(SECRET) as found:
        yield found


def test_200_is_delivered_and_signed(receiver):
    world = World(receiver.url)
    assert world.deliver() is True
    (request,) = receiver.requests
    assert request.verified, request.error
    assert request.headers["webhook-id"] == world.message.notification_id
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    assert request.json == world.message.event
    job = world.job()
    assert job.status == JobStatus.DONE and job.notification_delivered_at and job.notification_attempts == 1
    assert job.notify.started_at and job.notify.ended_at
    # Delivered once: the same message again sends nothing.
    assert world.deliver(2) is True and len(receiver.requests) == 1


@pytest.mark.parametrize("status", [400, 410])
def test_4xx_is_permanent(receiver, status):
    receiver.script = [Reply(status, body=b"gone for good")]
    world = World(receiver.url)
    assert world.deliver() is True  # not retried
    job, repository = world.job(), world.repository()
    assert job.status == JobStatus.FAILED and job.error_code == "delivery_rejected"
    assert f"HTTP {status}" in job.error_message and "gone for good" in job.error_message
    assert repository.status == RepositoryStatus.FAILED and f"HTTP {status}" in repository.last_error
    assert world.visibility.delays == [] and len(receiver.requests) == 1


def test_during_a_signing_secret_rotation_each_secret_alone_verifies(receiver):
    """Rotated with a grace: one signature per secret (`v1,<new> v1,<old>`); an app verifying with only its
    old secret, or only the new one, accepts the notification (the reference `standardwebhooks` verifier)."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    from codetracker.usecases.rotation import AppRotation, rotate_signing_secret

    world = World(receiver.url)
    app_id = world.registration.app_id
    new = rotate_signing_secret(
        AppRotation(app_id, 3600), unit_of_work=world.uow, cipher=world.cipher, clock=utc_now
    ).value
    assert world.deliver() is True
    (request,) = receiver.requests
    signatures = request.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    for secret in (new, SECRET):
        assert Webhook(secret).verify(request.body, request.headers) == world.message.event
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "Q" * 32).verify(request.body, request.headers)


def test_after_the_grace_only_the_new_secret_signs(receiver):
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    from codetracker.usecases.rotation import AppRotation, rotate_signing_secret

    world = World(receiver.url)
    an_hour_ago = utc_now() - timedelta(hours=1)
    new = rotate_signing_secret(
        AppRotation(world.registration.app_id, 1800),
        unit_of_work=world.uow,
        cipher=world.cipher,
        clock=lambda: an_hour_ago,
    ).value
    assert world.deliver() is True
    (request,) = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(request.body, request.headers) == world.message.event
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(request.body, request.headers)


def test_429_waits_as_long_as_retry_after_says(receiver):
    receiver.script = [Reply(429, {"Retry-After": "7"}), Reply(200)]
    world = World(receiver.url)
    assert world.deliver(1) is False
    assert world.visibility.delays == [("rh-1", 7)]
    assert world.job().status == JobStatus.NOTIFYING and world.job().notification_attempts == 1
    assert world.deliver(2) is True and world.job().status == JobStatus.DONE
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    stamps = [r.headers["webhook-timestamp"] for r in receiver.requests]
    assert len(ids) == 1 and all(r.verified for r in receiver.requests) and len(stamps) == 2


def test_500_backs_off_exponentially_then_the_last_attempt_fails_the_job(receiver):
    receiver.script = [Reply(500)]
    world = World(receiver.url, max_attempts=3)
    assert [world.deliver(attempt) for attempt in (1, 2, 3)] == [False, False, False]
    # base 1 s: 1, 2; the last attempt makes the message visible at once (it goes to the DLQ).
    assert [d for _, d in world.visibility.delays] == [1, 2, 0]
    job = world.job()
    assert job.status == JobStatus.FAILED and job.error_code == "delivery_server_error"
    assert "after 3 attempt(s)" in job.error_message and job.log_tail
    assert world.repository().status == RepositoryStatus.FAILED
    assert world.metrics.total("NotificationsDeadLettered") == 1


def test_a_slow_answer_is_a_timeout_and_retried(receiver):
    receiver.script = [Reply(200, delay_s=1.5)]
    world = World(receiver.url)
    started = time.monotonic()
    assert world.deliver() is False
    assert time.monotonic() - started < 1.4  # the read timeout (0.5 s), not the server's delay
    assert world.visibility.delays == [("rh-1", 1)]
    assert world.job().error_code is None and world.job().status == JobStatus.NOTIFYING


def test_a_closed_port_is_a_connection_failure_and_retried():
    world = World(f"http://127.0.0.1:{closed_port()}/hooks")
    assert world.deliver() is False and world.visibility.delays == [("rh-1", 1)]


def test_a_redirect_is_not_followed(receiver):
    with WebhookReceiver(SECRET) as target:
        receiver.script = [Reply(302, {"Location": target.url})]
        world = World(receiver.url)
        assert world.deliver() is True
        assert target.requests == [] and len(receiver.requests) == 1
        job = world.job()
        assert job.status == JobStatus.FAILED and "redirect (HTTP 302)" in job.error_message


def test_a_trickling_answer_is_cut_at_the_total_timeout():
    """Each byte arrives within the read timeout; the total deadline still ends the request."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n" + b"x" * 100:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    sender = HttpxWebhookSender(
        StaticResolver({}), allow_private=True, connect_timeout_s=1, read_timeout_s=0.5, total_timeout_s=1.0
    )
    started = time.monotonic()
    with pytest.raises(DeliveryTimeout):
        sender.post(f"http://127.0.0.1:{listener.getsockname()[1]}/", b"{}", {})
    assert time.monotonic() - started < 1.6
    stop.set()
    listener.close()


def test_dns_rebinding_is_refused_when_connecting(receiver):
    """The name resolved to a public address when registered; now it resolves to 127.0.0.1: nothing is sent."""
    rebound = StaticResolver({"hooks.example.com": ["127.0.0.1"]})
    sender = HttpxWebhookSender(rebound, allow_private=False, connect_timeout_s=1, read_timeout_s=1, total_timeout_s=2)
    with pytest.raises(DeliveryAddressRefused, match="loopback"):
        sender.post(f"http://hooks.example.com:{receiver.port}/hooks", b"{}", {})
    mixed = StaticResolver({"hooks.example.com": ["93.184.215.14", "169.254.169.254"]})
    sender = HttpxWebhookSender(mixed, allow_private=False, connect_timeout_s=1, read_timeout_s=1, total_timeout_s=2)
    with pytest.raises(DeliveryAddressRefused, match="metadata"):
        sender.post("https://hooks.example.com/hooks", b"{}", {})
    assert receiver.requests == []
    # Through the use case: a permanent failure, the job failed with the reason.
    world = World(
        f"http://hooks.example.com:{receiver.port}/hooks", sender=HttpxWebhookSender(rebound, allow_private=False)
    )
    # The URL check passes; the connect check does not.
    world.ports = replace(world.ports, url_policy=UrlPolicy(StaticResolver({}), allow_private=True))
    assert world.deliver() is True
    assert world.job().error_code == "delivery_address_refused" and receiver.requests == []


def test_a_name_that_does_not_resolve_is_retried():
    sender = HttpxWebhookSender(StaticResolver({}), allow_private=False)
    with pytest.raises(DeliveryConnectionFailed):
        sender.post("https://nowhere.example.com/hooks", b"{}", {})
