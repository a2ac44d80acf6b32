"""A folder on disk as a SourceTree: the working files as they are, no git involved."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from codetracker.domain.model import EntryKind, TreeEntry
from codetracker.domain.selection import is_module_path
from codetracker.errors import InvalidInput, SourceNotFound

# Never descended into: VCS metadata and installed dependencies are not the package's source, and
# walking node_modules can mean 100k files.
_PRUNED_DIRS = frozenset({".git", "node_modules"})
# Module files are read once to hash them; their bytes are kept until the scan reads them, within a budget.
_CONTENT_BUDGET_BYTES = 128 * 1024 * 1024


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
        self._kept: dict[str, bytes] = {}
        self._kept_bytes = 0

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
                    yield TreeEntry(rel, EntryKind.FILE, st.st_size, self._hash_file(item.path, rel))

    def _hash_file(self, path: str, rel: str) -> str | None:
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError:
            return None
        if is_module_path(rel) and self._kept_bytes + len(content) <= _CONTENT_BUDGET_BYTES:
            self._kept[rel] = content
            self._kept_bytes += len(content)
        return git_blob_sha(content)

    def read(self, path: str) -> bytes | None:
        kept = self._kept.pop(path, None)
        if kept is not None:
            self._kept_bytes -= len(kept)
            return kept
        target = self.root / path
        if target.is_symlink() or not target.is_file():
            return None
        return target.read_bytes()

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        for entry in entries:
            content = self.read(entry.path)
            if content is not None:
                yield entry, content
