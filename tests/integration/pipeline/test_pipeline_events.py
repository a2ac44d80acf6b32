"""Every sample event in events/scanner|persister|notifier|reconciler|retention through its real handler (real
Postgres, SQS and S3 in moto, a local webhook receiver), against the state the events were written for, so
`sam local invoke <Function> -e events/<function>/<file>` samples stay valid. A file without an expectation
below fails the suite, and the files must be what the generator writes."""

from __future__ import annotations

import json
from dataclasses import replace
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from codetracker.adapters.git.fetcher import DulwichFetcher
from codetracker.domain.notifications import notification_id
from codetracker.domain.job import Job, JobStatus, JobTrigger
from codetracker.domain.registry import App, Registration, RepositoryStatus
from codetracker.usecases.registry import signing_secret_context, token_sha256
from tests.integration.pipeline.conftest import FILES_V1
from tests.support import api_events as ev
from tests.support import pipeline_events as pe
from tests.support.git_repos import RepoBuilder
from tests.support.git_servers import closed_port
from tests.support.pipeline import LambdaContext, make_pipeline, settings_env
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
FILES = sorted(p for p in pe.EVENTS.glob("*/*.json") if p.parent.name != "api")

# (function, file) → batch item failures expected (message ids), or None for a schedule's report
EXPECTED = {
    ("scanner", "scan-requested"): [],
    ("scanner", "scan-ref-not-found"): [],
    ("scanner", "scan-mixed-batch"): [pe._message_id(4)],
    ("persister", "persist-requested"): [],
    ("persister", "persist-claim-check"): [],
    ("persister", "persist-mixed-batch"): [pe._message_id(14)],
    ("persister", "persist-duplicate"): [],
    ("notifier", "notify-snapshot-stored"): [],
    ("notifier", "notify-redriven"): [],
    ("notifier", "notify-mixed-batch"): [pe._message_id(24)],
    ("reconciler", "scheduled"): None,
    ("retention", "scheduled"): None,
}


