"""What changed between two versions of a snapshot: functions added, removed and changed. Pure.

A function is identified by (file path, exported name): moving a function to another file is a removal and an
addition, renaming one is too. A function with the same identity is *changed* when anything a caller of it
could see differs: export type, async flag, description, parameters (names, types, optionality, defaults,
descriptions) or return values. Its position in the file (`order_in_file`) and the raw JSDoc text (whose
meaning the other fields already carry) do not count.

The summary keeps every count, and the names of at most `limit` functions of each kind (sorted), so a job
result or a notification stays small however large the change.

A package's public functions are counted apart (`public`): an export of a subpath (subpath, export name) is
added or removed with the public API, and changed when the function it names is another record or a changed
one. A snapshot stored without a public API had none; one stored without it now says nothing (`public` null).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from codetracker.domain.model import Descriptor, ExportedFunction, PublicFunction

DEFAULT_NAME_LIMIT = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PublicChanges:
    """The public functions (a package's exports that are functions) added, removed and changed, sorted by
    (subpath, export name); those of the new snapshot for added and changed, of the old one for removed."""

    added: tuple[PublicFunction, ...]
    removed: tuple[PublicFunction, ...]
    changed: tuple[PublicFunction, ...]
    count: int = 0  # the public functions of the new snapshot

    def summary(self, *, limit: int) -> dict[str, Any]:
        def named(f: PublicFunction) -> dict[str, str]:
            return {"subpath": f.subpath, "export_name": f.export_name, "file_path": f.file_path, "name": f.name}

        return {"count": self.count, **_kinds(self.added, self.removed, self.changed, named, limit)}


@dataclass(frozen=True, slots=True)
class FunctionChanges:
    added: tuple[tuple[str, str], ...]  # (file_path, name), sorted
    removed: tuple[tuple[str, str], ...]
    changed: tuple[tuple[str, str], ...]
    previous_commit: str | None = None
    first_snapshot: bool = False  # nothing was stored under the key before
    public: PublicChanges | None = None  # None: the new snapshot has no public API (not a package's)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self, *, limit: int = DEFAULT_NAME_LIMIT) -> dict[str, Any]:
        """The JSON-ready summary kept on the job and sent in the notification."""

        def named(identity: tuple[str, str]) -> dict[str, str]:
            return {"file_path": identity[0], "name": identity[1]}

        return {
            "first_snapshot": self.first_snapshot,
            "previous_commit": self.previous_commit,
            **_kinds(self.added, self.removed, self.changed, named, limit),
            "public": self.public.summary(limit=limit) if self.public is not None else None,
        }


def _kinds(
    added: Sequence[T], removed: Sequence[T], changed: Sequence[T], named: Callable[[T], dict[str, str]], limit: int
) -> dict[str, Any]:
    """Each kind's count, the first `limit` of each, and whether any kind had more."""
    return {
        "added_count": len(added),
        "removed_count": len(removed),
        "changed_count": len(changed),
        "added": [named(x) for x in added[:limit]],
        "removed": [named(x) for x in removed[:limit]],
        "changed": [named(x) for x in changed[:limit]],
        "truncated": any(len(kind) > limit for kind in (added, removed, changed)),
    }


def _identity(f: ExportedFunction) -> tuple[str, str]:
    return f.file_path, f.name


def _visible(f: ExportedFunction) -> tuple:
    return (f.export_type, f.is_async, f.description, f.parameters, f.return_values, f.type_parameters, f.overload)


def _by_identity(functions: Iterable[ExportedFunction]) -> Mapping[tuple[str, str], tuple]:
    """What is visible of each (file, name): every function of that identity, in order. One name has
    several in TypeScript (each overload signature is one function), and when a function is exported
    twice (`export function f` and `export default f`)."""
    found: dict[tuple[str, str], tuple] = {}
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


def diff_snapshots(
    before: Descriptor | None, after: Descriptor, *, previous_commit: str | None = None
) -> FunctionChanges:
    """diff_functions, and the public functions apart when `after` has a public API."""
    changes = diff_functions(
        before.functions if before is not None else None, after.functions, previous_commit=previous_commit
    )
    if after.public_api is None:
        return changes
    old = _public_exports(before) if before is not None else {}
    new = _public_exports(after)
    public = PublicChanges(
        added=tuple(new[k][0] for k in sorted(new.keys() - old.keys())),
        removed=tuple(old[k][0] for k in sorted(old.keys() - new.keys())),
        changed=tuple(new[k][0] for k in sorted(new.keys() & old.keys()) if new[k] != old[k]),
        count=len(new),
    )
    return replace(changes, public=public)


def _public_exports(descriptor: Descriptor) -> dict[tuple[str, str], tuple[PublicFunction, tuple, tuple]]:
    """Each public export by (subpath, export name): its record, that record's identity, what is visible of it."""
    if descriptor.public_api is None:
        return {}
    visible = _by_identity(descriptor.functions)
    return {
        (p.subpath, p.export_name): (p, (p.file_path, p.name), visible.get((p.file_path, p.name), ()))
        for p in descriptor.public_api.public_functions
    }
