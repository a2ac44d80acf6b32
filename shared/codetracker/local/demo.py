"""The newcomer's demo (`python3 tasks.py demo`): the product end to end on this machine, through HTTP.

1. commit examples/sample-package into a git repository and serve it over HTTP on 127.0.0.1 (dulwich's
   smart HTTP server);
2. start `codetracker dev` (embedded Postgres, moto, the functions; temporary directories);
3. create an app whose callback URL is a local receiver that checks each notification's Standard Webhooks
   signature; register the repository; wait for the scan, the stored snapshot and the signed notification;
4. push a change and deliver a signed GitHub `push` webhook for it; wait for its notification;
5. print the snapshot, its functions, what changed and the repository's activity timeline; stop everything.

No network beyond 127.0.0.1, no Docker, no AWS account. Needs git.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from codetracker.local.launcher import DevProcess
from codetracker.local.receiver import Receiver

if TYPE_CHECKING:
    from dulwich.server import Backend

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "examples" / "sample-package"
HOST = "127.0.0.1"

# The change pushed in step 4: a new exported function, and a new parameter to an existing one.
CHANGE = """
/**
 * Waits, then calls `fn` once: the last call within `wait` milliseconds wins.
 * @param {Function} fn the function to call
 * @param {number} [wait=100] milliseconds
 * @returns {Function} the debounced function
 */
export function debounce(fn, wait = 100) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), wait); };
}
"""


def _folder_backend(root: Path) -> Backend:
    """dulwich's server backend for the bare repositories directly under one folder."""
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo
    from dulwich.server import Backend

    resolved = root.resolve()

    class FolderBackend(Backend):
        def open_repository(self, path: str) -> Repo:
            name = os.fsdecode(path).strip("/")
            candidate = (resolved / name).resolve()
            if not name or candidate.parent != resolved or not candidate.is_dir():
                raise NotGitRepository(f"no repository {name!r}")
            return Repo(str(candidate))

    return FolderBackend()


class GitHttpServer:
    """Smart HTTP (dulwich.web) for the bare repositories under `root`, on 127.0.0.1."""

    def __init__(self, root: Path) -> None:
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
        from socketserver import ThreadingMixIn

        from dulwich.web import make_wsgi_chain

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        class Threaded(ThreadingMixIn, WSGIServer):
            daemon_threads = True

        self._server = make_server(HOST, 0, make_wsgi_chain(_folder_backend(root)), server_class=Threaded,
                                   handler_class=Quiet)  # fmt: skip
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def url(self, name: str) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}/{name}"

    def __enter__(self) -> GitHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(["git", "-c", "user.name=Demo", "-c", "user.email=demo@example.invalid", *args],
                          cwd=cwd, env=env, capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _table(rows: list[list[Any]], headings: list[str]) -> None:
    cells = [headings] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [min(90, max(len(row[i]) for row in cells)) for i in range(len(headings))]
    for index, row in enumerate(cells):
        print("  " + "  ".join(value[: widths[i]].ljust(widths[i]) for i, value in enumerate(row)).rstrip())
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _check(answer: Any, status: int, what: str) -> Any:
    if answer.status != status:
        raise SystemExit(f"{what}: HTTP {answer.status}: {answer.body[:500].decode(errors='replace')}")
    return answer.json if answer.body else None


def _signature(params: list[dict[str, Any]]) -> str:
    return ", ".join(p["name"] + ("?" if p.get("is_optional") else "") + (f": {p['type']}" if p.get("type") else "")
                     for p in params)  # fmt: skip


def run(keep: bool = False) -> int:
    if shutil.which("git") is None:
        raise SystemExit("git is required for the demo")
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="codetracker-demo-"))
    try:
        return _run(tmp, started)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(tmp: Path, started: float) -> int:
    _step("a git repository with the sample package, served over HTTP on 127.0.0.1")
    work = tmp / "work" / "sample-package"
    shutil.copytree(SAMPLE, work)
    served = tmp / "served"
    served.mkdir()
    _git("init", "--quiet", "--initial-branch=main", cwd=work)
    _git("add", "-A", cwd=work)
    _git("commit", "--quiet", "-m", "sample package 1.0.0", cwd=work)
    bare = served / "sample-package.git"
    _git("clone", "--quiet", "--bare", str(work), str(bare), cwd=tmp)
    _git("remote", "add", "origin", str(bare), cwd=work)

    with GitHttpServer(served) as git_server, Receiver() as receiver:
        repo_url = git_server.url("sample-package.git")
        print(f"  {repo_url}  (main at {_git('rev-parse', '--short', 'HEAD', cwd=work)})")

        _step("codetracker dev: the whole system on this machine")
        admin_token = "demo-" + secrets.token_urlsafe(24)
        env = {
            **os.environ,
            "CODE_TRACKER_DEV_DIR": str(tmp / "dev"),
            "CODE_TRACKER_PG_DATA": str(tmp / "pgdata"),
            "CODE_TRACKER_ADMIN_TOKEN": admin_token,
        }
        for name in ("DATABASE_URL", "CODE_TRACKER_PG_HOST", "CODE_TRACKER_ENCRYPTION_KEY"):
            env.pop(name, None)
        dev = DevProcess(env=env, args=["--reconcile-every", "off"], log_path=tmp / "dev.log", cwd=ROOT)
        try:
            dev.start()
        except RuntimeError as err:
            print(dev.log_tail(40))
            raise SystemExit(f"codetracker dev did not start: {err}") from None
        try:
            return _drive(dev, receiver, work, repo_url, admin_token, started)
        except BaseException:
            print("\n-- codetracker dev's log (last lines) --")
            print(dev.log_tail(40))
            raise
        finally:
            dev.stop()
            print("\ncodetracker dev stopped (Postgres, moto and every function with it).")


