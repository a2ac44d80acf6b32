"""A folder on disk as a SourceTree: the working files as they are, no git involved."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from codetracker.domain.model import EntryKind, TreeEntry
from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES, is_module_path
from codetracker.errors import InvalidInput, SourceNotFound

# Never descended into: VCS metadata and installed dependencies are not the package's source, and
# walking node_modules can mean 100k files.
_PRUNED_DIRS = frozenset({".git", "node_modules"})
# Module files are read once to hash them; their bytes are kept until the scan reads them, within a budget.
_CONTENT_BUDGET_BYTES = 128 * 1024 * 1024
_HASH_CHUNK_BYTES = 1024 * 1024


def git_blob_sha(content: bytes) -> str:
    """The sha git gives the same bytes, so folder and git scans share the blob cache."""
    digest = hashlib.sha1(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


def _display_name(name: str) -> str:
    """File names that are not UTF-8 (kept by Python as surrogate escapes, which Postgres refuses) are
    shown with backslash escapes, as the git adapter does."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


class FolderSource:
    def __init__(self, root: str | os.PathLike[str], *, keep_bytes_up_to: int = DEFAULT_MAX_FILE_BYTES) -> None:
        path = Path(root)
        if not path.exists():
            raise SourceNotFound(f"folder not found: {root}", field="path")
        if not path.is_dir():
            raise InvalidInput(f"not a folder: {root}", field="path")
        self.root = path.resolve()
        self._keep_bytes_up_to = keep_bytes_up_to
        self._entries: tuple[TreeEntry, ...] | None = None
        self._real_paths: dict[str, str] = {}  # display path → path on disk, where they differ
        self._kept: dict[str, bytes] = {}
        self._kept_bytes = 0

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def location(self) -> str:
        return str(self.root)

    def entries(self) -> Sequence[TreeEntry]:
        if self._entries is None:
            self._entries = tuple(sorted(self._walk(), key=lambda e: e.path))
        return self._entries

    def _walk(self) -> Iterator[TreeEntry]:
        stack = [(str(self.root), "")]
        while stack:
            directory, prefix = stack.pop()
            try:
                scanned = list(os.scandir(directory))
            except OSError:
                continue  # an unreadable directory has nothing to extract; its files are not listed
            for item in scanned:
                rel = prefix + _display_name(item.name)
                if rel != prefix + item.name:
                    self._real_paths[rel] = item.path
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue  # vanished while walking
                if stat.S_ISLNK(st.st_mode):
                    target = os.fsencode(os.readlink(item.path))
                    yield TreeEntry(rel, EntryKind.SYMLINK, len(target), git_blob_sha(target))
                elif stat.S_ISDIR(st.st_mode):
                    if item.name not in _PRUNED_DIRS:
                        stack.append((item.path, rel + "/"))
                elif stat.S_ISREG(st.st_mode):
                    yield TreeEntry(rel, EntryKind.FILE, st.st_size, self._hash_file(item.path, rel, st.st_size))

    def _hash_file(self, path: str, rel: str, size: int) -> str | None:
        """git blob sha of the file, or None when it cannot be read (the scan then records it)."""
        keep = is_module_path(rel) and size <= self._keep_bytes_up_to
        try:
            with open(path, "rb") as fh:
                if keep:
                    content = fh.read()
                    if self._kept_bytes + len(content) <= _CONTENT_BUDGET_BYTES:
                        self._kept[rel] = content
                        self._kept_bytes += len(content)
                    return git_blob_sha(content)
                # Any other file is hashed in chunks: a large binary never sits in memory whole.
                digest = hashlib.sha1(b"blob %d\0" % size)
                while chunk := fh.read(_HASH_CHUNK_BYTES):
                    digest.update(chunk)
                return digest.hexdigest()
        except OSError:
            return None

    def read(self, path: str) -> bytes | None:
        """Content of a regular file; None for a symlink, a missing or an unreadable file."""
        kept = self._kept.pop(path, None)
        if kept is not None:
            self._kept_bytes -= len(kept)
            return kept
        target = Path(self._real_paths.get(path) or self.root / path)
        try:
            if target.is_symlink() or not target.is_file():
                return None
            return target.read_bytes()
        except OSError:
            return None

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        for entry in entries:
            content = self.read(entry.path)
            if content is not None:
                yield entry, content
