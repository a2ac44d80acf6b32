"""The environment every function instance starts with: the caller's settings minus what the runtime owns,
the local AWS endpoint, and the secrets (given, kept in the dev directory, or generated)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from codetracker.local import record as rec
from codetracker.local.plan import LOCAL_REGION

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
# What the moto process keeps of the caller's environment: enough to find Python and its packages.
_MOTO_KEEPS = ("PATH", "HOME", "PYTHONPATH", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def dev_secrets(env: Mapping[str, str], dev_dir: Path) -> tuple[dict[str, str], bool]:
    """The secret settings of this run, and whether the admin token was generated for it."""
    values = {name: env[name] for name in SECRET_SETTINGS if env.get(name)}
    missing = tuple(kind for name, kind in _STORED.items() if name not in values)
    stored = rec.stored_secrets(dev_dir, missing) if missing else {}
    for name, kind in _STORED.items():
        values.setdefault(name, stored.get(kind, ""))
    generated_admin = "CODE_TRACKER_ADMIN_TOKEN" not in values
    if generated_admin:
        values["CODE_TRACKER_ADMIN_TOKEN"] = rec.generated_secret("admin_token")
    return values, generated_admin


def base_environment(env: Mapping[str, str], endpoint_url: str) -> dict[str, str]:
    """Every instance's environment before its function's own variables."""
    base = {
        k: v for k, v in env.items()
        if not k.startswith(_OWN_PREFIXES) and k not in _OWN_VARIABLES and k not in SECRET_SETTINGS
        and not k.endswith(("_SECRET_ID", "_QUEUE_URL")) and not k.startswith("CODE_TRACKER_PG_")
    }  # fmt: skip
    base.update(rec.LOCAL_AWS)
    base.update({
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": LOCAL_REGION,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "CODE_TRACKER_ALLOW_PRIVATE_URLS": "1",  # this mode only: 127.0.0.1, http:// and file:// URLs
        "POWERTOOLS_TRACE_DISABLED": "1",  # no X-Ray daemon here
        "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    base.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # EMF lines would drown the event log
    return base


def moto_environment(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k in _MOTO_KEEPS}
