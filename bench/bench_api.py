"""The api function: cold start against a bare Powertools resolver with validation, and warm latency.

    .venv/bin/python bench/bench_api.py [--runs N] [--requests N] [--database-url URL]

- cold start: a fresh interpreter per run (as a new Lambda container): import the handler module, then the
  first request; the reference is a bare `APIGatewayHttpResolver(enable_validation=True)` with one pydantic
  route, imported and answering its first request in a fresh interpreter in the same run. Ours answers
  `GET /health` (first database connection included) and, in other runs, `POST /repositories` (connection,
  encryption key, URL policy, one transaction, one message), untraced and traced (Tracer + X-Ray SDK, as in
  Lambda with active tracing).
- warm: in one process, `POST /repositories` (a new URL each time) and `GET /snapshots/{id}` of a
  5,000-function snapshot (default page of 500 functions, and a 2,000-function page): p50 / p99.
Real Postgres (an embedded pgserver in a temporary directory unless --database-url); the scan queue is the
in-memory adapter and the resolver a static one (no AWS, no network: the figures are the api's own).
Writes bench/results/api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
APP_TOKEN = "ctk_bench-app-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

BARE = r"""
import time, json
t0 = time.perf_counter()
from pydantic import BaseModel, ConfigDict
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
app = APIGatewayHttpResolver(enable_validation=True)
class In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
class Out(BaseModel):
    id: str
@app.post("/repositories")
def register(body: In) -> Out:
    return Out(id=body.url)
t1 = time.perf_counter()
event = json.loads(EVENT)
answer = app.resolve(event, None)
t2 = time.perf_counter()
assert answer["statusCode"] == 200, answer
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "first_ms": (t2 - t1) * 1e3}))
"""

OURS = r"""
import time, json, os
t0 = time.perf_counter()
import functions.api.app as handler
t1 = time.perf_counter()
from codetracker.adapters.dns import StaticResolver
from codetracker.adapters.memory_queue import MemoryScanQueue
from codetracker.settings import Settings
from codetracker.wiring import Services
services = Services(Settings.from_env(), scan_queue=MemoryScanQueue(),
                    resolver=StaticResolver({"github.com": ["140.82.112.3"]}))
class Ctx:
    function_name = "ApiFunction"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ApiFunction"
event = json.loads(EVENT)
t2 = time.perf_counter()
answer = handler.lambda_handler(event, Ctx(), services=services)
t3 = time.perf_counter()
assert answer["statusCode"] in (200, 201), answer
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "first_ms": (t3 - t2) * 1e3}))
"""


def http_event(method: str, path: str, body: str | None = None, token: str | None = None, query=None) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.support.api_events import http_event as build

    headers = {"authorization": f"Bearer {token}"} if token else {}
    return build(method, path, body=body, headers=headers, query=query)


def env_for(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}",
        "DATABASE_URL": database_url,
        "CODE_TRACKER_ADMIN_TOKEN": "bench-admin",
        "CODE_TRACKER_ENCRYPTION_KEY": KEY,
        "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def fresh(code: str, event: dict, env: dict[str, str], traced: bool = False) -> dict:
    if traced:  # as in Lambda with active tracing: Powertools' Tracer and the X-Ray SDK
        env = {**env, "AWS_LAMBDA_FUNCTION_NAME": "ApiFunction", "POWERTOOLS_TRACE_DISABLED": "false"}
    program = f"EVENT = {json.dumps(json.dumps(event))}\n" + code
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def seed(database_url: str) -> int:
    """An app with a known token, one registration, and a 5,000-function snapshot in its scope."""
    sys.path.insert(0, str(ROOT / "shared"))
    import uuid
    from datetime import UTC, datetime

    from codetracker.adapters.cipher import AesGcmTokenCipher
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
    from codetracker.domain.model import (
        Descriptor,
        ExportedFunction,
        Parameter,
        ReturnValue,
        SnapshotKey,
        SnapshotSource,
    )
    from codetracker.domain.registry import App, Registration, RepositoryStatus, registration_scope
    from codetracker.ports.snapshot_store import SnapshotToStore
    from codetracker.usecases.registry import signing_secret_context, token_sha256

    class Key:
        def get(self, name):
            return KEY

    now = datetime.now(UTC)
    app_id, repository_id = str(uuid.uuid4()), str(uuid.uuid4())
    functions = tuple(
        ExportedFunction(
            f"fn{i}",
            f"src/module{i // 50:03d}.js",
            "named",
            i % 3 == 0,
            f"Does thing {i}.",
            f"/** Does thing {i}.\n * @param {{string}} a first\n * @returns {{number}} n */",
            i % 50,
            (
                Parameter("a", 0, "string", False, False, None, None, "first"),
                Parameter("rest", 1, "any[]", False, True, None, None, None),
            ),
            (ReturnValue("number", "n"),),
        )
        for i in range(5000)
    )
    with PostgresDatabase(database_url) as database:
        factory = PostgresUnitOfWorkFactory(database)
        with factory() as uow:
            uow.apps.add(
                App(
                    app_id,
                    "bench",
                    token_sha256(APP_TOKEN),
                    AesGcmTokenCipher(Key()).encrypt("whsec_x", context=signing_secret_context(app_id)),
                    None,
                    now,
                )
            )
            uow.registrations.add(
                Registration(
                    repository_id,
                    app_id,
                    "https://github.com/bench/big",
                    "https://github.com/bench/big",
                    "big",
                    "main",
                    "main",
                    None,
                    None,
                    RepositoryStatus.SYNCED,
                    None,
                    None,
                    None,
                    now,
                    now,
                )
            )
            summary = uow.snapshots.store_snapshot(
                SnapshotToStore(
                    SnapshotKey("big", "main", "HEAD", registration_scope(repository_id)),
                    Descriptor("big", functions),
                    SnapshotSource("big"),
                ),
            )
            uow.commit()
    return summary.snapshot_id


WARM = r"""
import json, time, statistics
import functions.api.app as handler
from codetracker.adapters.dns import StaticResolver
from codetracker.adapters.memory_queue import MemoryScanQueue
from codetracker.settings import Settings
from codetracker.wiring import Services
from tests.support.api_events import http_event
services = Services(Settings.from_env(), scan_queue=MemoryScanQueue(),
                    resolver=StaticResolver({"github.com": ["140.82.112.3"]}))
