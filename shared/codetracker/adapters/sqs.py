"""The scan queue on SQS (boto3). The client is built on first send, never at import; its endpoint and region
come from the usual AWS settings (`AWS_REGION`, `AWS_ENDPOINT_URL_SQS` for a local moto server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codetracker.contracts import SCAN_REQUESTED_TYPE, SCAN_REQUESTED_VERSION, scan_requested_to_json
from codetracker.domain.service import ScanRequested
from codetracker.errors import ConfigurationError, RetryableError

QUEUE_URL_SETTING = "CODE_TRACKER_SCAN_QUEUE_URL"


class QueueUnavailable(RetryableError):
    """The queue could not take the message (throttled, unreachable, a 5xx)."""

    code = "queue_unavailable"


def _default_client() -> Any:
    import boto3

    return boto3.client("sqs")


class SqsScanQueue:
    def __init__(self, queue_url: str | None, *, client_factory: Callable[[], Any] = _default_client) -> None:
        self._queue_url = queue_url
        self._client_factory = client_factory
        self._client: Any = None

    def __repr__(self) -> str:
        return f"SqsScanQueue({self._queue_url!r})"

    def send(self, message: ScanRequested) -> str:
        if not self._queue_url:
            raise ConfigurationError(f"{QUEUE_URL_SETTING} is not set", setting=QUEUE_URL_SETTING)
        from botocore.exceptions import BotoCoreError, ClientError

        if self._client is None:
            self._client = self._client_factory()
        try:
            answer = self._client.send_message(
                QueueUrl=self._queue_url,
                MessageBody=scan_requested_to_json(message),
                MessageAttributes={
                    "type": {"DataType": "String", "StringValue": SCAN_REQUESTED_TYPE},
                    "v": {"DataType": "Number", "StringValue": str(SCAN_REQUESTED_VERSION)},
                    "job_id": {"DataType": "String", "StringValue": message.job_id},
                },
            )
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if "NonExistentQueue" in code or "QueueDoesNotExist" in code:
                raise ConfigurationError(
                    f"the scan queue {self._queue_url} does not exist", setting=QUEUE_URL_SETTING
                ) from None
            raise QueueUnavailable(f"the scan queue refused the message ({code or 'error'})") from None
        except BotoCoreError as err:
            raise QueueUnavailable(f"the scan queue cannot be reached ({type(err).__name__})") from None
        return str(answer["MessageId"])
