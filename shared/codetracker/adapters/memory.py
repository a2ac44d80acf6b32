"""In-memory adapters: a source tree made of a dict, and a blob cache in a dict.

They sit beside the real adapters (not under tests/) so one contract suite runs against both and they
cannot rot silently; `codetracker extract` uses the tree for nothing, tests use both."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from codetracker.adapters.source_folder import git_blob_sha
from codetracker.domain.model import EntryKind, FileExtraction, TreeEntry


class MemoryTree:
    """A SourceTree from {path: bytes}; counts reads so tests can see what a scan touched."""

    def __init__(self, files: Mapping[str, bytes], symlinks: Mapping[str, str] | None = None) -> None:
        self._files = dict(files)
        self._entries = tuple(
            sorted(
                [TreeEntry(p, EntryKind.FILE, len(c), git_blob_sha(c)) for p, c in self._files.items()]
                + [
                    TreeEntry(p, EntryKind.SYMLINK, len(t.encode()), git_blob_sha(t.encode()))
                    for p, t in (symlinks or {}).items()
                ],
                key=lambda e: e.path,
            )
        )
        self.reads: list[str] = []

    def entries(self) -> Sequence[TreeEntry]:
        return self._entries

    def read(self, path: str) -> bytes | None:
        self.reads.append(path)
        return self._files.get(path)

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        for entry in entries:
            content = self.read(entry.path)
            if content is not None:
                yield entry, content


class MemoryBlobCache:
    def __init__(self) -> None:
        self._results: dict[tuple[str, str], FileExtraction] = {}

    def get_many(
        self, shas: Iterable[str], extractor_version: str, *, links: bool = True
    ) -> Mapping[str, FileExtraction]:
        found = {}  # links kept either way: nothing to decode
        for sha in shas:
            hit = self._results.get((sha, extractor_version))
            if hit is not None:
                found[sha] = hit
        return found

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        for sha, result in results.items():
            self._results.setdefault((sha, extractor_version), result)
