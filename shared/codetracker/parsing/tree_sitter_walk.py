"""One JavaScript file's tree-sitter tree: its top-level statements (imports, exports, declarations,
assignments) reported to an ExportCollector (parsing/exports.py), the few tree errors accepted or raised as
ParseFailure (see parsing/tree_sitter_backend.py). The TypeScript walk (parsing/typescript_walk.py) and the
CommonJS walk (parsing/tree_sitter_commonjs.py) extend it; function facts are parsing/tree_sitter_functions.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.parsing.declaration_jsdoc import Declarator
from codetracker.parsing.exports import DEFAULT, NAMED, ExportCollector
from codetracker.parsing.function_shape import FunctionShape
from codetracker.parsing.source_text import (
    ClauseSpecifier,
    ClauseSyntaxError,
    Utf8Offsets,
    identifier_name,
    line_column,
    mentions_import_meta,
    parse_export_clause,
    string_literal_value,
)
from codetracker.parsing.tree_sitter_functions import (
    _ASSIGNING_STATEMENTS,
    _FUNCTION_DECLARATIONS,
    _FUNCTION_VALUES,
    TreeSitterFunctions,
    _unparenthesized,
)
from codetracker.parsing.tree_sitter_values import TreeSitterValues

if TYPE_CHECKING:
    from codetracker.parsing.tree_sitter_backend import TreeSitterParser

_VARIABLE_DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
_NOT_STATEMENTS = frozenset({"comment", "hash_bang_line", "html_comment"})
# Scopes a `var` inside does not leave: functions, and classes (static blocks).
_VAR_SCOPES = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "generator_function",
        "arrow_function",
        "method_definition",
        "class_body",
    }
)
_KEYWORDS_READ_AS_NAMES = frozenset({"export", "import", "let"})


class _TreeWalk(TreeSitterFunctions):
    """One file: the top-level statements of its tree, reported to an ExportCollector."""

    __slots__ = ("source", "backend", "pos", "collector", "root", "values", "shapes")
    early_errors = True
    function_values = _FUNCTION_VALUES

    def __init__(self, source: str, data: bytes, backend: TreeSitterParser) -> None:
        self.source = source
        self.backend = backend
        # Character offset of a byte offset; identical for ASCII sources.
        self.pos = _same if len(data) == len(source) else Utf8Offsets(data)
        self.collector: ExportCollector[Any] = ExportCollector(
            source,
            self.describe,
            early_errors=self.early_errors,
            nested_var_names=self.nested_var_names,
            factory=self.factory_callees,
        )
        self.root: Any = None
        self.values = TreeSitterValues(self)
        # Each function's call_shape by node id: the factory rule and the export both ask for it.
        self.shapes: dict[int, FunctionShape] = {}

    def release(self) -> None:
        """Drop what the walk holds once it has run. The collector and the value walker refer back to the walk,
        and those cycles hold the parse tree: freed by reference counting now rather than at a full garbage
        collection (a bundle's tree is tens of MB, and a scan defers full collections)."""
        del self.collector, self.values, self.shapes
        self.root = None

    def text(self, node: Any) -> str:
        pos = self.pos
        return self.source[pos(node.start_byte) : pos(node.end_byte)]

    def code_end(self, node: Any) -> int:
        """Byte offset where the code of a statement ends. tree-sitter may count comments that follow
        it on the same line as part of the statement (`foo() /** a */ // b`, no semicolon), and those
        belong to the gap before the next statement."""
        start, end = node.start_byte, node.end_byte
        last = node.descendant_for_byte_range(end - 1, end)
        if last is None or last.type != "comment":
            return end  # the usual case: one call
        source, pos = self.source, self.pos
        while last is not None and last.type == "comment":
            # Step back over the comment and the whitespace before it (in characters, then bytes).
            comment_start = last.start_byte
            stop = pos(comment_start)
            char = stop
            while char > 0 and (source[char - 1].isspace() or source[char - 1] == "\ufeff"):
                char -= 1
            end = comment_start - len(source[char:stop].encode("utf-8", "surrogatepass"))
            if end <= start:
                return start
            last = node.descendant_for_byte_range(end - 1, end)
        return end

    def name(self, node: Any) -> str:
        return identifier_name(self.text(node))

    def fail(self, node: Any, message: str) -> ParseFailure:
        line, column = line_column(self.source, self.pos(node.start_byte))
        return ParseFailure(message, line, column)

    # --- statements ---------------------------------------------------------------------------------

    def run(self, root: Any) -> ModuleSyntax:
        if root.has_error:
            self.check_errors(root)
        self.root = root
        collector = self.collector
        pos = self.pos
        for node in root.children:
            kind = node.type
            if kind in _NOT_STATEMENTS:
                continue
            statement = collector.add_statement(pos(node.start_byte), pos(self.code_end(node)))
            self.statement(node, kind, statement)
        if not collector.is_module and mentions_import_meta(self.source):
            collector.is_module = self.backend.has_import_meta(root)
        return collector.result()

    def statement(self, node: Any, kind: str, statement: int) -> None:
        """One top-level statement."""
        collector, pos = self.collector, self.pos
        if kind == "export_statement":
            collector.is_module = True
            self.export_statement(node, statement)
        elif kind == "import_statement":
            collector.is_module = True
            self.import_statement(node, statement)
        elif kind in _FUNCTION_DECLARATIONS:
            name = node.child_by_field_name("name")
            if name is not None:
                value = self.values.function(node)
                collector.bind(self.name(name), node, statement, lexical=True, offset=pos(name.start_byte), value=value)
        elif kind in _VARIABLE_DECLARATIONS:
            self.declarators(node, statement, export_offset=None)
        elif kind == "class_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                collector.bind(self.name(name), None, statement, lexical=True, offset=pos(name.start_byte))
        elif kind == "using_declaration":  # not JavaScript yet (esprima rejects it); binds names
            for name, offset in self.declared_names(node):
                collector.bind(name, None, statement, lexical=True, offset=offset)
        elif kind == "expression_statement":
            # The grammar reads `export`, `import` or `let` before a line break as a name, and the
            # declaration after it as a separate statement, without any error node.
            expression = node.child(0)
            if expression.type == "identifier" and expression.end_byte - expression.start_byte in (3, 6):
                keyword = self.text(expression)
                if keyword in _KEYWORDS_READ_AS_NAMES:
                    raise self.fail(node, f"{keyword!r} followed by a line break")
            elif expression.type in ("assignment_expression", "augmented_assignment_expression"):
                collector.assigned(self.values.assigned_names(node))
        elif kind in _ASSIGNING_STATEMENTS:
            collector.assigned(self.values.assigned_names(node))

    def check_errors(self, root: Any) -> None:
        """Raise ParseFailure unless every error sits inside the braces of an export clause."""
        if root.is_error:  # no program at all: the parser gave up, typically on unclosed brackets
            for child in root.children:
                if child.is_error or child.is_missing or child.has_error:
                    raise self.first_error(child)
            line, column = line_column(self.source, len(self.source))
            raise ParseFailure("unexpected end of input", line, column)
        for node in root.children:
            if not (node.has_error or node.is_missing):
                continue
            if node.type == "export_statement" and not node.is_error:
                broken = [child for child in node.children if child.has_error or child.is_missing]
                if all(child.type == "export_clause" and not child.is_missing for child in broken):
                    continue  # read again from source text by export_statement()
            raise self.first_error(node)

    def first_error(self, node: Any) -> ParseFailure:
        while not (node.is_error or node.is_missing):
            for child in node.children:
                if child.has_error or child.is_missing:
                    node = child
                    break
            else:
                break
        if node.is_missing:
            return self.fail(node, f"missing {node.type!r}")
        leaf = node
        while leaf.child_count:
            leaf = leaf.child(0)
        snippet = self.text(leaf)[:40] or node.type
        return self.fail(leaf, f"unexpected {snippet!r}")

    def import_statement(self, node: Any, statement: int) -> None:
        """Bind the local names of `import a, { b as c, d }, * as ns from 'm'` (checked for clashes)."""
        clause = next((child for child in node.children if child.type == "import_clause"), None)
        if clause is None:
            return  # `import 'm'`
        collector, pos = self.collector, self.pos
        locals_: list[tuple[Any, str]] = []  # (local name node, the name imported)
        for child in clause.children:
            kind = child.type
            if kind == "identifier":
                locals_.append((child, "default"))
            elif kind == "namespace_import":
                locals_.extend((part, "*") for part in child.children if part.type == "identifier")
            elif kind == "named_imports":
                for specifier in child.children:
                    if specifier.type == "import_specifier":
                        imported = specifier.child_by_field_name("name")
                        local = specifier.child_by_field_name("alias") or imported
                        if local is not None and local.type == "identifier" and imported is not None:
                            locals_.append((local, self.module_export_name(imported)))
        source_node = node.child_by_field_name("source")
        source = string_literal_value(self.text(source_node)) if source_node is not None else ""
        for local, imported in locals_:
            name = self.name(local)
            collector.bind(name, None, statement, lexical=True, offset=pos(local.start_byte))
            collector.import_binding(name, imported, source)

    def module_export_name(self, node: Any) -> str:
        """An identifier's name, or a string literal's value (`import { "a b" as c }`)."""
        text = self.text(node)
        return string_literal_value(text) if node.type == "string" else identifier_name(text)

    def export_statement(self, node: Any, statement: int) -> None:
        collector = self.collector
        pos = self.pos
        offset = pos(node.start_byte)
        is_default = False
        for child in node.children:
            kind = child.type
            if kind == "default":
                is_default = True
            elif kind == "export_clause":
                source = node.child_by_field_name("source")
                if source is None:
                    self.export_clause(child, statement)
                else:  # a re-export, followed across the package's files (its clause must be well-formed)
                    specifier_text = string_literal_value(self.text(source))
                    for specifier in self.clause_specifiers(child, has_source=True):
                        collector.re_export(specifier.exported, specifier.local, specifier_text, specifier.offset)
                return
            elif kind == "namespace_export":  # `export * as ns from 'm'`
                name = next((part for part in child.children if part.type in ("identifier", "string")), None)
                source = node.child_by_field_name("source")
                if name is not None and source is not None:
                    exported = self.module_export_name(name)
                    collector.re_export(exported, "*", string_literal_value(self.text(source)), pos(name.start_byte))
                return
            elif kind == "*":  # `export * from 'm'`
                source = node.child_by_field_name("source")
                if source is not None:
                    collector.star_export(string_literal_value(self.text(source)))
                return

        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            kind = declaration.type
            if kind in _FUNCTION_DECLARATIONS:
                name_node = declaration.child_by_field_name("name")
                name = self.name(name_node) if name_node is not None else None
                if name is not None:
                    value = self.values.function(declaration)
                    at = pos(name_node.start_byte)
                    collector.bind(name, declaration, statement, lexical=True, offset=at, value=value)
                if is_default:
                    collector.export_function(DEFAULT, name, DEFAULT, declaration, offset, statement)
                elif name is not None:
                    collector.export_function(name, name, NAMED, declaration, offset, statement)
            elif kind in _VARIABLE_DECLARATIONS:
                self.declarators(declaration, statement, export_offset=offset)
            elif kind == "class_declaration":
                name_node = declaration.child_by_field_name("name")
                name = self.name(name_node) if name_node is not None else None
                if name is not None:
                    collector.bind(name, None, statement, lexical=True, offset=pos(name_node.start_byte))
                if is_default:
                    collector.export_name(DEFAULT, offset)
                elif name is not None:
                    collector.export_name(name, offset)
            return

        value = node.child_by_field_name("value")
        if value is None or not is_default:
            return
        value = _unparenthesized(value)
        if value.type in _FUNCTION_VALUES:
            name_node = value.child_by_field_name("name")
            name = self.name(name_node) if name_node is not None else None
            collector.export_function(DEFAULT, name, DEFAULT, value, offset, statement)
        elif value.type == "identifier":
            collector.export_local(DEFAULT, self.name(value), DEFAULT, offset, statement, in_clause=False)
        else:
            # A named `export default class C {}` arrives as a declaration (above); expressions bind nothing.
            function, built = self.built_of(value, self.undecided_value(value))
            if built is not None:
                collector.export_function(DEFAULT, None, DEFAULT, function, offset, statement, built=built)
            else:
                collector.export_name(DEFAULT, offset, unknown=self.undecided_value(value))

    def clause_specifiers(self, clause: Any, *, has_source: bool) -> list[ClauseSpecifier]:
        pos = self.pos
        try:
            return parse_export_clause(self.source, pos(clause.start_byte), pos(clause.end_byte), has_source=has_source)
        except ClauseSyntaxError as error:
            line, column = line_column(self.source, error.offset)
            raise ParseFailure(str(error), line, column) from None

    def export_clause(self, clause: Any, statement: int) -> None:
        # Read from source text even when the tree is fine: one code path for every clause.
        for specifier in self.clause_specifiers(clause, has_source=False):
            export_type = DEFAULT if specifier.exported == "default" else NAMED
            self.collector.export_local(
                specifier.exported, specifier.local, export_type, specifier.offset, statement, in_clause=True
            )

    def declarators(self, declaration: Any, statement: int, *, export_offset: int | None) -> None:
        """`const a = () => 1, {b} = c`: bind every name; when exported, export the functions."""
        pos = self.pos
        lexical = declaration.type == "lexical_declaration"
        keyword = declaration.child(0)
        gap_start = pos(keyword.end_byte if keyword is not None else declaration.start_byte)
        first = True
        for declarator in declaration.children:
            if declarator.type != "variable_declarator":
                continue
            target = declarator.child_by_field_name("name")
            if target is None:
                continue
            place = Declarator(gap_start, pos(declarator.start_byte), first)
            gap_start, first = pos(declarator.end_byte), False
            value = self.function_value(declarator)
            self.declarator(target, value, statement, lexical=lexical, place=place, export_offset=export_offset)

    def member_bindings(self, pattern: Any, value: Any) -> None:
        if value is None or value.type != "identifier" or pattern.type != "object_pattern":
            return
        for part in pattern.named_children:
            if part.type == "shorthand_property_identifier_pattern":
                self.collector.member_binding(self.name(part), self.name(value), self.name(part))
            elif part.type == "pair_pattern":
                key, local = part.child_by_field_name("key"), part.child_by_field_name("value")
                if key is not None and key.type == "property_identifier" and local is not None:
                    if local.type == "identifier":
                        self.collector.member_binding(self.name(local), self.name(value), self.text(key))

    def function_value(self, declarator: Any) -> Any:
        """The value node a declarator binds, when it may be a function."""
        value = declarator.child_by_field_name("value")
        return _unparenthesized(value) if value is not None else None

    def declared_names(self, declaration: Any) -> list[tuple[str, int]]:
        """The names a variable, lexical or using declaration binds, with their offsets."""
        names: list[tuple[str, int]] = []
        for declarator in declaration.children:
            if declarator.type == "variable_declarator":
                target = declarator.child_by_field_name("name")
                if target is not None:
                    names.extend(self.pattern_names(target))
        return names

    def nested_var_names(self) -> set[str]:
        """Names of the `var`s below the top level that still belong to the module scope (`{ var x }`,
        `for (var k in o)`). A walk of the tree, so the collector asks only when it must."""
        names: set[str] = set()
        pending = [child for child in self.root.children if child.type not in _VAR_SCOPES]
        while pending:
            node = pending.pop()
            kind = node.type
            if kind == "variable_declaration":
                names.update(name for name, _ in self.declared_names(node))
            elif kind == "for_in_statement":
                declared_by = node.child_by_field_name("kind")
                left = node.child_by_field_name("left")
                if declared_by is not None and declared_by.type == "var" and left is not None:
                    names.update(name for name, _ in self.pattern_names(left))
            pending.extend(child for child in node.children if child.type not in _VAR_SCOPES)
        return names


def _same(offset: int) -> int:
    return offset
