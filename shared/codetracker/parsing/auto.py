"""The default backend: tree-sitter first, esprima when tree-sitter's tree has errors.

Policy: any ERROR or MISSING node that the tree-sitter backend cannot account for (anywhere in the
file, not only in export statements) hands the whole file to esprima, which decides: its result is
used, and its ParseFailure is raised when it fails too. tree-sitter's error recovery guesses, and a
guessed tree could drop or invent exports; esprima is exact. TypeScript and TSX files are tree-sitter's
alone (esprima has no TypeScript). Export clauses with reserved words after
`as` are read by the tree-sitter backend itself and do not need esprima.
"""

from __future__ import annotations

from collections.abc import Callable

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.domain.selection import JAVASCRIPT
from codetracker.ports.parsing import ModuleParser


class AutoParser:
    """`exact` is a factory: esprima is imported only when a file first needs it."""

    name = "auto"

    def __init__(self, fast: ModuleParser, exact: Callable[[], ModuleParser]) -> None:
        self._fast = fast
        self._exact_factory = exact

    def parse(self, source: str, dialect: str = JAVASCRIPT) -> ModuleSyntax:
        if dialect != JAVASCRIPT:  # esprima reads no TypeScript: tree-sitter's answer is the answer
            return self._fast.parse(source, dialect=dialect)
        try:
            return self._fast.parse(source)
        except ParseFailure:
            return self._exact_factory().parse(source)

    def parse_commonjs(self, source: str) -> ModuleSyntax:
        """A CommonJS file's exports (parsing/commonjs.py): tree-sitter's, esprima's when its tree has errors."""
        try:
            return self._fast.parse_commonjs(source)  # type: ignore[attr-defined]
        except ParseFailure:
            return self._exact_factory().parse_commonjs(source)  # type: ignore[attr-defined]
