"""An in-memory source tree: files from a dict, for tests (not shipped in the Lambda layer)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from codetracker.adapters.source_folder import git_blob_sha
from codetracker.domain.model import EntryKind, TreeEntry


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