class Ctx:
    function_name = "ApiFunction"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ApiFunction"
auth = {"authorization": "Bearer " + TOKEN}
def timed(make, n):
    out = []
    for i in range(n):
        event = make(i)
        t0 = time.perf_counter()
        answer = handler.lambda_handler(event, Ctx(), services=services)
        out.append((time.perf_counter() - t0) * 1e3)
        assert answer["statusCode"] in (200, 201), answer["body"][:300]
    return out
timed(lambda i: http_event("GET", "/health"), 3)
post = timed(lambda i: http_event("POST", "/repositories", headers=auth,
                                  body=json.dumps({"url": f"https://github.com/bench/r{i}"})), N)
page = timed(lambda i: http_event("GET", f"/snapshots/{SNAPSHOT}", headers=auth), max(N // 3, 20))
big = timed(lambda i: http_event("GET", f"/snapshots/{SNAPSHOT}", headers=auth, query={"limit": "2000"}),
            max(N // 6, 10))
size = len(handler.lambda_handler(http_event("GET", f"/snapshots/{SNAPSHOT}", headers=auth, query={"limit": "2000"}),
                                  Ctx(), services=services)["body"])
def q(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
print(json.dumps({name: {"p50_ms": q(v, 50), "p99_ms": q(v, 99), "n": len(v)} for name, v in
                  (("post_repositories", post), ("get_snapshot_500", page), ("get_snapshot_2000", big))}
                 | {"page_2000_bytes": size}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="fresh interpreters per cold-start side")
    ap.add_argument("--requests", type=int, default=300, help="warm POST /repositories requests")
    ap.add_argument("--database-url")
    args = ap.parse_args()
    server = None
    database_url = args.database_url
    if database_url is None:
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(prefix="codetracker-bench-api-"), cleanup_mode="delete")
        database_url = server.get_uri()
    try:
        env = env_for(database_url)
        snapshot_id = seed(database_url)
        post = http_event("POST", "/repositories", json.dumps({"url": "https://github.com/bench/cold"}), APP_TOKEN)
        sides = {
            "bare_resolver": (BARE, http_event("POST", "/repositories", json.dumps({"url": "x"}))),
            "api_health": (OURS, http_event("GET", "/health")),
            "api_post_repositories": (OURS, post),
            "api_post_traced": (OURS, post),
        }
        cold: dict[str, dict[str, float]] = {}
        for name, (code, event) in sides.items():
            runs = []
            for i in range(args.runs):
                if name.startswith("api_post"):
                    event = http_event(
                        "POST", "/repositories", json.dumps({"url": f"https://github.com/bench/{name}{i}"}), APP_TOKEN
                    )
                runs.append(fresh(code, event, env, traced=name == "api_post_traced"))
            cold[name] = {
                "import_ms": statistics.median(r["import_ms"] for r in runs),
                "first_request_ms": statistics.median(r["first_ms"] for r in runs),
                "total_ms": statistics.median(r["import_ms"] + r["first_ms"] for r in runs),
            }
        program = f"TOKEN = {APP_TOKEN!r}\nSNAPSHOT = {snapshot_id}\nN = {args.requests}\n" + WARM
        out = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT, check=True
        )
        warm = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if server is not None:
            server.cleanup()
    bare = cold["bare_resolver"]["total_ms"]
    print(f"cold start (median of {args.runs} fresh interpreters; import + first request):")
    for name, figures in cold.items():
        ratio = figures["total_ms"] / bare
        print(
            f"  {name:24s} import {figures['import_ms']:7.1f} ms  first request {figures['first_request_ms']:7.1f} ms"
            f"  total {figures['total_ms']:7.1f} ms  ({ratio:.2f}x the bare resolver)"
        )
    print("warm (one process, real Postgres):")
    for name in ("post_repositories", "get_snapshot_500", "get_snapshot_2000"):
        f = warm[name]
        print(f"  {name:24s} p50 {f['p50_ms']:7.2f} ms  p99 {f['p99_ms']:7.2f} ms  (n={f['n']})")
    print(f"  a 2,000-function page is {warm['page_2000_bytes'] / 1e6:.2f} MB of JSON")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(
        json.dumps({"cold": cold, "warm": warm, "python": sys.version.split()[0]}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
