"""In-memory queues beside the SQS ones (same contract tests): the message bodies, as sent, and the visibility
changes asked for."""

from __future__ import annotations

import hashlib
import uuid

from codetracker.contracts.claim_check import claim_check_to_json
from codetracker.contracts.scan_requested import scan_requested_from_json
from codetracker.adapters.sqs import encode_message
from codetracker.domain.queue_messages import NotifyRequested, PersistRequested, ScanRequested
from codetracker.ports.payloads import PayloadStore


class MemoryMessageQueue:
    def __init__(self, *, payloads: PayloadStore | None = None, claim_check_bytes: int = 200 * 1024) -> None:
        self.bodies: list[str] = []
        self.fail_with: Exception | None = None  # set by a test: the next sends raise it
        self._payloads = payloads
        self._claim_check_bytes = claim_check_bytes

    def send(self, message: ScanRequested | PersistRequested | NotifyRequested) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        kind, _version, body = encode_message(message)
        encoded = body.encode("utf-8")
        if self._payloads is not None and len(encoded) > self._claim_check_bytes:
            location = self._payloads.put(f"{kind}/{uuid.uuid4().hex}.json", encoded)
            body = claim_check_to_json(body, location, len(encoded), hashlib.sha256(encoded).hexdigest())
        self.bodies.append(body)
        return str(uuid.uuid4())

    def take(self) -> list[str]:
        """The bodies sent so far, emptying the queue."""
        taken, self.bodies = self.bodies, []
        return taken


class MemoryScanQueue(MemoryMessageQueue):
    def messages(self) -> list[ScanRequested]:
        return [scan_requested_from_json(body) for body in self.bodies]


class MemoryVisibility:
    def __init__(self) -> None:
        self.delays: list[tuple[str, int]] = []

    def delay(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))
