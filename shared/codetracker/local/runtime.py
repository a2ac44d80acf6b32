"""`codetracker dev`: the whole system on one machine, from `template.yaml`, with the Lambda handlers.

Start order (each step only after the one before it is up; a failure stops what was started, in reverse):
1. the dev directory and its lock (one `codetracker dev` per dev directory);
2. the plan: template + parameter overrides + mirrored settings (codetracker.local.plan);
3. the database: `DATABASE_URL` / `CODE_TRACKER_PG_*`, else the embedded Postgres, reused when it runs
   (also when a killed `codetracker dev` left it running: pgserver's stale pids are pruned), migrated;
4. SQS and S3 (moto, its own process, adopted when a killed run left it; codetracker.local.queues), the
   queues and bucket created from the template; messages a killed run had in flight are released;
5. the HTTP socket on 127.0.0.1:`--port`;
6. the function instances (which: codetracker.local.instances; one: codetracker.local.instance), all at
   once: per SQS event source up to `--concurrency` pollers (never above the mapping's MaximumConcurrency),
   one per schedule, `--concurrency` for the HTTP API; each reports ready after its handler is imported;
7. `runtime.json` in the dev directory says where everything listens; the banner is printed.

Stop (Ctrl-C or SIGTERM; a second one skips the grace period): the HTTP instances, then the pollers and
schedules (each finishes the invocation under way, for up to `--shutdown-grace` seconds, then is killed),
moto, the embedded Postgres when this run started it (or adopted it from a killed run), the socket, the record,
the lock. While it runs, the instances' processes are watched by codetracker.local.supervisor (replaced when
they die, killed at an invocation's deadline).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from codetracker.local import queues as local_queues
from codetracker.local import record as rec
from codetracker.local.function_env import base_environment, dev_secrets, moto_environment
from codetracker.local.instances import Instance, function_instances
from codetracker.local.options import HOST, DevError, DevOptions, local_visibility
from codetracker.local.plan import (
    LOCAL_REGION,
    Bindings,
    Plan,
    PlanError,
    build_plan,
    function_environment,
)
from codetracker.local.supervisor import InstanceSupervisor


class DevRuntime:
    def __init__(self, options: DevOptions, env: Mapping[str, str] | None = None, out: TextIO | None = None) -> None:
        self.options = options
        self.env = dict(os.environ if env is None else env)
        self.out = out or sys.stdout
        self.dev_dir = rec.dev_dir(self.env)
        self.supervisor = InstanceSupervisor(self.say, startup_timeout_s=options.startup_timeout_s)
        self.instances: list[Instance] = self.supervisor.instances
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
        secrets, generated_admin = dev_secrets(self.env, self.dev_dir)
        conninfo, database_line = self._database(previous if not previous_alive else None)

        record_path = self.dev_dir / rec.RECORD
        self._moto = local_queues.adopt((previous or {}).get("moto"))
        if self._moto is None:
            self._moto = local_queues.start(
                record_path, port=self.options.moto_port, grace_s=self.options.orphan_grace_s,
                env=moto_environment(self.env),
            )  # fmt: skip
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
        base = base_environment(self.env, endpoint)
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
            self.supervisor.spawn(instance)
        self.supervisor.wait_ready(self.instances)
        self._record["state"] = "ready"
        rec.write_json(record_path, self._record)
        self._banner(api_url, endpoint, database_line, secrets, generated_admin, local, released,
                     time.monotonic() - started)  # fmt: skip

    def _plan_instances(self, function_id: str, env: dict[str, str], local: Mapping[str, Any], endpoint: str,
                        inflight_dir: Path) -> None:  # fmt: skip
        plan = self.plan
        assert plan is not None and self._socket is not None
        function = plan.functions[function_id]
        if not function.code_file.is_file():
            self.say(f"warning: {function_id}: {function.code_file} does not exist; the function is not run")
            return
        self.instances += function_instances(
            plan, function_id, env, local, endpoint=endpoint, inflight_dir=inflight_dir,
            concurrency=self.options.concurrency, listen_fd=self._socket.fileno(),
        )  # fmt: skip

    def _banner(self, api_url: str, endpoint: str, database_line: str, secrets: Mapping[str, str],
                generated_admin: bool, local: Mapping[str, Any], released: int, took: float) -> None:  # fmt: skip
        plan = self.plan
        assert plan is not None and self._moto is not None
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
            if self.supervisor.stopping.is_set():
                self.supervisor.hurry.set()
            self.supervisor.stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

    def run(self) -> int:
        self.handle_signals()
        try:
            self.start()
        except BaseException:
            self.stop(quiet=True)
            raise
        try:
            self.supervisor.supervise()
        finally:
            self.stop()
        return 0

    # --- stop ------------------------------------------------------------------------------------------------

    def stop(self, *, quiet: bool = False) -> None:
        if not quiet:
            self.say("codetracker dev: stopping ...")
        http = [i for i in self.instances if i.spec["kind"] == "http"]
        others = [i for i in self.instances if i.spec["kind"] != "http"]
        self.supervisor.terminate(http, 5.0)
        self.supervisor.terminate(others, self.options.shutdown_grace_s)
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
