"""End-to-end: `codetracker dev` started by the tests as a child process, spoken to over HTTP only, with
repositories served by `git http-backend` on 127.0.0.1 and a callback receiver that verifies signatures with
the `standardwebhooks` package.

One `codetracker dev` is shared by the tests that tolerate company (each uses its own app and repository);
the tests that stop the database or kill the runtime start their own. Delays are shortened through settings
and flags of `codetracker dev` only (visibility cap, backoff base), never by changing production defaults.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codetracker.local.launcher import Answer, DevProcess
from codetracker.local.receiver import Receiver
from tests.support.git_repos import RepoBuilder
from tests.support.git_servers import GitHttpBackendServer

ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef"
WEBHOOK_SECRET = "e2e-github-webhook-secret"
ENCRYPTION_KEY = "ab" * 32
REPO_ROOT = Path(__file__).resolve().parents[2]

# Short delays, through settings: backoff base of notification retries, attempts (which the notify queue's
# maxReceiveCount mirrors), and a cap on visibility timeouts so redelivery takes seconds, not 90 minutes.
FAST_ENV = {
    "CODE_TRACKER_NOTIFY_BACKOFF_BASE_S": "0.5",
    "CODE_TRACKER_NOTIFY_MAX_ATTEMPTS": "4",
}
FAST_ARGS = ["--max-visibility-timeout", "2s", "--reconcile-every", "off", "--retention-every", "off",
             "--shutdown-grace", "5s"]  # fmt: skip


# The tests that use the shared `dev` run in one pytest-xdist worker (python3 tasks.py test runs the suite in
# several), so that one session starts one `codetracker dev`, not one per worker.
uses_shared_dev = pytest.mark.xdist_group("e2e-shared-dev")


def dev_env(base: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODE_TRACKER_", "DATABASE_URL", "AWS_"))}
    shared = str(REPO_ROOT / "shared")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (shared, env.get("PYTHONPATH", "")) if p)
    env.update({
        "CODE_TRACKER_DEV_DIR": str(base / "dev"),
        "CODE_TRACKER_PG_DATA": str(base / "pgdata"),
        "CODE_TRACKER_ADMIN_TOKEN": ADMIN_TOKEN,
        "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CODE_TRACKER_ENCRYPTION_KEY": ENCRYPTION_KEY,
        **FAST_ENV,
        **extra,
    })  # fmt: skip
    return env


def start_dev(base: Path, *args: str, **extra: str) -> DevProcess:
    base.mkdir(parents=True, exist_ok=True)
    return DevProcess(env=dev_env(base, **extra), args=[*FAST_ARGS, *args], log_path=base / "dev.log",
                      python=sys.executable, cwd=REPO_ROOT).start()  # fmt: skip


@pytest.fixture(scope="session")
def git_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-git")


@pytest.fixture(scope="session")
def git_server(git_root: Path) -> Iterator[GitHttpBackendServer]:
    with GitHttpBackendServer(git_root) as server:
        yield server


@pytest.fixture(scope="session")
def dev(tmp_path_factory) -> Iterator[DevProcess]:
    process = start_dev(tmp_path_factory.mktemp("e2e-dev"), "--concurrency", "2")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as started:
        yield started


# --- what the tests do over HTTP ------------------------------------------------------------------------------


@dataclass
class App:
    id: str
    token: str
    signing_secret: str


def create_app(dev: DevProcess, name: str, callback_url: str | None = None) -> App:
    answer = dev.request("POST", "/apps", json_body={"name": name, "callback_url": callback_url}, token=ADMIN_TOKEN)
    assert answer.status == 201, answer.body
    body = answer.json
    return App(body["id"], body["token"], body["signing_secret"])


class Repo:
    """A bare repository served over HTTP that the tests commit to (a push, as GitHub sees one)."""

    def __init__(self, root: Path, server: GitHttpBackendServer, name: str) -> None:
        self.name = f"{name}.git"
        self.builder = RepoBuilder.create(root / self.name)
        self.url = server.url(self.name)
        self.commits: dict[str, str] = {}

    def commit(self, files: dict[str, str], *, branch: str = "main", message: str = "commit") -> str:
        sha = self.builder.commit({k: v.encode() for k, v in files.items()}, branch=branch, message=message)
        self.commits[branch] = sha
        return sha


@pytest.fixture
def make_repo(git_root: Path, git_server: GitHttpBackendServer) -> Iterator[Callable[[str], Repo]]:
    made: list[Repo] = []

    def make(prefix: str) -> Repo:
        made.append(Repo(git_root, git_server, f"{prefix}-{uuid.uuid4().hex[:8]}"))
        return made[-1]

    yield make
    for repo in made:
        repo.builder.close()


def library(version: int, *extra: str) -> dict[str, str]:
    """A small package: `greet` and `add` in src/index.mjs, more functions as named."""
    lines = [
        "/**\n * Greets someone.\n * @param {string} name who\n * @returns {string} the greeting\n */",
        f"export function greet(name) {{ return 'hello v{version} ' + name; }}",
        "/** @param {number} a\n * @param {number} b */",
        "export const add = (a, b) => a + b;",
    ]
    for name in extra:
        lines.append(f"export function {name}(value) {{ return value; }}")
    return {
        "package.json": json.dumps({"name": "lib", "version": f"1.0.{version}"}),
        "src/index.mjs": "\n".join(lines) + "\n",
    }


def register(dev: DevProcess, app: App, repo: Repo, **body: Any) -> dict[str, Any]:
    answer = dev.request("POST", "/repositories", json_body={"url": repo.url, "branch": "main", **body},
                         token=app.token)  # fmt: skip
    assert answer.status == 201, answer.body
    return answer.json


def push_body(repo: Repo, ref: str, after: str, before: str = "0" * 40) -> bytes:
    payload = {
        "ref": ref,
        "before": before,
        "after": after,
        "created": before == "0" * 40,
        "deleted": False,
        "forced": False,
        "commits": [{"id": after, "message": "change", "added": [], "removed": [], "modified": ["src/index.mjs"]}],
        "head_commit": {"id": after},
        "repository": {"name": repo.name.removesuffix(".git"), "full_name": f"local/{repo.name}",
                       "clone_url": repo.url, "html_url": repo.url.removesuffix(".git"), "default_branch": "main"},
        "pusher": {"name": "e2e"},
    }  # fmt: skip
    return json.dumps(payload).encode()


def send_webhook(dev: DevProcess, body: bytes, *, event: str = "push", delivery: str | None = None,
                 secret: str = WEBHOOK_SECRET) -> Answer:  # fmt: skip
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": delivery or str(uuid.uuid4()),
        "x-hub-signature-256": signature,
        "user-agent": "GitHub-Hookshot/e2e",
    }
    return dev.request("POST", "/webhooks/github", body=body, headers=headers)


def wait_until(check: Callable[[], Any], *, timeout_s: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout_s:g} s")
        time.sleep(0.1)


def job(dev: DevProcess, app: App, job_id: str) -> dict[str, Any]:
    answer = dev.request("GET", f"/jobs/{job_id}", token=app.token)
    assert answer.status == 200, answer.body
    return answer.json


def wait_job(dev: DevProcess, app: App, job_id: str, status: str = "done", timeout_s: float = 60.0) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        found = job(dev, app, job_id)
        return found if found["status"] == status else None

    return wait_until(finished, timeout_s=timeout_s, what=f"job {job_id} {status}")


def queue_depth(dev: DevProcess, logical_id: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue of the running system."""
    from codetracker.local.queues import client

    sqs = client("sqs", dev.record["endpoint_url"])
    attributes = sqs.get_queue_attributes(
        QueueUrl=dev.record["queues"][logical_id]["url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def processes_of(base: Path) -> list[tuple[int, str]]:
    """Every live process that belongs to the `codetracker dev` of `base`: its instances (their environment
    names its dev directory), its moto (its command line names it) and its Postgres (its data directory)."""
    marks = (str(base / "dev").encode(), str(base / "pgdata").encode())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if any(mark in cmdline or mark in environ for mark in marks):
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]))
    return found


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def dead_letter_jobs(dev: DevProcess, logical_id: str) -> str:
    """The bodies of a DLQ's messages, peeked (received with a zero visibility timeout, so they stay)."""
    from codetracker.local.queues import client

    sqs = client("sqs", dev.record["endpoint_url"])
    got = sqs.receive_message(QueueUrl=dev.record["queues"][logical_id]["url"], MaxNumberOfMessages=10,
                              VisibilityTimeout=0, WaitTimeSeconds=0)  # fmt: skip
    return "\n".join(m["Body"] for m in got.get("Messages", []))
