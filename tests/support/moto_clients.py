"""boto3 clients for tests under moto, one per service and region per test process: botocore takes a tenth of a
second or more to make a client, and tests made theirs anew each time. moto answers a client made before its
mock starts (once moto is imported, every client botocore makes carries moto's handler), with a fresh state in
each mock_aws()."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def moto_client(service: str, region: str) -> Any:
    import boto3
    import moto  # noqa: F401 - before the client is made

    return boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
