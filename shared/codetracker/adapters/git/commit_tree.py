"""A SourceTree over one commit's tree in a git object store, read straight from the objects (no checkout).

Objects come from an `ObjectSource`: the in-memory pool a fetch filled, or the object store of a local
repository. When a fetch used the `blob:none` filter, blobs are absent until asked for: `read` and
`read_many` hand the missing SHAs to `fetch_missing` in one batch, then read them from the source.

Sizes. A git tree records names, modes and SHAs, not sizes. A blob's size is known once the blob is in the
source; until then an entry carries `SIZE_UNKNOWN` (None). After a full fetch every size is known at once;
after a filtered fetch a size becomes known when the blob is read, so callers that cap file sizes check the
entries `read_many` yields (their sizes are always real) or `len(content)`. `entries()` reports every size
learned so far.

Paths are decoded from the tree's bytes as UTF-8; bytes that are not UTF-8 become backslash escapes
(`caf\\xe9.js`), so every path is valid text for storage. Lookups by path go through the decoded names.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

from codetracker.domain.model import EntryKind, TreeEntry
from codetracker.errors import FetchLimitExceeded, GitServerError
from codetracker.ports.git import FetchLimits

SIZE_UNKNOWN = None

# git object type numbers (pack format)
OBJ_COMMIT = 1
OBJ_TREE = 2
OBJ_BLOB = 3
OBJ_TAG = 4

_MODE_GITLINK = 0o160000
_SHA_BYTES = 20


class ObjectSource(Protocol):
    def get(self, sha: bytes) -> tuple[int, bytes] | None:
        """(type number, raw content) of the object with this hex SHA, or None when absent."""
        ...

    def has(self, sha: bytes) -> bool: ...


def decode_path(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def parse_tree(raw: bytes) -> Iterator[tuple[bytes, int, bytes]]:
    """(name, mode, hex sha) for each item of a raw tree object."""
    from dulwich.objects import parse_tree as dulwich_parse_tree

    return dulwich_parse_tree(raw, _SHA_BYTES)


def commit_tree_sha(raw_commit: bytes) -> bytes:
    """The tree SHA of a raw commit object (its first header line is always `tree <sha>`)."""
    if not raw_commit.startswith(b"tree ") or raw_commit[45:46] != b"\n":
        raise GitServerError("malformed commit object")
    return raw_commit[5:45]


def tag_target(raw_tag: bytes) -> tuple[bytes, bytes]:
    """(type name, hex sha) an annotated tag object points at."""
    target = kind = None
    for line in raw_tag.split(b"\n"):
        if not line:
            break  # end of headers
        if line.startswith(b"object "):
            target = line[7:]
        elif line.startswith(b"type "):
            kind = line[5:]
    if target is None or kind is None:
        raise GitServerError("malformed tag object")
    return kind, target


class GitCommitTree:
    """Every entry of one commit's tree, plus on-demand blob reads."""

    def __init__(
        self,
        source: ObjectSource,
        tree_sha: bytes,
        *,
        max_files: int,
        fetch_missing: Callable[[Sequence[bytes]], None] | None = None,
    ) -> None:
        self._source = source
        self._fetch_missing = fetch_missing
        self._sizes: dict[bytes, int] = {}
        self._by_path: dict[str, tuple[EntryKind, bytes]] = {}
        self._entries = self._walk(tree_sha, max_files)
        self.missing_blobs_at_start = sum(1 for entry in self._entries if entry.size is SIZE_UNKNOWN)

    def _walk(self, root_sha: bytes, max_files: int) -> list[TreeEntry]:
        entries: list[TreeEntry] = []
        pending: list[tuple[str, bytes]] = [("", root_sha)]
        while pending:
            prefix, tree_sha = pending.pop()
            found = self._source.get(tree_sha)
            if found is None or found[0] != OBJ_TREE:
                raise GitServerError(f"tree {tree_sha.decode('ascii')} is missing from the fetched objects")
            for name, mode, sha in parse_tree(found[1]):
                path = prefix + decode_path(name)
                if stat.S_ISDIR(mode):
                    pending.append((path + "/", sha))
                    continue
                size: int | None
                if mode == _MODE_GITLINK:
                    kind, size = EntryKind.SUBMODULE, 0
                else:
                    kind = EntryKind.SYMLINK if stat.S_ISLNK(mode) else EntryKind.FILE
                    size = self._known_size(sha)
                entries.append(TreeEntry(path=path, kind=kind, size=size, sha=sha.decode("ascii")))
                self._by_path[path] = (kind, sha)
                if len(entries) > max_files:
                    raise FetchLimitExceeded(
                        f"the tree has more than {max_files} files", setting=FetchLimits.SETTINGS["max_files"]
                    )
        entries.sort(key=lambda entry: entry.path)
        return entries

    def _known_size(self, sha: bytes) -> int | None:
        size = self._sizes.get(sha)
        if size is None:
            found = self._source.get(sha)
            if found is None:
                return SIZE_UNKNOWN
            size = self._sizes[sha] = len(found[1])
        return size

    # --- SourceTree ----------------------------------------------------------------------------------

    def entries(self) -> Sequence[TreeEntry]:
        return [self._with_size(entry) for entry in self._entries]

    def read(self, path: str) -> bytes | None:
        found = self._by_path.get(path)
        if found is None or found[0] is not EntryKind.FILE:
            return None
        sha = found[1]
        self._ensure_present([sha])
        return self._blob(sha)

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        """Contents of the regular files among `entries`, in order; other kinds and unknown paths are skipped.

        Missing blobs are fetched in one batch before the first item is yielded. The yielded entries carry
        real sizes.
        """
        wanted: list[tuple[TreeEntry, bytes]] = []
        for entry in entries:
            found = self._by_path.get(entry.path)
            if found is None or found[0] is not EntryKind.FILE:
                continue
            wanted.append((entry, found[1]))
        self._ensure_present(sha for _entry, sha in wanted)
        return self._yield_blobs(wanted)

    def _yield_blobs(self, wanted: list[tuple[TreeEntry, bytes]]) -> Iterator[tuple[TreeEntry, bytes]]:
        for entry, sha in wanted:
            content = self._blob(sha)
            if entry.size != len(content) or entry.sha != sha.decode("ascii"):
                entry = replace(entry, size=len(content), sha=sha.decode("ascii"))
            yield entry, content

    # --- helpers -------------------------------------------------------------------------------------

    def _with_size(self, entry: TreeEntry) -> TreeEntry:
        if entry.size is not SIZE_UNKNOWN:
            return entry
        size = self._sizes.get(entry.sha.encode("ascii")) if entry.sha else None
        return entry if size is None else replace(entry, size=size)

    def _ensure_present(self, shas: Iterable[bytes]) -> None:
        missing = sorted({sha for sha in shas if sha not in self._sizes and not self._source.has(sha)})
        if missing and self._fetch_missing is not None:
            self._fetch_missing(missing)

    def _blob(self, sha: bytes) -> bytes:
        found = self._source.get(sha)
        if found is None or found[0] != OBJ_BLOB:
            raise GitServerError(f"blob {sha.decode('ascii')} is missing from the fetched objects")
        self._sizes[sha] = len(found[1])
        return found[1]
