"""The blob cache's encoding of one file's extraction, versioned by EXTRACTOR_VERSION (domain/extraction.py).

A text: one JSON document, then the module's value expressions, each as a record of its own outside it
(`\x1e`, the name as JSON, `\x1f`, the expression as JSON; JSON never writes either control character raw).
A rescan decodes thousands of cached results, and call evaluation asks for a few values of few of them: the
records are split only when a module's values are first asked for, and a value is parsed only when it is
(CachedValues). They were more than half of the cache's bytes, so left out of the document they are neither
parsed nor, embedded as strings, unescaped. The document holds positional arrays, not objects: smaller,
faster to parse, and they build the values positionally. Field order is part of the format: changing it
means bumping EXTRACTOR_VERSION, which makes older cache rows invisible."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from codetracker.domain.call_values import Built, Expr, Factory, Guard, expr_from_json
from codetracker.domain.export_graph import ImportBinding, ModuleLinks, ReExport
from codetracker.domain.model import (
    ExportedFunction,
    FileExtraction,
    Parameter,
    ParamSyntax,
    ProblemKind,
    ReturnValue,
)


_VALUE_RECORD = "\x1e"  # starts a value record: the name as JSON, _VALUE_NAME_END, the expression as JSON
_VALUE_NAME_END = "\x1f"


def extraction_to_cache_text(x: FileExtraction) -> str:
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
                    p.doc_default,  # before description in the dataclass: _parameter_from_cache decodes by name
                    p.type_source,
                    p.jsdoc_type,
                    list(p.keys),
                ]
                for p in f.parameters
            ],
            [[r.type, r.description, r.type_source, r.jsdoc_type] for r in f.return_values],
            f.type_parameters,
            f.overload,
            f.params_from_doc,
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
    document = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    return document + _value_records(x.links.values) if x.links is not None else document


def _links_to_cache(links: ModuleLinks) -> list[Any]:
    return [
        sorted(links.functions),
        dict(links.local_exports),
        [[b.local, b.imported, b.specifier, b.member] for b in links.imports.values()],
        [[r.exported, r.imported, r.specifier] for r in links.re_exports],
        list(links.star_specifiers),
        sorted(links.not_functions),
        dict(links.unknown),
        {name: [list(b.callees), b.reason, b.arguments, b.value] for name, b in links.built.items()},
        {name: _factory_to_cache(f) for name, f in links.factories.items()},
        dict(links.factory_exports),
        links.commonjs,
        list(links.alternatives),
        None,  # the values: records after the document (_value_records)
        dict(links.value_exports),
        sorted(links.returns_functions),
    ]


# One encoder for every value: json.dumps with arguments builds a new one per call.
_VALUE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _value_records(values: Mapping[str, Expr]) -> str:
    if isinstance(values, CachedValues):
        return _VALUE_RECORD + values.records  # as read: no value parsed to be written again
    encode = _VALUE_ENCODER.encode
    return "".join(f"{_VALUE_RECORD}{encode(name)}{_VALUE_NAME_END}{encode(expr)}" for name, expr in values.items())


class CachedValues(Mapping[str, Expr]):
    """A cached module's value expressions (ModuleLinks.values), held as the records the cache text ends with:
    split by name when first asked for, each value parsed only when asked for. A rescan reads thousands of
    cached modules and call evaluation asks for a few values of few of them; read eagerly, the values were two
    fifths of a warm rescan (1.3 s of 3.1 s for 5,000 cached modules). A text is one object the garbage
    collector never walks."""

    __slots__ = ("records", "_texts", "_read")

    def __init__(self, records: str) -> None:
        self.records = records  # the records, the first one's _VALUE_RECORD left out
        self._texts: dict[str, str] | None = None
        self._read: dict[str, Expr] = {}

    @property
    def texts(self) -> dict[str, str]:
        """Each value's JSON text, by name."""
        if self._texts is None:
            texts = {}
            for record in self.records.split(_VALUE_RECORD):
                name, _, text = record.partition(_VALUE_NAME_END)
                texts[json.loads(name)] = text
            self._texts = texts
        return self._texts

    def __getitem__(self, name: str) -> Expr:
        expr = self._read.get(name)
        if expr is None:
            expr = self._read[name] = expr_from_json(json.loads(self.texts[name]))
        return expr

    def __contains__(self, name: object) -> bool:
        return name in self.texts

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        return f"CachedValues({self.records!r})"


def _factory_to_cache(factory: Factory) -> list[Any]:
    params = None
    if factory.params is not None:
        params = [
            [p.source, p.identifier, p.default_source, p.is_rest, p.annotation, p.is_optional] for p in factory.params
        ]
    guard = factory.guard
    if guard is not None:
        guard_row = [guard.operator, guard.left, guard.right, guard.returns_when, guard.defaults]
    return [list(factory.callees), params, guard_row if guard is not None else None]


def _factory_from_cache(row: list[Any]) -> Factory:
    callees, params, guard = row
    return Factory(
        tuple(callees),
        tuple(ParamSyntax(*p) for p in params) if params is not None else None,
        Guard(guard[0], tuple(guard[1]), tuple(guard[2]), guard[3], tuple(tuple(d) for d in guard[4]))
        if guard is not None
        else None,
    )


def _links_from_cache(row: list[Any], value_records: str) -> ModuleLinks:
    functions, local_exports, imports, re_exports, stars, not_functions, unknown, built, factories, factory_exports = (
        row[:10]
    )
    value_exports, returns_functions = row[13:]
    return ModuleLinks(
        functions=frozenset(functions),
        local_exports=local_exports,
        imports={row[0]: ImportBinding(*row) for row in imports},
        re_exports=tuple(ReExport(*r) for r in re_exports),
        star_specifiers=tuple(stars),
        not_functions=frozenset(not_functions),
        unknown=unknown,
        built={
            name: Built(
                tuple(callees),
                reason,
                tuple(tuple(a) for a in arguments) if arguments is not None else None,
                expr_from_json(value),
            )
            for name, (callees, reason, arguments, value) in built.items()
        },
        factories={name: _factory_from_cache(row) for name, row in factories.items()},
        factory_exports=factory_exports,
        commonjs=bool(row[10]),
        alternatives=tuple(row[11]),
        values=CachedValues(value_records) if value_records else {},
        value_exports=value_exports,
        returns_functions=frozenset(returns_functions),
    )


def _parameter_from_cache(row: list[Any]) -> Parameter:
    name, position, type_, optional, rest, default, description, doc_default, type_source, jsdoc_type, keys = row
    return Parameter(
        name, position, type_, optional, rest, default, doc_default, description, type_source, jsdoc_type, tuple(keys)
    )


def extraction_from_cache_text(text: str) -> FileExtraction:
    document, _, value_records = text.partition(_VALUE_RECORD)
    functions, problem_kind, reason, line, column, blob_size, type_exports, unread_reason, links = json.loads(document)
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
                    params_from_doc,
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
                    params_from_doc,
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
        links=_links_from_cache(links, value_records) if links is not None else None,
    )
