"""The in-memory cache of extraction results by blob sha: a store of the memory unit of work, or alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from codetracker.adapters.memory_store.state import MemoryState, utc_now
from codetracker.domain.model import FileExtraction
from codetracker.ports.clock import Clock


class MemoryBlobCache:
    """A ParsedBlobCache: inside a MemoryUnitOfWork over its state, or alone over a state of its own."""

    def __init__(self, state: MemoryState | None = None, clock: Clock = utc_now) -> None:
        self._state = MemoryState() if state is None else state
        self._clock = clock

    def get_many(self, shas: Iterable[str], extractor_version: str) -> dict[str, FileExtraction]:
        found = {}
        for sha in shas:
            hit = self._state.blobs.get((sha, extractor_version))
            if hit is not None:
                found[sha] = hit
        return found

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        for sha, result in results.items():
            if (sha, extractor_version) not in self._state.blobs:
                self._state.blobs[(sha, extractor_version)] = result
                self._state.blob_cached_at[(sha, extractor_version)] = self._clock()
