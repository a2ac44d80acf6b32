"""The exact backend: esprima-fork (ES2026, ESTree, with early errors), pure Python and slower.

A file is parsed as a module (legacy import assertions `assert { … }` are read as import attributes);
when that fails it is parsed as a script (legacy code: `with`, octal literals, `await` as a name), and a
script has no exports. When both fail, the module error is raised.

esprima-fork checks module early errors itself (a name declared or exported twice, …), so the walk
reports the same facts as the tree-sitter backend's but leaves the ExportCollector's `early_errors` off.
The walk's function facts are parsing/esprima_functions.py's.
"""

from __future__ import annotations

import gc
import re
from typing import Any

from codetracker.domain.call_values import Expr
from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.parsing.esprima_values import EsprimaValues
from codetracker.parsing.esprima_functions import _FUNCTION_VALUES, EsprimaFunctions
from codetracker.parsing.declaration_jsdoc import Declarator
from codetracker.parsing.exports import DEFAULT, NAMED, ExportCollector
from codetracker.parsing.source_text import (
    identifier_name,
    line_column,
    mentions_import_meta,
    string_literal_value,
    with_import_attributes,
)

_OPTIONS = {"range": True, "positionEncoding": "scalar"}  # ranges in code points, like Python str
_LINE_PREFIX = re.compile(r"^Line \d+: ")
# An import or export declaration makes the file a module (even `export {}`, which exports nothing).
_MODULE_DECLARATIONS = frozenset(
    {"ImportDeclaration", "ExportNamedDeclaration", "ExportDefaultDeclaration", "ExportAllDeclaration"}
)


class EsprimaParser:
    """ModuleParser on esprima-fork."""

    name = "esprima"

    def __init__(self) -> None:
        import esprima

        self._esprima = esprima

    def parse(self, source: str, dialect: str = "javascript") -> ModuleSyntax:
        if dialect != "javascript":
            raise ParseFailure(f"the esprima parser reads JavaScript only, not {dialect}")
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

    def parse_commonjs(self, source: str) -> ModuleSyntax:
        """The exports of a CommonJS file, as Node's `import` sees them (parsing/commonjs.py); parsed as a script."""
        from codetracker.parsing.esprima_commonjs import CommonJsWalk

        walk = CommonJsWalk(source)
        try:
            return walk.run(self._run(self._esprima.parseScript, source))
        finally:
            walk.release()

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
        return ParseFailure(message, *line_column(source, index))
    line_number = getattr(error, "lineNumber", None)
    error_column = getattr(error, "column", None)
    column = error_column - 1 if isinstance(error_column, int) and error_column > 0 else None
    return ParseFailure(message, line_number, column)


def _walk(source: str, program: Any) -> ModuleSyntax:
    walk = _Walk(source)
    try:
        return walk.run(program)
    finally:
        walk.release()


