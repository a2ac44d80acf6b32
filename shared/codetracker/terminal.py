"""What the CLI shows a person: tables that fit the terminal, progress lines, and stored text made safe to print.

On a terminal, tables fit its width (long descriptive cells are cut with an ellipsis first; the cells that
identify a row never are) and long phases show one progress line on stderr, always ended before anything
else is printed. Piped, tables carry full values and no progress is drawn. Control characters from stored
data (a tag with a newline, an ANSI escape) are shown escaped, never raw.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from typing import Any, TextIO

from codetracker.domain.refnames import printable

_ELLIPSIS = "…"
_MIN_COLUMN = 6
_PROGRESS_INTERVAL_S = 0.1


def safe_text(value: Any) -> str:
    """A value as one printable line: control characters, ANSI escapes and bidi overrides as escapes."""
    text = "" if value is None else str(value)
    return text if text.isprintable() else printable(text, limit=None)


def _terminal_width(stream: TextIO) -> int | None:
    if not stream.isatty():
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size().columns


def _fit(widths: list[int], available: int, gap: int, tiers: Sequence[Sequence[int]]) -> list[int]:
    """Column widths that sum (with gaps) to at most `available` where they can: the widest column of the first
    tier that can still give is narrowed first, then the next tier's; columns in no tier are never narrowed."""
    widths = list(widths)
    budget = available - gap * (len(widths) - 1)
    while sum(widths) > budget:
        for tier in tiers:
            narrowable = [i for i in tier if widths[i] > _MIN_COLUMN]
            if narrowable:
                widths[max(narrowable, key=widths.__getitem__)] -= 1
                break
        else:
            break
    return widths


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + _ELLIPSIS


def write_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    out: TextIO,
    *,
    keep: Sequence[str] = (),
    shrink_first: Sequence[str] = (),
) -> None:
    """On a terminal, the `shrink_first` columns (descriptions) are narrowed first, then the others but `keep`
    (what identifies a row: a file, a function name), which are never cut: a row too wide then wraps."""
    cells = [[safe_text(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    available = _terminal_width(out)
    if available is not None:
        first = [i for i, h in enumerate(headers) if h in shrink_first]
        rest = [i for i, h in enumerate(headers) if h not in shrink_first and h not in keep]
        widths = _fit(widths, available, 2, [first, rest])
    for row in [list(headers), *cells]:
        out.write("  ".join(_cut(v, w).ljust(w) for v, w in zip(row, widths)).rstrip() + "\n")


class Progress:
    """One progress line on stderr, drawn only on a terminal and at most every 0.1 s. A context manager: the
    line is ended when the block ends, however it ends, so a message never lands in its middle."""

    def __init__(self, stream: TextIO, *, clock=time.monotonic) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = False
        self._clock = clock
        self._last = float("-inf")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def _draw(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if not force and now - self._last < _PROGRESS_INTERVAL_S:
            return
        self._last = now
        width = _terminal_width(self.stream) or 80
        self.stream.write("\r" + _cut(text, width - 1).ljust(min(width - 1, 79)))
        self.stream.flush()
        self.shown = True

    def files(self, done: int, total: int) -> None:
        """Extraction: files done of total (scans of fewer than 200 files draw nothing)."""
        if total < 200:
            return
        width = 30
        filled = width * done // max(total, 1)
        # Unthrottled: extraction reports every 50 files, a natural pace.
        self._draw(f"extracting [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files", force=True)

    def walk(self, files_seen: int, bytes_hashed: int) -> None:
        self._draw(f"reading the folder: {files_seen:,} files, {bytes_hashed / 1e6:,.1f} MB hashed")

    def fetch(self, bytes_received: int) -> None:
        self._draw(f"fetching: {bytes_received / 1e6:,.1f} MB received")

    # The extraction callback's shape (done, total): the use cases call the object itself.
    __call__ = files

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False
