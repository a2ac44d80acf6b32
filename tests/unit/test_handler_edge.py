"""The one handler edge: the services a test passes reach the function's answer, the process's services (from
wiring, built once) when none is passed; an SQS batch reports exactly its failed records."""

from __future__ import annotations

import json

from codetracker import wiring
from codetracker.handler_edge import lambda_handler_for, sqs_batch
from codetracker.settings import Settings
from codetracker.wiring import Services
from tests.integration.api.conftest import LambdaContext


def _echo(event, context, services):
    return {"services": services, "event": event}


def test_given_services_reach_the_answer():
    handler = lambda_handler_for("codetracker-test", _echo)
    given = Services(Settings.from_env({}))
    answer = handler({"n": 1}, LambdaContext(), services=given)
    assert answer == {"services": given, "event": {"n": 1}}


def test_without_services_the_process_services_are_built_once(monkeypatch):
    monkeypatch.setattr(wiring, "_default", None)
    monkeypatch.setattr(Settings, "from_env", classmethod(lambda cls, env=None: Settings()))
    handler = lambda_handler_for("codetracker-test", _echo, job_logging=False)
    first = handler({}, LambdaContext())["services"]
    second = handler({}, LambdaContext())["services"]
    assert isinstance(first, Services) and first is second is wiring.default_services()


def _sqs_event(*bodies):
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "2"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:scan",
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_an_sqs_batch_reports_its_failed_records_only():
    seen = []

    def handle(record):
        seen.append((record.message_id, record.receive_count))
        if json.loads(record.body)["fail"]:
            raise RuntimeError("boom")

    answer = sqs_batch(_sqs_event({"fail": False}, {"fail": True}), LambdaContext(), handle)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert seen == [("m0", 2), ("m1", 2)]
    assert sqs_batch({"Records": []}, LambdaContext(), handle) == {"batchItemFailures": []}
