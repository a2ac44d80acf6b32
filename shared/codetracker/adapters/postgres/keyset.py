"""A page of a listing by keyset pagination: the rows past the last one a page showed, in the listing's order
(stable under inserts, unlike an OFFSET)."""

from __future__ import annotations

from collections.abc import Sequence


def keyset_page(
    query: str,
    values: Sequence[object],
    order: Sequence[str],
    *,
    past: Sequence[object] | None,
    limit: int,
    descending: bool = False,
) -> tuple[str, list[object]]:
    """`query` (a SELECT … WHERE …, with `values`) narrowed to the rows whose `order` columns come after `past`
    (the key of the last row shown; None: from the first), ordered by them and at most `limit`."""
    values = list(values)
    if past is not None:
        places = ", ".join(["%s"] * len(order))
        query += f" AND ({', '.join(order)}) {'<' if descending else '>'} ({places})"
        values += past
    direction = " DESC" if descending else ""
    return query + " ORDER BY " + ", ".join(column + direction for column in order) + " LIMIT %s", [*values, limit]
