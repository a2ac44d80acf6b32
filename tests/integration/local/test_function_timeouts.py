"""`codetracker dev` enforces a function's Timeout as Lambda does, whatever the handler does: a handler stuck in
C code that holds the GIL (so no timer thread of its own can run) is killed at its deadline with the worker
process it started, a new instance takes its place, and the SQS batch comes back after its visibility timeout.
An HTTP request whose invocation times out is answered as API Gateway answers it: a 500 in JSON.

The function is a small one of a template of the test's own, with `Timeout: 2`; the runtime is the real one
(`codetracker dev` as a child process, moto's SQS, the test's Postgres)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from codetracker.local.launcher import DevProcess, http

pytestmark = pytest.mark.slow

TIMEOUT_S = 2
VISIBILITY_S = 3

HANDLER = """
import json, os, re, subprocess, sys
from pathlib import Path

def lambda_handler(event, context):
    for record in event["Records"]:
        receive = int(record["attributes"]["ApproximateReceiveCount"])
        note = {"pid": os.getpid(), "receive": receive, "body": record["body"]}
        if receive == 1:
            worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            note["worker"] = worker.pid
        with open(os.environ["ATTEMPTS_FILE"], "a") as out:
            out.write(json.dumps(note) + "\\n")
        if receive == 1:
            re.match(r"(a*)*b", "a" * 40)  # catastrophic backtracking: hours of C code holding the GIL
    return {"batchItemFailures": []}
"""

SLOW_API = """
import time

def lambda_handler(event, context):
    if event["rawPath"] == "/slow":
        time.sleep(60)
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}
"""

TEMPLATE = f"""
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  WorkDLQ:
    Type: AWS::SQS::Queue
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {VISIBILITY_S}
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDLQ.Arn
        maxReceiveCount: 5
  StuckFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: stuck/
      Handler: app.lambda_handler
      Runtime: python3.12
      Timeout: {TIMEOUT_S}
      MemorySize: 128
  SlowApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: slow_api/
      Handler: app.lambda_handler
      Runtime: python3.12
      Timeout: 1
      Events:
        Default:
          Type: HttpApi
          Properties:
            Path: $default
            Method: ANY
  StuckWorkQueueEventSource:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref StuckFunction
      EventSourceArn: !GetAtt WorkQueue.Arn
      BatchSize: 1
      FunctionResponseTypes: [ReportBatchItemFailures]
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def _wait(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout_s} s: {what}")


def test_an_invocation_holding_the_gil_past_its_timeout_is_killed_and_its_batch_redelivered(
    tmp_path, migrated_database_url
):
    (tmp_path / "stuck").mkdir()
    (tmp_path / "stuck" / "app.py").write_text(HANDLER)
    (tmp_path / "slow_api").mkdir()
    (tmp_path / "slow_api" / "app.py").write_text(SLOW_API)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    attempts = tmp_path / "attempts.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODE_TRACKER_", "DATABASE_URL", "AWS_"))}
    env.update({"CODE_TRACKER_DEV_DIR": str(tmp_path / "dev"), "DATABASE_URL": migrated_database_url,
                "ATTEMPTS_FILE": str(attempts)})  # fmt: skip
    dev = DevProcess(env=env, args=["--template", str(tmp_path / "template.yaml"), "--shutdown-grace", "1s"],
                     log_path=tmp_path / "dev.log", python=sys.executable, cwd=tmp_path,
                     wait_for_api=False)  # fmt: skip
    workers: list[int] = []
    try:
        dev.start()
        import boto3

        sqs = boto3.client("sqs", endpoint_url=dev.record["endpoint_url"], region_name=dev.record["region"],
                           aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
        queue_url = dev.record["queues"]["WorkQueue"]["url"]
        sent_at = time.monotonic()
        sqs.send_message(QueueUrl=queue_url, MessageBody="stuck-once")

        def notes() -> list[dict]:
            return notes_of(attempts) if attempts.exists() else []

        first = _wait(lambda: notes()[:1], 20, "the first invocation")[0]
        workers.append(first["worker"])
        _wait(lambda: not _alive(first["pid"]), TIMEOUT_S + 3, "the stuck instance killed at its deadline")
        killed_after = time.monotonic() - sent_at
        assert not _alive(first["worker"]), "the worker process of the killed instance is still running"
        assert "Task timed out after 2 seconds" in dev.log_text()

        second = _wait(lambda: notes()[1:2], VISIBILITY_S + 20, "the redelivery")[0]
        assert second["receive"] == 2 and second["body"] == "stuck-once"
        assert second["pid"] != first["pid"], "the redelivery ran in the killed instance"
        assert killed_after < TIMEOUT_S + 3
        _wait(lambda: _queue_empty(sqs, queue_url), 10, "the redelivered message deleted after success")
        assert "starting a new instance" in dev.log_text()

        started = time.monotonic()
        answer = http("GET", dev.api_url + "/slow", timeout=20)
        assert (answer.status, answer.json) == (500, {"message": "Internal Server Error"})
        assert time.monotonic() - started < 1 + 3
        _wait(lambda: http("GET", dev.api_url + "/fast", timeout=20).status == 200, 20, "a new api instance")
    finally:
        dev.stop()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, 9)
    assert len(notes_of(attempts)) == 2


def notes_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _queue_empty(sqs, url: str) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return all(value == "0" for value in attributes.values())
