"""The pipeline's queues on SQS (boto3): sending the scan, persist and notify messages (a claim check through
the payload store when a body is too large), changing a received message's visibility. Clients are built on
first use, never at import; endpoint and region come from the usual AWS settings (`AWS_REGION`,
`AWS_ENDPOINT_URL_SQS` for a local moto server)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from codetracker.contracts.claim_check import claim_check_to_json
from codetracker.contracts.notify_requested import (
    NOTIFY_REQUESTED_TYPE,
    NOTIFY_REQUESTED_VERSION,
    notify_requested_to_json,
)
from codetracker.contracts.persist_requested import (
    PERSIST_REQUESTED_TYPE,
    PERSIST_REQUESTED_VERSION,
    persist_requested_to_json,
)
from codetracker.contracts.scan_requested import SCAN_REQUESTED_TYPE, SCAN_REQUESTED_VERSION, scan_requested_to_json
from codetracker.domain.queue_messages import NotifyRequested, PersistRequested, ScanRequested
from codetracker.errors import ConfigurationError, RetryableError
from codetracker.ports.payloads import PayloadStore

QUEUE_URL_SETTING = "CODE_TRACKER_SCAN_QUEUE_URL"
# SQS takes at most 256 KiB per message, attributes included.
SQS_MAX_BYTES = 256 * 1024


class QueueUnavailable(RetryableError):
    """The queue could not take the message (throttled, unreachable, a 5xx)."""

    code = "queue_unavailable"


def _default_client() -> Any:
    import boto3

    return boto3.client("sqs")


def encode_message(message: ScanRequested | PersistRequested | NotifyRequested) -> tuple[str, int, str]:
    """(type, version, body) of a pipeline message."""
    if isinstance(message, ScanRequested):
        return (
            SCAN_REQUESTED_TYPE,
            SCAN_REQUESTED_VERSION,
            scan_requested_to_json(message),
        )
    if isinstance(message, PersistRequested):
        return (
            PERSIST_REQUESTED_TYPE,
            PERSIST_REQUESTED_VERSION,
            persist_requested_to_json(message),
        )
    return (
        NOTIFY_REQUESTED_TYPE,
        NOTIFY_REQUESTED_VERSION,
        notify_requested_to_json(message),
    )


def _translate(err: Exception, what: str, queue_url: str, setting: str) -> Exception:
    from botocore.exceptions import ClientError

    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        if "NonExistentQueue" in code or "QueueDoesNotExist" in code:
            return ConfigurationError(f"the queue {queue_url} does not exist", setting=setting)
        return QueueUnavailable(f"the queue refused to {what} ({code or 'error'})")
    return QueueUnavailable(f"the queue cannot be reached to {what} ({type(err).__name__})")


class SqsMessageQueue:
    """One SQS queue of the pipeline. A body above `claim_check_bytes` is put in `payloads` and the message
    carries its location (claim_check_to_json); the consumer deletes it after success."""

    def __init__(
        self,
        queue_url: str | None,
        *,
        setting: str = QUEUE_URL_SETTING,
        client_factory: Callable[[], Any] = _default_client,
        payloads: PayloadStore | None = None,
        claim_check_bytes: int = 200 * 1024,
    ) -> None:
        self._queue_url = queue_url
        self._setting = setting
        self._client_factory = client_factory
        self._client: Any = None
        self._payloads = payloads
        self._claim_check_bytes = min(claim_check_bytes, SQS_MAX_BYTES - 4096)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._queue_url!r})"

    @property
    def queue_url(self) -> str:
        if not self._queue_url:
            raise ConfigurationError(f"{self._setting} is not set", setting=self._setting)
        return self._queue_url

    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def send(self, message: ScanRequested | PersistRequested | NotifyRequested) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        queue_url = self.queue_url
        kind, version, body = encode_message(message)
        encoded = body.encode("utf-8")
        if len(encoded) > self._claim_check_bytes:
            if self._payloads is None:
                raise ConfigurationError(
                    f"a {kind} message of {len(encoded)} bytes needs the payload bucket (CODE_TRACKER_PAYLOAD_BUCKET)",
                    setting="CODE_TRACKER_PAYLOAD_BUCKET",
                )
            name = f"{kind}/{getattr(message, 'job_id', 'message')}/{uuid.uuid4().hex}.json"
            location = self._payloads.put(name, encoded)
            body = claim_check_to_json(body, location, len(encoded), hashlib.sha256(encoded).hexdigest())
        attributes = {
            "type": {"DataType": "String", "StringValue": kind},
            "v": {"DataType": "Number", "StringValue": str(version)},
        }
        job_id = getattr(message, "job_id", None)
        if job_id:
            attributes["job_id"] = {"DataType": "String", "StringValue": job_id}
        try:
            answer = self.client().send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=attributes)
        except (ClientError, BotoCoreError) as err:
            raise _translate(err, "take the message", queue_url, self._setting) from None
        return str(answer["MessageId"])


class SqsScanQueue(SqsMessageQueue):
    """The scan queue (the api's, and the reconciler's)."""


class SqsVisibility:
    """MessageVisibility on one SQS queue: ChangeMessageVisibility of a received message."""

    def __init__(
        self, queue_url: str | None, *, setting: str, client_factory: Callable[[], Any] = _default_client
    ) -> None:
        self._queue = SqsMessageQueue(queue_url, setting=setting, client_factory=client_factory)

    def delay(self, receipt_handle: str, seconds: int) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        queue_url = self._queue.queue_url
        try:
            self._queue.client().change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=max(0, min(int(seconds), 43_200))
            )
        except (ClientError, BotoCoreError) as err:
            raise _translate(err, "change the visibility", queue_url, self._queue._setting) from None
