"""SQS and S3 for `codetracker dev`: moto's server in a process of its own, and the template's queues and
bucket in it.

The moto process is infrastructure, like the embedded Postgres: it holds the queued messages, so it lives in
its own session and survives a SIGKILL of `codetracker dev`; the next `codetracker dev` adopts it (its queues
and messages intact). It watches the record of its owner and exits when no live `codetracker dev` has owned
it for `grace` seconds, so it is never left behind for long. A clean stop of `codetracker dev` stops it.

    python -m codetracker.local.queues --record DEV_DIR/runtime.json --ready-fd N [--port P] [--grace S]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codetracker.local import record as rec
from codetracker.local.plan import LOCAL_REGION, Plan, queue_attributes

HOST = "127.0.0.1"
MODULE = "codetracker.local.queues"
DEFAULT_GRACE_S = 600.0


@dataclass(frozen=True, slots=True)
class MotoHandle:
    pid: int
    port: int
    adopted: bool

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def answers(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/reset-auth", timeout=timeout) as answer:
            return answer.status < 500
    except urllib.error.HTTPError as err:
        return err.code < 500
    except OSError:
        return False


def adopt(recorded: Mapping[str, Any] | None) -> MotoHandle | None:
    """The moto process a previous `codetracker dev` left running, when it is alive and answers."""
    if not recorded:
        return None
    pid, port = recorded.get("pid"), recorded.get("port")
    if not (isinstance(pid, int) and isinstance(port, int) and rec.pid_alive(pid)):
        return None
    cmdline = rec.process_cmdline(pid)
    if cmdline is not None and MODULE not in cmdline:
        return None  # the pid was reused by something else
    if not answers(port):
        return None
    return MotoHandle(pid, port, adopted=True)


def start(record_path: Path, *, port: int = 0, grace_s: float = DEFAULT_GRACE_S, timeout_s: float = 30.0,
          env: Mapping[str, str] | None = None) -> MotoHandle:  # fmt: skip
    """Start the moto process and wait until it listens."""
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--record", str(record_path), "--ready-fd", str(write_end),
             "--port", str(port), "--grace", str(grace_s)],
            stdin=subprocess.DEVNULL,
            pass_fds=(write_end,),
            start_new_session=True,  # not in the terminal's process group: Ctrl-C reaches `codetracker dev` only
            env=dict(env) if env is not None else None,
        )  # fmt: skip
    finally:
        os.close(write_end)
    try:
        line = _read_line(read_end, timeout_s)
    finally:
        os.close(read_end)
    if not line.startswith("port "):
        process.kill()
        process.wait()
        raise RuntimeError(f"the moto server did not start (exit status {process.poll()})")
    return MotoHandle(process.pid, int(line.split()[1]), adopted=False)


def _read_line(fd: int, timeout_s: float) -> str:
    import select

    deadline = time.monotonic() + timeout_s
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 256)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


def stop(handle: MotoHandle, timeout_s: float = 10.0) -> None:
    try:
        os.kill(handle.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while rec.pid_alive(handle.pid) and time.monotonic() < deadline:
        _reap(handle.pid)
        time.sleep(0.05)
    if rec.pid_alive(handle.pid):
        try:
            os.kill(handle.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _reap(handle.pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child (adopted): its parent is init


# --- creating the template's queues and bucket -------------------------------------------------------------


def client(service: str, endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=rec.LOCAL_AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=rec.LOCAL_AWS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"},
                      read_timeout=30, connect_timeout=5),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class LocalQueue:
    logical_id: str
    name: str
    url: str
    arn: str


def create(plan: Plan, endpoint_url: str, *, max_visibility_timeout_s: int | None = None
           ) -> tuple[dict[str, LocalQueue], dict[str, str]]:  # fmt: skip
    """Create (or bring up to date) every queue and bucket of the plan; DLQs first, so that the redrive
    policies can name them. Idempotent: an adopted moto keeps its queues and their messages."""
    sqs = client("sqs", endpoint_url)
    queues: dict[str, LocalQueue] = {}
    arns: dict[str, str] = {}
    order = sorted(plan.queues.values(), key=lambda q: q.dead_letter is not None)
    for spec in order:
        attributes = queue_attributes(plan, spec, arns, max_visibility_timeout_s=max_visibility_timeout_s)
        try:
            url = sqs.get_queue_url(QueueName=spec.name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        except sqs.exceptions.QueueDoesNotExist:
            url = sqs.create_queue(QueueName=spec.name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        arns[spec.logical_id] = arn
        queues[spec.logical_id] = LocalQueue(spec.logical_id, spec.name, url, arn)
    s3 = client("s3", endpoint_url)
    for name in plan.buckets.values():
        try:
            s3.head_bucket(Bucket=name)
        except Exception:  # noqa: BLE001 - absent (moto answers 404)
            s3.create_bucket(Bucket=name)
    return queues, dict(plan.buckets)


def release(endpoint_url: str, inflight_dir: Path) -> int:
    """Make the messages that a killed `codetracker dev` had in flight visible again (their consumers are gone);
    returns how many. The files are removed either way."""
    if not inflight_dir.is_dir():
        return 0
    sqs = None
    released = 0
    for path in sorted(inflight_dir.glob("*.json")):
        batch = rec.read_json(path)
        if isinstance(batch, dict) and batch.get("receipts"):
            sqs = sqs or client("sqs", endpoint_url)
            entries = [{"Id": str(i), "ReceiptHandle": r, "VisibilityTimeout": 0}
                       for i, r in enumerate(batch["receipts"])]  # fmt: skip
            for start_at in range(0, len(entries), 10):
                try:
                    done = sqs.change_message_visibility_batch(QueueUrl=batch["queue_url"],
                                                               Entries=entries[start_at:start_at + 10])  # fmt: skip
                    released += len(done.get("Successful", []))
                except Exception:  # noqa: BLE001 - a stale receipt (already deleted, queue gone)
                    pass
        rec.remove(path)
    return released


# --- the moto process ------------------------------------------------------------------------------------------


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=MODULE)
    parser.add_argument("--record", required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE_S)
    args = parser.parse_args(argv)

    # moto's server logs every request through werkzeug; the runtime logs what it handles itself.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").disabled = True
    import moto.backends
    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.server import ThreadedMotoServer

    # Two costs of every request that a local server need not pay: moto lists its own package folder to route
    # each request (the list never changes in a running process), and answers HTTP/1.0, so every client call
    # opens a new connection. Measured: SendMessage 8.6 → 7.3 ms.
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    MotoRequestHandler.protocol_version = "HTTP/1.1"

    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    os.write(args.ready_fd, f"port {port}\n".encode())
    os.close(args.ready_fd)

    record_path = Path(args.record)
    orphaned_since: float | None = None
    while not stopping.wait(1.0):
        owner = rec.read_json(record_path)
        moto_record = owner.get("moto", {}) if isinstance(owner, dict) else {}
        owned = isinstance(owner, dict) and moto_record.get("pid") == os.getpid() and rec.pid_alive(owner.get("pid"))
        if owned:
            orphaned_since = None
        elif orphaned_since is None:
            orphaned_since = time.monotonic()
        elif time.monotonic() - orphaned_since > args.grace:
            break
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1:]))
