"""Parsing JavaScript: one parser backend, and the extractor that applies it to a scan's files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from codetracker.domain.model import Checkpoint, FileExtraction, ModuleSyntax, ScanProblem, TreeEntry


class ModuleParser(Protocol):
    """A JavaScript parser backend. Pure: source text in, syntax facts out. The backends also read CommonJS
    (`parse_commonjs(source)`, parsing/commonjs.py); a parser without it leaves CommonJS files unread."""

    name: str

    def parse(self, source: str, dialect: str = "javascript") -> ModuleSyntax:
        """Raise codetracker.domain.model.ParseFailure when the source cannot be parsed. `dialect`:
        "javascript", "typescript" or "tsx" (domain.selection); a backend that cannot read one fails."""
        ...


class Extractor(Protocol):
    """A parser applied to the module files of a scan, in worker processes when that pays for itself
    (parsing/extractor.py). The composition root builds it; use cases never start processes."""

    @property
    def name(self) -> str:
        """The parser's name: extractions are cached under it."""
        ...

    def extract(
        self, contents: Iterable[tuple[TreeEntry, bytes]], plan: ExtractionPlan
    ) -> Iterator[tuple[TreeEntry, FileExtraction | ScanProblem]]:
        """Each (entry, bytes) of `contents`, in that order → (entry, FileExtraction), or (entry, ScanProblem)
        for a file not extracted in this run (not to cache)."""
        ...


@dataclass(frozen=True, slots=True)
class ExtractionPlan:
    """What one extraction is to read besides the contents: the entries `contents` will give (`planned`), the
    largest file it parses (`max_file_bytes`; a larger one is a ScanProblem), and a `checkpoint` whose raising
    stops it."""

    planned: Sequence[TreeEntry]
    max_file_bytes: int
    checkpoint: Checkpoint | None = None
