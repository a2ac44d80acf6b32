"""The fast backend: tree-sitter-javascript, walking only the top-level statements of the tree.

tree-sitter never fails outright; it builds ERROR and MISSING nodes instead. This backend accepts one
kind of error: an export clause with a reserved word after `as` (`export { x as default, y as if }`),
which the grammar rejects although JavaScript allows it. Such a clause is read from its source text
instead (source_text.parse_export_clause). Files with legacy import assertions (`assert { type: 'json' }`)
are read with those spelled as import attributes. Any other error raises ParseFailure at the first error
node, and the auto backend then lets esprima decide.

One grammar gap yields wrong trees without any error node, so it is raised as a failure too: `export`,
`import` or `let` followed by a line break (read as a name, the declaration after it as a separate
statement). Module-level early errors (a name declared or exported twice, an export of an undeclared
name, repeated parameters) leave no error node either: the ExportCollector raises those
(exports.py, `early_errors`).

tree-sitter is more lenient than the language: it accepts JSX, decorators, `using`, and module code
with script-only syntax (`with`, legacy octals). Those files yield what the tree shows.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from typing import Any

from codetracker.domain.call_values import Factory
from codetracker.domain.model import ModuleSyntax, ParamSyntax, ParseFailure
from codetracker.domain.selection import JAVASCRIPT, TSX, TYPESCRIPT
from codetracker.parsing.walk_rules import WalkRules
from codetracker.parsing.tree_sitter_values import TreeSitterValues
from codetracker.parsing.exports import (
    DEFAULT,
    NAMED,
    Declarator,
    ExportCollector,
    FunctionShape,
)
from codetracker.parsing.source_text import (
    ClauseSpecifier,
    ClauseSyntaxError,
    Utf8Offsets,
    identifier_name,
    line_column,
    mentions_import_meta,
    parse_export_clause,
    string_literal_value,
    with_import_attributes,
)

_FUNCTION_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})
_FUNCTION_VALUES = frozenset({"function_expression", "generator_function", "arrow_function"})
_GENERATORS = frozenset({"generator_function", "generator_function_declaration"})
_VARIABLE_DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
_IDENTIFIERS = frozenset({"identifier", "undefined"})
_TYPED_PARAMETERS = frozenset({"required_parameter", "optional_parameter"})  # TypeScript
# Top-level statements that may assign module bindings in blocks (`if (…) { x = … }`) or declare nested ones.
_ASSIGNING_STATEMENTS = frozenset(
    {
        "if_statement",
        "statement_block",
        "try_statement",
        "switch_statement",
        "labeled_statement",
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
    }
)
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
# Statements a `return` of the function itself may sit in (nested functions and expressions are not walked).
_STATEMENT_CONTAINERS = _ASSIGNING_STATEMENTS | {
    "else_clause",
    "switch_body",
    "switch_case",
    "switch_default",
    "catch_clause",
    "finally_clause",
}


class TreeSitterParser:
    """ModuleParser on tree-sitter. One tree_sitter.Parser per thread and dialect, reused across files.
    TypeScript and TSX use tree-sitter-typescript's grammars (imported on the first such file) and the
    walk in parsing/typescript_walk.py."""

    name = "tree-sitter"

    def __init__(self) -> None:
        import tree_sitter
        import tree_sitter_javascript

        self._tree_sitter = tree_sitter
        self._language = tree_sitter.Language(tree_sitter_javascript.language())
        self._languages: dict[str, Any] = {JAVASCRIPT: self._language}
        self._local = threading.local()
        self._meta_query: Any = None

    def _parser(self, dialect: str = JAVASCRIPT) -> Any:
        parsers = getattr(self._local, "parsers", None)
        if parsers is None:
            parsers = self._local.parsers = {}
        parser = parsers.get(dialect)
        if parser is None:
            parser = parsers[dialect] = self._tree_sitter.Parser(self._language_of(dialect))
        return parser

    def _language_of(self, dialect: str) -> Any:
        language = self._languages.get(dialect)
        if language is None:
            import tree_sitter_typescript

            if dialect == TYPESCRIPT:
                language = self._tree_sitter.Language(tree_sitter_typescript.language_typescript())
            elif dialect == TSX:
                language = self._tree_sitter.Language(tree_sitter_typescript.language_tsx())
            else:
                raise ValueError(f"unknown dialect {dialect!r}")
            self._languages[dialect] = language
        return language

    def parse(self, source: str, dialect: str = JAVASCRIPT) -> ModuleSyntax:
        if dialect != JAVASCRIPT:
            return self._parse_typescript(source, dialect)
        try:
            return self._parse(source, source)
        except ParseFailure as failure:
            legacy = with_import_attributes(source)
            if legacy is None:
                raise
            try:
                return self._parse(legacy, source)
            except ParseFailure:
                raise failure from None

    def _parse(self, parsed: str, source: str) -> ModuleSyntax:
        """Parse `parsed`, read names and text from `source` (the same length, code point for code point)."""
        data = parsed.encode("utf-8", "surrogatepass")
        tree = self._parser().parse(data)
        walk = _TreeWalk(source, data, self)
        try:
            return walk.run(tree.root_node)
        finally:
            # walk ↔ collector is a reference cycle holding tree nodes (a big bundle's tree is ~30 MB):
            # breaking it frees the tree now instead of at the next garbage collection.
            del walk.collector

    def _parse_typescript(self, source: str, dialect: str) -> ModuleSyntax:
        from codetracker.parsing.typescript_walk import TypeScriptWalk

        data = source.encode("utf-8", "surrogatepass")
        tree = self._parser(dialect).parse(data)
        anonymous: frozenset[int] = frozenset()
        if tree.root_node.has_error:
            # The grammar has no anonymous default function signature (`export default function (a: A): R;`,
            # what tsc writes in declaration files): read the file with a name put in (`_`), kept anonymous.
            named, anonymous = name_anonymous_default_signatures(data)
            if anonymous:
                data, source = named, named.decode("utf-8", "surrogatepass")
                tree = self._parser(dialect).parse(data)
        if tree.root_node.has_error:
            # Two grammar gaps, read around with the same length of text blanked; an error that remains
            # fails the file. Interfaces hold no functions to export, and are where the grammar goes wrong
            # most (call signatures such as `<T>(a: T): R` on a line of their own): their bodies are
            # blanked. Import types with type arguments (`import("./t").Fn<T>`, what tsc writes for
            # inferred types in declaration files) lose their `import("./t").` qualifier. `export type * from`
            # (TypeScript 5.0) is read as `export * from`: a re-export, no function either way.
            blanked = blank_type_star_exports(blank_import_type_qualifiers(blank_interface_bodies(data)))
            if blanked != data:
                retry = self._parser(dialect).parse(blanked)
                if not retry.root_node.has_error:
                    data, tree = blanked, retry
                    source = blanked.decode("utf-8", "surrogatepass")
        walk = TypeScriptWalk(source, data, self, anonymous)
        try:
            return walk.run(tree.root_node)
        finally:
            del walk.collector

    def parse_commonjs(self, source: str) -> ModuleSyntax:
        """The exports of a CommonJS file, as Node's `import` sees them (parsing/commonjs.py)."""
        from codetracker.parsing.tree_sitter_commonjs import parse_commonjs

        return parse_commonjs(self, source)

    def has_import_meta(self, root: Any) -> bool:
        if self._meta_query is None:
            self._meta_query = self._tree_sitter.Query(self._language, "(meta_property) @meta")
        cursor = self._tree_sitter.QueryCursor(self._meta_query)
        for node in cursor.captures(root).get("meta", ()):
            if node.text is not None and node.text.startswith(b"import"):
                return True
        return False


