"""The api handler's module: traced in Lambda (Powertools Tracer around the handler), untraced elsewhere, and
importing it never connects to anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _probe(env_extra: dict[str, str]) -> str:
    code = (
        "import sys, functions.api.app as a; print(a.lambda_handler.__wrapped__.__name__ "
        "if hasattr(a.lambda_handler, '__wrapped__') else '-', 'aws_xray_sdk.core' in sys.modules)"
    )
    env = {"PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}", "PATH": "/usr/bin:/bin", **env_extra}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout.strip()


def test_traced_in_lambda_only():
    assert _probe({"AWS_LAMBDA_FUNCTION_NAME": "ApiFunction"}).endswith("True")
    assert _probe({"AWS_LAMBDA_FUNCTION_NAME": "ApiFunction", "POWERTOOLS_TRACE_DISABLED": "true"}).endswith("False")
    assert _probe({}).endswith("False")
