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

import threading
from typing import Any

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.domain.selection import JAVASCRIPT, TSX, TYPESCRIPT
from codetracker.parsing.source_text import with_import_attributes
from codetracker.parsing.tree_sitter_walk import _TreeWalk
from codetracker.parsing.typescript_text import (
    blank_import_type_qualifiers,
    blank_interface_bodies,
    blank_type_star_exports,
    name_anonymous_default_signatures,
)


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
            walk.release()

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
            walk.release()

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
