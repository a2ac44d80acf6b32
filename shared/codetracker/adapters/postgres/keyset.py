"""A page of a listing by keyset pagination: the rows past the last one a page showed, in the listing's order
(stable under inserts, unlike an OFFSET)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeysetOrder:
    """A listing's order: by these columns (together unique), ascending or descending. A page's cursor is the
    values of these columns in its last row."""

    columns: tuple[str, ...]
    descending: bool = False

    def page(
        self, query: str, values: Sequence[object], *, past: Sequence[object] | None, limit: int | None
    ) -> tuple[str, list[object]]:
        """`query` (a SELECT … WHERE …, with `values`) narrowed to the rows after `past` (the cursor; None: from
        the first) in this order, ordered so and at most `limit` (None: all of them, `LIMIT NULL`)."""
        values = list(values)
        if past is not None:
            places = ", ".join(["%s"] * len(self.columns))
            query += f" AND ({', '.join(self.columns)}) {'<' if self.descending else '>'} ({places})"
            values += past
        direction = " DESC" if self.descending else ""
        order = ", ".join(column + direction for column in self.columns)
        return f"{query} ORDER BY {order} LIMIT %s", [*values, limit]
