"""`codetracker dev`: its flags and how they become the local runtime's options. Local-only like the rest of
`local/`, so it is not shipped to Lambda; `codetracker.cli` adds it to the command line when it is present."""

from __future__ import annotations

import argparse
from typing import TextIO

from codetracker.cli.common import Once, UsageError

_DEV_DESCRIPTION = """\
Run the whole system on this machine, from template.yaml, with the Lambda handlers themselves: the embedded
Postgres (or DATABASE_URL / CODE_TRACKER_PG_*), SQS and S3 in moto's server with the template's queues, DLQs,
redrive policies and visibility timeouts, the HTTP API on 127.0.0.1 (API Gateway HTTP API v2 events), one
poller per SQS event source (Lambda's event source mapping: long polls, batch sizes, partial batch
responses) and the template's schedules. Everything listens on 127.0.0.1 only; Ctrl-C or SIGTERM stops it all.
Private repository and callback URLs (127.0.0.1, http://, file://) are allowed in this mode only."""

_DEV_EPILOG = """\
settings (environment):
  CODE_TRACKER_ADMIN_TOKEN            admin token of POST /apps (default: generated, printed once)
  CODE_TRACKER_GITHUB_WEBHOOK_SECRET  secret of GitHub webhooks (default: generated once, kept in the dev dir)
  CODE_TRACKER_ENCRYPTION_KEY         key of the tokens and secrets at rest (default: generated once, kept)
  CODE_TRACKER_DEV_DIR                dev directory: runtime.json (where everything listens), secrets.json,
                                      the lock (default: beside the embedded Postgres, .../codetracker/dev)
  CODE_TRACKER_NOTIFY_MAX_ATTEMPTS, CODE_TRACKER_NOTIFY_BACKOFF_BASE_S, CODE_TRACKER_RETENTION_DAYS, ...
                                      a variable that mirrors a template parameter sets the parameter, so
                                      the queues follow (NotifyMaxAttempts is also the notify queue's
                                      maxReceiveCount); other CODE_TRACKER_* settings reach the functions
                                      in place of the template's literal values

Handler logs (Powertools, JSON) are shown from WARNING up; --parameter-overrides LogLevel=INFO shows more.
Other commands use a running codetracker dev given the same settings: codetracker redrive notify,
codetracker show SLUG --repository ID, codetracker db status."""


def add_parser(commands) -> None:
    dev = commands.add_parser(
        "dev",
        help="run the whole system locally (API, queues, functions, schedules) from template.yaml",
        description=_DEV_DESCRIPTION,
        epilog=_DEV_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dev.add_argument(
        "--port",
        type=int,
        action=Once,
        metavar="N",
        help="port of the HTTP API on 127.0.0.1 (default 3000, as sam local start-api)",
    )
    dev.add_argument(
        "--template",
        action=Once,
        metavar="PATH",
        help="the SAM template (default: ./template.yaml, else the project's)",
    )
    dev.add_argument(
        "--parameter-overrides",
        nargs="+",
        action="append",
        metavar="NAME=VALUE",
        help="template parameters, as sam deploy takes them (NotifyMaxAttempts=3 ScanMaxReceiveCount=2)",
    )
    dev.add_argument(
        "--reconcile-every",
        action=Once,
        metavar="DURATION",
        help="run the reconciler this often instead of the template's ReconcileSchedule (10s, 5m, 1h; off: never)",
    )
    dev.add_argument(
        "--retention-every",
        action=Once,
        metavar="DURATION",
        help="run the retention cleanup this often instead of RetentionSchedule (off: never)",
    )
    dev.add_argument(
        "--concurrency",
        type=int,
        action=Once,
        metavar="N",
        help="instances per function: HTTP API instances, and pollers per SQS event source, never "
        "more than its MaximumConcurrency (default 1)",
    )
    dev.add_argument(
        "--max-visibility-timeout",
        action=Once,
        metavar="DURATION",
        help="cap every queue's visibility timeout (the template's are 6x the function timeouts, "
        "up to 90 minutes; tests shorten redelivery with this)",
    )
    dev.add_argument(
        "--moto-port",
        type=int,
        action=Once,
        metavar="N",
        help="port of the moto server on 127.0.0.1 (default: a free one)",
    )
    dev.add_argument(
        "--shutdown-grace",
        action=Once,
        metavar="DURATION",
        help="how long a stop waits for invocations under way before killing them (default 10s)",
    )
    dev.add_argument(
        "--startup-timeout",
        action=Once,
        metavar="DURATION",
        help="how long the functions may take to start (default 60s)",
    )


def run(args: argparse.Namespace, services, out: TextIO, err: TextIO) -> int:
    """Runs until stopped; `services` is None: the runtime builds each function's own."""
    from codetracker.local.plan import PlanError, parameter_overrides, parse_duration
    from codetracker.local.options import DEFAULT_PORT, DevError, DevOptions, template_path
    from codetracker.local.runtime import DevRuntime

    def duration(value: str | None, flag: str, *, off: bool = False) -> float | None:
        if value is None:
            return None
        if off and value.strip().lower() == "off":
            return None
        try:
            return parse_duration(value)
        except PlanError as error:
            raise UsageError(f"{flag}: {error}") from None

    def duration_or(value: str | None, flag: str, default: float) -> float:
        found = duration(value, flag)
        return default if found is None else found

    port = DEFAULT_PORT if args.port is None else args.port
    if not 0 <= port < 65536:
        raise UsageError("--port must be a TCP port number (0: any free port)")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be 1 or more")
    try:
        overrides = parameter_overrides([" ".join(items) for items in args.parameter_overrides or []])
    except PlanError as error:
        raise UsageError(f"--parameter-overrides: {error}") from None
    every = {}
    for flag, function_id, value in (
        ("--reconcile-every", "ReconcilerFunction", args.reconcile_every),
        ("--retention-every", "RetentionFunction", args.retention_every),
    ):
        if value is not None:
            every[function_id] = duration(value, flag, off=True)
    visibility = duration(args.max_visibility_timeout, "--max-visibility-timeout")
    try:
        options = DevOptions(
            template=template_path(args.template),
            port=port,
            parameter_overrides=overrides,
            schedule_every=every,
            concurrency=args.concurrency or 1,
            max_visibility_timeout_s=max(0, int(round(visibility))) if visibility is not None else None,
            moto_port=args.moto_port or 0,
            shutdown_grace_s=duration_or(args.shutdown_grace, "--shutdown-grace", 10.0),
            startup_timeout_s=duration_or(args.startup_timeout, "--startup-timeout", 60.0),
        )
        return DevRuntime(options, out=out).run()
    except DevError as error:
        raise UsageError(str(error)) from None
