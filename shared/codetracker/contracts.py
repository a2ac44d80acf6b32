"""Wire formats at the edges converted to and from domain values, in one module, each versioned:

- the descriptor JSON (`codetracker extract --json`, the API's snapshot bodies): DESCRIPTOR_FORMAT;
- the scan outcome and snapshot summaries the CLI prints with --json: SCAN_OUTCOME_FORMAT;
- the blob cache's positional encoding: versioned by EXTRACTOR_VERSION (domain/extraction.py);
- pagination cursors: opaque to clients, versioned inside, each bound to the listing that handed it out;
- queue messages, each `{"v": 1, "type": ...}` and validated at its consumer's edge: `scan.requested`
  (api, reconciler → scanner), `persist.requested` (scanner → persister), `notify.requested` (persister,
  scanner → notifier); any of them may travel as a claim check (`claim_check`: the body is in the payload
  store);
- the webhook bodies the notifier POSTs (`snapshot.stored`, `scan.failed`).
A change that a reader of the previous version would misread bumps the version.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from codetracker.domain.export_graph import ImportBinding, ModuleLinks, ReExport
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    FileDecision,
    FileExtraction,
    PackageInfo,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    SnapshotSummary,
    TreeEntry,
)
from codetracker.domain.model import PackageEntryPoint, PublicFunction, SnapshotKey, SnapshotSource, UnknownExport
from codetracker.domain.service import JobTrigger, NotifyRequested, PersistRequested, ScanRequested
from codetracker.errors import InvalidInput, InvalidMessage
from codetracker.ports.snapshot_store import FunctionCursor, SnapshotCursor

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
        "type_source": p.type_source,
        "jsdoc_type": p.jsdoc_type,
        "keys": list(p.keys),
    }


def return_value_to_dict(r: ReturnValue) -> dict[str, Any]:
    return {"type": r.type, "description": r.description, "type_source": r.type_source, "jsdoc_type": r.jsdoc_type}


def _parameter_from_dict(p: dict[str, Any]) -> Parameter:
    fields = dict(p)
    fields["keys"] = tuple(fields.get("keys") or ())
    return Parameter(**fields)


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
        "return_values": [return_value_to_dict(r) for r in f.return_values],
        "type_parameters": f.type_parameters,
        "overload": f.overload,
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
        parameters=tuple([_parameter_from_dict(p) for p in d["parameters"]]),
        return_values=tuple([ReturnValue(**r) for r in d["return_values"]]),
        type_parameters=d.get("type_parameters"),
        overload=d.get("overload"),
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
    out["type_exports"] = dict(d.type_exports)
    if d.packages:  # a tree with package.json files: what each package holds (see README, "Packages")
        out["packages"] = [package_to_dict(p) for p in d.packages]
    return out


def package_to_dict(p: PackageInfo) -> dict[str, Any]:
    return {
        "name": p.name,
        "version": p.version,
        "path": p.path,
        "module_slug": p.module_slug,
        "private": p.private,
        "files": list(p.files),
        "excluded": [{"path": x.path, "rule": x.rule, "detail": x.detail} for x in p.excluded],
        "entry_points": [
            {"subpath": e.subpath, "conditions": list(e.conditions), "file_path": e.file_path} for e in p.entry_points
        ],
        "public_functions": [
            {"subpath": f.subpath, "export_name": f.export_name, "file_path": f.file_path, "name": f.name}
            for f in p.public_functions
        ],
        "unknown_exports": [
            {"subpath": u.subpath, "export_name": u.export_name, "reason": u.reason} for u in p.unknown_exports
        ],
    }


def package_from_dict(d: dict[str, Any]) -> PackageInfo:
    return PackageInfo(
        name=d["name"],
        version=d["version"],
        path=d["path"],
        module_slug=d["module_slug"],
        private=d["private"],
        files=tuple(d["files"]),
        excluded=tuple(FileDecision(x["path"], False, x["rule"], x["detail"]) for x in d.get("excluded", ())),
        entry_points=tuple(
            PackageEntryPoint(e["subpath"], tuple(e["conditions"]), e["file_path"]) for e in d.get("entry_points", ())
        ),
        public_functions=tuple(
            PublicFunction(f["subpath"], f["export_name"], f["file_path"], f["name"])
            for f in d.get("public_functions", ())
        ),
        unknown_exports=tuple(
            UnknownExport(u["subpath"], u["export_name"], u["reason"]) for u in d.get("unknown_exports", ())
        ),
    )


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
        type_exports=tuple(sorted((d.get("type_exports") or {}).items())),
        packages=tuple(package_from_dict(p) for p in d.get("packages", ())),
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
    """A snapshot summary as the CLI prints it (the scope is left out: the CLI has one), with where it was
    scanned from: {"location": normal URL or file://PATH, "subpath": folder within it or ""}, null when not
    recorded (a snapshot stored before sources were)."""
    fields = {name: getattr(summary, name) for name in SUMMARY_FIELDS}
    fields["source"] = (
        None
        if summary.source_location is None
        else {"location": summary.source_location, "subpath": summary.source_subpath}
    )
    if summary.package_of is not None:  # a package's snapshot: of which scan, and whether it is gone
        fields["package_of"] = summary.package_of
        fields["package"] = summary.package_name
        fields["removed_from_tree"] = (
            None
            if summary.removed_from_tree_at is None
            else {"at": summary.removed_from_tree_at, "commit_sha": summary.removed_from_tree_commit}
        )
    return fields


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
        "unread_sources": dict(stats.unread_sources),
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
                    p.doc_default,  # the dataclass order (_parameter_from_cache)
                    p.type_source,
                    p.jsdoc_type,
                    list(p.keys),
                ]
                for p in f.parameters
            ],
            [[r.type, r.description, r.type_source, r.jsdoc_type] for r in f.return_values],
            f.type_parameters,
            f.overload,
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
        x.type_exports,
        x.unread_reason,
        _links_to_cache(x.links) if x.links is not None else None,
    ]
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _links_to_cache(links: ModuleLinks) -> list[Any]:
    return [
        sorted(links.functions),
        dict(links.local_exports),
        [[b.local, b.imported, b.specifier] for b in links.imports.values()],
        [[r.exported, r.imported, r.specifier] for r in links.re_exports],
        list(links.star_specifiers),
        sorted(links.not_functions),
        dict(links.unknown),
    ]


def _links_from_cache(row: list[Any]) -> ModuleLinks:
    functions, local_exports, imports, re_exports, stars, not_functions, unknown = row
    return ModuleLinks(
        functions=frozenset(functions),
        local_exports=local_exports,
        imports={local: ImportBinding(local, imported, specifier) for local, imported, specifier in imports},
        re_exports=tuple(ReExport(*r) for r in re_exports),
        star_specifiers=tuple(stars),
        not_functions=frozenset(not_functions),
        unknown=unknown,
    )


def _parameter_from_cache(row: list[Any]) -> Parameter:
    name, position, type_, optional, rest, default, description, doc_default, type_source, jsdoc_type, keys = row
    return Parameter(
        name, position, type_, optional, rest, default, description, doc_default, type_source, jsdoc_type, tuple(keys)
    )


def extraction_from_cache_json(text: str) -> FileExtraction:
    functions, problem_kind, reason, line, column, blob_size, type_exports, unread_reason, links = json.loads(text)
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
                    tuple([_parameter_from_cache(p) for p in parameters]),
                    tuple([ReturnValue(*r) for r in returns]),
                    type_parameters,
                    overload,
                )
                for (
                    name,
                    export_type,
                    is_async,
                    description,
                    jsdoc_raw,
                    order,
                    parameters,
                    returns,
                    type_parameters,
                    overload,
                ) in functions
            ]
        ),
        problem_kind=ProblemKind(problem_kind) if problem_kind else None,
        problem_reason=reason,
        problem_line=line,
        problem_column=column,
        blob_size=blob_size,
        type_exports=type_exports,
        unread_reason=unread_reason,
        links=_links_from_cache(links) if links is not None else None,
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

    def text_field(source: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
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
        trigger = JobTrigger(str(body.get("trigger")))
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


# --- the shared shape of queue messages ---------------------------------------------------------------------


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


def _text(source: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = source.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidMessage(f"{name} must be a non-empty string")
    return value


def _subpath(source: dict[str, Any]) -> str:
    value = source.get("subpath") or ""
    if not isinstance(value, str):
        raise InvalidMessage("subpath must be a string")
    return value


def _uuid(source: dict[str, Any], name: str) -> str:
    value = _text(source, name) or ""
    if not _UUID.fullmatch(value):
        raise InvalidMessage(f"{name} must be a uuid")
    return value


def _moment(source: dict[str, Any], name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(source, name) or "")
    except ValueError:
        raise InvalidMessage(f"{name} must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidMessage(f"{name} must carry its time zone")
    return moment


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def message_job_id(text: str | bytes) -> str | None:
    """The job id a message names, if it names one (to record a malformed message on its job)."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    job_id = body.get("job_id") if isinstance(body, dict) else None
    return job_id if isinstance(job_id, str) and _UUID.fullmatch(job_id) else None


# --- claim checks: a body too large for the queue is put in the payload store ------------------------------

CLAIM_CHECK_FIELD = "claim_check"


def claim_check_to_json(body_text: str, location: str, size: int, sha256: str) -> str:
    """The message that stands for a stored body: the body's own v, type and ids (a consumer can still tell
    what and whose it is) and where the body is:

    {"v": 1, "type": <the body's type>, "job_id": ..., "repository_id": ...,
     "claim_check": {"location": "s3://bucket/key", "bytes": 123456, "sha256": hex}}"""
    body = json.loads(body_text)
    pointer = {k: body[k] for k in ("v", "type", "job_id", "repository_id") if k in body}
    pointer[CLAIM_CHECK_FIELD] = {"location": location, "bytes": size, "sha256": sha256}
    return _dump(pointer)


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


# --- persist.requested (scanner → persister) -------------------------------------------------------------------

PERSIST_REQUESTED_VERSION = 1
PERSIST_REQUESTED_TYPE = "persist.requested"


@dataclass(frozen=True, slots=True)
class DecodedScan:
    """A scan result as the persister receives it."""

    key: SnapshotKey
    descriptor: Descriptor
    source: SnapshotSource
    scanned_at: datetime
    ref_kind: str | None
    extraction: dict[str, Any]
    fetch: dict[str, Any] | None
    package_slugs: tuple[str, ...] = ()  # ScanResult.package_slugs (absent from older messages)


def scan_result_to_dict(result: ScanResult) -> dict[str, Any]:
    stats = result.extraction
    return {
        "key": {
            "scope": result.key.scope,
            "module_slug": result.key.module_slug,
            "branch_name": result.key.branch_name,
            "release_tag": result.key.release_tag,
        },
        "source": {
            "name": result.source.name,
            "folder_path": result.source.folder_path,
            "commit_sha": result.source.commit_sha,
            "location": result.source.location,
            "subpath": result.source.subpath,
        },
        "scanned_at": result.scanned_at.isoformat(),
        "ref_kind": result.ref_kind,
        "extraction": {
            "files_total": stats.files_total,
            "candidates": stats.candidates,
            "parsed": stats.parsed,
            "cache_hits": stats.cache_hits,
            "unread_sources": dict(stats.unread_sources),
        },
        "fetch": None
        if result.fetch is None
        else {
            "bytes_received": result.fetch.bytes_received,
            "used_filter": result.fetch.used_filter,
            "blobs_fetched": result.fetch.blobs_fetched,
            "transport": result.fetch.transport,
        },
        "descriptor": descriptor_to_dict(result.descriptor),
        "package_slugs": list(result.package_slugs),
    }


def decode_scan(result: dict[str, Any]) -> DecodedScan:
    """The result part of a persist.requested message; InvalidMessage for any other shape."""
    if not isinstance(result, dict):
        raise InvalidMessage("result must be an object")
    key, source = result.get("key"), result.get("source")
    if not isinstance(key, dict) or not isinstance(source, dict):
        raise InvalidMessage("result.key and result.source must be objects")
    extraction, fetch = result.get("extraction"), result.get("fetch")
    if not isinstance(extraction, dict) or not (fetch is None or isinstance(fetch, dict)):
        raise InvalidMessage("result.extraction must be an object, result.fetch an object or null")
    try:
        descriptor = descriptor_from_dict(result["descriptor"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidMessage("result.descriptor is not a descriptor") from None
    ref_kind = result.get("ref_kind")
    if ref_kind not in (None, "branch", "tag", "commit"):
        raise InvalidMessage("result.ref_kind must be branch, tag, commit or null")
    return DecodedScan(
        key=SnapshotKey(
            _text(key, "module_slug") or "",
            _text(key, "branch_name") or "",
            _text(key, "release_tag") or "",
            _text(key, "scope") or "",
        ),
        descriptor=descriptor,
        source=SnapshotSource(
            _text(source, "name") or "",
            _text(source, "folder_path", optional=True),
            _text(source, "commit_sha", optional=True),
            # Absent from messages sent before sources were recorded: the stored source is kept.
            _text(source, "location", optional=True),
            _subpath(source),
        ),
        scanned_at=_moment(result, "scanned_at"),
        ref_kind=ref_kind,
        extraction=extraction,
        fetch=fetch,
        package_slugs=_package_slugs(result),
    )


def _package_slugs(result: dict[str, Any]) -> tuple[str, ...]:
    slugs = result.get("package_slugs", [])
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise InvalidMessage("result.package_slugs must be a list of strings")
    return tuple(slugs)


def persist_requested_to_json(message: PersistRequested) -> str:
    """The persist queue's message body. Version 1:

    {"v": 1, "type": "persist.requested", "job_id": uuid, "repository_id": uuid,
     "scan_started_at": ISO 8601, "scan_ended_at": ISO 8601,
     "result": {"key": {"scope", "module_slug", "branch_name", "release_tag"},
                "source": {"name", "folder_path", "commit_sha", "location"?, "subpath"?}, "scanned_at": ISO 8601,
                "ref_kind": "branch" | "tag" | "commit" | null,
                "extraction": {"files_total", "candidates", "parsed", "cache_hits", "unread_sources"},
                "fetch": {"bytes_received", "used_filter", "blobs_fetched", "transport"} | null,
                "descriptor": the descriptor JSON (functions, problems, files, packages),
                "package_slugs"?: [the slug of every package of the tree]}}

    Above the claim-check threshold it travels as a claim check (claim_check_to_json)."""
    return _dump(
        {
            "v": PERSIST_REQUESTED_VERSION,
            "type": PERSIST_REQUESTED_TYPE,
            "job_id": message.job_id,
            "repository_id": message.repository_id,
            "scan_started_at": message.scan_started_at.isoformat(),
            "scan_ended_at": message.scan_ended_at.isoformat(),
            "result": message.result,
        }
    )


def decode_persist_requested(text: str | bytes) -> tuple[PersistRequested, DecodedScan]:
    """Validate a persist queue message: the message and its scan result, decoded once; InvalidMessage (never
    retried) for anything but a version-1 message."""
    body = _load_object(text)
    _check_header(body, PERSIST_REQUESTED_TYPE, PERSIST_REQUESTED_VERSION)
    result = body.get("result")
    scan = decode_scan(result)  # type: ignore[arg-type]
    message = PersistRequested(
        job_id=_uuid(body, "job_id"),
        repository_id=_uuid(body, "repository_id"),
        scanned_at=scan.scanned_at,
        scan_started_at=_moment(body, "scan_started_at"),
        scan_ended_at=_moment(body, "scan_ended_at"),
        result=result,  # type: ignore[arg-type]
    )
    return message, scan


def persist_requested_from_json(text: str | bytes) -> PersistRequested:
    return decode_persist_requested(text)[0]


# --- notify.requested (persister, scanner → notifier) ----------------------------------------------------------

NOTIFY_REQUESTED_VERSION = 1
NOTIFY_REQUESTED_TYPE = "notify.requested"
_NOTIFICATION_ID = re.compile(r"msg_[0-9A-Za-z_-]{1,200}")


def notify_requested_to_json(message: NotifyRequested) -> str:
    """The notify queue's message body. Version 1:

    {"v": 1, "type": "notify.requested", "notification_id": "msg_<job id hex>", "job_id": uuid,
     "repository_id": uuid, "event": the webhook body (snapshot_stored_event / scan_failed_event)}

    The notification id (the webhook-id) travels in the body: a redriven copy has a new SQS message id and
    receive count, and keeps it."""
    return _dump(
        {
            "v": NOTIFY_REQUESTED_VERSION,
            "type": NOTIFY_REQUESTED_TYPE,
            "notification_id": message.notification_id,
            "job_id": message.job_id,
            "repository_id": message.repository_id,
            "event": message.event,
        }
    )


def notify_requested_from_json(text: str | bytes) -> NotifyRequested:
    body = _load_object(text)
    _check_header(body, NOTIFY_REQUESTED_TYPE, NOTIFY_REQUESTED_VERSION)
    notification = _text(body, "notification_id") or ""
    if not _NOTIFICATION_ID.fullmatch(notification):
        raise InvalidMessage("notification_id must be msg_ followed by letters, digits, _ or -")
    event = body.get("event")
    if (
        not isinstance(event, dict)
        or event.get("type") not in NOTIFICATION_TYPES
        or not isinstance(event.get("data"), dict)
    ):
        raise InvalidMessage(f"event must be a webhook body of type {' or '.join(NOTIFICATION_TYPES)}")
    _moment(event, "timestamp")
    return NotifyRequested(
        notification_id=notification,
        job_id=_uuid(body, "job_id"),
        repository_id=_uuid(body, "repository_id"),
        event=event,
    )


# --- webhook bodies (what the notifier POSTs, signed per Standard Webhooks) -------------------------------------

NOTIFICATION_TYPES = ("snapshot.stored", "scan.failed")


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def snapshot_stored_event(
    *,
    at: datetime,
    repository_id: str,
    repository_url: str,
    job_id: str,
    trigger: str,
    ref: str,
    summary: SnapshotSummary,
    changes: dict[str, Any],
    snapshot_url: str | None,
    unread: dict[str, int] | None = None,
    packages: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """{"type": "snapshot.stored", "timestamp": ISO 8601 UTC,
    "data": {"repository": {"id", "url"}, "job": {"id", "trigger", "ref"}, "commit_sha",
             "snapshot": {"id", "module_slug", "branch_name", "release_tag", "url"},
             "counts": {"functions", "parameters", "return_values", "files", "problems", "unread_files"},
             "unread": {why: files} (JavaScript-family files not read: ".cjs", "commonjs", "too large"…),
             "changes": {"first_snapshot", "previous_commit", "added_count", "removed_count",
                         "changed_count", "added", "removed", "changed" (≤100 {file_path, name} each),
                         "truncated"},
             "packages"?: (a tree with packages; "snapshot", "counts" and "changes" are then its primary
                 package's: the registration's slug, else the root package, else the first)
                 {"stored": [{"module_slug", "name", "version", "path", "private", "release_tag",
                              "outcome": "stored" | "stale", "snapshot_id"?, "functions"?, "changes"?, "url"}],
                  "removed": [module slugs gone from the tree at this commit, marked removed]}}}"""
    event: dict[str, Any] = {
        "type": "snapshot.stored",
        "timestamp": _utc_text(at),
        "data": {
            "repository": {"id": repository_id, "url": repository_url},
            "job": {"id": job_id, "trigger": trigger, "ref": ref},
            "commit_sha": summary.commit_sha,
            "snapshot": {
                "id": summary.snapshot_id,
                "module_slug": summary.module_slug,
                "branch_name": summary.branch_name,
                "release_tag": summary.release_tag,
                "url": snapshot_url,
            },
            "counts": {
                "functions": summary.functions_count,
                "parameters": summary.parameters_count,
                "return_values": summary.return_values_count,
                "files": summary.files_count,
                "problems": summary.problems_count,
                "unread_files": sum((unread or {}).values()),
            },
            "unread": dict(unread or {}),
            "changes": changes,
        },
    }
    if packages is not None:
        event["data"]["packages"] = packages
    return event


def scan_failed_event(
    *,
    at: datetime,
    repository_id: str,
    repository_url: str,
    job_id: str,
    trigger: str,
    ref: str,
    stage: str,
    commit_sha: str | None,
    snapshot_key: dict[str, str | None],
    error_code: str,
    error_message: str,
) -> dict[str, Any]:
    """{"type": "scan.failed", "timestamp": ISO 8601 UTC,
    "data": {"repository": {"id", "url"}, "job": {"id", "trigger", "ref", "stage": "scan" | "persist"},
             "commit_sha": str | null, "snapshot": {"module_slug", "branch_name", "release_tag"},
             "error": {"code", "message"}}}"""
    return {
        "type": "scan.failed",
        "timestamp": _utc_text(at),
        "data": {
            "repository": {"id": repository_id, "url": repository_url},
            "job": {"id": job_id, "trigger": trigger, "ref": ref, "stage": stage},
            "commit_sha": commit_sha,
            "snapshot": snapshot_key,
            "error": {"code": error_code, "message": error_message},
        },
    }


def event_to_bytes(event: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed): compact JSON, UTF-8."""
    return _dump(event).encode("utf-8")
