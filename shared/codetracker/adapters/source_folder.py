"""A folder on disk as a SourceTree: the working files as they are, no git involved."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from codetracker.domain.model import EntryKind, TreeEntry
from codetracker.errors import InvalidInput, SourceNotFound

# Never descended into: VCS metadata and installed dependencies are not the package's source, and
# walking node_modules can mean 100k files.
_PRUNED_DIRS = frozenset({".git", "node_modules"})


def git_blob_sha(content: bytes) -> str:
    """The sha git gives the same bytes, so folder and git scans share the blob cache."""
    digest = hashlib.sha1(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


class FolderSource:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        path = Path(root)
        if not path.exists():
            raise SourceNotFound(f"folder not found: {root}", field="path")
        if not path.is_dir():
            raise InvalidInput(f"not a folder: {root}", field="path")
        self.root = path.resolve()
        self._entries: tuple[TreeEntry, ...] | None = None

    def entries(self) -> Sequence[TreeEntry]:
        if self._entries is None:
            self._entries = tuple(sorted(self._walk(), key=lambda e: e.path))
        return self._entries

    def _walk(self) -> Iterator[TreeEntry]:
        stack = [(self.root, "")]
        while stack:
            directory, prefix = stack.pop()
            try:
                scanned = list(os.scandir(directory))
            except OSError:
                continue  # unreadable directory: nothing to extract from it
            for item in scanned:
                rel = prefix + item.name
                st = item.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    target = os.fsencode(os.readlink(item.path))
                    yield TreeEntry(rel, EntryKind.SYMLINK, len(target), git_blob_sha(target))
                elif stat.S_ISDIR(st.st_mode):
                    if item.name not in _PRUNED_DIRS:
                        stack.append((Path(item.path), rel + "/"))
                elif stat.S_ISREG(st.st_mode):
                    yield TreeEntry(rel, EntryKind.FILE, st.st_size, self._sha_of(item.path))

    @staticmethod
    def _sha_of(path: str) -> str | None:
        try:
            with open(path, "rb") as fh:
                return git_blob_sha(fh.read())
        except OSError:
            return None

    def read(self, path: str) -> bytes | None:
        target = self.root / path
        if target.is_symlink() or not target.is_file():
            return None
        return target.read_bytes()

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        for entry in entries:
            content = self.read(entry.path)
            if content is not None:
                yield entry, content
