"""The `api` Lambda: API Gateway HTTP API (payload v2) → the routes of codetracker.api.http.

Thin by design: the shared edge (handler_edge: Powertools Logger with the request id as correlation id, the
event never logged, so no Authorization header, token or body reaches a log line; Metrics; the Tracer only in
Lambda, where it traces: it imports the X-Ray SDK and botocore, about as long as the whole resolver takes to
import), then the api's own edge and routes. Nothing connects at import: adapters are built by `wiring` on
first use, or passed by a test as `services=`.
"""

from __future__ import annotations

from aws_lambda_powertools.logging import correlation_paths

from codetracker.api.http import handle
from codetracker.handler_edge import lambda_handler_for

lambda_handler = lambda_handler_for(
    "codetracker-api", handle, correlation_id_path=correlation_paths.API_GATEWAY_HTTP, job_logging=False
)
