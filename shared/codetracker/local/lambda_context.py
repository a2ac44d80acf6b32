"""A Lambda-like context object and the one log line per handled event."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from datetime import datetime

from codetracker.local.plan import LOCAL_ACCOUNT_ID, LOCAL_REGION, FunctionSpec


class LambdaContext:
    """What the Python runtime passes as `context`: `get_remaining_time_in_millis` counts down from the
    function's Timeout in the template."""

    function_version = "$LATEST"
    identity = None
    client_context = None

    def __init__(self, function: FunctionSpec) -> None:
        self.function_name = function.logical_id
        self.memory_limit_in_mb = function.memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{function.logical_id}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.logical_id}"
        self.log_stream_name = f"{datetime.now():%Y/%m/%d}/[$LATEST]local"
        self._deadline = time.monotonic() + function.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_print_lock = threading.Lock()


def log_line(function_id: str, text: str) -> None:
    """One line on stdout: time, function, what happened."""
    now = datetime.now()
    line = f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} {function_id:<18} {text}\n"
    with _print_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def elapsed_ms(start: float) -> str:
    return f"{(time.monotonic() - start) * 1000:.0f} ms"
