"""Extraction results cached by blob sha: a store of the unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from codetracker.domain.model import FileExtraction


class ParsedBlobCache(Protocol):
    """Extraction results by blob sha, shared by every branch, tag and repository."""

    def get_many(self, shas: Iterable[str], extractor_version: str) -> Mapping[str, FileExtraction]: ...

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        """A sha already cached for this version keeps its first result."""
        ...
