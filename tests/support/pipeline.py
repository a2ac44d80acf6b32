"""The queue pipeline in one process for tests and benchmarks: real Postgres, SQS and S3 in moto (queues with
their dead-letter queues and redrive policies), the real handlers, and a small poller that does what Lambda's
SQS event source mapping does (receive up to a batch, build the SQS event, invoke the handler, delete the
records that succeeded, leave the batch item failures for redelivery after their visibility timeout).

The queue attributes below are the ones template.yaml gives the queues (maxReceiveCount, visibility), with
the visibility shortened for tests; the notify queue's maxReceiveCount follows CODE_TRACKER_NOTIFY_MAX_ATTEMPTS.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support import api_events as ev

REGION = "eu-west-1"
# queue → maxReceiveCount (the notify queue's is the notifier's max attempts)
MAX_RECEIVES = {"scan": 3, "persist": 5}
BUCKET = "codetracker-payloads-test"


class LambdaContext:
    """What Lambda passes as context, with a time limit that counts down from `timeout_s`."""

    memory_limit_in_mb = 1024
    log_group_name = "/aws/lambda/test"
    log_stream_name = "2026/11/01/[$LATEST]abcdef"
    function_version = "$LATEST"

    def __init__(self, function_name: str = "TestFunction", timeout_s: float = 900.0) -> None:
        self.function_name = function_name
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Queues:
    sqs: Any
    s3: Any
    urls: dict[str, str]
    dlq_urls: dict[str, str]
    arns: dict[str, str]

    def env(self) -> dict[str, str]:
        found = {"CODE_TRACKER_PAYLOAD_BUCKET": BUCKET}
        for name, url in self.urls.items():
            found[f"CODE_TRACKER_{name.upper()}_QUEUE_URL"] = url
            found[f"CODE_TRACKER_{name.upper()}_DLQ_URL"] = self.dlq_urls[name]
        return found

    def count(self, url: str) -> tuple[int, int]:
        """(visible, in flight) messages of a queue."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def create_queues(sqs: Any, s3: Any, *, notify_max_attempts: int, visibility_s: int = 30) -> Queues:
    urls, dlqs, arns = {}, {}, {}
    for name in ("scan", "persist", "notify"):
        dlq = sqs.create_queue(QueueName=f"codetracker-{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        receives = notify_max_attempts if name == "notify" else MAX_RECEIVES[name]
        url = sqs.create_queue(
            QueueName=f"codetracker-{name}",
            Attributes={
                "VisibilityTimeout": str(visibility_s),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": receives}),
            },
        )["QueueUrl"]
        urls[name], dlqs[name] = url, dlq
        arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Queues(sqs, s3, urls, dlqs, arns)


@contextmanager
def moto_queues(monkeypatch, *, notify_max_attempts: int = 3, visibility_s: int = 30) -> Iterator[Queues]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    from moto import mock_aws

    from tests.support.moto_clients import moto_client

    with mock_aws():
        yield create_queues(
            moto_client("sqs", REGION),
            moto_client("s3", REGION),
            notify_max_attempts=notify_max_attempts,
            visibility_s=visibility_s,
        )


def settings_env(queues: Queues | None = None, **extra: str) -> dict[str, str]:
    env = {
        "CODE_TRACKER_ADMIN_TOKEN": ev.ADMIN_TOKEN,
        "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": ev.WEBHOOK_SECRET,
        "CODE_TRACKER_ENCRYPTION_KEY": ev.ENCRYPTION_KEY,
        "CODE_TRACKER_ALLOW_PRIVATE_URLS": "1",
        "CODE_TRACKER_EXTRACT_WORKERS": "0",
        "CODE_TRACKER_PUBLIC_API_URL": "https://api.codetracker.test",
        "CODE_TRACKER_NOTIFY_MAX_ATTEMPTS": "3",
        "CODE_TRACKER_NOTIFY_BACKOFF_BASE_S": "1",
        "CODE_TRACKER_NOTIFY_BACKOFF_CAP_S": "4",
        "CODE_TRACKER_NOTIFY_CONNECT_TIMEOUT_S": "1",
        "CODE_TRACKER_NOTIFY_READ_TIMEOUT_S": "1",
        "CODE_TRACKER_NOTIFY_TOTAL_TIMEOUT_S": "2",
        "CODE_TRACKER_SCAN_RESERVE_S": "2",
    }
    if queues is not None:
        env.update(queues.env())
    env.update(extra)
    return env


def sqs_event(queues: Queues, queue: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's event source mapping builds from received messages."""
    records = []
    for m in messages:
        attributes = m.get("Attributes", {})
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
                    "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
                },
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value["DataType"],
                    }
                    for name, value in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queues.arns.get(queue, f"arn:aws:sqs:{REGION}:123456789012:codetracker-{queue}"),
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def handler_of(queue: str):
    if queue == "scan":
        from functions.scanner.app import lambda_handler
    elif queue == "persist":
        from functions.persister.app import lambda_handler
    else:
        from functions.notifier.app import lambda_handler
    return lambda_handler


