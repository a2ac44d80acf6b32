"""Which JSDoc block documents a top-level declaration: the block right before its statement, or for one
declarator of a `const`/`let`/`var` list, its own (Declarator)."""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.parsing.source_text import attached_jsdoc, gap_comments


@dataclass(frozen=True, slots=True)
class Declarator:
    """Where one declarator of a `const`/`let`/`var` list starts, for its JSDoc.

    A JSDoc block belongs to the first declarator of a statement only (as TypeScript reads it): the
    block before the statement, or one written right before the declarator (`const /** a */ a = …`),
    which is closer and wins. A later declarator has JSDoc only when a block is written right before it,
    after the comma: `const a = 1, /** b */ b = () => {}`.
    """

    gap_start: int  # end of the `const`/`let`/`var` keyword, or of the previous declarator
    start: int  # start of the declarator (its binding target)
    first: bool


class StatementJsdoc:
    """The top-level statements of one file (character spans, in source order) and their JSDoc, found when
    first asked for: the comments between a statement and the one before are what can document it."""

    __slots__ = ("source", "_spans", "_found")

    def __init__(self, source: str) -> None:
        self.source = source
        self._spans: list[tuple[int, int]] = []
        self._found: dict[int, str | None] = {}

    def add(self, start: int, end: int) -> int:
        """Record the next top-level statement; returns its index."""
        self._spans.append((start, end))
        return len(self._spans) - 1

    def of(self, statement: int) -> str | None:
        """The JSDoc block right before a top-level statement."""
        if statement in self._found:
            return self._found[statement]
        start = self._spans[statement][0]
        gap_start = self._spans[statement - 1][1] if statement > 0 else 0
        jsdoc = attached_jsdoc(self.source, gap_comments(self.source, gap_start, start), start)
        self._found[statement] = jsdoc
        return jsdoc

    def declared(self, statement: int, declarator: Declarator | None) -> str | None:
        """The JSDoc of a declaration: the statement's, or for one declarator of a list, its own
        (see Declarator)."""
        if declarator is None:
            return self.of(statement)
        start = declarator.start
        own = attached_jsdoc(self.source, gap_comments(self.source, declarator.gap_start, start), start)
        if own is not None or not declarator.first:
            return own
        return self.of(statement)
