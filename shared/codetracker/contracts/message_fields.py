"""The shared shape of queue messages: a JSON object with a type and a version, and the field readers
that turn a malformed field into InvalidMessage (never retried)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Protocol

from codetracker.errors import InvalidMessage

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _load_object(text: str | bytes) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidMessage("the message is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidMessage("the message is not a JSON object")
    return body


def _check_header(body: dict[str, Any], message_type: str, version: int) -> None:
    if body.get("type") != message_type:
        raise InvalidMessage(f"the message type is {body.get('type')!r}, not {message_type!r}")
    if body.get("v") != version:
        raise InvalidMessage(f"version {body.get('v')!r} of {message_type} is not handled")


def text_field(source: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = source.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidMessage(f"{name} must be a non-empty string")
    return value


def subpath_field(source: dict[str, Any]) -> str:
    value = source.get("subpath") or ""
    if not isinstance(value, str):
        raise InvalidMessage("subpath must be a string")
    return value


def uuid_field(source: dict[str, Any], name: str) -> str:
    value = text_field(source, name) or ""
    if not _UUID.fullmatch(value):
        raise InvalidMessage(f"{name} must be a uuid")
    return value


def moment_field(source: dict[str, Any], name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text_field(source, name) or "")
    except ValueError:
        raise InvalidMessage(f"{name} must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidMessage(f"{name} must carry its time zone")
    return moment


def dump_json(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class AboutAJob(Protocol):
    """A queue message: every one names the job it is about and that job's repository."""

    @property
    def job_id(self) -> str: ...

    @property
    def repository_id(self) -> str: ...


def message_to_json(message_type: str, version: int, message: AboutAJob, **fields: Any) -> str:
    """A queue message's body: its header (version, type, the job and the repository it is about: what a claim
    check keeps, and what a malformed message is recorded on), then its own fields."""
    header = {"v": version, "type": message_type, "job_id": message.job_id, "repository_id": message.repository_id}
    return dump_json({**header, **fields})


def load_message(text: str | bytes, message_type: str, version: int) -> dict[str, Any]:
    """The body of a message of this type and version; InvalidMessage for anything else."""
    body = _load_object(text)
    _check_header(body, message_type, version)
    return body


def message_job_id(text: str | bytes) -> str | None:
    """The job id a message names, if it names one (to record a malformed message on its job)."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    job_id = body.get("job_id") if isinstance(body, dict) else None
    return job_id if isinstance(job_id, str) and _UUID.fullmatch(job_id) else None