@dataclass
class Poll:
    received: int
    failed: list[str] = field(default_factory=list)  # message ids reported as batch item failures


@dataclass
class Pipeline:
    services: Any
    queues: Queues
    database_url: str
    timeout_s: float = 900.0

    def api(self, event: dict[str, Any]) -> tuple[int, Any]:
        from functions.api.app import lambda_handler

        answer = lambda_handler(event, LambdaContext("ApiFunction", 29), services=self.services)
        body = answer.get("body") or ""
        return int(answer["statusCode"]), json.loads(body) if body.startswith(("{", "[")) else body

    def create_app(self, callback_url: str | None = None, name: str = "pipeline-app") -> dict[str, Any]:
        body = {"name": name, **({"callback_url": callback_url} if callback_url else {})}
        status, created = self.api(
            ev.http_event("POST", "/apps", body=json.dumps(body), headers=ev.bearer(ev.ADMIN_TOKEN))
        )
        assert status == 201, created
        return created

    def register(self, token: str, url: str, **fields: Any) -> dict[str, Any]:
        status, body = self.api(
            ev.http_event("POST", "/repositories", body=json.dumps({"url": url, **fields}), headers=ev.bearer(token))
        )
        assert status in (200, 201), body
        return body

    def get(self, token: str, path: str) -> Any:
        status, body = self.api(ev.http_event("GET", path, headers=ev.bearer(token)))
        assert status == 200, body
        return body

    def receive(self, queue: str, *, max_messages: int = 10, url: str | None = None) -> list[dict[str, Any]]:
        got = self.queues.sqs.receive_message(
            QueueUrl=url or self.queues.urls[queue],
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return got.get("Messages", [])

    def poll(self, queue: str, *, max_messages: int = 10, timeout_s: float | None = None) -> Poll:
        """One receive and one invocation, as the event source mapping does it."""
        messages = self.receive(queue, max_messages=max_messages)
        if not messages:
            return Poll(0)
        event = sqs_event(self.queues, queue, messages)
        context = LambdaContext(f"{queue.title()}Function", timeout_s or self.timeout_s)
        answer = handler_of(queue)(event, context, services=self.services)
        failed = [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])]
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] not in failed
        ]
        if done:
            self.queues.sqs.delete_message_batch(QueueUrl=self.queues.urls[queue], Entries=done)
        return Poll(len(messages), failed)

    def drain(self, *, rounds: int = 20) -> dict[str, int]:
        """Poll scan, persist, notify until a round finds nothing; messages handled per queue."""
        handled = {"scan": 0, "persist": 0, "notify": 0}
        for _ in range(rounds):
            moved = 0
            for queue in ("scan", "persist", "notify"):
                result = self.poll(queue)
                handled[queue] += result.received
                moved += result.received
            if not moved:
                return handled
        return handled

    def rows(self, query: str, *params: object) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        self.services.close()
        database = getattr(self.services.__dict__.get("unit_of_work"), "database", None)
        if database is not None:
            database.close()


def make_pipeline(
    database_url: str, queues: Queues, *, env: dict[str, str] | None = None, **overrides: Any
) -> Pipeline:
    from codetracker.adapters.metrics_powertools import MemoryMetrics
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
    from codetracker.settings import Settings
    from codetracker.wiring import Services

    settings = Settings.from_env(env if env is not None else settings_env(queues))
    overrides.setdefault("unit_of_work", PostgresUnitOfWorkFactory(PostgresDatabase(database_url)))
    overrides.setdefault("metrics", MemoryMetrics())
    return Pipeline(Services(settings, **overrides), queues, database_url)
