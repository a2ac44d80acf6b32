"""The api handler against real parts: Postgres (a fresh migrated database per test), SQS in moto (in
process), the production URL policy with a static resolver (no network), the settings the events in
events/api/ were written for (tests/support/api_events.py)."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import api_events as ev
from tests.support.moto_clients import moto_client
from codetracker.ports.snapshot_store import SnapshotToStore

PUBLIC = {
    "github.com": ["140.82.112.3"],
    "hooks.example.com": ["93.184.215.14"],
    "gitlab.example.com": ["93.184.215.15"],
    "rebind.example.com": ["93.184.215.16", "10.0.0.7"],
    "internal.example.com": ["192.168.10.4"],
}


class LambdaContext:
    function_name = "ApiFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ApiFunction"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name = "/aws/lambda/ApiFunction"
    log_stream_name = "2026/11/01/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: dict[str, Any]
    text: str = ""

    @property
    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Api:
    services: Any
    sqs: Any
    queue_url: str
    database: Any
    received: list[str] = field(default_factory=list)

    def call(self, event: dict[str, Any]) -> Answer:
        from functions.api.app import lambda_handler

        raw = lambda_handler(event, LambdaContext(), services=self.services)
        body = raw.get("body") or ""
        if raw.get("isBase64Encoded"):
            data = base64.b64decode(body)
            text = gzip.decompress(data).decode() if raw["headers"].get("Content-Encoding") == "gzip" else data.decode()
        else:
            text = body
        return Answer(int(raw["statusCode"]), raw.get("headers") or {}, raw, text)

    def messages(self) -> list[dict[str, Any]]:
        """Every message sent since the last call (each read once)."""
        found = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300)
            batch = got.get("Messages", [])
            if not batch:
                return found
            found += [json.loads(m["Body"]) for m in batch]

    def rows(self, query: str, *params: object) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


def settings_env(**extra: str) -> dict[str, str]:
    return {
        "CODE_TRACKER_ADMIN_TOKEN": ev.ADMIN_TOKEN,
        "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": ev.WEBHOOK_SECRET,
        "CODE_TRACKER_ENCRYPTION_KEY": ev.ENCRYPTION_KEY,
        **extra,
    }


@pytest.fixture
def aws(monkeypatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    from moto import mock_aws

    with mock_aws():
        sqs = moto_client("sqs", "eu-west-1")
        url = sqs.create_queue(QueueName="codetracker-scan")["QueueUrl"]
        yield sqs, url


def make_api(
    database_url: str, aws: tuple[Any, str], *, env: dict[str, str] | None = None, unit_of_work=None, scan_queue=None
) -> Api:
    from codetracker.adapters.dns import StaticResolver
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
    from codetracker.adapters.sqs import SqsScanQueue
    from codetracker.settings import Settings
    from codetracker.wiring import Services

    sqs, url = aws
    database = PostgresDatabase(database_url)
    services = Services(
        Settings.from_env(env if env is not None else settings_env()),
        unit_of_work=unit_of_work or PostgresUnitOfWorkFactory(database),
        scan_queue=scan_queue or SqsScanQueue(url, client_factory=lambda: sqs),
        resolver=StaticResolver(PUBLIC),
    )
    return Api(services, sqs, url, database_url)


@pytest.fixture
def api(migrated_database_url: str, aws) -> Iterator[Api]:
    harness = make_api(migrated_database_url, aws)
    try:
        yield harness
    finally:
        harness.services.close()
        if "unit_of_work" in harness.services.__dict__:
            database = getattr(harness.services.unit_of_work, "database", None)
            if database is not None:
                database.close()


def _seeded_public_api():
    """The snapshot's package exports camel and snake from ".", kebab as the default of "./kebab"; snake is
    not public (a deep import); one export is undecided."""
    from codetracker.domain.model import PackageApi, PackageEntryPoint, PublicFunction, UnknownExport

    return PackageApi(
        entry_points=(
            PackageEntryPoint(".", ("import",), "src/index.mjs"),
            PackageEntryPoint("./kebab", ("default",), "src/kebab.mjs"),
        ),
        public_functions=(
            PublicFunction(".", "camelCase", "src/index.mjs", "camel"),
            PublicFunction(".", "camel", "src/index.mjs", "camel"),
            PublicFunction("./kebab", "default", "src/index.mjs", "kebab"),
        ),
        unknown_exports=(UnknownExport(".", "shout", "the value of a call: compose(upper, exclaim)"),),
    )


def seed(api: Api) -> None:
    """What the sample events refer to: apps A and B, A's registration of REPOSITORY_URL with a job, a snapshot
    (id 1) and activity."""
    from codetracker.domain.job_result import ResultCounts, StoredResult
    from codetracker.domain.model import (
        Descriptor,
        ExportedFunction,
        Parameter,
        ReturnValue,
        SnapshotKey,
        SnapshotSource,
    )
    from codetracker.domain.job import Job, JobStatus, JobTrigger
    from codetracker.domain.registry import (
        Activity,
        ActivityStatus,
        ActivityType,
        App,
        Registration,
        RepositoryStatus,
        registration_scope,
    )
    from codetracker.usecases.registry import (
        access_token_context,
        signing_secret_context,
        token_sha256,
        webhook_secret_context,
    )

    services = api.services
    cipher = services.cipher
    now = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    apps = [
        App(
            ev.APP_ID,
            "events-app",
            token_sha256(ev.APP_TOKEN),
            cipher.encrypt("whsec_" + "A" * 32, context=signing_secret_context(ev.APP_ID)),
            None,
            now,
        ),
        App(
            ev.OTHER_APP_ID,
            "other-app",
            token_sha256(ev.OTHER_APP_TOKEN),
            cipher.encrypt("whsec_" + "B" * 32, context=signing_secret_context(ev.OTHER_APP_ID)),
            None,
            now,
        ),
    ]
    registration = Registration(
        id=ev.REPOSITORY_ID,
        app_id=ev.APP_ID,
        url=ev.REPOSITORY_URL,
        display_url=ev.REPOSITORY_URL + ".git",
        module_slug="hello-js",
        default_branch="main",
        watched_branch="main",
        callback_url=None,
        access_token_encrypted=cipher.encrypt("ghp_seeded", context=access_token_context(ev.REPOSITORY_ID)),
        status=RepositoryStatus.SYNCED,
        last_error=None,
        last_scanned_commit=ev.PREVIOUS_COMMIT,
        last_scanned_at=now,
        created_at=now,
        updated_at=now,
        webhook_secret_encrypted=cipher.encrypt(
            ev.REGISTRATION_WEBHOOK_SECRET, context=webhook_secret_context(ev.REPOSITORY_ID)
        ),
    )
    job = Job(
        ev.JOB_ID,
        ev.REPOSITORY_ID,
        JobTrigger.API,
        "refs/heads/main",
        JobStatus.DONE,
        now,
        now,
        commit_sha=ev.PREVIOUS_COMMIT,
        module_slug="hello-js",
        branch_name="main",
        release_tag="HEAD",
        result=StoredResult(
            snapshot_id=1,
            commit_sha=ev.PREVIOUS_COMMIT,
            ref_kind="branch",
            counts=ResultCounts(functions=3),
            changes={},
        ),
    )
    functions = tuple(
        ExportedFunction(
            name,
            "src/index.mjs",
            "named",
            False,
            f"{name} it.",
            None,
            i,
            (Parameter("value", 0, "string", False, False, None, None, "the input"),),
            (ReturnValue("string", None),),
        )
        for i, name in enumerate(["camel", "kebab", "snake"])
    )
    with services.unit_of_work() as uow:
        for a in apps:
            uow.apps.add(a)
        uow.registrations.add(registration)
        uow.jobs.add(job)
        uow.activities.add(
            Activity(
                ev.REPOSITORY_ID, ev.APP_ID, ActivityType.REPOSITORY_REGISTERED, ActivityStatus.OK, now, "registered"
            )
        )
        summary = uow.snapshots.store_snapshot(
            SnapshotToStore(
                SnapshotKey("hello-js", "main", "HEAD", registration_scope(ev.REPOSITORY_ID)),
                Descriptor("hello-js", functions, public_api=_seeded_public_api()),
                SnapshotSource("hello-js", ev.REPOSITORY_URL, ev.PREVIOUS_COMMIT),
            ),
        )
        uow.commit()
    assert summary.snapshot_id == ev.SNAPSHOT_ID
