"""The dev directory of `codetracker dev`: where it records where it listens (`runtime.json`), the secrets it
generated once (`secrets.json`), the single-instance lock and the batches its pollers have in flight.

Every file is written whole or not at all (a temporary file, fsync, rename), readable by the user only.
Other commands (`codetracker redrive`, `show`, `db status`) read `runtime.json` to act on a running
`codetracker dev` started with the same settings.
"""

from __future__ import annotations

import base64
import json
import os
import secrets as random
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_DIR = "CODE_TRACKER_DEV_DIR"
RECORD = "runtime.json"
SECRETS = "secrets.json"
LOCK = "dev.lock"
INFLIGHT = "inflight"

# Credentials moto accepts (any); never real ones: the local runtime must not reach AWS.
LOCAL_AWS = {"AWS_ACCESS_KEY_ID": "codetracker-local", "AWS_SECRET_ACCESS_KEY": "codetracker-local"}


def dev_dir(env: Mapping[str, str]) -> Path:
    """`CODE_TRACKER_DEV_DIR`, else beside the embedded Postgres's data directory (`…/codetracker/dev`)."""
    explicit = env.get(DEV_DIR)
    if explicit:
        return Path(explicit).expanduser().resolve()
    from codetracker.settings import embedded_data_dir

    return (embedded_data_dir(env).expanduser().parent / "dev").resolve()


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError):
        return None  # unreadable: treated as absent (it is only ever replaced whole)


def remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def process_cmdline(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def read_runtime(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The record of the `codetracker dev` running with these settings; None when none runs."""
    record = read_json(dev_dir(env) / RECORD)
    if not isinstance(record, dict) or not pid_alive(record.get("pid")):
        return None
    return record


def runtime_environment(record: Mapping[str, Any]) -> dict[str, str]:
    """What a command needs in its environment to use a running `codetracker dev`'s queues and bucket."""
    env = {
        "AWS_ENDPOINT_URL": record["endpoint_url"],
        "AWS_REGION": record["region"],
        "AWS_DEFAULT_REGION": record["region"],
        **LOCAL_AWS,
    }
    env.update(record.get("settings", {}))
    return env


# --- secrets generated once per dev directory ---------------------------------------------------------------


def generated_secret(kind: str) -> str:
    if kind == "encryption_key":
        return random.token_bytes(32).hex()  # 64 hex digits, as the deployment's secret
    if kind == "admin_token":
        return "ctadm_" + base64.urlsafe_b64encode(random.token_bytes(24)).decode().rstrip("=")
    return random.token_urlsafe(30)


def stored_secrets(directory: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Secrets that must survive a restart (the encryption key: the database holds what it encrypted),
    generated the first time and kept in `secrets.json` (mode 0600)."""
    path = directory / SECRETS
    stored = read_json(path)
    stored = dict(stored) if isinstance(stored, dict) else {}
    missing = [name for name in names if not isinstance(stored.get(name), str) or not stored[name]]
    for name in missing:
        stored[name] = generated_secret(name)
    if missing:
        write_json(path, stored)
    return {name: stored[name] for name in names}
