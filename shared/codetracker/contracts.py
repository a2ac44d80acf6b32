"""Wire formats at the edges (JSON output, cached extraction results) converted to and from domain values."""

from __future__ import annotations

import json
from typing import Any

from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    FileExtraction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    TreeEntry,
)

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
