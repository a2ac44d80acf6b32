"""Declaration files (.d.ts) as a type source for JavaScript: which declaration describes which file, and
the types a function without JSDoc types takes from it.

Which declaration (same package only):
1. the `.d.ts` beside the file (`a/b.js` → `a/b.d.ts`, `.mjs` → `.d.mts`, `.jsx` → `.d.ts`);
2. else the package's: an `exports` entry's `types` condition for the files of its other conditions,
   and `types`/`typings` for the `main`/`module` file.
A function takes, per parameter and for its return, the declared type only where JSDoc gives none; the
declared function is the one of the same export name (the default export for a default export), and of
its overloads the first with as many parameters, else the first.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from codetracker.domain.model import ExportedFunction, Parameter, ReturnValue

__all__ = ["apply_declarations", "declaration_paths"]

_BESIDE = {".mjs": ".d.mts", ".js": ".d.ts", ".jsx": ".d.ts"}


def declaration_paths(
    javascript: Iterable[str], declarations: Iterable[str], manifests: Mapping[str, Any]
) -> dict[str, str]:
    """JavaScript path → the declaration file describing it. `manifests` maps a package folder ("" for
    the root) to its parsed package.json."""
    have = set(declarations)
    found: dict[str, str] = {}
    by_manifest = _manifest_declarations(manifests, have)
    for path in javascript:
        base, ext = posixpath.splitext(path)
        beside = base + _BESIDE[ext.lower()] if ext.lower() in _BESIDE else None
        if beside is not None and beside in have:
            found[path] = beside
        elif path in by_manifest:
            found[path] = by_manifest[path]
    return found


def _manifest_declarations(manifests: Mapping[str, Any], have: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for folder, manifest in manifests.items():
        if not isinstance(manifest, dict):
            continue

        def resolve(target: Any, folder: str = folder) -> str | None:
            if not isinstance(target, str) or target.startswith("../"):
                return None
            return posixpath.normpath(posixpath.join(folder, target))

        exports = manifest.get("exports")
        for conditions in _export_condition_sets(exports):
            types = resolve(conditions.get("types") or conditions.get("typings"))
            if types is None or types not in have:
                continue
            for name, target in conditions.items():
                path = resolve(target) if name not in ("types", "typings") else None
                if path is not None:
                    found.setdefault(path, types)
        types = resolve(manifest.get("types") or manifest.get("typings"))
        if types is not None and types in have:
            for field in ("main", "module"):
                path = resolve(manifest.get(field))
                if path is not None:
                    found.setdefault(path, types)
                    if not posixpath.splitext(path)[1]:
                        found.setdefault(path + ".js", types)
    return found


def _export_condition_sets(exports: Any) -> list[dict[str, Any]]:
    """The condition objects of an `exports` field that name a `types` file, nested ones included."""
    found: list[dict[str, Any]] = []
    pending = [exports]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if "types" in value or "typings" in value:
                found.append(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return found


def apply_declarations(
    functions: tuple[ExportedFunction, ...], declared: Iterable[ExportedFunction]
) -> tuple[ExportedFunction, ...]:
    """`functions` of one JavaScript file with the types JSDoc does not give taken from `declared` (the
    functions of its declaration file), marked `type_source="declaration"`."""
    by_name: dict[tuple[str, str], list[ExportedFunction]] = {}
    for function in declared:
        by_name.setdefault((function.export_type, function.name), []).append(function)
        if function.export_type == "default":
            by_name.setdefault(("default", ""), []).append(function)
    if not by_name:
        return functions
    return tuple(_typed(function, by_name) for function in functions)


def _typed(function: ExportedFunction, by_name: dict[tuple[str, str], list[ExportedFunction]]) -> ExportedFunction:
    key = ("default", "") if function.export_type == "default" else ("named", function.name)
    candidates = by_name.get((function.export_type, function.name)) or by_name.get(key)
    if not candidates:
        return function
    count = len(function.parameters)
    source = next((c for c in candidates if len(c.parameters) == count), candidates[0])
    parameters = tuple(_typed_parameter(p, source.parameters) for p in function.parameters)
    returns = function.return_values
    declared_return = source.return_values[0].type if source.return_values else None
    if declared_return is not None and not any(r.type for r in returns):
        description = returns[0].description if returns else None
        returns = (ReturnValue(type=declared_return, description=description, type_source="declaration"),)
    if parameters == function.parameters and returns == function.return_values:
        return function
    return replace(
        function,
        parameters=parameters,
        return_values=returns,
        type_parameters=function.type_parameters or source.type_parameters,
    )


def _typed_parameter(parameter: Parameter, declared: tuple[Parameter, ...]) -> Parameter:
    if parameter.type is not None or parameter.position >= len(declared):
        return parameter
    match = declared[parameter.position]
    if match.type is None:
        return parameter
    return replace(
        parameter,
        type=match.type,
        type_source="declaration",
        is_optional=parameter.is_optional or match.is_optional,
    )
