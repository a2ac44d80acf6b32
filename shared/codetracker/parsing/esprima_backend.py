"""The exact backend: esprima-fork (ES2026, ESTree, with early errors), pure Python and slower.

A file is parsed as a module (legacy import assertions `assert { … }` are read as import attributes);
when that fails it is parsed as a script (legacy code: `with`, octal literals, `await` as a name), and a
script has no exports. When both fail, the module error is raised.
"""

from __future__ import annotations

import gc
import re
from typing import Any

from codetracker.domain.model import ModuleSyntax, ParamSyntax, ParseFailure
from codetracker.parsing.exports import DEFAULT, NAMED, ExportCollector, FunctionShape
from codetracker.parsing.source_text import (
    identifier_name,
    line_column,
    mentions_import_meta,
    skip_trivia,
    string_literal_value,
    with_import_attributes,
)

_OPTIONS = {"range": True, "positionEncoding": "scalar"}  # ranges in code points, like Python str
_FUNCTION_VALUES = frozenset({"FunctionExpression", "ArrowFunctionExpression", "FunctionDeclaration"})
_LINE_PREFIX = re.compile(r"^Line \d+: ")


class EsprimaParser:
    """ModuleParser on esprima-fork."""

    name = "esprima"

    def __init__(self) -> None:
        import esprima

        self._esprima = esprima

    def parse(self, source: str) -> ModuleSyntax:
        try:
            program = self._run(self._esprima.parseModule, source)
        except ParseFailure as module_failure:
            legacy = with_import_attributes(source)
            if legacy is not None:
                try:
                    # Same length as the source: ranges in this tree are valid in the source too.
                    return _walk(source, self._run(self._esprima.parseModule, legacy))
                except ParseFailure:
                    pass
            try:
                self._run(self._esprima.parseScript, source)
            except ParseFailure:
                raise module_failure from None
            return ModuleSyntax(is_module=False, exports=())
        return _walk(source, program)

    def _run(self, parse: Any, source: str) -> Any:
        # esprima allocates many small objects; the collector only slows it down (measured 1.5x).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return parse(source, _OPTIONS)
        except self._esprima.Error as error:
            raise _failure(source, error) from None
        except RecursionError:
            raise ParseFailure("nesting too deep for the parser") from None
        except Exception as error:  # a parser bug must not end a whole scan; the file is reported instead
            raise ParseFailure(f"esprima internal error: {type(error).__name__}: {error}") from error
        finally:
            if gc_was_enabled:
                gc.enable()


def _failure(source: str, error: Any) -> ParseFailure:
    message = str(getattr(error, "message", None) or error)
    message = _LINE_PREFIX.sub("", message)  # esprima prefixes "Line N: "; the position is kept apart
    index = getattr(error, "index", None)
    if isinstance(index, int):
        line, column = line_column(source, index)
        return ParseFailure(message, line, column)
    line_number = getattr(error, "lineNumber", None)
    error_column = getattr(error, "column", None)
    column = error_column - 1 if isinstance(error_column, int) and error_column > 0 else None
    return ParseFailure(message, line_number, column)


def _walk(source: str, program: Any) -> ModuleSyntax:
    walk = _Walk(source)
    try:
        return walk.run(program)
    finally:
        walk.collector = None  # break the walk ↔ collector cycle: the tree is freed now, not at the next GC


