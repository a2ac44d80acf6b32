"""The payload store of claim checks: S3 (boto3), and an in-memory one beside it (same contract tests).

Objects are written under `claims/` in the bucket (`CODE_TRACKER_PAYLOAD_BUCKET`); the consumer that reads
one deletes it after success, and the bucket's lifecycle rule (template.yaml) expires what a failure left.
Locations are `s3://bucket/key`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codetracker.errors import ConfigurationError, PayloadUnavailable

BUCKET_SETTING = "CODE_TRACKER_PAYLOAD_BUCKET"
PREFIX = "claims/"


def _default_client() -> Any:
    import boto3

    return boto3.client("s3")


def _split(location: str) -> tuple[str, str]:
    if not location.startswith("s3://") or "/" not in location[5:]:
        raise PayloadUnavailable(f"{location!r} is not an s3:// location")
    bucket, key = location[5:].split("/", 1)
    return bucket, key


class S3PayloadStore:
    def __init__(self, bucket: str | None, *, client_factory: Callable[[], Any] = _default_client) -> None:
        self._bucket = bucket
        self._client_factory = client_factory
        self._client: Any = None

    def __repr__(self) -> str:
        return f"S3PayloadStore({self._bucket!r})"

    def _s3(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def put(self, name: str, data: bytes) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        if not self._bucket:
            raise ConfigurationError(f"{BUCKET_SETTING} is not set", setting=BUCKET_SETTING)
        key = PREFIX + name
        try:
            self._s3().put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="application/json")
        except (ClientError, BotoCoreError) as err:
            raise PayloadUnavailable(f"the payload bucket refused the object ({type(err).__name__})") from None
        return f"s3://{self._bucket}/{key}"

    def get(self, location: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = _split(location)
        try:
            return self._s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as err:
            code = getattr(err, "response", {}).get("Error", {}).get("Code", type(err).__name__)
            raise PayloadUnavailable(f"the payload {location} cannot be read ({code})") from None

    def delete(self, location: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = _split(location)
        try:
            self._s3().delete_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError) as err:
            raise PayloadUnavailable(f"the payload {location} cannot be deleted ({type(err).__name__})") from None


class MemoryPayloadStore:
    def __init__(self, bucket: str = "memory") -> None:
        self._bucket = bucket
        self.objects: dict[str, bytes] = {}

    def put(self, name: str, data: bytes) -> str:
        location = f"s3://{self._bucket}/{PREFIX}{name}"
        self.objects[location] = bytes(data)
        return location

    def get(self, location: str) -> bytes:
        try:
            return self.objects[location]
        except KeyError:
            raise PayloadUnavailable(f"the payload {location} cannot be read (NoSuchKey)") from None

    def delete(self, location: str) -> None:
        self.objects.pop(location, None)
