"""The whole system under `codetracker dev`: load and latency, through HTTP, as users and GitHub drive it.

load: 50 small repositories registered at once (50 concurrent POST /repositories), then 200 signed GitHub
    webhooks in a burst (per repository a push to main with a new commit and three tag pushes, 20 senders at
    once). Reported: the time from the first request to the last notification of each phase, the webhooks'
    answer times (p50, p99; target p99 <= 100 ms: the api only records and enqueues), and the check that every
    job ended `done` with exactly one delivered notification (one webhook-id each).
latency: the fixture repository of the fetch bench (~9,200 files, 12 npm packages): register → its
    notification, against `codetracker scan URL --ref` of the same commit in the same run (the CLI, its
    interpreter start-up included; each side on a fresh database, so both parse every blob: the pipeline's
    overhead over the engine; target <= 1.3x); then a signed push moving the branch to the commit that
    changes 1% of the module files → its notification (target <= 2 s).

`codetracker dev` runs with DATABASE_URL on the bench's Postgres (a fresh database per run), reconciler and
retention off. Its log is kept in bench/.cache/dev/<name>/dev.log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from common import CACHE, PYTHON, ROOT, BenchResult, log, median, table
from fixture_repo import RESCAN_BRANCH

ADMIN = "bench-admin-token"
WEBHOOK_SECRET = "bench-webhook-secret"
ENCRYPTION_KEY = "cd" * 32
LOAD_REPOSITORIES = 50
LOAD_WEBHOOKS = 200
SENDERS = int(os.environ.get("BENCH_DEV_SENDERS", "20"))  # webhooks in flight at once
CONCURRENCY = os.environ.get("BENCH_DEV_CONCURRENCY", "2")  # codetracker dev --concurrency
P99_TARGET_MS = 100.0
LATENCY_RATIO_TARGET = 1.3
PUSH_TARGET_S = 2.0


def _dev(ctx: Any, name: str, *args: str):
    from codetracker.local.launcher import DevProcess

    home = CACHE / "dev" / name
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODE_TRACKER_", "AWS_"))}
    env.update({
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "shared"), env.get("PYTHONPATH", "")) if p),
        "DATABASE_URL": ctx.database().fresh(f"bench_dev_{name}"),
        "CODE_TRACKER_DEV_DIR": str(home / "dev"),
        "CODE_TRACKER_ADMIN_TOKEN": ADMIN,
        "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CODE_TRACKER_ENCRYPTION_KEY": ENCRYPTION_KEY,
    })  # fmt: skip
    args = ("--reconcile-every", "off", "--retention-every", "off", *args)
    log(f"$ codetracker dev --port 0 {' '.join(args)}   (DATABASE_URL: a fresh database; log {home / 'dev.log'})")
    return DevProcess(env=env, args=list(args), log_path=home / "dev.log", python=PYTHON, cwd=ROOT).start()


def _app(dev, receiver) -> dict[str, Any]:
    answer = dev.request("POST", "/apps", json_body={"name": "bench", "callback_url": receiver.url}, token=ADMIN)
    assert answer.status == 201, answer.body
    app = answer.json
    receiver.secret = app["signing_secret"]
    return app


def _push(url: str, ref: str, after: str, before: str) -> bytes:
    return json.dumps({
        "ref": ref, "before": before, "after": after, "created": before == "0" * 40, "deleted": False,
        "forced": False, "commits": [{"id": after}], "head_commit": {"id": after},
        "repository": {"name": url.rsplit("/", 1)[-1].removesuffix(".git"), "clone_url": url,
                       "html_url": url.removesuffix(".git"), "default_branch": "main"},
    }).encode()  # fmt: skip


def _send(dev, body: bytes) -> tuple[float, int, Any]:
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    start = time.perf_counter()
    answer = dev.request("POST", "/webhooks/github", body=body, headers={
        "content-type": "application/json", "x-github-event": "push", "x-github-delivery": str(uuid.uuid4()),
        "x-hub-signature-256": signature})  # fmt: skip
    return (time.perf_counter() - start) * 1000, answer.status, answer.json if answer.body else None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# --- load --------------------------------------------------------------------------------------------------


def run_load(ctx: Any) -> BenchResult:
    from codetracker.local.receiver import Receiver
    from tests.support.git_repos import RepoBuilder
    from tests.support.git_servers import GitHttpBackendServer

    result = BenchResult("load")
    root = CACHE / "dev" / "load-git"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    repos = []
    for n in range(LOAD_REPOSITORIES):
        with RepoBuilder.create(root / f"lib{n:02d}.git") as builder:
            files = {"package.json": json.dumps({"name": f"lib{n}"}).encode(),
                     "src/index.mjs": f"/** @param {{number}} a */\nexport function f{n}(a) {{ return a; }}\n".encode(),
                     "src/util.mjs": b"export const g = (x, y = 2) => x * y;\n"}  # fmt: skip
            first = builder.commit(files, message="one")
            files["src/more.mjs"] = f"export async function h{n}(x) {{ return x; }}\n".encode()
            second = builder.commit(files, branch=None, parents=[first], message="two")
            repos.append({"name": f"lib{n:02d}.git", "first": first, "second": second, "path": builder.path})

    with GitHttpBackendServer(root) as git, Receiver() as receiver:
        dev = _dev(ctx, "load", "--concurrency", CONCURRENCY, "--max-visibility-timeout", "30s")
        try:
            app = _app(dev, receiver)
            token = app["token"]

            def register(repo: dict) -> tuple[float, dict]:
                start = time.perf_counter()
                answer = dev.request("POST", "/repositories",
                                     json_body={"url": git.url(repo["name"]), "branch": "main"},
                                     token=token)  # fmt: skip
                assert answer.status == 201, answer.body
                return (time.perf_counter() - start) * 1000, answer.json

            log(f"registering {LOAD_REPOSITORIES} repositories at once ...")
            began = time.monotonic()
            with ThreadPoolExecutor(LOAD_REPOSITORIES) as pool:
                registered = list(pool.map(register, repos))
            jobs = {body["job_id"] for _, body in registered}
            receiver.wait_for(lambda d: d.job_id in jobs,
                              count=len(jobs), timeout_s=600)  # fmt: skip
            registration_s = max(d.received_at for d in receiver.delivered()) - began
            log(f"  {len(jobs)} notifications, the last {registration_s:.1f} s after the first request")

            # 200 webhooks: per repository a push to main (its second commit) and three tag pushes.
            bodies = []
            for repo in repos:
                url = git.url(repo["name"])
                with RepoBuilder.open(repo["path"]) as builder:
                    builder.branch("main", repo["second"])
                    for t in range(3):
                        builder.tag(f"v1.0.{t}", repo["first"] if t < 2 else repo["second"])
                bodies.append(_push(url, "refs/heads/main", repo["second"], repo["first"]))
                bodies += [_push(url, f"refs/tags/v1.0.{t}", repo["first"] if t < 2 else repo["second"], "0" * 40)
                           for t in range(3)]  # fmt: skip
            assert len(bodies) == LOAD_WEBHOOKS
            log(f"sending {LOAD_WEBHOOKS} signed webhooks, {SENDERS} at a time ...")
            began = time.monotonic()
            with ThreadPoolExecutor(SENDERS) as pool:
                answers = list(pool.map(lambda b: _send(dev, b), bodies))
            burst_s = time.monotonic() - began
            statuses = sorted({status for _, status, _ in answers})
            webhook_jobs = {j for _, _, body in answers for j in (body or {}).get("job_ids", [])}
            receiver.wait_for(lambda d: d.job_id in webhook_jobs,
                              count=len(webhook_jobs), timeout_s=900)  # fmt: skip
            last = max(d.received_at for d in receiver.delivered()
                       if d.job_id in webhook_jobs)  # fmt: skip
            webhooks_s = last - began
            times = [ms for ms, _, _ in answers]

            # Every job done, one delivered notification each, one webhook-id per notification.
            all_jobs = []
            for _, body in registered:
                page = dev.request("GET", f"/repositories/{body['id']}/jobs?limit=100", token=token).json
                all_jobs += page["items"]
            not_done = [j for j in all_jobs if j["status"] != "done"]
            per_job: dict[str, int] = {}
            ids_per_job: dict[str, set] = {}
            for d in receiver.delivered():
                job_id = d.job_id
                per_job[job_id] = per_job.get(job_id, 0) + 1
                ids_per_job.setdefault(job_id, set()).add(d.webhook_id)
            exactly_once = all(per_job.get(j["id"]) == 1 for j in all_jobs) and len(per_job) == len(all_jobs)
            log(table([
                ["registrations", str(LOAD_REPOSITORIES), f"{registration_s:.1f} s to the last notification"],
                ["webhooks", str(LOAD_WEBHOOKS), f"statuses {statuses}, {len(webhook_jobs)} jobs queued, sent in "
                 f"{burst_s:.1f} s, {webhooks_s:.1f} s to the last notification"],
                ["webhook answer", "", f"p50 {_percentile(times, 50):.1f} ms, p99 {_percentile(times, 99):.1f} ms, "
                 f"max {max(times):.1f} ms"],
                ["jobs", str(len(all_jobs)), f"{len(not_done)} not done; deliveries {sum(per_job.values())}, "
                 f"exactly one per job: {exactly_once}"],
            ], ["phase", "count", "figures"]))  # fmt: skip
            result.add("registrations: time to the last notification", registration_s, "s")
            result.add("webhooks: time to the last notification", webhooks_s, "s")
            result.add("webhook answer p50", _percentile(times, 50), "ms")
            result.add("webhook answer p99", _percentile(times, 99), "ms", at_most=P99_TARGET_MS)
            result.add("jobs done with exactly one delivery", float(exactly_once and not not_done), "",
                       at_least=1, note=f"{len(all_jobs)} jobs, {len(not_done)} not done")  # fmt: skip
            result.details.update({"jobs": len(all_jobs), "not_done": [j["id"] for j in not_done][:20],
                                   "webhook_ms": sorted(times), "statuses": statuses})  # fmt: skip
        finally:
            dev.stop()
    return result


# --- latency -------------------------------------------------------------------------------------------------


def _cli_scan(ctx: Any, url: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODE_TRACKER_")}
    env["DATABASE_URL"] = ctx.database().fresh("bench_dev_cli")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "shared"), env.get("PYTHONPATH", "")) if p)
    cmd = [PYTHON, "-m", "codetracker.cli", "scan", url, "--ref", RESCAN_BRANCH, "--slug", "packages", "--json"]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"codetracker scan failed: {done.stderr.strip()[-500:]}")
    return took


def run_latency(ctx: Any) -> BenchResult:
    from codetracker.local.receiver import Receiver

    result = BenchResult("latency")
    fixture = ctx.fixture()
    server = ctx.server()
    url = server.url
    repeat = 1 if ctx.quick else 3
    rows, ratios, pushes, cli_times, pipeline_times = [], [], [], [], []
    log(f"$ {PYTHON} -m codetracker.cli scan {url} --ref {RESCAN_BRANCH} --slug packages --json   (fresh database)")
    for rep in range(repeat):
        fixture.set_branch(RESCAN_BRANCH, fixture.base)
        cli = _cli_scan(ctx, url)
        with Receiver() as receiver:
            dev = _dev(ctx, "latency")
            try:
                app = _app(dev, receiver)
                start = time.monotonic()
                answer = dev.request("POST", "/repositories",
                                     json_body={"url": url, "branch": RESCAN_BRANCH, "slug": "packages"},
                                     token=app["token"])  # fmt: skip
                assert answer.status == 201, answer.body
                job_id = answer.json["job_id"]
                (first,) = receiver.wait_for(lambda d, job_id=job_id: d.job_id == job_id,
                                             timeout_s=600)  # fmt: skip
                pipeline = first.received_at - start
                stages = dev.request("GET", f"/jobs/{job_id}", token=app["token"]).json.get("stages")

                fixture.set_branch(RESCAN_BRANCH, fixture.changed)
                start = time.monotonic()
                took_ms, status, body = _send(dev, _push(url, f"refs/heads/{RESCAN_BRANCH}", fixture.changed,
                                                         fixture.base))  # fmt: skip
                assert status == 202 and body["job_ids"], body
                push_job = body["job_ids"][0]
                (second,) = receiver.wait_for(lambda d, push_job=push_job: d.job_id == push_job,
                                              timeout_s=120)  # fmt: skip
                push = second.received_at - start
                push_stages = dev.request("GET", f"/jobs/{push_job}", token=app["token"]).json.get("stages")
            finally:
                dev.stop()
        cli_times.append(cli)
        pipeline_times.append(pipeline)
        ratios.append(pipeline / cli)
        pushes.append(push)
        rows.append([str(rep + 1), f"{cli:.2f} s", f"{pipeline:.2f} s", f"{pipeline / cli:.3f}x", f"{push:.2f} s"])
        result.details.setdefault("stages", []).append({"register": stages, "push": push_stages})
        log(f"  run {rep + 1}: scan {cli:.2f} s, register → notification {pipeline:.2f} s, push → {push:.2f} s")
        log(f"    stages of the register job: {json.dumps(stages)}")
        log(f"    stages of the push job: {json.dumps(push_stages)}")
    log(table(rows, ["run", "codetracker scan URL", "register → notification", "ratio", "1% push → notification"]))
    result.add("register → notification / codetracker scan", median(ratios), "x", at_most=LATENCY_RATIO_TARGET,
               note=f"{median(pipeline_times):.2f} s vs {median(cli_times):.2f} s; {fixture.files} files")  # fmt: skip
    result.add(
        "1% push → notification",
        median(pushes),
        "s",
        at_most=PUSH_TARGET_S,
        note=f"{len(fixture.changed_files)} module files changed",
    )
    result.details.update({"cli_s": cli_times, "pipeline_s": pipeline_times, "push_s": pushes,
                           "spread": statistics.pstdev(ratios) if len(ratios) > 1 else 0.0})  # fmt: skip
    return result


if __name__ == "__main__":
    sys.exit("run it through bench/run.py load latency")