def _drive(dev: DevProcess, receiver: Receiver, work: Path, repo_url: str, admin_token: str,
           started: float) -> int:  # fmt: skip
    print(f"  API {dev.api_url} (Swagger UI at {dev.api_url}/docs); its log: {dev.log_path}")

    _step("POST /apps (admin token) with a callback receiver on 127.0.0.1")
    app = _check(dev.request("POST", "/apps", json_body={"name": "demo", "callback_url": receiver.url},
                             token=admin_token), 201, "POST /apps")  # fmt: skip
    receiver.secret = app["signing_secret"]
    print(f"  app {app['id']}: token {app['token'][:10]}…, signing secret {app['signing_secret'][:10]}…")

    _step("POST /repositories: register the repository; its main branch is scanned")
    repo = _check(dev.request("POST", "/repositories", json_body={"url": repo_url, "branch": "main"},
                              token=app["token"]), 201, "POST /repositories")  # fmt: skip
    print(f"  repository {repo['id']}, job {repo['job_id']} queued; its own GitHub webhook {repo['webhook']['url']}")
    first = _notification(receiver, repo["job_id"])

    _step("push a change (a new function, debounce); GitHub's push webhook, signed with the registration's secret")
    before = _git("rev-parse", "HEAD", cwd=work)
    index = work / "src" / "index.mjs"
    index.write_text(index.read_text(encoding="utf-8") + CHANGE, encoding="utf-8")
    _git("commit", "--quiet", "-am", "Add debounce", cwd=work)
    after = _git("rev-parse", "HEAD", cwd=work)
    _git("push", "--quiet", "origin", "main", cwd=work)
    body = json.dumps({
        "ref": "refs/heads/main", "before": before, "after": after, "created": False, "deleted": False,
        "forced": False, "commits": [{"id": after, "message": "Add debounce", "modified": ["src/index.mjs"]}],
        "head_commit": {"id": after, "message": "Add debounce"},
        "repository": {"name": "sample-package", "full_name": "demo/sample-package", "clone_url": repo_url,
                       "html_url": repo_url.removesuffix(".git"), "default_branch": "main"},
        "pusher": {"name": "demo"},
    }).encode()  # fmt: skip
    hook_secret, hook_path = repo["webhook"]["secret"], urlsplit(repo["webhook"]["url"]).path
    signature = "sha256=" + hmac.new(hook_secret.encode(), body, hashlib.sha256).hexdigest()
    answer = dev.request("POST", hook_path, body=body, headers={
        "content-type": "application/json", "x-github-event": "push", "x-github-delivery": str(uuid.uuid4()),
        "x-hub-signature-256": signature, "user-agent": "GitHub-Hookshot/demo"})  # fmt: skip
    hook = _check(answer, 202, f"POST {hook_path}")
    print(f"  {after[:12]} pushed; webhook answered {answer.status} {hook['outcome']}, job {hook['job_ids'][0]}")
    second = _notification(receiver, hook["job_ids"][0])

    _step("the snapshot (GET /snapshots/{id})")
    snapshot_id = second["data"]["snapshot"]["id"]
    snapshot = _check(dev.request("GET", f"/snapshots/{snapshot_id}?limit=100", token=app["token"]), 200,
                      "GET /snapshots")  # fmt: skip
    summary = {k: v for k, v in snapshot.items() if k not in ("functions", "next")}
    _table([[k, v] for k, v in summary.items() if not isinstance(v, (dict, list))], ["field", "value"])
    print()
    _table([[f["file_path"], f["name"], f["export_type"], "async" if f["is_async"] else "",
             f"({_signature(f['parameters'])})", " | ".join(r["type"] for r in f["return_values"] if r.get("type"))]
            for f in snapshot["functions"]], ["file", "function", "export", "", "parameters", "returns"])  # fmt: skip

    _step("what changed (from the signed notification of the push)")
    changes = second["data"].get("changes") or {}
    print(
        f"  previous commit {str(changes.get('previous_commit'))[:12]}: {changes.get('added_count', 0)} added, "
        f"{changes.get('removed_count', 0)} removed, {changes.get('changed_count', 0)} changed"
    )
    for kind in ("added", "removed", "changed"):
        for item in changes.get(kind) or []:
            print(f"    {kind:<8} {item.get('file_path')}  {item.get('name')}")

    _step("activity timeline (GET /repositories/{id}/activity)")
    activity = _check(dev.request("GET", f"/repositories/{repo['id']}/activity", token=app["token"]), 200,
                      "GET /activity")["items"]  # fmt: skip
    _table([[a.get("created_at"), a.get("action_type"), a.get("status"), a.get("details")] for a in reversed(activity)],
           ["at", "action", "status", "details"])  # fmt: skip

    deliveries = receiver.delivered()
    print(f"\n{len(deliveries)} notifications received, every signature valid: "
          f"{all(d.verified for d in deliveries)}; first {first['type']}, then {second['type']}. "
          f"Took {time.monotonic() - started:.1f} s.")  # fmt: skip
    return 0


def _notification(receiver: Receiver, job_id: str, timeout_s: float = 90.0) -> dict[str, Any]:
    started = time.monotonic()
    (delivery,) = receiver.wait_for(lambda d: d.job_id == job_id,
                                    timeout_s=timeout_s)  # fmt: skip
    payload = delivery.payload
    if not delivery.verified:
        raise SystemExit("a notification's signature did not verify")
    print(f"  notification {payload['type']} (webhook-id {delivery.webhook_id}, signature valid) "
          f"after {time.monotonic() - started:.1f} s")  # fmt: skip
    return payload


if __name__ == "__main__":
    sys.exit(run(keep="--keep" in sys.argv))
