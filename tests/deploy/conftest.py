"""Fixtures of the deploy tests: the template as data, aws-sam-cli, and one `sam build` per session.

`python3 tasks.py test` installs aws-sam-cli into .venv-sam and sets CODETRACKER_SAM and
CODETRACKER_REQUIRE_SAM=1: there a missing sam fails the tests that need it. Run on their own (plain
pytest), those tests are skipped when no sam is found. No AWS account is used: credentials are removed from
sam's environment and AWS_DEFAULT_REGION is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from codetracker.local import template as cfn

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
BUILD_DIR = ROOT / ".aws-sam" / "build"
# Every function of the template, by its folder under functions/ (handler: app.lambda_handler).
FUNCTIONS = {
    "ApiFunction": "api",
    "ScannerFunction": "scanner",
    "PersisterFunction": "persister",
    "NotifierFunction": "notifier",
    "ReconcilerFunction": "reconciler",
    "RetentionFunction": "retention",
}
LAYERS = ("DepsLayer", "CodetrackerLayer")
_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return cfn.load(TEMPLATE)


@pytest.fixture(scope="session")
def parameters(template: dict[str, Any]) -> dict[str, str]:
    return cfn.parameter_values(template)


def _find_sam() -> Path | None:
    configured = os.environ.get("CODETRACKER_SAM")
    if configured:
        return Path(configured) if Path(configured).exists() else None
    local = ROOT / ".venv-sam" / "bin" / "sam"
    if local.exists():
        return local
    found = shutil.which("sam")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def sam() -> Path:
    found = _find_sam()
    if found is None:
        message = "aws-sam-cli not found (python3 tasks.py test installs it into .venv-sam)"
        if os.environ.get("CODETRACKER_REQUIRE_SAM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def sam_env(sam: Path) -> dict[str, str]:
    """sam's environment: no credentials, a region, no telemetry, and sam's own venv first on PATH (the
    layer Makefiles run `python3 -m pip`, whichever Python that is)."""
    env = {key: value for key, value in os.environ.items() if key not in _CREDENTIALS}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["SAM_CLI_TELEMETRY"] = "0"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["PATH"] = os.pathsep.join([str(sam.parent), env.get("PATH", "")])
    return env


def run_sam(sam: Path, *args: str, cwd: Path = ROOT, timeout: float = 900,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        [str(sam), *args], cwd=cwd, env=dict(env or sam_env(sam)), capture_output=True, text=True, timeout=timeout
    )


def missing_handlers() -> list[str]:
    return [
        f"functions/{role}/app.py" for role in FUNCTIONS.values() if not (ROOT / "functions" / role / "app.py").exists()
    ]


@pytest.fixture(scope="session")
def sam_build(sam: Path) -> Path:
    """`sam build` of the project (cached and parallel, as samconfig.toml says) into .aws-sam/build."""
    missing = missing_handlers()
    if missing:
        pytest.skip(f"the function handlers are not written yet: {', '.join(missing)} (issues 9 and 10)")
    if shutil.which("make") is None:
        pytest.fail("make is needed by the layers' makefile builds (Debian: apt-get install make)")
    started = time.monotonic()
    result = run_sam(sam, "build", "--template-file", str(TEMPLATE), "--build-dir", str(BUILD_DIR))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"sam build failed ({elapsed:.0f} s):\n{result.stdout}\n{result.stderr}"
    return BUILD_DIR
