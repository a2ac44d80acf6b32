"""The scanner and the reconciler under the production URL policy (CODE_TRACKER_ALLOW_PRIVATE_URLS unset): a
repository name that rebinds to 127.0.0.1 after the policy's checks (DNS rebinding, TTL 0) is refused when
the fetch or the ref listing connects; nothing reaches the server listening there (issue 17 point 2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codetracker.usecases.reconcile import ReconcilePorts, ReconcileRequest, reconcile
from codetracker.usecases.url_policy import UrlPolicy
from tests.support.pipeline import Pipeline, make_pipeline, settings_env


class RebindsAfter:
    """Answers a public address to the first `checks` lookups of a name (the policy's), 127.0.0.1 after."""

    def __init__(self, checks: int) -> None:
        self.checks = checks
        self.calls: dict[str, int] = {}

    def addresses(self, host: str, port: int | None) -> list[str]:
        self.calls[host] = self.calls.get(host, 0) + 1
        return ["93.184.215.14"] if self.calls[host] <= self.checks else ["127.0.0.1"]


@pytest.fixture
def production(migrated_database_url, queues) -> Iterator[tuple[Pipeline, RebindsAfter]]:
    # Lookups before the connection: the registration's check, then the scanner's (or the reconciler's).
    resolver = RebindsAfter(checks=2)
    env = settings_env(queues, CODE_TRACKER_ALLOW_PRIVATE_URLS="0")
    harness = make_pipeline(migrated_database_url, queues, env=env, resolver=resolver)
    try:
        yield harness, resolver
    finally:
        harness.close()


def _register(harness: Pipeline, git_server, name: str) -> tuple[dict, dict]:
    server, _ = git_server
    app = harness.create_app()
    url = f"https://rebound.example:{server.port}/{name}.git"
    return app, harness.register(app["token"], url)


def test_the_scanner_refuses_a_rebound_name_when_connecting(production, git_server, http_repo):
    harness, resolver = production
    server, _ = git_server
    server.clear_requests()
    app, registered = _register(harness, git_server, "rebound")
    assert harness.poll("scan").failed == []  # permanent: not retried
    job = harness.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "failed" and job["error"]["code"] == "address_refused"
    assert "127.0.0.1" in job["error"]["message"]
    assert resolver.calls == {"rebound.example": 3}
    assert server.requests == []


def test_the_reconciler_refuses_a_rebound_name_when_listing(production, git_server, http_repo):
    harness, _ = production
    server, _ = git_server
    _register(harness, git_server, "listed")
    harness.receive("scan")  # the registration's scan: not what this test is about
    resolver = RebindsAfter(checks=1)  # the reconciler's check, then the connection
    server.clear_requests()
    s = harness.services
    report = reconcile(
        ReconcileRequest(),
        ReconcilePorts(
            unit_of_work=s.unit_of_work,
            ref_lister=s.ref_lister,
            scan_queue=s.scan_queue,
            cipher=s.cipher,
            url_policy=UrlPolicy(resolver, allow_private=False),
            clock=s.clock,
            metrics=s.metrics,
        ),
    )
    assert report.failed == 1 and report.failures == {"address_refused": 1}
    assert resolver.calls == {"rebound.example": 2}
    assert server.requests == []
