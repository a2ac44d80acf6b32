"""Moving a dead-letter queue's messages back to their source queue (DeadLetterMover on SQS).

Where SQS has it, `StartMessageMoveTask` does the move server-side (AWS). Where it does not (moto answers
NotImplementedError in process and a 500 from its server; other emulators an unknown action), that is told
by the error's type or code, never its message, and the move is done here: receive a batch from the DLQ,
send each body with its message attributes to the source queue, and delete from the DLQ only the messages
whose copy was sent. Nothing is lost (a message is deleted only after its copy exists) and nothing is
duplicated by the move itself (a failed send leaves the message in the DLQ, and it is not deleted); a crash
between a send and its delete would leave both, which the consumers absorb (they are idempotent by job id).

Each copy carries `redriven_from` (the DLQ message id): a copy gets a new message id and its receive count
starts again at 1, so a notification's attempts restart; its own `notification_id` travels in its body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codetracker.errors import ConfigurationError, RetryableError
from codetracker.ports.queues import RedriveOutcome

# Error codes (not messages) that mean "this endpoint has no message move tasks".
_NOT_IMPLEMENTED_CODES = frozenset(
    {
        "500",
        "501",
        "NotImplemented",
        "InternalFailure",
        "InternalError",
        "InvalidAction",
        "UnsupportedOperation",
        "UnknownOperationException",
        "AWS.SimpleQueueService.UnsupportedOperation",
    }
)
BATCH = 10  # SQS's largest receive and batch send


class RedriveFailed(RetryableError):
    code = "redrive_failed"


def _default_client() -> Any:
    import boto3

    return boto3.client("sqs")


def move_task_unsupported(error: BaseException) -> bool:
    from botocore.exceptions import ClientError

    if isinstance(error, NotImplementedError):
        return True
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in _NOT_IMPLEMENTED_CODES or status in (500, 501) and not code
    return False


class SqsDeadLetterMover:
    def __init__(
        self,
        *,
        client_factory: Callable[[], Any] = _default_client,
        use_move_task: bool = True,
        visibility_timeout_s: int = 60,
    ) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._use_move_task = use_move_task
        self._visibility_timeout_s = visibility_timeout_s

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def _arn(self, queue_url: str) -> str:
        from botocore.exceptions import ClientError

        try:
            answer = self._sqs().get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            raise ConfigurationError(f"the queue {queue_url} cannot be read ({code})") from None
        return answer["Attributes"]["QueueArn"]

    def redrive(self, dead_letter_url: str, destination_url: str) -> RedriveOutcome:
        source_arn, destination_arn = self._arn(dead_letter_url), self._arn(destination_url)
        if self._use_move_task:
            try:
                task = self._sqs().start_message_move_task(SourceArn=source_arn, DestinationArn=destination_arn)
            except Exception as err:  # noqa: BLE001 - decided by type and code below
                if not move_task_unsupported(err):
                    raise RedriveFailed(f"the move task could not start ({type(err).__name__})") from err
            else:
                return RedriveOutcome(moved=None, method="move_task", task_handle=task.get("TaskHandle"))
        return RedriveOutcome(moved=self._copy(dead_letter_url, destination_url), method="copy")

    def _copy(self, dead_letter_url: str, destination_url: str) -> int:
        sqs = self._sqs()
        moved = 0
        seen: set[str] = set()
        while True:
            got = sqs.receive_message(
                QueueUrl=dead_letter_url,
                MaxNumberOfMessages=BATCH,
                VisibilityTimeout=self._visibility_timeout_s,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            )
            messages = [m for m in got.get("Messages", []) if m["MessageId"] not in seen]
            if not messages:
                return moved
            entries = []
            for index, message in enumerate(messages):
                seen.add(message["MessageId"])
                attributes = {
                    name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
                    for name, value in (message.get("MessageAttributes") or {}).items()
                    if name != "redriven_from"
                }
                attributes["redriven_from"] = {"DataType": "String", "StringValue": message["MessageId"]}
                entries.append({"Id": str(index), "MessageBody": message["Body"], "MessageAttributes": attributes})
            sent = sqs.send_message_batch(QueueUrl=destination_url, Entries=entries)
            copied = {entry["Id"] for entry in sent.get("Successful", [])}
            to_delete = [
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(messages)
                if str(index) in copied
            ]
            if to_delete:
                sqs.delete_message_batch(QueueUrl=dead_letter_url, Entries=to_delete)
            moved += len(to_delete)
            if len(copied) < len(messages):
                failed = len(messages) - len(copied)
                raise RedriveFailed(
                    f"{failed} message(s) could not be sent to the source queue; they stay in the dead-letter "
                    f"queue ({moved} moved)"
                )