class _Walk:
    """One parsed file: its top-level statements, reported to an ExportCollector."""

    __slots__ = ("source", "collector")

    def __init__(self, source: str) -> None:
        self.source = source
        self.collector: ExportCollector[Any] = ExportCollector(source, self.describe)

    def text(self, node: Any) -> str:
        start, end = node.range
        return self.source[start:end]

    def name(self, node: Any) -> str:
        """An identifier's name, or a string literal's value (`export { f as "a b" }`)."""
        text = self.text(node)
        return string_literal_value(text) if node.type == "Literal" else identifier_name(text)

    def run(self, program: Any) -> ModuleSyntax:
        collector = self.collector
        for node in program.body:
            kind = node.type
            start, end = node.range
            statement = collector.add_statement(start, end)
            if kind == "ExportNamedDeclaration":
                collector.is_module = True
                self.export_named(node, statement)
            elif kind == "ExportDefaultDeclaration":
                collector.is_module = True
                self.export_default(node, statement)
            elif kind in ("ImportDeclaration", "ExportAllDeclaration"):
                collector.is_module = True
            elif kind == "FunctionDeclaration":
                if node.id is not None:
                    collector.bind(self.name(node.id), node, statement)
            elif kind == "VariableDeclaration":
                self.declarators(node, statement, export_offset=None)
            elif kind == "ClassDeclaration":
                if node.id is not None:
                    collector.bind(self.name(node.id), None, statement)
        if not collector.is_module and mentions_import_meta(self.source):
            collector.is_module = _has_import_meta(program)
        return collector.result()

    def export_named(self, node: Any, statement: int) -> None:
        collector = self.collector
        declaration = node.declaration
        if declaration is None:
            if node.source is not None:
                return  # re-export
            for specifier in node.specifiers:
                exported = self.name(specifier.exported)
                collector.export_local(
                    exported,
                    self.name(specifier.local),
                    DEFAULT if exported == "default" else NAMED,
                    specifier.range[0],
                    statement,
                )
            return
        kind = declaration.type
        if kind == "FunctionDeclaration":
            name = self.name(declaration.id)
            collector.bind(name, declaration, statement)
            collector.export_function(name, name, NAMED, declaration, node.range[0], statement)
        elif kind == "VariableDeclaration":
            self.declarators(declaration, statement, export_offset=node.range[0])
        elif kind == "ClassDeclaration" and declaration.id is not None:
            collector.bind(self.name(declaration.id), None, statement)

    def export_default(self, node: Any, statement: int) -> None:
        collector = self.collector
        value = node.declaration
        kind = value.type
        if kind in _FUNCTION_VALUES:
            function_id = getattr(value, "id", None)
            name = self.name(function_id) if function_id is not None else None
            if kind == "FunctionDeclaration" and name is not None:
                collector.bind(name, value, statement)
            collector.export_function(DEFAULT, name, DEFAULT, value, node.range[0], statement)
        elif kind == "Identifier":
            collector.export_local(DEFAULT, self.name(value), DEFAULT, node.range[0], statement)
        elif kind == "ClassDeclaration" and value.id is not None:
            collector.bind(self.name(value.id), None, statement)

    def declarators(self, declaration: Any, statement: int, *, export_offset: int | None) -> None:
        collector = self.collector
        for declarator in declaration.declarations:
            target = declarator.id
            if target.type != "Identifier":
                for name in self.pattern_names(target):
                    collector.bind(name, None, statement)
                continue
            name = self.name(target)
            value = declarator.init
            function = value if value is not None and value.type in _FUNCTION_VALUES else None
            collector.bind(name, function, statement)
            if export_offset is not None and function is not None:
                collector.export_function(name, name, NAMED, function, export_offset, statement)

    def pattern_names(self, pattern: Any) -> list[str]:
        names: list[str] = []
        pending = [pattern]
        while pending:
            node = pending.pop()
            if node is None:  # array hole
                continue
            kind = node.type
            if kind == "Identifier":
                names.append(self.name(node))
            elif kind == "ObjectPattern":
                pending.extend(reversed(node.properties))
            elif kind == "Property":
                pending.append(node.value)
            elif kind == "ArrayPattern":
                pending.extend(reversed(node.elements))
            elif kind == "AssignmentPattern":
                pending.append(node.left)
            elif kind == "RestElement":
                pending.append(node.argument)
        return names

    def describe(self, function: Any) -> FunctionShape:
        return FunctionShape(
            is_async=bool(function.isAsync),
            is_generator=bool(function.generator),
            params=tuple(self.param(node) for node in function.params),
        )

    def param(self, node: Any) -> ParamSyntax:
        kind = node.type
        if kind == "AssignmentPattern":
            left = node.left
            source = self.text(left)
            # The default as written, parentheses included (ESTree ranges leave them out).
            equals = skip_trivia(self.source, left.range[1], node.range[1])
            start = skip_trivia(self.source, equals + 1, node.range[1])
            default = self.source[start : node.range[1]]
            identifier = identifier_name(source) if left.type == "Identifier" else None
            return ParamSyntax(source=source, identifier=identifier, default_source=default, is_rest=False)
        if kind == "RestElement":
            target = node.argument
            source = self.text(target)
            identifier = identifier_name(source) if target.type == "Identifier" else None
            return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=True)
        source = self.text(node)
        identifier = identifier_name(source) if kind == "Identifier" else None
        return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=False)


def _has_import_meta(program: Any) -> bool:
    """Whether the tree holds `import.meta` anywhere (module-only syntax). Rare path: a full walk."""
    pending: list[Any] = [program]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        kind = getattr(node, "type", None)
        if kind is None:
            continue
        if kind == "MetaProperty" and getattr(node.meta, "name", None) == "import":
            return True
        for key, value in vars(node).items():
            if key not in ("range", "type") and (isinstance(value, list) or hasattr(value, "type")):
                pending.append(value)
    return False
