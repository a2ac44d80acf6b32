"""The export rules, written once: which top-level facts of a file make an exported function.

A backend walks the top-level statements of its tree and reports what it sees (statements, bindings,
function exports, exports of local names) to an ExportCollector; the collector applies the rules and
builds the ModuleSyntax. Function nodes stay opaque (tree-sitter or esprima nodes); the backend's
`describe` turns one into a FunctionShape only when it is actually exported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from codetracker.domain.model import FunctionExportSyntax, ModuleSyntax, ParamSyntax
from codetracker.parsing.source_text import attached_jsdoc, gap_comments

FunctionNode = TypeVar("FunctionNode")

NAMED = "named"
DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class FunctionShape:
    is_async: bool
    is_generator: bool
    params: tuple[ParamSyntax, ...]


@dataclass(slots=True)
class _Binding(Generic[FunctionNode]):
    function: FunctionNode | None  # None: bound to something that is not a function
    statement: int


@dataclass(slots=True)
class _FunctionExport(Generic[FunctionNode]):
    exported_name: str
    local_name: str | None
    export_type: str
    function: FunctionNode
    offset: int
    statement: int


@dataclass(slots=True)
class _LocalExport:
    exported_name: str
    local_name: str
    export_type: str
    offset: int
    statement: int


class ExportCollector(Generic[FunctionNode]):
    """Top-level facts of one file; all offsets are character offsets into `source`."""

    def __init__(self, source: str, describe: Callable[[FunctionNode], FunctionShape]) -> None:
        self.source = source
        self.is_module = False
        self._describe = describe
        self._statements: list[tuple[int, int]] = []
        self._bindings: dict[str, list[_Binding[FunctionNode]]] = {}
        self._exports: list[_FunctionExport[FunctionNode] | _LocalExport] = []
        self._jsdoc: dict[int, str | None] = {}

    def add_statement(self, start: int, end: int) -> int:
        """Record a top-level statement; returns its index (statements come in source order)."""
        self._statements.append((start, end))
        return len(self._statements) - 1

    def bind(self, name: str, function: FunctionNode | None, statement: int) -> None:
        """A top-level binding: to a function node, or (None) to anything else."""
        self._bindings.setdefault(name, []).append(_Binding(function, statement))

    def export_function(
        self,
        exported_name: str,
        local_name: str | None,
        export_type: str,
        function: FunctionNode,
        offset: int,
        statement: int,
    ) -> None:
        """An export whose value is written right there: `export function`, `export const f = () =>`…"""
        self.is_module = True
        export = _FunctionExport(exported_name, local_name, export_type, function, offset, statement)
        self._exports.append(export)

    def export_local(
        self, exported_name: str, local_name: str, export_type: str, offset: int, statement: int
    ) -> None:
        """An export of a local name (`export { f as g }`, `export default f`): a function if f is one."""
        self.is_module = True
        self._exports.append(_LocalExport(exported_name, local_name, export_type, offset, statement))

    def result(self) -> ModuleSyntax:
        if not self.is_module:
            return ModuleSyntax(is_module=False, exports=())
        found: list[FunctionExportSyntax] = []
        for export in self._exports:
            if isinstance(export, _FunctionExport):
                function = export.function
                jsdoc = self._jsdoc_of(export.statement)
            else:
                bindings = self._bindings.get(export.local_name)
                # Bound twice (`var f; var f = …`) or not at all (imports, globals): not a known function.
                if bindings is None or len(bindings) != 1 or bindings[0].function is None:
                    continue
                function = bindings[0].function
                jsdoc = self._jsdoc_of(bindings[0].statement) or self._jsdoc_of(export.statement)
            shape = self._describe(function)
            found.append(
                FunctionExportSyntax(
                    exported_name=export.exported_name,
                    local_name=export.local_name,
                    export_type=export.export_type,
                    is_async=shape.is_async,
                    is_generator=shape.is_generator,
                    params=shape.params,
                    jsdoc_raw=jsdoc,
                    offset=export.offset,
                )
            )
        found.sort(key=lambda f: f.offset)  # stable: declarators of one statement keep their order
        return ModuleSyntax(is_module=True, exports=tuple(found))

    def _jsdoc_of(self, statement: int) -> str | None:
        if statement in self._jsdoc:
            return self._jsdoc[statement]
        start = self._statements[statement][0]
        gap_start = self._statements[statement - 1][1] if statement > 0 else 0
        jsdoc = attached_jsdoc(self.source, gap_comments(self.source, gap_start, start), start)
        self._jsdoc[statement] = jsdoc
        return jsdoc