class LocalGitHub:
    """The fetcher and ref lister for the events' GitHub URL: a local repository instead (no network)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fetcher = DulwichFetcher()

    def _url(self, url: str) -> str:
        if url.startswith(pe.REPOSITORY_URL):
            return f"file://{self.path}"
        assert url.startswith("https://github.com/"), url  # nothing leaves this machine
        return f"file://{self.path.parent}/not-served.git"

    def open(self, access, ref, **kwargs):
        return self.fetcher.open(replace(access, url=self._url(access.url)), ref, **kwargs)

    def list_refs(self, access):
        from codetracker.adapters.git.ls_remote import DulwichRefLister

        return DulwichRefLister().list_refs(replace(access, url=self._url(access.url)))


@pytest.fixture(scope="module")
def github(tmp_path_factory) -> LocalGitHub:
    path = tmp_path_factory.mktemp("events-github") / "hello-js.git"
    with RepoBuilder.create(path) as builder:
        builder.commit(FILES_V1)
        builder.set_head("main")
    return LocalGitHub(path)


@pytest.fixture
def world(migrated_database_url, queues, github) -> Iterator[tuple]:
    queues.s3.create_bucket(Bucket=pe.PAYLOAD_BUCKET, CreateBucketConfiguration={"LocationConstraint": pe.REGION})
    for location, data in pe.claim_payloads().items():
        queues.s3.put_object(Bucket=pe.PAYLOAD_BUCKET, Key=location.split("/", 3)[3], Body=data)
    with WebhookReceiver(SECRET) as receiver:
        harness = make_pipeline(
            migrated_database_url,
            queues,
            env=settings_env(queues, CODE_TRACKER_PAYLOAD_BUCKET=pe.PAYLOAD_BUCKET),
            fetcher=github,
            ref_lister=github,
        )
        try:
            seed(harness, receiver.url)
            yield harness, receiver
        finally:
            harness.close()


def seed(harness, callback: str) -> None:
    cipher = harness.services.cipher
    now = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    app = App(
        ev.APP_ID,
        "events-app",
        token_sha256(ev.APP_TOKEN),
        cipher.encrypt(SECRET, context=signing_secret_context(ev.APP_ID)),
        None,
        now,
    )

    def registration(rid: str, url: str, hook: str) -> Registration:
        return Registration(
            rid,
            ev.APP_ID,
            url,
            url + ".git",
            "hello-js",
            "main",
            "main",
            hook,
            None,
            RepositoryStatus.SYNCED,
            None,
            ev.PREVIOUS_COMMIT,
            now,
            now,
            now,
        )

    def job(jid: str, status: JobStatus, rid: str = pe.REPOSITORY_ID, ref: str = "refs/heads/main") -> Job:
        notifying = status == JobStatus.NOTIFYING
        return Job(
            jid,
            rid,
            JobTrigger.API,
            ref,
            status,
            now,
            now,
            module_slug="hello-js",
            branch_name="main",
            release_tag="HEAD",
            commit_sha=ev.PUSHED_COMMIT if notifying else None,
            notification_id=notification_id(jid) if notifying else None,
            notification_queued_at=now if notifying else None,
        )

    with harness.services.unit_of_work() as uow:
        uow.apps.add(app)
        uow.registrations.add(registration(pe.REPOSITORY_ID, pe.REPOSITORY_URL, callback))
        uow.registrations.add(
            registration(
                pe.SECOND_REPOSITORY_ID, "https://github.com/octo-org/other", f"http://127.0.0.1:{closed_port()}/hooks"
            )
        )
        for jid in (pe.SCAN_JOB, pe.SCAN_JOB_2):
            uow.jobs.add(job(jid, JobStatus.QUEUED))
        uow.jobs.add(job(pe.SCAN_MISSING_REF_JOB, JobStatus.QUEUED, ref="refs/heads/nope"))
        for jid in (pe.PERSIST_JOB, pe.PERSIST_JOB_2, pe.CLAIMED_JOB):
            uow.jobs.add(job(jid, JobStatus.PERSISTING))
        uow.jobs.add(job(pe.NOTIFY_JOB, JobStatus.NOTIFYING))
        uow.jobs.add(job(pe.NOTIFY_JOB_2, JobStatus.NOTIFYING, rid=pe.SECOND_REPOSITORY_ID))
        uow.commit()


def _handler(function: str):
    import importlib

    return importlib.import_module(f"functions.{function}.app").lambda_handler


def test_every_event_file_has_an_expectation_and_is_current():
    assert {(p.parent.name, p.stem) for p in FILES} == set(EXPECTED)
    generated = pe.sample_events()
    # The files are what the generator writes: regenerate with `python -m tests.support.pipeline_events`.
    assert {(p.parent.name, p.stem): json.loads(p.read_text()) for p in FILES} == {
        (function, name): event for function, events in generated.items() for name, event in events.items()
    }


def _status(harness, job_id: str) -> tuple[str, str | None]:
    (row,) = harness.rows("SELECT status, error_code FROM jobs WHERE id = %s", job_id)
    return row


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_event_file(world, path):
    harness, receiver = world
    function, name = path.parent.name, path.stem
    answer = _handler(function)(json.loads(path.read_text()), LambdaContext(function, 60), services=harness.services)
    expected = EXPECTED[(function, name)]
    if expected is None:
        assert isinstance(answer, dict) and "batchItemFailures" not in answer
    else:
        assert sorted(f["itemIdentifier"] for f in answer["batchItemFailures"]) == expected
    persisted = harness.queues.count(harness.queues.urls["persist"])[0]
    notified = harness.queues.count(harness.queues.urls["notify"])[0]
    if name == "scan-requested":
        assert _status(harness, pe.SCAN_JOB) == ("persisting", None) and persisted == 1
    elif name == "scan-ref-not-found":
        assert _status(harness, pe.SCAN_MISSING_REF_JOB) == ("failed", "ref_not_found") and notified == 1
    elif name == "scan-mixed-batch":
        assert _status(harness, pe.SCAN_JOB_2)[0] == "persisting" and persisted == 1
    elif name in ("persist-requested", "persist-duplicate"):
        assert _status(harness, pe.PERSIST_JOB) == ("notifying", None) and notified == 1
        assert harness.rows("SELECT count(*) FROM modules") == [(1,)]
    elif name == "persist-claim-check":
        assert _status(harness, pe.CLAIMED_JOB) == ("notifying", None) and notified == 1
        assert harness.queues.s3.list_objects_v2(Bucket=pe.PAYLOAD_BUCKET).get("KeyCount") == 0  # deleted after
    elif name == "persist-mixed-batch":
        assert _status(harness, pe.PERSIST_JOB_2) == ("notifying", None)
        assert _status(harness, pe.PERSIST_JOB) == ("failed", "invalid_message")  # the malformed one named it
    elif name in ("notify-snapshot-stored", "notify-redriven", "notify-mixed-batch"):
        assert _status(harness, pe.NOTIFY_JOB) == ("done", None)
        (request,) = receiver.requests
        assert request.verified and request.headers["webhook-id"] == notification_id(pe.NOTIFY_JOB)
        if name == "notify-mixed-batch":
            assert _status(harness, pe.NOTIFY_JOB_2) == ("notifying", None)
    elif function == "reconciler":
        assert answer["repositories"] == 2 and answer["listed"] == 1  # the other one is not served here
    elif function == "retention":
        assert answer["complete"] is True and answer["deleted"]["jobs"] == 0
