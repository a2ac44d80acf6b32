"""Notifications to an app's callback URL: Standard Webhooks signing, what an HTTP answer means, and when to try
again. Pure: the HTTP request is the WebhookSender adapter's, the clock the caller's.

Signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of the key bytes; each request
carries `webhook-id` (one per notification, the same on every attempt and after a redrive: receivers
deduplicate on it), `webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`
(`v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, the body as the exact bytes sent). During a
rotation of the signing secret the header holds one signature per secret, space-separated, newest first
(`v1,<new> v1,<old>`): a receiver that knows either secret accepts the request.

Answers: 2xx delivered; 408, 429 and 5xx worth another attempt; any other status (4xx, and 3xx: redirects are
never followed) permanent. Attempts back off exponentially, `base * 2^(attempt-1)` capped, or as long as a
`Retry-After` asks (capped the same way).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# SQS keeps a message invisible at most 12 hours: no delay may ask for more.
MAX_VISIBILITY_S = 43_200


class InvalidSigningSecret(ValueError):
    """A signing secret that is not `whsec_` + base64."""


def signing_key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except ValueError:
        raise InvalidSigningSecret("the signing secret is not base64 after its whsec_ prefix") from None
    if not key:
        raise InvalidSigningSecret("the signing secret is empty")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one attempt."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def webhook_headers(secrets: str | Sequence[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one attempt, signed with each of `secrets` (one, or the new and old during a rotation)."""
    keys = (secrets,) if isinstance(secrets, str) else tuple(secrets)
    if not keys:
        raise InvalidSigningSecret("no signing secret")
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, message_id, timestamp, body) for secret in keys),
    }


def notification_id(job_id: str) -> str:
    """The webhook-id of a job's notification: a job sends one notification (snapshot.stored or scan.failed)."""
    return "msg_" + job_id.replace("-", "")


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PERMANENT = "permanent"


def classify_status(status: int) -> Verdict:
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status in (408, 429) or status >= 500:
        return Verdict.RETRY
    return Verdict.PERMANENT


def backoff_delay(attempt: int, *, base_s: float, cap_s: float, retry_after_s: float | None = None) -> int:
    """Seconds before attempt `attempt + 1`: what Retry-After asks when given, else base * 2^(attempt-1); both
    capped at cap_s (and at the 12 hours SQS can hide a message). Whole seconds, at least 0."""
    cap = min(cap_s, MAX_VISIBILITY_S)
    if retry_after_s is not None:
        delay = retry_after_s
    else:
        delay = base_s * (2 ** max(0, min(attempt - 1, 40)))
    return int(max(0.0, min(delay, cap)) + 0.999999)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks for: a number of seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
