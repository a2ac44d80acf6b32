"""An SQS event source mapping, as Lambda runs one: long-poll the queue for up to the batch size, build the
SQS event with the records' real attributes, invoke the handler with a Lambda-like context, delete the
records that succeeded and leave the reported `batchItemFailures` for redelivery after their visibility
timeout. A handler that raises, or answers a malformed batch response, fails the whole batch (nothing is
deleted), as on Lambda. The handler is never invoked with an empty batch.

Polls are long (`WaitTimeSeconds`): a message sent to an idle queue is received at once; nothing sleeps
between empty receives. While a batch is being handled its receipt handles are kept in a file of the dev
directory, so that a `codetracker dev` started after this one was killed can release them.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetracker.local import record as rec
from codetracker.local.lambda_context import LambdaContext, elapsed_ms, log_line
from codetracker.local.plan import LOCAL_REGION, EventSourceSpec, FunctionSpec

if TYPE_CHECKING:
    from codetracker.local.queues import LocalQueue

LONG_POLL_S = 2  # short enough for a prompt stop, long enough that an idle poller costs nothing
SQS_MAX_RECEIVE = 10


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of a Lambda SQS event from a ReceiveMessage message."""
    attributes = {key: str(value) for key, value in (message.get("Attributes") or {}).items()}
    message_attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        item: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
        if "StringValue" in value:
            item["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            item["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
        message_attributes[name] = item
    out = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": LOCAL_REGION,
    }
    if "MD5OfMessageAttributes" in message:
        out["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return out


def failed_ids(response: Any, batch_ids: set[str], reports_failures: bool) -> set[str] | None:
    """The message ids to leave on the queue, from a handler's answer; None: the answer fails the whole batch
    (Lambda's rule for a malformed partial batch response)."""
    if not reports_failures or response is None:
        return set()
    if not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    found = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None
        found.add(identifier)
    return found


@dataclass(kw_only=True, eq=False)
class SqsPoller:
    sqs: Any
    queue: LocalQueue
    function: FunctionSpec
    source: EventSourceSpec
    handler: Callable[[dict[str, Any], Any], Any]
    stop: threading.Event
    inflight_file: Path | None = None
    long_poll_s: int = LONG_POLL_S

    def receive(self) -> list[dict[str, Any]]:
        wanted = self.source.batch_size
        messages: list[dict[str, Any]] = []
        wait = self.long_poll_s
        deadline = None
        while len(messages) < wanted:
            got = self.sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=min(SQS_MAX_RECEIVE, wanted - len(messages)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages += got
            if not messages:
                return messages
            # More than one receive fills a batch only within the batching window (none: what is there now).
            if deadline is None:
                deadline = time.monotonic() + self.source.batching_window_s
            left = deadline - time.monotonic()
            if not got or (left <= 0 and len(got) < min(SQS_MAX_RECEIVE, wanted)):
                break
            wait = max(0, min(20, int(left)))
        return messages

    def release(self, messages: list[dict[str, Any]]) -> None:
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                   for i, m in enumerate(messages)]  # fmt: skip
        for start in range(0, len(entries), 10):
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue.url, Entries=entries[start : start + 10])

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                messages = self.receive()
            except Exception as err:  # noqa: BLE001 - the queue is away for a moment: poll again
                if self.stop.is_set():
                    break
                log_line(self.function.logical_id, f"cannot poll {self.queue.name}: {type(err).__name__}: {err}")
                self.stop.wait(1.0)
                continue
            if not messages:
                continue
            if self.stop.is_set():
                self.release(messages)
                break
            self.invoke(messages)

    def invoke(self, messages: list[dict[str, Any]]) -> set[str] | None:
        """Handle one batch; the ids left for redelivery (None: the whole batch failed)."""
        records = [sqs_record(m, self.queue.arn) for m in messages]
        by_id = {m["MessageId"]: m for m in messages}
        if self.inflight_file is not None:
            rec.write_json(self.inflight_file, {"queue_url": self.queue.url,
                                                "receipts": [m["ReceiptHandle"] for m in messages]})  # fmt: skip
        start = time.monotonic()
        receives = ",".join(sorted({r["attributes"].get("ApproximateReceiveCount", "?") for r in records}))
        what = f"{len(records)} record{'s' if len(records) != 1 else ''} from {self.queue.name} (receive {receives})"
        try:
            response = self.handler({"Records": records}, LambdaContext(self.function))
        except Exception as err:  # noqa: BLE001 - Lambda: the invocation failed, the batch is redelivered
            log_line(self.function.logical_id, f"{what}: error {type(err).__name__}: {err}; whole batch "
                                               f"redelivered ({elapsed_ms(start)})")  # fmt: skip
            self._forget()
            return None
        failed = failed_ids(response, set(by_id), self.source.reports_batch_item_failures)
        if failed is None:
            log_line(
                self.function.logical_id,
                f"{what}: malformed batch response; whole batch redelivered ({elapsed_ms(start)})",
            )
            self._forget()
            return None
        done = [m for message_id, m in by_id.items() if message_id not in failed]
        for first in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[first : first + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.queue.url, Entries=entries)
        log_line(
            self.function.logical_id,
            f"{what}: {len(done)} done, {len(failed)} left for redelivery ({elapsed_ms(start)})",
        )
        self._forget()
        return failed

    def _forget(self) -> None:
        if self.inflight_file is not None:
            rec.remove(self.inflight_file)
