"""The `api` Lambda: API Gateway HTTP API (payload v2) → the routes of codetracker.api.http.

Thin by design: Powertools Logger (JSON, correlation id = the request id; the event is never logged, so no
Authorization header, token or body reaches a log line), Metrics and Tracer, then the shared edge. Nothing
connects at import: adapters are built by `wiring` on first use, or passed by a test as `services=`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths, utils

from codetracker.api.http import handle

logger = Logger(service="codetracker-api")
metrics = Metrics(namespace="Codetracker", service="codetracker-api")
tracer = Tracer(service="codetracker-api")
# The use cases log through stdlib loggers under "codetracker": same JSON format, same correlation id.
logging.getLogger("codetracker")
# Most requests count nothing; Powertools would warn on each of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")
utils.copy_config_to_registered_loggers(source_logger=logger, include={"codetracker"})


@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
def lambda_handler(event: dict[str, Any], context: Any, services: Any = None) -> dict[str, Any]:
    if services is None:
        from codetracker.wiring import default_services

        services = default_services()
    return handle(event, context, services)
