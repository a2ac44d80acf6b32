"""One folder of a source tree seen as a tree of its own (`scan URL --ref R --path DIR`): its entries with
the folder's prefix removed, its files read through the whole tree. The folder's own ignore files and
package.json decide; the rest of the repository is not read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from codetracker.domain.model import TreeEntry
from codetracker.errors import InvalidInput
from codetracker.ports.source_trees import SourceTree


class Subtree:
    def __init__(self, tree: SourceTree, folder: str) -> None:
        """`folder`: a normalised sub-path (domain.snapshot_sources.tree_folder), not ""."""
        self._tree = tree
        self._prefix = folder + "/"
        cut = len(self._prefix)
        self._entries = [replace(e, path=e.path[cut:]) for e in tree.entries() if e.path.startswith(self._prefix)]
        if not self._entries:
            raise InvalidInput(f"the tree has no folder '{folder}' (or it is empty)", field="subpath")

    def entries(self) -> Sequence[TreeEntry]:
        return self._entries

    def read(self, path: str) -> bytes | None:
        return self._tree.read(self._prefix + path)

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        cut = len(self._prefix)
        outer = [replace(e, path=self._prefix + e.path) for e in entries]
        for entry, content in self._tree.read_many(outer):
            yield replace(entry, path=entry.path[cut:]), content
