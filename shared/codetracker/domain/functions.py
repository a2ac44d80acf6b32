"""Exported functions of one file: parser syntax facts plus their JSDoc, turned into descriptor values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from codetracker.domain.jsdoc import JsDoc, JsDocParam, parse_jsdoc, tag_type
from codetracker.domain.model import (
    ExportedFunction,
    FunctionExportSyntax,
    ModuleSyntax,
    Parameter,
    ParamSyntax,
    ReturnValue,
)
from codetracker.domain.patterns import destructured_keys, normalize_pattern
from codetracker.domain.type_signatures import FunctionSignature, parse_function_type

__all__ = ["build_functions", "function_name", "with_parameters"]

_NO_DOCS = JsDoc(description=None)


def build_functions(syntax: ModuleSyntax, file_path: str) -> tuple[ExportedFunction, ...]:
    """The exported functions of one file, in source order (`order_in_file` counts from 0).

    Exports are ordered by `offset`; exports at the same offset keep the parser's order.
    """
    ordered = sorted(syntax.exports, key=lambda export: export.offset)
    return tuple(_build_function(export, order, file_path) for order, export in enumerate(ordered))


def function_name(export: FunctionExportSyntax) -> str:
    """The name a function is tracked under.

    Named exports: the exported name. Default exports: the local name when there is one
    (`export default function f`, `export { f as default }` and `export default f` are all "f"), so that a
    function keeps its name in the history when it becomes or stops being the default; anonymous default
    exports are "default". `export_type` still tells a default export apart.
    """
    if export.export_type == "default":
        return export.local_name or "default"
    return export.exported_name


def _build_function(export: FunctionExportSyntax, order: int, file_path: str) -> ExportedFunction:
    docs = parse_jsdoc(export.jsdoc_raw) if export.jsdoc_raw is not None else _NO_DOCS
    code_unknown = not export.params_known or export.reads_arguments
    documented = _documented_params(docs) if code_unknown else None
    signature = _type_signature(docs) if code_unknown and documented is None else None
    if signature is not None and len(signature.parameters) <= len(export.params):
        signature = None  # the code shows at least as many: its own parameters stay
    if documented is not None and len(documented) > len(export.params):
        parameters, from_doc = _parameters(documented, docs.params), True
    elif signature is not None:
        parameters, from_doc = _signature_parameters(signature), True
    else:
        parameters, from_doc = _parameters(export.params, docs.params), False
    returns = _return_values(export.return_annotation, docs)
    if signature is not None and not returns and signature.return_type is not None:
        returns = (ReturnValue(type=signature.return_type, description=None, type_source="jsdoc"),)
    return ExportedFunction(
        name=function_name(export),
        file_path=file_path,
        export_type=export.export_type,
        is_async=export.is_async,
        description=docs.description,
        jsdoc_raw=export.jsdoc_raw,
        order_in_file=order,
        parameters=parameters,
        return_values=returns,
        type_parameters=export.type_parameters,
        overload=export.overload,
        params_from_doc=from_doc,
    )


def _documented_params(docs: JsDoc) -> tuple[ParamSyntax, ...] | None:
    """The top-level @params as code parameters (their docs attach by name), None when there are none or
    one names nothing: the code does not show all the function takes, so the documented ones are used."""
    top_level = [p for p in docs.params if not p.is_nested]
    if not top_level or any(not p.name for p in top_level):
        return None
    return tuple(
        ParamSyntax(source=p.name, identifier=p.name, default_source=None, is_rest=p.is_rest) for p in top_level
    )


def _type_signature(docs: JsDoc) -> FunctionSignature | None:
    """The call signature of the first `@type`, when it is one function type."""
    for tag in docs.tags_named("type"):
        written = tag_type(tag)
        return parse_function_type(written) if written is not None else None
    return None


def _signature_parameters(signature: FunctionSignature) -> tuple[Parameter, ...]:
    """Parameters from a `@type` signature; Closure's unnamed ones are named by position (`arg0`)."""
    return tuple(
        Parameter(
            name=p.name or f"arg{position}",
            position=position,
            type=p.type,
            is_optional=p.is_optional,
            is_rest=p.is_rest,
            default_value=None,
            doc_default=None,
            description=None,
            type_source="jsdoc" if p.type else None,
        )
        for position, p in enumerate(signature.parameters)
    )