class _Walk(EsprimaFunctions):
    """One parsed file: its top-level statements, reported to an ExportCollector."""

    __slots__ = ("source", "collector", "values")

    def __init__(self, source: str) -> None:
        self.source = source
        # esprima has already applied the early errors, exactly (nested scopes included).
        self.collector: ExportCollector[Any] = ExportCollector(
            source, self.describe, early_errors=False, factory=self.factory_callees
        )
        self.values = EsprimaValues(self)

    def release(self) -> None:
        """Drop what the walk holds once it has run. The collector and the value walker refer back to the walk,
        and those cycles hold the parse tree: freed by reference counting now rather than at a full garbage
        collection (a bundle's tree is tens of MB, and a scan defers full collections)."""
        del self.collector, self.values

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
            if kind in _MODULE_DECLARATIONS:
                collector.is_module = True
            if kind == "ExportNamedDeclaration":
                self.export_named(node, statement)
            elif kind == "ExportDefaultDeclaration":
                self.export_default(node, statement)
            elif kind == "ImportDeclaration":
                source = self.name(node.source)
                for specifier in node.specifiers:
                    local = specifier.local
                    collector.bind(self.name(local), None, statement, lexical=True, offset=local.range[0])
                    collector.import_binding(self.name(local), self.imported_name(specifier), source)
            elif kind == "ExportAllDeclaration":
                exported = getattr(node, "exported", None)  # `export * as ns from 'm'`
                if exported is not None:
                    collector.re_export(self.name(exported), "*", self.name(node.source), exported.range[0])
                else:
                    collector.star_export(self.name(node.source))
            elif kind == "FunctionDeclaration":
                if node.id is not None:
                    self.bind(node.id, node, statement, value=self.values.function(node))
            elif kind == "VariableDeclaration":
                self.declarators(node, statement, export_offset=None)
            elif kind == "ClassDeclaration":
                if node.id is not None:
                    self.bind(node.id, None, statement)
            elif kind in _ASSIGNING_STATEMENTS:
                collector.assigned(self.values.assigned_names(node))
        if not collector.is_module and mentions_import_meta(self.source):
            collector.is_module = _has_import_meta(program)
        return collector.result()

    def bind(
        self,
        identifier: Any,
        function: Any,
        statement: int,
        *,
        lexical: bool = True,
        declarator: Declarator | None = None,
        alias: str | None = None,
        undecided: str | None = None,
        built: Any = None,
        value: Expr | None = None,
    ) -> None:
        self.collector.bind(
            self.name(identifier),
            function,
            statement,
            lexical=lexical,
            offset=identifier.range[0],
            declarator=declarator,
            alias=alias,
            undecided=undecided,
            built=built,
            value=value,
        )

    def imported_name(self, specifier: Any) -> str:
        if specifier.type == "ImportDefaultSpecifier":
            return "default"
        if specifier.type == "ImportNamespaceSpecifier":
            return "*"
        return self.name(specifier.imported)

    def export_named(self, node: Any, statement: int) -> None:
        collector = self.collector
        declaration = node.declaration
        if declaration is None:
            if node.source is not None:  # a re-export: followed across the package's files
                source = self.name(node.source)
                for specifier in node.specifiers:
                    exported, imported = self.name(specifier.exported), self.name(specifier.local)
                    collector.re_export(exported, imported, source, specifier.range[0])
                return
            for specifier in node.specifiers:
                exported = self.name(specifier.exported)
                collector.export_local(
                    exported,
                    self.name(specifier.local),
                    DEFAULT if exported == "default" else NAMED,
                    specifier.range[0],
                    statement,
                    in_clause=True,
                )
            return
        kind = declaration.type
        if kind == "FunctionDeclaration":
            name = self.name(declaration.id)
            self.bind(declaration.id, declaration, statement, value=self.values.function(declaration))
            collector.export_function(name, name, NAMED, declaration, node.range[0], statement)
        elif kind == "VariableDeclaration":
            self.declarators(declaration, statement, export_offset=node.range[0])
        elif kind == "ClassDeclaration" and declaration.id is not None:
            self.bind(declaration.id, None, statement)
            collector.export_name(self.name(declaration.id), node.range[0])

    def export_default(self, node: Any, statement: int) -> None:
        collector = self.collector
        value = node.declaration
        kind = value.type
        if kind in _FUNCTION_VALUES:
            function_id = getattr(value, "id", None)
            name = self.name(function_id) if function_id is not None else None
            if kind == "FunctionDeclaration" and function_id is not None:
                self.bind(function_id, value, statement, value=self.values.function(value))
            collector.export_function(DEFAULT, name, DEFAULT, value, node.range[0], statement)
        elif kind == "Identifier":
            collector.export_local(DEFAULT, self.name(value), DEFAULT, node.range[0], statement, in_clause=False)
        elif kind == "ClassDeclaration":
            if value.id is not None:
                self.bind(value.id, None, statement)
            collector.export_name(DEFAULT, node.range[0])
        else:
            function, built = self.built_of(value, self.undecided_value(value))
            if built is not None:
                collector.export_function(DEFAULT, None, DEFAULT, function, node.range[0], statement, built=built)
            else:
                collector.export_name(DEFAULT, node.range[0], unknown=self.undecided_value(value))

    def declarators(self, declaration: Any, statement: int, *, export_offset: int | None) -> None:
        lexical = declaration.kind != "var"
        gap_start = declaration.range[0] + len(declaration.kind)  # after the keyword
        first = True
        for declarator in declaration.declarations:
            place = Declarator(gap_start, declarator.range[0], first)
            gap_start, first = declarator.range[1], False
            self.declarator(
                declarator.id, declarator.init, statement, lexical=lexical, place=place, export_offset=export_offset
            )

    def member_bindings(self, pattern: Any, value: Any) -> None:
        if value is None or value.type != "Identifier" or pattern.type != "ObjectPattern":
            return
        for part in pattern.properties:
            if part.type == "Property" and not part.computed and part.key.type == "Identifier":
                if part.value.type == "Identifier":
                    self.collector.member_binding(self.name(part.value), self.name(value), self.name(part.key))


# Top-level statements that may assign module bindings (`x = …`, in blocks too) or declare nested ones.
_ASSIGNING_STATEMENTS = frozenset(
    {
        "ExpressionStatement",
        "IfStatement",
        "BlockStatement",
        "TryStatement",
        "SwitchStatement",
        "LabeledStatement",
        "ForStatement",
        "ForInStatement",
        "ForOfStatement",
        "WhileStatement",
        "DoWhileStatement",
    }
)


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
