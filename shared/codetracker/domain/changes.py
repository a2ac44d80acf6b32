"""What changed between two versions of a snapshot: functions added, removed and changed. Pure.

A function is identified by (file path, exported name): moving a function to another file is a removal and an
addition, renaming one is too. A function with the same identity is *changed* when anything a caller of it
could see differs: export type, async flag, description, parameters (names, types, optionality, defaults,
descriptions) or return values. Its position in the file (`order_in_file`) and the raw JSDoc text (whose
meaning the other fields already carry) do not count.

The summary keeps every count, and the names of at most `limit` functions of each kind (sorted), so a job
result or a notification stays small however large the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codetracker.domain.model import ExportedFunction

DEFAULT_NAME_LIMIT = 100


@dataclass(frozen=True, slots=True)
class FunctionChanges:
    added: tuple[tuple[str, str], ...]  # (file_path, name), sorted
    removed: tuple[tuple[str, str], ...]
    changed: tuple[tuple[str, str], ...]
    previous_commit: str | None = None
    first_snapshot: bool = False  # nothing was stored under the key before

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self, *, limit: int = DEFAULT_NAME_LIMIT) -> dict[str, Any]:
        """The JSON-ready summary kept on the job and sent in the notification."""

        def names(items: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
            return [{"file_path": path, "name": name} for path, name in items[:limit]]

        return {
            "first_snapshot": self.first_snapshot,
            "previous_commit": self.previous_commit,
            "added_count": len(self.added),
            "removed_count": len(self.removed),
            "changed_count": len(self.changed),
            "added": names(self.added),
            "removed": names(self.removed),
            "changed": names(self.changed),
            "truncated": any(len(kind) > limit for kind in (self.added, self.removed, self.changed)),
        }


def _identity(f: ExportedFunction) -> tuple[str, str]:
    return f.file_path, f.name


def _visible(f: ExportedFunction) -> tuple[object, ...]:
    return (f.export_type, f.is_async, f.description, f.parameters, f.return_values, f.type_parameters, f.overload)


def _by_identity(functions: Iterable[ExportedFunction]) -> Mapping[tuple[str, str], tuple[object, ...]]:
    """What is visible of each (file, name): every function of that identity, in order. One name has
    several in TypeScript (each overload signature is one function), and when a function is exported
    twice (`export function f` and `export default f`)."""
    found: dict[tuple[str, str], tuple[object, ...]] = {}
    for f in functions:
        key = _identity(f)
        found[key] = found.get(key, ()) + (_visible(f),)
    return found


def diff_functions(
    before: Iterable[ExportedFunction] | None,
    after: Iterable[ExportedFunction],
    *,
    previous_commit: str | None = None,
) -> FunctionChanges:
    """Changes from `before` (None: nothing was stored, every function is added) to `after`."""
    old = _by_identity(before or ())
    new = _by_identity(after)
    added = tuple(sorted(k for k in new if k not in old))
    removed = tuple(sorted(k for k in old if k not in new))
    changed = tuple(sorted(k for k in new if k in old and new[k] != old[k]))
    return FunctionChanges(added, removed, changed, previous_commit, first_snapshot=before is None)
