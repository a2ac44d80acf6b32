"""The persister with the database going away in the middle of a batch and coming back: nothing lost, each
snapshot stored once, one notification per job. The database is taken away for real: connections refused
(ALLOW_CONNECTIONS false) and every backend terminated, inside a unit of work."""

from __future__ import annotations

import time

import pytest

from tests.support.pipeline import make_pipeline, moto_queues, settings_env
from tests.support.git_repos import RepoBuilder
from tests.integration.pipeline.conftest import FILES_V1


class CutDatabase:
    """A unit-of-work factory that takes the database away inside its `cut_at`-th unit (after BEGIN)."""

    def __init__(self, factory, server_url: str, database_url: str, cut_at: set[int]) -> None:
        from psycopg.conninfo import conninfo_to_dict

        self.factory, self.server_url, self.cut_at, self.calls = factory, server_url, cut_at, 0
        self.dbname = conninfo_to_dict(database_url)["dbname"]

    def _admin(self, *statements: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(sql.SQL(statement).format(db=sql.Identifier(self.dbname), name=sql.Literal(self.dbname)))

    def away(self) -> None:
        self._admin(
            "ALTER DATABASE {db} ALLOW_CONNECTIONS false",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {name} AND pid <> pg_backend_pid()",
        )

    def back(self) -> None:
        self._admin("ALTER DATABASE {db} ALLOW_CONNECTIONS true")

    def __call__(self, *, read_only: bool = False):
        self.calls += 1
        unit = self.factory(read_only=read_only)
        return _Cut(unit, self) if self.calls in self.cut_at else unit


class _Cut:
    def __init__(self, unit, owner: CutDatabase) -> None:
        self.unit, self.owner = unit, owner

    def __enter__(self):
        entered = self.unit.__enter__()
        self.owner.away()
        return entered

    def __exit__(self, *exc_info):
        return self.unit.__exit__(*exc_info)


@pytest.fixture
def fast_queues(monkeypatch):
    with moto_queues(monkeypatch, notify_max_attempts=3, visibility_s=1) as found:
        yield found


def test_the_database_goes_away_mid_batch_and_comes_back(
    migrated_database_url, database_url, fast_queues, receiver, tmp_path
):
    harness = make_pipeline(migrated_database_url, fast_queues, env=settings_env(fast_queues))
    try:
        app = harness.create_app(receiver.url)
        receiver.secret = app["signing_secret"]
        jobs = []
        for name in ("one", "two"):
            path = tmp_path / f"{name}.git"
            with RepoBuilder.create(path) as builder:
                builder.commit(FILES_V1)
                builder.set_head("main")
            jobs.append(harness.register(app["token"], f"file://{path}")["job_id"])
        assert harness.poll("scan").received == 2
        assert harness.queues.count(harness.queues.urls["persist"])[0] == 2

        real = harness.services.unit_of_work
        # Units of the batch: record 1 = persist (1), "notification sent" (2); record 2 = persist (3).
        # Cut inside unit 2: record 1's snapshot is committed and its notify message sent, the mark is lost;
        # unit 3 finds the database away: record 2 stores nothing and is a batch item failure.
        cut = CutDatabase(real, database_url, migrated_database_url, cut_at={2})
        harness.services.__dict__["unit_of_work"] = cut
        try:
            first = harness.poll("persist")
        finally:
            cut.back()
        assert first.received == 2 and len(first.failed) == 1

        harness.services.__dict__["unit_of_work"] = real
        deadline = time.monotonic() + 10
        while harness.queues.count(harness.queues.urls["persist"]) != (0, 0) and time.monotonic() < deadline:
            harness.poll("persist")
            time.sleep(0.1)
        assert harness.queues.count(harness.queues.urls["persist"]) == (0, 0)
        assert harness.drain() == {"scan": 0, "persist": 0, "notify": 2}

        # Nothing lost, nothing twice.
        rows = harness.rows("SELECT scope, count(*) FROM modules GROUP BY scope")
        assert len(rows) == 2 and all(count == 1 for _, count in rows)
        for job_id in jobs:
            job = harness.get(app["token"], f"/jobs/{job_id}")
            assert job["status"] == "done", job
        deliveries = receiver.requests
        assert sorted(r.json["data"]["job"]["id"] for r in deliveries) == sorted(jobs)
        assert all(r.verified for r in deliveries)
        stored = harness.rows("SELECT count(*) FROM activities WHERE action_type = 'snapshot_stored'")
        assert stored == [(2,)]
    finally:
        harness.close()