class _TreeWalk(WalkRules):
    """One file: the top-level statements of its tree, reported to an ExportCollector."""

    __slots__ = ("source", "backend", "pos", "collector", "root", "values")
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

    # --- the node views of WalkRules (parsing/walk_rules.py) -----------------------------------

    def offset(self, node: Any) -> int:
        return self.pos(node.start_byte)

    def binds_function(self, value: Any) -> bool:
        return value.type in self.function_values

    def is_plain_name(self, node: Any) -> bool:
        return node.type in _IDENTIFIERS

    def member_parts(self, value: Any) -> tuple[str, str] | None:
        if value.type != "member_expression":
            return None
        owner, key = value.child_by_field_name("object"), value.child_by_field_name("property")
        if owner.type == "identifier" and key is not None and key.type == "property_identifier":
            return self.name(owner), self.text(key)
        return None

    def unwrapped(self, node: Any) -> Any:
        return _unparenthesized(node)

    def is_function_literal(self, node: Any) -> bool:
        return node.type in _FUNCTION_VALUES

    def identifier(self, node: Any) -> str | None:
        return self.name(node) if node.type == "identifier" else None

    def call_parts(self, node: Any) -> tuple[Any, list[Any] | None] | None:
        if node.type != "call_expression":
            return None
        callee = _unparenthesized(node.child_by_field_name("function"))  # as esprima's ranges leave it
        arguments = node.child_by_field_name("arguments")
        if arguments is None or arguments.type != "arguments":  # a tagged template
            return callee, None
        return callee, [a for a in arguments.named_children if a.type != "comment"]

    def fallback_right(self, node: Any) -> Any:
        if node.type != "binary_expression":
            return None
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type not in ("||", "??"):
            return None
        # `ok || function…` may be `true`; a feature test is not
        left = _unparenthesized(node.child_by_field_name("left"))
        return node.child_by_field_name("right") if left.type == "member_expression" else None

    def conditional_parts(self, node: Any) -> tuple[Any, Any, Any] | None:
        if node.type != "ternary_expression":
            return None
        consequence = _unparenthesized(node.child_by_field_name("consequence"))
        alternative = _unparenthesized(node.child_by_field_name("alternative"))
        return node.child_by_field_name("condition"), consequence, alternative

    def is_spread(self, node: Any) -> bool:
        return bool(node.type == "spread_element")

    def factory_callees(self, function: Any) -> Factory | None:
        if function.type not in _FUNCTION_VALUES and function.type not in _FUNCTION_DECLARATIONS:
            return None
        return super().factory_callees(function)

    def factory_body(self, function: Any) -> tuple[list[Any], set[str]] | None:
        body = function.child_by_field_name("body")
        if body is None:
            return None
        if body.type != "statement_block":  # an arrow's expression body
            return [body], set()
        returns: list[Any] = []
        inner: set[str] = set()
        pending = list(body.named_children)
        while pending:
            node = pending.pop()
            kind = node.type
            if kind == "return_statement":
                value = next((c for c in node.named_children if c.type != "comment"), None)
                if value is None:
                    return None
                returns.append(value)
            elif kind in _FUNCTION_DECLARATIONS and node.parent == body:
                name = node.child_by_field_name("name")
                if name is not None:
                    inner.add(self.name(name))
            elif kind in _STATEMENT_CONTAINERS:
                pending.extend(node.named_children)
        if not returns or not self.terminates(body):
            return None
        return returns, inner

    def terminates(self, node: Any) -> bool:
        """Whether a statement always ends in a return or a throw (never falls through to its end)."""
        kind = node.type
        if kind in ("return_statement", "throw_statement"):
            return True
        if kind == "statement_block":
            last = [c for c in node.named_children if c.type != "comment"]
            return bool(last) and self.terminates(last[-1])
        if kind == "if_statement":
            consequence = node.child_by_field_name("consequence")
            alternative = node.child_by_field_name("alternative")
            if consequence is None or alternative is None:
                return False
            branch = next((c for c in alternative.named_children if c.type != "comment"), None)
            return self.terminates(consequence) and branch is not None and self.terminates(branch)
        if kind == "switch_statement":
            body = node.child_by_field_name("body")
            cases = [c for c in body.named_children if c.type in ("switch_case", "switch_default")] if body else []
            if not any(c.type == "switch_default" for c in cases):
                return False
            bodies = [[s for s in c.children_by_field_name("body") if s.type != "comment"] for c in cases]
            return bool(bodies[-1]) and all(not b or self.terminates(b[-1]) for b in bodies)
        return False

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

    def pattern_names(self, pattern: Any) -> list[tuple[str, int]]:
        """The names a binding pattern binds, with their character offsets."""
        names: list[tuple[str, int]] = []
        pending = [pattern]
        while pending:
            node = pending.pop()
            kind = node.type
            if kind in _IDENTIFIERS or kind == "shorthand_property_identifier_pattern":
                names.append((self.name(node), self.pos(node.start_byte)))
            elif kind == "pair_pattern":
                value = node.child_by_field_name("value")
                if value is not None:
                    pending.append(value)
            elif kind in ("assignment_pattern", "object_assignment_pattern"):
                left = node.child_by_field_name("left")
                if left is not None:
                    pending.append(left)
            elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
                pending.extend(reversed(node.named_children))
        return names

    # --- functions ------------------------------------------------------------------------------------

    def describe(self, function: Any) -> FunctionShape:
        shape = self.call_shape(function)
        return replace(shape, reads_arguments=_reads_arguments(function.child_by_field_name("body")))

    def call_shape(self, function: Any) -> FunctionShape:
        """The function's parameters (and the names they bind), async and generator: describe() without
        the walk of its body, for the factory rule, which asks of every top-level function."""
        nodes = parameter_nodes(function)
        bound: list[tuple[str, int]] = []
        for node in nodes:
            # TypeScript's `a: T` (required_parameter) binds the names of its pattern
            target = node.child_by_field_name("pattern") if node.type in _TYPED_PARAMETERS else node
            if target is not None and target.type != "this":
                bound.extend(self.pattern_names(target))
        return FunctionShape(
            is_async=is_async(function),
            is_generator=is_generator(function),
            params=tuple(param for param in map(self.param, nodes) if param is not None),
            bound_names=tuple(bound),
        )

    def param(self, node: Any) -> ParamSyntax:
        kind = node.type
        if kind == "assignment_pattern":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            source = self.text(left)
            pos = self.pos
            default = self.source[pos(right.start_byte) : pos(node.end_byte)]
            identifier = identifier_name(source) if left.type in _IDENTIFIERS else None
            return ParamSyntax(source=source, identifier=identifier, default_source=default, is_rest=False)
        if kind == "rest_pattern":
            target = next(child for child in node.named_children if child.type != "comment")
            source = self.text(target)
            identifier = identifier_name(source) if target.type in _IDENTIFIERS else None
            return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=True)
        source = self.text(node)
        identifier = identifier_name(source) if kind in _IDENTIFIERS else None
        return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=False)


