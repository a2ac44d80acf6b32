"""GitHub webhooks, pure: the signature over the raw body, and what a delivery asks for.

The signature is `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body bytes>` with the webhook's
secret; it is checked over the bytes as received (never re-serialised JSON), in constant time.

What a delivery asks for (`interpret`):
- `ping` → Ping;
- `push` of a branch → a scan of that branch at `after`; of a tag → a scan of the tag; with `deleted: true`
  → a deletion (recorded, not scanned);
- `create` with `ref_type: tag` → a scan of the tag; `delete` → a deletion;
- `release` with `action: published` → a scan of the release's tag;
- anything else → Ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codetracker.domain.json_fields import Fields

SIGNATURE_PREFIX = "sha256="


def github_signature(secret: bytes, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not secret:
        return False
    expected = github_signature(secret, body)
    # compare_digest on ASCII bytes: a header with other characters simply does not match.
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Ping:
    pass


@dataclass(frozen=True, slots=True)
class RefScan:
    """Scan one ref: kind "branch" or "tag"; commit is the pushed commit when the event names it."""

    kind: str
    name: str
    commit: str | None

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.name}" if self.kind == "branch" else f"refs/tags/{self.name}"


@dataclass(frozen=True, slots=True)
class RefDeleted:
    kind: str  # "branch" | "tag"
    name: str


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


Intent = Ping | RefScan | RefDeleted | Ignored

# Every field of a delivery that `interpret` and the repository match (domain/urls.github_candidate_urls)
# read: a delivery is read for these only (domain/json_fields.py), whatever else it carries.
PAYLOAD_FIELDS: Fields = {
    "ref": True,
    "ref_type": True,
    "after": True,
    "deleted": True,
    "action": True,
    "release": {"tag_name": True},
    "repository": {name: True for name in ("clone_url", "html_url", "ssh_url", "git_url", "url", "default_branch")},
}


def _short(ref: str) -> tuple[str, str] | None:
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix) and len(ref) > len(prefix):
            return kind, ref[len(prefix) :]
    return None


def _text(payload: Mapping[str, Any], name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) and value else None


def interpret(event: str, payload: Mapping[str, Any]) -> Intent:
    if event == "ping":
        return Ping()
    if event == "push":
        ref = _text(payload, "ref")
        parsed = _short(ref) if ref else None
        if parsed is None:
            return Ignored(f"push of {ref!r}: not a branch or tag")
        kind, name = parsed
        if payload.get("deleted") is True:
            return RefDeleted(kind, name)
        return RefScan(kind, name, _text(payload, "after"))
    if event == "create":
        ref, ref_type = _text(payload, "ref"), _text(payload, "ref_type")
        if ref_type == "tag" and ref:
            return RefScan("tag", ref, None)
        return Ignored(f"create of a {ref_type or 'ref'}: a branch is scanned on push")
    if event == "delete":
        ref, ref_type = _text(payload, "ref"), _text(payload, "ref_type")
        if ref and ref_type in ("branch", "tag"):
            return RefDeleted(ref_type, ref)
        return Ignored("delete of an unknown ref")
    if event == "release":
        release = payload.get("release")
        tag = _text(release, "tag_name") if isinstance(release, dict) else None
        if payload.get("action") == "published" and tag:
            return RefScan("tag", tag, None)
        return Ignored(f"release {payload.get('action')!r}: only published releases are scanned")
    return Ignored(f"event {event!r} is not handled")
