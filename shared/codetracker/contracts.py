"""Wire formats at the edges converted to and from domain values, in one module, each versioned:

- the descriptor JSON (`codetracker extract --json`, the API's snapshot bodies): DESCRIPTOR_FORMAT;
- the scan outcome and snapshot summaries the CLI prints with --json: SCAN_OUTCOME_FORMAT;
- the blob cache's positional encoding: versioned by EXTRACTOR_VERSION (domain/extraction.py);
- pagination cursors: opaque to clients, versioned inside, each bound to the listing that handed it out;
- queue messages: `{"v": 1, "type": "scan.requested", ...}` (SCAN_REQUESTED_VERSION), validated by
  `scan_requested_from_json` at the consumer's edge.
A change that a reader of the previous version would misread bumps the version.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    FileExtraction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    SnapshotSummary,
    TreeEntry,
)
from codetracker.domain.service import JobTrigger, ScanRequested
from codetracker.errors import InvalidInput, InvalidMessage
from codetracker.ports import FunctionCursor, SnapshotCursor

if TYPE_CHECKING:
    from codetracker.usecases.scan import ScanResult

DESCRIPTOR_FORMAT = 1
SCAN_OUTCOME_FORMAT = 1


def parameter_to_dict(p: Parameter) -> dict[str, Any]:
    return {
        "name": p.name,
        "position": p.position,
        "type": p.type,
        "is_optional": p.is_optional,
        "is_rest": p.is_rest,
        "default_value": p.default_value,
        "doc_default": p.doc_default,
        "description": p.description,
    }


def function_to_dict(f: ExportedFunction) -> dict[str, Any]:
    return {
        "name": f.name,
        "file_path": f.file_path,
        "export_type": f.export_type,
        "is_async": f.is_async,
        "description": f.description,
        "jsdoc_raw": f.jsdoc_raw,
        "order_in_file": f.order_in_file,
        "parameters": [parameter_to_dict(p) for p in f.parameters],
        "return_values": [{"type": r.type, "description": r.description} for r in f.return_values],
    }


def function_from_dict(d: dict[str, Any]) -> ExportedFunction:
    # Keyword construction from the documented keys: this runs for every cached function on a rescan.
    return ExportedFunction(
        name=d["name"],
        file_path=d["file_path"],
        export_type=d["export_type"],
        is_async=d["is_async"],
        description=d["description"],
        jsdoc_raw=d["jsdoc_raw"],
        order_in_file=d["order_in_file"],
        parameters=tuple([Parameter(**p) for p in d["parameters"]]),
        return_values=tuple([ReturnValue(**r) for r in d["return_values"]]),
    )


def entry_to_dict(e: TreeEntry) -> dict[str, Any]:
    return {"path": e.path, "kind": str(e.kind), "size": e.size, "sha": e.sha}


def problem_to_dict(p: ScanProblem) -> dict[str, Any]:
    return {"path": p.path, "kind": str(p.kind), "reason": p.reason, "line": p.line, "column": p.column}


def descriptor_to_dict(d: Descriptor, *, include_files: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "module_slug": d.module_slug,
        "functions": [function_to_dict(f) for f in d.functions],
        "problems": [problem_to_dict(p) for p in d.problems],
    }
    if include_files:
        out["files"] = [entry_to_dict(e) for e in d.files]
    return out


def descriptor_from_dict(d: dict[str, Any]) -> Descriptor:
    return Descriptor(
        module_slug=d["module_slug"],
        functions=tuple(function_from_dict(f) for f in d["functions"]),
        files=tuple(
            TreeEntry(path=e["path"], kind=EntryKind(e["kind"]), size=e["size"], sha=e["sha"])
            for e in d.get("files", ())
        ),
        problems=tuple(
            ScanProblem(
                path=p["path"], kind=ProblemKind(p["kind"]), reason=p["reason"], line=p["line"], column=p["column"]
            )
            for p in d.get("problems", ())
        ),
    )


# --- snapshot summaries and scan outcomes (CLI --json) ---------------------------------------------------------

SUMMARY_FIELDS = (
    "module_slug",
    "snapshot_id",
    "branch_name",
    "release_tag",
    "commit_sha",
    "functions_count",
    "parameters_count",
    "return_values_count",
    "files_count",
    "problems_count",
    "last_scanned_at",
)


def summary_to_dict(summary: SnapshotSummary) -> dict[str, Any]:
    """A snapshot summary as the CLI prints it (the scope is left out: the CLI has one)."""
    return {name: getattr(summary, name) for name in SUMMARY_FIELDS}


def scan_outcome_to_dict(summary: SnapshotSummary, result: ScanResult) -> dict[str, Any]:
    """What `codetracker scan --json` prints: the stored snapshot's summary, what extraction did and, for
    repositories, what the fetch transferred."""
    payload = summary_to_dict(summary)
    stats = result.extraction
    payload["extraction"] = {
        "files_total": stats.files_total,
        "candidates": stats.candidates,
        "parsed": stats.parsed,
        "cache_hits": stats.cache_hits,
    }
    if result.fetch is not None:
        payload["fetch"] = {
            "bytes_received": result.fetch.bytes_received,
            "used_filter": result.fetch.used_filter,
            "blobs_fetched": result.fetch.blobs_fetched,
        }
    return payload


# --- pagination cursors ------------------------------------------------------------------------------------

_CURSOR_VERSION = 1


def encode_snapshot_cursor(cursor: SnapshotCursor) -> str:
    raw = json.dumps([_CURSOR_VERSION, cursor.module_slug, cursor.branch_name, cursor.release_tag])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_snapshot_cursor(text: str) -> SnapshotCursor:
    try:
        version, slug, branch, tag = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if version != _CURSOR_VERSION or not all(isinstance(v, str) for v in (slug, branch, tag)):
            raise ValueError(version)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this service handed out", field="cursor") from None
    return SnapshotCursor(slug, branch, tag)


# --- the blob cache's encoding ---------------------------------------------------------------------------
# Positional arrays, not objects: a rescan decodes thousands of cached results, and arrays are smaller,
# parse faster and build the values positionally. Field order is part of the format: changing it means
# bumping EXTRACTOR_VERSION (domain/extraction.py), which makes older cache rows invisible.


def extraction_to_cache_json(x: FileExtraction) -> str:
    functions = [
        [
            f.name,
            f.export_type,
            f.is_async,
            f.description,
            f.jsdoc_raw,
            f.order_in_file,
            [
                [
                    p.name,
                    p.position,
                    p.type,
                    p.is_optional,
                    p.is_rest,
                    p.default_value,
                    p.description,
                    p.doc_default,  # the dataclass order, so that Parameter(*p) decodes it
                ]
                for p in f.parameters
            ],
            [[r.type, r.description] for r in f.return_values],
        ]
        for f in x.functions
    ]
    row = [
        functions,
        str(x.problem_kind) if x.problem_kind else None,
        x.problem_reason,
        x.problem_line,
        x.problem_column,
        x.blob_size,
    ]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def extraction_from_cache_json(text: str) -> FileExtraction:
    functions, problem_kind, reason, line, column, blob_size = json.loads(text)
    return FileExtraction(
        functions=tuple(
            [
                ExportedFunction(
                    name,
                    "",
                    export_type,
                    is_async,
                    description,
                    jsdoc_raw,
                    order,
                    tuple([Parameter(*p) for p in parameters]),
                    tuple([ReturnValue(*r) for r in returns]),
                )
                for name, export_type, is_async, description, jsdoc_raw, order, parameters, returns in functions
            ]
        ),
        problem_kind=ProblemKind(problem_kind) if problem_kind else None,
        problem_reason=reason,
        problem_line=line,
        problem_column=column,
        blob_size=blob_size,
    )


# --- listing cursors of the service (repositories, jobs, activity, a snapshot's functions) -------------------
# [version, listing, *keyset values]: a cursor of one listing is refused by another.


def encode_cursor(listing: str, *values: str | int) -> str:
    raw = json.dumps([_CURSOR_VERSION, listing, *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(listing: str, text: str, *kinds: type) -> tuple[Any, ...]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(decoded, list) or decoded[:2] != [_CURSOR_VERSION, listing]:
            raise ValueError(decoded)
        values = tuple(decoded[2:])
        if len(values) != len(kinds) or not all(
            isinstance(v, k) and not isinstance(v, bool) for v, k in zip(values, kinds)
        ):
            raise ValueError(values)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidInput("cursor is not one this service handed out", field="cursor") from None
    return values


def encode_moment_cursor(listing: str, moment: datetime, item_id: str) -> str:
    return encode_cursor(listing, moment.isoformat(), item_id)


def decode_moment_cursor(listing: str, text: str) -> tuple[datetime, str]:
    moment, item_id = decode_cursor(listing, text, str, str)
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise InvalidInput("cursor is not one this service handed out", field="cursor") from None
    if parsed.tzinfo is None:
        raise InvalidInput("cursor is not one this service handed out", field="cursor")
    return parsed, item_id


def encode_function_cursor(cursor: FunctionCursor) -> str:
    return encode_cursor("functions", cursor.file_path, cursor.order_in_file)


def decode_function_cursor(text: str) -> FunctionCursor:
    path, order = decode_cursor("functions", text, str, int)
    return FunctionCursor(path, order)


# --- queue messages -------------------------------------------------------------------------------------------

SCAN_REQUESTED_VERSION = 1
SCAN_REQUESTED_TYPE = "scan.requested"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def scan_requested_to_json(message: ScanRequested) -> str:
    """The scan queue's message body. Version 1:

    {"v": 1, "type": "scan.requested", "job_id": uuid, "repository_id": uuid, "url": normalised URL,
     "ref": "refs/heads/main" | "refs/tags/v1" | a name or commit sha, "trigger": "api" | "webhook" | ...,
     "requested_at": ISO 8601, "fallback_branch": the watched branch,
     "snapshot": {"scope": "repository:<id>", "module_slug": slug, "branch_name": str | null,
                  "release_tag": str | null}}

    No secret travels in it: the scanner reads the registration's encrypted access token from the store."""
    return json.dumps(
        {
            "v": SCAN_REQUESTED_VERSION,
            "type": SCAN_REQUESTED_TYPE,
            "job_id": message.job_id,
            "repository_id": message.repository_id,
            "url": message.url,
            "ref": message.ref,
            "trigger": str(message.trigger),
            "requested_at": message.requested_at.isoformat(),
            "fallback_branch": message.fallback_branch,
            "snapshot": {
                "scope": message.scope,
                "module_slug": message.module_slug,
                "branch_name": message.branch_name,
                "release_tag": message.release_tag,
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def scan_requested_from_json(text: str | bytes) -> ScanRequested:
    """Validate a scan queue message; InvalidMessage (never retried) for anything but a version-1 message."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidMessage("the message is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidMessage("the message is not a JSON object")
    if body.get("type") != SCAN_REQUESTED_TYPE:
        raise InvalidMessage(f"the message type is {body.get('type')!r}, not {SCAN_REQUESTED_TYPE!r}")
    if body.get("v") != SCAN_REQUESTED_VERSION:
        raise InvalidMessage(f"version {body.get('v')!r} of {SCAN_REQUESTED_TYPE} is not handled")
    snapshot = body.get("snapshot")
    if not isinstance(snapshot, dict):
        raise InvalidMessage("snapshot must be an object")

    def text_field(source: dict, name: str, *, optional: bool = False) -> str | None:
        value = source.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise InvalidMessage(f"{name} must be a non-empty string")
        return value

    job_id, repository_id = text_field(body, "job_id"), text_field(body, "repository_id")
    for name, value in (("job_id", job_id), ("repository_id", repository_id)):
        if not _UUID.fullmatch(value or ""):
            raise InvalidMessage(f"{name} must be a uuid")
    try:
        trigger = JobTrigger(body.get("trigger"))
    except ValueError:
        raise InvalidMessage(f"trigger {body.get('trigger')!r} is not one of the job triggers") from None
    try:
        requested_at = datetime.fromisoformat(text_field(body, "requested_at") or "")
    except ValueError:
        raise InvalidMessage("requested_at must be an ISO 8601 time") from None
    return ScanRequested(
        job_id=job_id or "",
        repository_id=repository_id or "",
        url=text_field(body, "url") or "",
        ref=text_field(body, "ref") or "",
        scope=text_field(snapshot, "scope") or "",
        module_slug=text_field(snapshot, "module_slug") or "",
        fallback_branch=text_field(body, "fallback_branch") or "",
        trigger=trigger,
        requested_at=requested_at,
        branch_name=text_field(snapshot, "branch_name", optional=True),
        release_tag=text_field(snapshot, "release_tag", optional=True),
    )
