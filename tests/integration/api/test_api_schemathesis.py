"""A schemathesis run of the api under the production URL policy (security review, issue 17): the api handler
behind the local HTTP bridge (API Gateway v2 events, as `codetracker dev` serves it) on 127.0.0.1, with a real
Postgres and moto's SQS, the OpenAPI document it serves, the app's and the admin's tokens. Done when the run
finds no server error, no answer outside the document (status, content type, body, headers), no method
answered that the document does not list (a 405 with `Allow` instead), and neither a request the document
allows refused nor one it forbids accepted.

Bounded: a fixed number of examples per operation (SCHEMATHESIS_EXAMPLES), one worker, seeded."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.integration.api.conftest import LambdaContext, seed
from tests.support import api_events as ev

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "unsupported_method",
        "allow_header_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "ignored_auth",
    ]
)
CONFIG = f"""
[generation]
max-examples = {EXAMPLES}

[auth.openapi.app_token]
bearer = "{ev.APP_TOKEN}"

[auth.openapi.admin_token]
bearer = "{ev.ADMIN_TOKEN}"

# Valid by the document, refused by what the document cannot know: a cursor is opaque (a well-formed one this
# service did not hand out is a 422), and whether a URL is admitted depends on what its host resolves to
# (422 url_refused). Everything else a valid request may meet is a 404 (an id of nothing, or another app's).
[[operations]]
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "422"]

[[operations]]
include-path-regex = "^/(apps|repositories|repositories/[{{]repository_id[}}])$"
include-method-regex = "^(POST|PATCH)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422"]
"""


def _st() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]')")
    return found


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(api, tmp_path):
    st = _st()
    seed(api)
    from codetracker.local.http_bridge import ApiBridge
    from codetracker.local.plan import FunctionSpec
    from functions.api.app import lambda_handler

    def handler(event, _context):
        return lambda_handler(event, LambdaContext(), services=api.services)

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(64)
    bridge = ApiBridge(FunctionSpec("ApiFunction", Path("."), "app.lambda_handler", 29, 512, {}), handler,
                       listening, log=lambda *_: None)  # fmt: skip
    server = threading.Thread(target=bridge.serve_forever, daemon=True)
    server.start()
    url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    try:
        run = subprocess.run(
            [st, "--config-file", str(tmp_path / "schemathesis.toml"), "run", f"{url}/openapi.json",
             "--checks", CHECKS, "--workers", "1", "--seed", "17", "--phases", "examples,coverage,fuzzing",
             "--report", "ndjson", "--report-dir", str(tmp_path / "report"), "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")},
        )  # fmt: skip
    finally:
        bridge.shutdown()
        listening.close()
        server.join(10)
    # The exit status is 0 only when no check failed (warnings, such as ids that name nothing, do not count).
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert re.search(r"\d+ generated, (\d+) passed", run.stdout), run.stdout[-2000:]