def with_parameters(function: ExportedFunction, params: Sequence[ParamSyntax]) -> ExportedFunction:
    """The record with parameters from code found elsewhere (the function a factory returns), matched
    with the record's own JSDoc as usual."""
    docs = parse_jsdoc(function.jsdoc_raw) if function.jsdoc_raw is not None else _NO_DOCS
    return replace(function, parameters=_parameters(params, docs.params), params_from_doc=False)


def _return_values(annotation: str | None, docs: JsDoc) -> tuple[ReturnValue, ...]:
    """From @returns; a TypeScript return annotation wins over the JSDoc type, which is kept beside it."""
    documented = [
        ReturnValue(type=r.type, description=r.description, type_source="jsdoc" if r.type else None)
        for r in docs.returns
    ]
    if annotation is None:
        return tuple(documented)
    first = docs.returns[0] if docs.returns else None
    return (
        ReturnValue(
            type=annotation,
            description=first.description if first is not None else None,
            type_source="annotation",
            jsdoc_type=first.type if first is not None else None,
        ),
    )


def _parameters(code: Sequence[ParamSyntax], documented: Sequence[JsDocParam]) -> tuple[Parameter, ...]:
    """Parameters come from the code; each takes at most one top-level @param.

    Matching, per code parameter at position i (positions count top-level @params only, so nested tags such
    as `options.x` or `options[].x` never shift them):
    * a plain identifier takes the @param of the same name;
    * otherwise (no @param of that name, or a destructuring pattern) it takes the i-th top-level @param,
      unless that @param's name belongs to another code parameter: docs whose names drifted from the code
      still describe the parameter at their position, but a @param never describes two parameters;
    * a @param written as a rest parameter (`...name`, or JSDoc's variadic type `{...T}`) is never taken
      by position by a parameter that is not rest: it describes the rest parameter. By name it matches
      like any other (the name is explicit; `@param {...number} xs` of `f(xs)` documents xs).
    A destructured parameter is named after its @param, else after the pattern's source text on one line
    (domain.patterns.normalize_pattern); an object pattern's keys are recorded either way.
    Types: a TypeScript annotation wins; the JSDoc type is kept beside it (`jsdoc_type`).
    `default_value` is the code's default only; a default written in JSDoc (`[wait=10]`) is `doc_default`,
    and either makes the parameter optional.
    """
    top_level = [p for p in documented if not p.is_nested]
    by_name: dict[str, JsDocParam] = {}
    for named in top_level:
        by_name.setdefault(named.name, named)
    code_names = {p.identifier for p in code if p.identifier is not None}

    parameters: list[Parameter] = []
    for position, param in enumerate(code):
        doc = by_name.get(param.identifier) if param.identifier is not None else None
        if doc is None and position < len(top_level):
            candidate = top_level[position]
            if candidate.name not in code_names and (param.is_rest or not candidate.is_rest):
                doc = candidate
        keys: tuple[str, ...] = ()
        if param.identifier is not None:
            name = param.identifier
        else:
            pattern = normalize_pattern(param.source)
            keys = destructured_keys(pattern)
            name = doc.name if doc is not None and doc.name else pattern
        doc_type = doc.type if doc is not None else None
        type_: str | None
        type_source: str | None
        if param.annotation is not None:
            type_, type_source, jsdoc_type = param.annotation, "annotation", doc_type
        else:
            type_, type_source, jsdoc_type = doc_type, "jsdoc" if doc_type else None, None
        parameters.append(
            Parameter(
                name=name,
                position=position,
                type=type_,
                is_optional=param.is_optional
                or param.default_source is not None
                or (doc is not None and doc.is_optional),
                is_rest=param.is_rest,
                default_value=param.default_source,
                doc_default=doc.default_value if doc is not None else None,
                description=doc.description if doc is not None else None,
                type_source=type_source,
                jsdoc_type=jsdoc_type,
                keys=keys,
            )
        )
    return tuple(parameters)
