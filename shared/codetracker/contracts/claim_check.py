"""Claim checks: a message body too large for the queue is put in the payload store, and a pointer travels."""

from __future__ import annotations

import json
import re

from codetracker.contracts.message_fields import dump_json
from codetracker.errors import InvalidMessage

CLAIM_CHECK_FIELD = "claim_check"


def claim_check_to_json(body_text: str, location: str, size: int, sha256: str) -> str:
    """The message that stands for a stored body: the body's own v, type and ids (a consumer can still tell
    what and whose it is) and where the body is:

    {"v": 1, "type": <the body's type>, "job_id": ..., "repository_id": ...,
     "claim_check": {"location": "s3://bucket/key", "bytes": 123456, "sha256": hex}}"""
    body = json.loads(body_text)
    pointer = {k: body[k] for k in ("v", "type", "job_id", "repository_id") if k in body}
    pointer[CLAIM_CHECK_FIELD] = {"location": location, "bytes": size, "sha256": sha256}
    return dump_json(pointer)


def claim_check_from_json(text: str | bytes) -> tuple[str, int, str] | None:
    """(location, bytes, sha256) when the message is a claim check, None when it carries its body."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(body, dict) or CLAIM_CHECK_FIELD not in body:
        return None
    pointer = body[CLAIM_CHECK_FIELD]
    if not isinstance(pointer, dict):
        raise InvalidMessage("claim_check must be an object")
    location, size, digest = pointer.get("location"), pointer.get("bytes"), pointer.get("sha256")
    if (
        not isinstance(location, str)
        or not location
        or not isinstance(digest, str)
        or not re.fullmatch(r"[0-9a-f]{64}", digest)
        or not isinstance(size, int)
        or isinstance(size, bool)
        or size < 0
    ):
        raise InvalidMessage("claim_check needs location, bytes and sha256")
    return location, size, digest
