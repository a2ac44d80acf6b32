"""The `api` Lambda: API Gateway HTTP API (payload v2) → the routes of codetracker.api.http.

Thin by design: Powertools Logger (JSON, correlation id = the request id; the event is never logged, so no
Authorization header, token or body reaches a log line), Metrics and Tracer, then the shared edge. Nothing
connects at import: adapters are built by `wiring` on first use, or passed by a test as `services=`.

The Tracer is built only where it traces (in Lambda, unless POWERTOOLS_TRACE_DISABLED): Powertools imports the
X-Ray SDK, and with it botocore, as soon as a Tracer exists, even a disabled one: about as long as the whole
resolver takes to import. Locally and in tests there is nothing to trace, so nothing is paid.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths, utils

from codetracker.api.http import handle

SERVICE = "codetracker-api"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Codetracker", service=SERVICE)
# The use cases log through stdlib loggers under "codetracker": same JSON format, same correlation id.
logging.getLogger("codetracker")
utils.copy_config_to_registered_loggers(source_logger=logger, include={"codetracker"})
# Most requests count nothing; Powertools would warn on each of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def _traced() -> bool:
    """Powertools' own rule for a Tracer that traces: in Lambda, not in SAM local, not disabled."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes", "on")
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not os.environ.get("AWS_SAM_LOCAL") and not disabled


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
def _answer(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    return handle(event, context, services)


if _traced():
    from aws_lambda_powertools import Tracer

    tracer = Tracer(service=SERVICE)
    lambda_handler = tracer.capture_lambda_handler(capture_response=False)(_answer)
else:
    lambda_handler = _answer
