"""`codetracker dev`: the whole system on one machine, from `template.yaml`, with the Lambda handlers.

Start order (each step only after the one before it is up; a failure stops what was started, in reverse):
1. the dev directory and its lock (one `codetracker dev` per dev directory);
2. the plan: template + parameter overrides + mirrored settings (codetracker.local.plan);
3. the database: `DATABASE_URL` / `CODE_TRACKER_PG_*`, else the embedded Postgres, reused when it runs
   (also when a killed `codetracker dev` left it running: pgserver's stale pids are pruned), migrated;
4. SQS and S3 (moto, its own process, adopted when a killed run left it; codetracker.local.queues), the
   queues and bucket created from the template; messages a killed run had in flight are released;
5. the HTTP socket on 127.0.0.1:`--port`;
6. the function instances (codetracker.local.instance), all at once: per SQS event source up to
   `--concurrency` pollers (never above the mapping's MaximumConcurrency), one per schedule, `--concurrency`
   for the HTTP API; each reports ready after its handler is imported;
7. `runtime.json` in the dev directory says where everything listens; the banner is printed.

Stop (Ctrl-C or SIGTERM; a second one skips the grace period): the HTTP instances, then the pollers and
schedules (each finishes the invocation under way, for up to `--shutdown-grace` seconds, then is killed),
moto, the embedded Postgres when this run started it (or adopted it from a killed run), the socket, the record,
the lock. An instance that dies while running (a crash, a timeout) is replaced, and what its process group
left behind (parser worker processes) is killed with it. An invocation still running at its deadline (the
function's Timeout; each instance reports its invocations on a pipe) is killed with its process group, as
Lambda ends a timed-out invocation, whatever the handler is doing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from codetracker.local import queues as local_queues
from codetracker.local import record as rec
from codetracker.local.instance import function_to
from codetracker.local.plan import (
    LOCAL_REGION,
    Bindings,
    Plan,
    PlanError,
    build_plan,
    function_environment,
)

HOST = "127.0.0.1"
DEFAULT_PORT = 3000
# Queue consumers and schedules run at a lower CPU priority than the HTTP instances (see instance.py).
BACKGROUND_NICENESS = 10
# How long after an invocation's deadline the runtime kills its instance: the instance's own timer ends it at
# the deadline when the handler lets it run; this is for a handler that does not (C code holding the GIL).
DEADLINE_GRACE_S = 0.25
# What the runtime sets in every instance's environment, never taken from the caller's.
_OWN_PREFIXES = ("AWS_",)
_OWN_VARIABLES = {"DATABASE_URL", "CODE_TRACKER_ALLOW_PRIVATE_URLS", "CODE_TRACKER_API_URL",
                  "CODE_TRACKER_PAYLOAD_BUCKET"}  # fmt: skip
SECRET_SETTINGS = ("CODE_TRACKER_ADMIN_TOKEN", "CODE_TRACKER_GITHUB_WEBHOOK_SECRET", "CODE_TRACKER_ENCRYPTION_KEY")
# The secrets kept in the dev directory: what the database encrypted, and what GitHub signs with.
_STORED = {
    "CODE_TRACKER_ENCRYPTION_KEY": "encryption_key",
    "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": "github_webhook_secret",
}


class DevError(Exception):
    """`codetracker dev` cannot start as asked (one line for the terminal)."""


@dataclass(frozen=True)
class DevOptions:
    template: Path
    port: int = DEFAULT_PORT
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    schedule_every: Mapping[str, float | None] = field(default_factory=dict)
    concurrency: int = 1
    max_visibility_timeout_s: int | None = None
    moto_port: int = 0
    startup_timeout_s: float = 60.0
    shutdown_grace_s: float = 10.0
    orphan_grace_s: float = local_queues.DEFAULT_GRACE_S


@dataclass
class Instance:
    name: str  # "ScannerFunction#1"
    function: str
    spec: dict[str, Any]
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen | None = None
    ready_fd: int | None = None
    invocation_fd: int | None = None  # read end: "begin <monotonic deadline>" / "end" lines from the instance
    deadline: float | None = None  # of the invocation under way
    started: float = 0.0
    restarts: list[float] = field(default_factory=list)


def template_path(given: str | None) -> Path:
    if given:
        path = Path(given).expanduser().resolve()
    else:
        here = Path.cwd() / "template.yaml"
        path = here if here.is_file() else Path(__file__).resolve().parents[3] / "template.yaml"
    if not path.is_file():
        raise DevError(f"no template at {path} (--template PATH)")
    return path


class DevRuntime:
    def __init__(self, options: DevOptions, env: Mapping[str, str] | None = None, out: TextIO | None = None) -> None:
        self.options = options
        self.env = dict(os.environ if env is None else env)
        self.out = out or sys.stdout
        self.dev_dir = rec.dev_dir(self.env)
        self.stopping = threading.Event()
        self.hurry = threading.Event()
        self.instances: list[Instance] = []
        self.plan: Plan | None = None
        self._lock_file: Any = None
        self._socket: socket.socket | None = None
        self._moto: local_queues.MotoHandle | None = None
        self._postgres_dir: Path | None = None  # the embedded Postgres this run stops
        self._record: dict[str, Any] = {}

    # --- output -------------------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # --- start ----------------------------------------------------------------------------------------------

    def _take_lock(self) -> dict[str, Any] | None:
        self.dev_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock_file = open(self.dev_dir / rec.LOCK, "a+")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            running = rec.read_json(self.dev_dir / rec.RECORD) or {}
            self._lock_file.close()
            self._lock_file = None
            raise DevError(
                f"codetracker dev already runs with the dev directory {self.dev_dir} (pid {running.get('pid', '?')}, "
                f"API {running.get('api_url', '?')}); set CODE_TRACKER_DEV_DIR for a second one"
            ) from None
        previous = rec.read_json(self.dev_dir / rec.RECORD)
        return previous if isinstance(previous, dict) else None

    def _secrets(self) -> tuple[dict[str, str], bool]:
        values = {name: self.env[name] for name in SECRET_SETTINGS if self.env.get(name)}
        missing = tuple(kind for name, kind in _STORED.items() if name not in values)
        stored = rec.stored_secrets(self.dev_dir, missing) if missing else {}
        for name, kind in _STORED.items():
            values.setdefault(name, stored.get(kind, ""))
        generated_admin = "CODE_TRACKER_ADMIN_TOKEN" not in values
        if generated_admin:
            values["CODE_TRACKER_ADMIN_TOKEN"] = rec.generated_secret("admin_token")
        return values, generated_admin

    def _database(self, previous: dict[str, Any] | None) -> tuple[str, str]:
        from codetracker.adapters.postgres.connection import redacted
        from codetracker.adapters.postgres.database import PostgresDatabase
        from codetracker.local.embedded_postgres import embedded_conninfo, start_embedded_postgres
        from codetracker.settings import DatabaseLocation

        database = DatabaseLocation.from_env(self.env, embedded_conninfo=embedded_conninfo)
        if database.embedded_data_dir is not None:  # the embedded Postgres
            server = start_embedded_postgres(database.embedded_data_dir)
            conninfo = server.conninfo
            adopted = bool(
                previous and previous.get("owns_postgres") and previous.get("postgres_dir") == str(server.data_dir)
            )
            if not server.reused or adopted:
                self._postgres_dir = server.data_dir
            where = f"embedded Postgres in {server.data_dir}" + (" (already running, reused)" if server.reused else "")
        else:
            conninfo = database.conninfo_source()()
            where = f"{redacted(conninfo)} ({database.origin})"
        with PostgresDatabase(conninfo) as db:
            version, _ = db.schema_version()  # applies the migrations once, before any function connects
        return conninfo, f"{where}, schema version {version}"

    def _bind(self) -> socket.socket:
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listening.bind((HOST, self.options.port))
        except OSError as err:
            listening.close()
            raise DevError(f"cannot listen on {HOST}:{self.options.port}: {err.strerror} (--port)") from None
        listening.listen(512)
        listening.set_inheritable(True)
        return listening

    def _base_env(self, endpoint_url: str) -> dict[str, str]:
        env = {
            k: v for k, v in self.env.items()
            if not k.startswith(_OWN_PREFIXES) and k not in _OWN_VARIABLES and k not in SECRET_SETTINGS
            and not k.endswith(("_SECRET_ID", "_QUEUE_URL")) and not k.startswith("CODE_TRACKER_PG_")
        }  # fmt: skip
        env.update(rec.LOCAL_AWS)
        env.update({
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "CODE_TRACKER_ALLOW_PRIVATE_URLS": "1",  # this mode only: 127.0.0.1, http:// and file:// URLs
            "POWERTOOLS_TRACE_DISABLED": "1",  # no X-Ray daemon here
            "PYTHONUNBUFFERED": "1",
        })  # fmt: skip
        env.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # EMF lines would drown the event log
        return env

    def start(self) -> None:
        started = time.monotonic()
        previous = self._take_lock()
        previous_alive = False  # the lock is ours: whoever wrote the record is gone
        try:
            self.plan = plan = build_plan(
                self.options.template,
                overrides=self.options.parameter_overrides,
                env=self.env,
                schedule_every=self.options.schedule_every,
                local_defaults={"LogLevel": "WARNING"},
            )
        except PlanError as err:
            raise DevError(str(err)) from None
        secrets, generated_admin = self._secrets()
        conninfo, database_line = self._database(previous if not previous_alive else None)

        record_path = self.dev_dir / rec.RECORD
        self._moto = local_queues.adopt((previous or {}).get("moto"))
        if self._moto is None:
            self._moto = local_queues.start(record_path, port=self.options.moto_port,
                                            grace_s=self.options.orphan_grace_s, env=self._moto_env())  # fmt: skip
        endpoint = self._moto.endpoint_url
        local, buckets = local_queues.create(
            plan, endpoint, max_visibility_timeout_s=self.options.max_visibility_timeout_s
        )
        inflight_dir = self.dev_dir / rec.INFLIGHT
        released = local_queues.release(endpoint, inflight_dir) if self._moto.adopted else 0
        for stale in inflight_dir.glob("*.json") if inflight_dir.is_dir() else ():
            rec.remove(stale)

        self._socket = self._bind()
        api_url = f"http://{HOST}:{self._socket.getsockname()[1]}"
        bindings = Bindings(
            queue_urls={k: q.url for k, q in local.items()},
            bucket_names=buckets,
            api_url=api_url,
            database_url=conninfo,
            secret_values=secrets,
        )
        base = self._base_env(endpoint)
        settings_env: dict[str, str] = {}
        try:
            for function_id in plan.functions:
                resolved = function_environment(plan, function_id, bindings, self.env)
                for name, value in resolved.items():
                    if name.endswith(("_QUEUE_URL", "_BUCKET")):
                        settings_env[name] = value
                self._plan_instances(function_id, {**base, **resolved}, local, endpoint, inflight_dir)
        except PlanError as err:
            raise DevError(str(err)) from None
        for spec in plan.queues.values():  # the DLQs too, for `codetracker redrive`
            if spec.dead_letter:
                stem = spec.logical_id.removesuffix("Queue").upper()
                settings_env.setdefault(f"CODE_TRACKER_{stem}_QUEUE_URL", local[spec.logical_id].url)
                settings_env[f"CODE_TRACKER_{stem}_DLQ_URL"] = local[spec.dead_letter].url

        self._record = {
            "pid": os.getpid(),
            "state": "starting",
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "api_url": api_url,
            "endpoint_url": endpoint,
            "region": LOCAL_REGION,
            "template": str(plan.template_path),
            "parameters": dict(plan.parameters),
            "queues": {k: {"name": q.name, "url": q.url, "arn": q.arn} for k, q in local.items()},
            "buckets": buckets,
            "settings": settings_env,
            "moto": {"pid": self._moto.pid, "port": self._moto.port},
            "owns_postgres": self._postgres_dir is not None,
            "postgres_dir": str(self._postgres_dir) if self._postgres_dir else None,
        }
        rec.write_json(record_path, self._record)

        for instance in self.instances:
            self._spawn(instance)
        self._wait_ready(self.instances)
        self._record["state"] = "ready"
        rec.write_json(record_path, self._record)
        self._banner(api_url, endpoint, database_line, secrets, generated_admin, local, released,
                     time.monotonic() - started)  # fmt: skip

    def _moto_env(self) -> dict[str, str]:
        keep = ("PATH", "HOME", "PYTHONPATH", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
        return {k: v for k, v in self.env.items() if k in keep}

    def _plan_instances(self, function_id: str, env: dict[str, str], local: Mapping[str, Any], endpoint: str,
                        inflight_dir: Path) -> None:  # fmt: skip
        plan = self.plan
        assert plan is not None and self._socket is not None
        function = plan.functions[function_id]
        if not function.code_file.is_file():
            self.say(f"warning: {function_id}: {function.code_file} does not exist; the function is not run")
            return
        common = {"function": function_to(function), "env": env, "nice": BACKGROUND_NICENESS}
        if function_id in plan.http_functions:
            for n in range(max(1, self.options.concurrency)):
                spec = {**common, "kind": "http", "listen_fd": self._socket.fileno()}
                self.instances.append(Instance(f"{function_id}#{n + 1}", function_id, spec, (self._socket.fileno(),)))
        for source in plan.event_sources:
            if source.function != function_id:
                continue
            queue = local[source.queue]
            count = max(1, min(self.options.concurrency, source.max_concurrency or self.options.concurrency))
            for n in range(count):
                name = f"{function_id}#{n + 1}"
                spec = {
                    **common,
                    "kind": "sqs",
                    "queue": {"url": queue.url, "arn": queue.arn, "name": queue.name},
                    "endpoint_url": endpoint,
                    "source": {
                        "logical_id": source.logical_id, "function": source.function, "queue": source.queue,
                        "batch_size": source.batch_size, "max_concurrency": source.max_concurrency,
                        "reports_batch_item_failures": source.reports_batch_item_failures,
                        "batching_window_s": source.batching_window_s,
                    },
                    "inflight_file": str(inflight_dir / f"{name.replace('#', '-')}.json"),
                }  # fmt: skip
                self.instances.append(Instance(name, function_id, spec))
        for schedule in plan.schedules:
            if schedule.function == function_id:
                spec = {
                    **common,
                    "kind": "schedule",
                    "schedule": {"function": schedule.function, "event_name": schedule.event_name,
                                 "expression": schedule.expression, "every_s": schedule.every_s},
                }  # fmt: skip
                self.instances.append(Instance(f"{function_id}#{schedule.event_name}", function_id, spec))

    def _spawn(self, instance: Instance) -> None:
        self._close_invocations(instance)
        read_end, write_end = os.pipe()
        invocations_read, invocations_write = os.pipe()
        spec = {**instance.spec, "ready_fd": write_end, "invocation_fd": invocations_write}
        try:
            instance.process = subprocess.Popen(
                [sys.executable, "-m", "codetracker.local.instance"],
                stdin=subprocess.PIPE,
                pass_fds=(write_end, invocations_write, *instance.pass_fds),
                env=spec["env"],
                # The runtime coordinates Ctrl-C (the terminal's signal is not theirs), and an instance with its
                # worker processes is one process group, killed as one.
                start_new_session=True,
            )
        finally:
            os.close(write_end)
            os.close(invocations_write)
        instance.invocation_fd = invocations_read
        instance.deadline = None
        assert instance.process.stdin is not None
        instance.process.stdin.write(json.dumps(spec).encode() + b"\n")
        instance.process.stdin.flush()
        instance.ready_fd = read_end
        instance.started = time.monotonic()

    def _wait_ready(self, instances: list[Instance]) -> None:
        deadline = time.monotonic() + self.options.startup_timeout_s
        waiting = {i.ready_fd: i for i in instances if i.ready_fd is not None}
        while waiting:
            if self.stopping.is_set():
                raise DevError("stopped while starting")
            left = deadline - time.monotonic()
            if left <= 0:
                names = ", ".join(sorted(i.name for i in waiting.values()))
                raise DevError(f"not ready after {self.options.startup_timeout_s:g} s: {names}")
            ready, _, _ = select.select(list(waiting), [], [], min(left, 0.25))
            self._watch_invocations(0.0)  # the running instances keep their deadlines meanwhile
            for fd in ready:
                instance = waiting.pop(fd)
                line = os.read(fd, 64)
                os.close(fd)
                instance.ready_fd = None
                if not line.startswith(b"ready"):
                    status = instance.process.wait() if instance.process else None
                    raise DevError(f"{instance.name} failed to start (exit status {status}); see its output above")

    def _banner(self, api_url: str, endpoint: str, database_line: str, secrets: Mapping[str, str],
                generated_admin: bool, local: Mapping[str, Any], released: int, took: float) -> None:  # fmt: skip
        plan = self.plan
        assert plan is not None
        say = self.say
        say(f"codetracker dev: ready in {took:.1f} s (template {plan.template_path})")
        say(f"  API            {api_url}  (Swagger UI {api_url}/docs, health {api_url}/health)")
        say(
            f"  GitHub webhook {api_url}/webhooks/github  secret: {secrets['CODE_TRACKER_GITHUB_WEBHOOK_SECRET']}"
            "  (the operator's: every registration; each registration has its own, answered by POST /repositories)"
        )
        if generated_admin:
            say(
                f"  admin token    {secrets['CODE_TRACKER_ADMIN_TOKEN']}  (generated for this run; set "
                "CODE_TRACKER_ADMIN_TOKEN to choose it)"
            )
        else:
            say("  admin token    from CODE_TRACKER_ADMIN_TOKEN")
        say(f"  database       {database_line}")
        say(f"  SQS and S3     {endpoint} (moto{', adopted from the previous run' if self._moto.adopted else ''})")
        for spec in plan.queues.values():
            if spec.dead_letter:
                say(
                    f"    {spec.name:<22} → {plan.queues[spec.dead_letter].name} after {spec.max_receive_count} "
                    f"receives, visibility {local_visibility(spec.visibility_timeout_s, self.options)} s"
                )
        for name in plan.buckets.values():
            say(f"    bucket {name}")
        if released:
            say(f"    {released} message(s) in flight in the killed previous run made visible again")
        by_function: dict[str, list[Instance]] = {}
        for instance in self.instances:
            by_function.setdefault(instance.function, []).append(instance)
        say("  functions")
        for function_id, instances in by_function.items():
            kinds = []
            if function_id in plan.http_functions:
                kinds.append("HTTP API $default")
            for source in plan.event_sources:
                if source.function == function_id:
                    kinds.append(f"← {plan.queues[source.queue].name}, batch {source.batch_size}")
            for schedule in plan.schedules:
                if schedule.function == function_id:
                    every = "off" if schedule.every_s is None else f"every {schedule.every_s:g} s"
                    kinds.append(f"schedule {schedule.expression} → {every}")
            count = sum(1 for i in instances if i.spec["kind"] != "schedule") or len(instances)
            say(f"    {function_id:<20} {'; '.join(kinds)} ({count} instance{'s' if count != 1 else ''})")
        say(f"  record         {self.dev_dir / rec.RECORD}  (codetracker redrive, show and db status use it)")
        say("Ctrl-C stops everything.")

    # --- running ---------------------------------------------------------------------------------------------

    def handle_signals(self) -> None:
        def stop(signum: int, _frame: Any) -> None:
            if self.stopping.is_set():
                self.hurry.set()
            self.stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

    def supervise(self) -> None:
        while not self.stopping.is_set():
            self._watch_invocations(0.25)
            for instance in self.instances:
                process = instance.process
                if process is None or process.poll() is None:
                    continue
                status = process.returncode
                _kill_group(process)  # what the instance left running (parser workers)
                now = time.monotonic()
                instance.restarts = [t for t in instance.restarts if now - t < 60] + [now]
                if len(instance.restarts) > 5:
                    if now - instance.restarts[-2] < 5:
                        continue  # crashing in a loop: try again in a few seconds
                self.say(f"{instance.name}: exited with status {status}; starting a new instance")
                self._spawn(instance)
                try:
                    self._wait_ready([instance])
                except DevError as err:
                    self.say(f"{instance.name}: {err}")

    def _watch_invocations(self, wait_s: float) -> None:
        """Read the instances' invocation reports for up to `wait_s`; kill an instance whose invocation is
        still running past its deadline."""
        watched = {i.invocation_fd: i for i in self.instances if i.invocation_fd is not None}
        deadlines = [i.deadline + DEADLINE_GRACE_S for i in self.instances if i.deadline is not None]
        wait_s = max(0.0, min([wait_s, *(d - time.monotonic() for d in deadlines)]))
        if not watched:
            time.sleep(wait_s)
        for fd in select.select(list(watched), [], [], wait_s)[0] if watched else ():
            instance = watched[fd]
            data = os.read(fd, 4096)
            if not data:  # the instance is gone
                self._close_invocations(instance)
                continue
            for line in data.decode("ascii", "replace").splitlines():
                verb, _, value = line.partition(" ")
                instance.deadline = float(value) if verb == "begin" else None
        now = time.monotonic()
        for instance in self.instances:
            if instance.deadline is None or now < instance.deadline + DEADLINE_GRACE_S:
                continue
            instance.deadline = None
            process = instance.process
            if process is not None and process.poll() is None:
                timeout = instance.spec["function"]["timeout_s"]
                self.say(f"{instance.name}: Task timed out after {timeout:g} seconds: the instance is killed")
                _kill_group(process)

    @staticmethod
    def _close_invocations(instance: Instance) -> None:
        if instance.invocation_fd is not None:
            os.close(instance.invocation_fd)
            instance.invocation_fd = None
        instance.deadline = None

    def run(self) -> int:
        self.handle_signals()
        try:
            self.start()
        except BaseException:
            self.stop(quiet=True)
            raise
        try:
            self.supervise()
        finally:
            self.stop()
        return 0

    # --- stop ------------------------------------------------------------------------------------------------

    def _terminate(self, instances: list[Instance], grace_s: float) -> None:
        for instance in instances:
            if instance.process is not None and instance.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    instance.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for instance in instances:
            process = instance.process
            if process is None:
                continue
            while process.poll() is None and time.monotonic() < deadline and not self.hurry.is_set():
                time.sleep(0.05)
            _kill_group(process)  # still running after the grace period, or its worker processes
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if instance.ready_fd is not None:
                os.close(instance.ready_fd)
                instance.ready_fd = None
            self._close_invocations(instance)

    def stop(self, *, quiet: bool = False) -> None:
        if not quiet:
            self.say("codetracker dev: stopping ...")
        http = [i for i in self.instances if i.spec["kind"] == "http"]
        others = [i for i in self.instances if i.spec["kind"] != "http"]
        self._terminate(http, 5.0)
        self._terminate(others, self.options.shutdown_grace_s)
        if self._moto is not None:
            local_queues.stop(self._moto)
            self._moto = None
        if self._postgres_dir is not None:
            from codetracker.local.embedded_postgres import stop_embedded_postgres

            with contextlib.suppress(Exception):
                stop_embedded_postgres(self._postgres_dir)
            self._postgres_dir = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._record:
            rec.remove(self.dev_dir / rec.RECORD)
        inflight = self.dev_dir / rec.INFLIGHT
        for leftover in inflight.glob("*.json") if inflight.is_dir() else ():
            rec.remove(leftover)  # their messages went with the queues
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        if not quiet:
            self.say("codetracker dev: stopped")


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process group of an instance (it leads one: start_new_session), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def local_visibility(seconds: int, options: DevOptions) -> int:
    cap = options.max_visibility_timeout_s
    return min(seconds, cap) if cap is not None else seconds
