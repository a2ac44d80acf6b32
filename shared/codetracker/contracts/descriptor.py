"""The descriptor JSON (`codetracker extract --json`, the API's snapshot bodies, the persist message's
descriptor), versioned by DESCRIPTOR_FORMAT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codetracker.contracts.records import Convert, field_names, record_from_dict, record_to_dict
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    FileDecision,
    PackageApi,
    PackageEntryPoint,
    PackageInfo,
    Parameter,
    ProblemKind,
    PublicFunction,
    ReturnValue,
    ScanProblem,
    TreeEntry,
    UnknownExport,
)
from codetracker.domain.public_listing import PublicSubpath, public_keys

DESCRIPTOR_FORMAT = 1


PARAMETER_KEYS = field_names(Parameter)
RETURN_VALUE_KEYS = field_names(ReturnValue)
FUNCTION_KEYS = field_names(ExportedFunction)


def parameter_to_dict(p: Parameter) -> dict[str, Any]:
    return record_to_dict(p, PARAMETER_KEYS, {"keys": list})


def return_value_to_dict(r: ReturnValue) -> dict[str, Any]:
    return record_to_dict(r, RETURN_VALUE_KEYS)


def _parameter_from_dict(p: dict[str, Any]) -> Parameter:
    fields = dict(p)
    fields["keys"] = tuple(fields.get("keys") or ())
    fields.setdefault("doc_default", None)  # JSON written before doc_default was
    return Parameter(**fields)


# A function's parameters and return values: lists of their own objects on the wire, tuples in the domain.
_FUNCTION_PARTS_OUT: dict[str, Convert] = {
    "parameters": lambda parameters: [parameter_to_dict(p) for p in parameters],
    "return_values": lambda return_values: [return_value_to_dict(r) for r in return_values],
}
_FUNCTION_PARTS_IN: dict[str, Convert] = {
    "parameters": lambda parameters: tuple([_parameter_from_dict(p) for p in parameters]),
    "return_values": lambda return_values: tuple([ReturnValue(**r) for r in return_values]),
}
_FUNCTION_LATER_KEYS = ("type_parameters", "overload", "params_from_doc")  # absent from older descriptors


def function_to_dict(f: ExportedFunction) -> dict[str, Any]:
    return record_to_dict(f, FUNCTION_KEYS, _FUNCTION_PARTS_OUT)


def function_from_dict(d: dict[str, Any]) -> ExportedFunction:
    return record_from_dict(ExportedFunction, FUNCTION_KEYS, d, _FUNCTION_PARTS_IN, optional=_FUNCTION_LATER_KEYS)


def entry_to_dict(e: TreeEntry) -> dict[str, Any]:
    return {"path": e.path, "kind": str(e.kind), "size": e.size, "sha": e.sha}


def problem_to_dict(p: ScanProblem) -> dict[str, Any]:
    return {"path": p.path, "kind": str(p.kind), "reason": p.reason, "line": p.line, "column": p.column}


def descriptor_to_dict(d: Descriptor, *, include_files: bool = True) -> dict[str, Any]:
    public = public_keys(d)
    functions = [function_to_dict(f) for f in d.functions]
    if public is not None:  # whether an entry point reaches it (see README, "Public API"); derived, not read back
        for record, f in zip(functions, d.functions):
            record["public"] = (f.file_path, f.name) in public
    out: dict[str, Any] = {
        "module_slug": d.module_slug,
        "functions": functions,
        "problems": [problem_to_dict(p) for p in d.problems],
    }
    if include_files:
        out["files"] = [entry_to_dict(e) for e in d.files]
    out["type_exports"] = dict(d.type_exports)
    if d.packages:  # a tree with package.json files: what each package holds (see README, "Packages")
        out["packages"] = [package_to_dict(p) for p in d.packages]
    if d.public_api is not None:  # a package's snapshot: its own public API
        out["public_api"] = package_api_to_dict(d.public_api)
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
        **package_api_to_dict(p.api),
    }


def package_api_to_dict(api: PackageApi) -> dict[str, Any]:
    return {
        "entry_points": [
            {"subpath": e.subpath, "conditions": list(e.conditions), "file_path": e.file_path} for e in api.entry_points
        ],
        "public_functions": [
            {"subpath": f.subpath, "export_name": f.export_name, "file_path": f.file_path, "name": f.name}
            for f in api.public_functions
        ],
        "unknown_exports": [
            {"subpath": u.subpath, "export_name": u.export_name, "reason": u.reason} for u in api.unknown_exports
        ],
    }


def package_api_from_dict(d: dict[str, Any]) -> PackageApi:
    return PackageApi(
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


def public_subpaths_to_list(subpaths: Sequence[PublicSubpath]) -> list[dict[str, Any]]:
    """A public API by subpath as `show --public --json` and `GET /snapshots/{id}?public=true` give it: each
    export name with its function records in the descriptor format."""
    return [
        {
            "subpath": s.subpath,
            "file_path": s.file_path,
            "conditions": list(s.conditions),
            "exports": [
                {
                    "export_name": e.export_name,
                    "file_path": e.file_path,
                    "name": e.name,
                    "functions": [function_to_dict(f) for f in e.functions],
                }
                for e in s.exports
            ],
            "unknown_exports": [{"export_name": u.export_name, "reason": u.reason} for u in s.unknown],
        }
        for s in subpaths
    ]


def package_from_dict(d: dict[str, Any]) -> PackageInfo:
    api = package_api_from_dict(d)
    return PackageInfo(
        name=d["name"],
        version=d["version"],
        path=d["path"],
        module_slug=d["module_slug"],
        private=d["private"],
        files=tuple(d["files"]),
        excluded=tuple(FileDecision(x["path"], False, x["rule"], x["detail"]) for x in d.get("excluded", ())),
        entry_points=api.entry_points,
        public_functions=api.public_functions,
        unknown_exports=api.unknown_exports,
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
        public_api=package_api_from_dict(d["public_api"]) if d.get("public_api") is not None else None,
    )