_ANONYMOUS_DEFAULT_SIGNATURE = re.compile(rb"\bexport\s+default\s+(?:async\s+)?function\s*\*?\s*()\(")


def name_anonymous_default_signatures(data: bytes) -> tuple[bytes, frozenset[int]]:
    """`export default function (` → `export default function _(`. Returns the text and the byte offsets
    (in it) of the names put in; none when there is no such signature."""
    inserts = [match.start(1) for match in _ANONYMOUS_DEFAULT_SIGNATURE.finditer(data)]
    if not inserts:
        return data, frozenset()
    parts, last = [], 0
    for at in inserts:
        parts += [data[last:at], b"_"]
        last = at
    parts.append(data[last:])
    return b"".join(parts), frozenset(at + k for k, at in enumerate(inserts))


_INTERFACE = re.compile(rb"^[ \t]*(?:export[ \t]+)?(?:declare[ \t]+)?interface\b[^{;]*\{", re.MULTILINE)


def blank_interface_bodies(data: bytes) -> bytes:
    """The text with the bodies of top-level interfaces replaced by spaces (newlines kept)."""
    out = bytearray(data)
    for match in _INTERFACE.finditer(data):
        start = match.end()
        end = _matching_brace(data, start)
        if end is None:
            continue
        for i in range(start, end):
            if out[i] not in (10, 13):
                out[i] = 32
    return bytes(out)


