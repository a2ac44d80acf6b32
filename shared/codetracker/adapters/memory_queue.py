"""An in-memory scan queue beside the SQS one (same contract tests): the message bodies, as sent."""

from __future__ import annotations

import uuid

from codetracker.contracts import scan_requested_from_json, scan_requested_to_json
from codetracker.domain.service import ScanRequested


class MemoryScanQueue:
    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.fail_with: Exception | None = None  # set by a test: the next sends raise it

    def send(self, message: ScanRequested) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.bodies.append(scan_requested_to_json(message))
        return str(uuid.uuid4())

    def messages(self) -> list[ScanRequested]:
        return [scan_requested_from_json(body) for body in self.bodies]