_IMPORT_TYPE_QUALIFIER = re.compile(rb"\bimport\(\s*(['\"])[^'\"\n]*\1\s*\)\.")


def blank_import_type_qualifiers(data: bytes) -> bytes:
    """`import("./t").Fn<T>` → `              Fn<T>` (spaces, same length)."""
    return _IMPORT_TYPE_QUALIFIER.sub(lambda match: b" " * len(match.group(0)), data)


_TYPE_STAR_EXPORT = re.compile(rb"\bexport\s+(type)\s+\*")


def blank_type_star_exports(data: bytes) -> bytes:
    """`export type * from 'm'` → `export      * from 'm'`."""
    return _TYPE_STAR_EXPORT.sub(lambda match: match.group(0).replace(b"type", b"    ", 1), data)


def _matching_brace(data: bytes, at: int) -> int | None:
    """The offset of the `}` closing the `{` just before `at` (strings and comments skipped)."""
    depth, i, n = 1, at, len(data)
    while i < n:
        char = data[i]
        if char in b"'\"`":
            i += 1
            while i < n and data[i] != char:
                i += 2 if data[i] == 92 else 1
        elif data.startswith(b"//", i):
            i = data.find(b"\n", i)
            if i == -1:
                return None
        elif data.startswith(b"/*", i):
            i = data.find(b"*/", i)
            if i == -1:
                return None
            i += 1
        elif char == 123:
            depth += 1
        elif char == 125:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _same(offset: int) -> int:
    return offset


def parameter_nodes(function: Any) -> list[Any]:
    """The parameter nodes of a function (`x => …`: its one parameter)."""
    parameters = function.child_by_field_name("parameters")
    if parameters is None:
        single = function.child_by_field_name("parameter")
        return [single] if single is not None else []
    return [node for node in parameters.named_children if node.type != "comment"]


def is_async(function: Any) -> bool:
    first = function.child(0)
    return first is not None and bool(first.type == "async")


def is_generator(function: Any) -> bool:
    return function.type in _GENERATORS or any(child.type == "*" for child in function.children[:3])


def _unparenthesized(node: Any) -> Any:
    while node.type == "parenthesized_expression":
        inner = [child for child in node.named_children if child.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


# Functions with their own `arguments` (an arrow function reads its enclosing function's).
_OWN_ARGUMENTS = frozenset(
    {*_FUNCTION_DECLARATIONS, "function_expression", "generator_function", "method_definition", "class_body"}
)


def _reads_arguments(body: Any) -> bool:
    """The function body reads `arguments`, outside the nested functions that have their own."""
    pending = [body] if body is not None else []
    while pending:
        node = pending.pop()
        if node.type in ("identifier", "shorthand_property_identifier") and node.text == b"arguments":
            return True
        pending.extend(child for child in node.children if child.type not in _OWN_ARGUMENTS)
    return False
