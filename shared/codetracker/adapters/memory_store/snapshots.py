"""The in-memory snapshot store (adapters/postgres/snapshots.py's contract)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from codetracker.adapters.memory_store.state import MemoryState, StateStore, StoredSnapshot
from codetracker.domain.model import (
    Descriptor,
    ExportedFunction,
    PackageApi,
    SnapshotKey,
    SnapshotSource,
    SnapshotSummary,
)
from codetracker.domain import snapshot_rules as rules
from codetracker.errors import InvalidInput, SnapshotNotFound, StaleSnapshot
from codetracker.ports.clock import Clock
from codetracker.ports.snapshot_store import (
    FunctionSelection,
    PresentPackages,
    SnapshotOutline,
    SnapshotSelection,
    SnapshotToStore,
)


class MemorySnapshotStore(StateStore):
    def __init__(self, state: MemoryState, clock: Clock) -> None:
        super().__init__(state)
        self._clock = clock

    def store_snapshot(self, snapshot: SnapshotToStore) -> SnapshotSummary:
        key, descriptor, source, scanned_at = snapshot.key, snapshot.descriptor, snapshot.source, snapshot.scanned_at
        rules.check_storable(key, descriptor)
        _refuse_text_postgres_refuses(descriptor, source)
        stored = self._state.snapshots.get(key)
        recorded = (stored.summary.source_location, stored.summary.source_subpath) if stored else (None, "")
        if not snapshot.replace_source:
            rules.check_same_source(key, recorded, source)
        moment = scanned_at or self._clock()
        if scanned_at is None and stored is not None:
            moment = max(moment, stored.scanned_at)  # the store's own moment is never stale
        if stored is not None and stored.scanned_at > moment:
            raise StaleSnapshot(f"a newer scan of {rules.describe_key(key)} is stored", stored=stored.summary)
        summary = rules.stored_summary(
            key,
            source,
            rules.row_counts(descriptor),
            snapshot_id=stored.summary.snapshot_id if stored else self._state.new_snapshot_id(),
            scanned_at=moment.astimezone(UTC).isoformat(),
            # A scan whose source is not known keeps the recorded one.
            recorded_source=recorded if source.location is None else (source.location, source.subpath),
            package_of=snapshot.package_of,
        )
        # As Postgres returns it: functions by (file, order in file), files and problems by path.
        ordered = Descriptor(
            module_slug=descriptor.module_slug,
            functions=tuple(sorted(descriptor.functions, key=lambda f: (f.file_path, f.order_in_file))),
            files=tuple(sorted(descriptor.files, key=lambda e: e.path)),
            problems=tuple(sorted(descriptor.problems, key=lambda p: p.path)),
            public_api=descriptor.public_api,
        )
        self._state.snapshots[key] = StoredSnapshot(summary, moment, ordered)
        return summary

    def list_snapshots(self, selection: SnapshotSelection = SnapshotSelection()) -> list[SnapshotSummary]:
        keys = sorted(
            (k for k in self._state.snapshots if selection.selects(k)),
            key=lambda k: (k.module_slug, k.branch_name, k.release_tag),
        )
        return [self._state.snapshots[k].summary for k in keys[: selection.limit]]

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        stored = self._state.snapshots.get(key)
        if stored is None:
            raise SnapshotNotFound(f"no snapshot of {rules.describe_key(key)}")
        return stored.descriptor

    def _by_id(self, snapshot_id: int) -> StoredSnapshot | None:
        return next((s for s in self._state.snapshots.values() if s.summary.snapshot_id == snapshot_id), None)

    def summary_by_id(self, snapshot_id: int) -> SnapshotSummary | None:
        stored = self._by_id(snapshot_id)
        return stored.summary if stored else None

    def load_functions(self, selection: FunctionSelection) -> list[ExportedFunction]:
        stored = self._by_id(selection.snapshot_id)
        if stored is None:
            return []
        return [f for f in stored.descriptor.functions if selection.selects(f)][: selection.limit]

    def load_outline(self, snapshot_id: int) -> SnapshotOutline:
        stored = self._by_id(snapshot_id)
        if stored is None:
            return SnapshotOutline((), ())
        counts: dict[str, int] = {}
        for f in stored.descriptor.functions:
            counts[f.file_path] = counts.get(f.file_path, 0) + 1
        return SnapshotOutline(tuple(sorted(counts.items())), stored.descriptor.problems)

    def load_public_api(self, snapshot_id: int) -> tuple[PackageApi, tuple[ExportedFunction, ...]] | None:
        stored = self._by_id(snapshot_id)
        api = stored.descriptor.public_api if stored is not None else None
        if stored is None or api is None:
            return None
        named = {(f.file_path, f.name) for f in api.public_functions}
        return api, tuple(f for f in stored.descriptor.functions if (f.file_path, f.name) in named)

    def mark_removed_from_remote(
        self, scope: str, module_slug: str, *, branch_name: str | None, release_tag: str, at: datetime
    ) -> int:
        marked = 0
        for key, stored in list(self._state.snapshots.items()):
            if (
                (key.scope, key.module_slug, key.release_tag) == (scope, module_slug, release_tag)
                and branch_name in (None, key.branch_name)
                and stored.summary.removed_from_remote_at is None
            ):
                summary = replace(stored.summary, removed_from_remote_at=at.astimezone(UTC).isoformat())
                self._state.snapshots[key] = replace(stored, summary=summary)
                marked += 1
        return marked

    def mark_packages_removed(self, found: PresentPackages) -> list[SnapshotSummary]:
        marked = []
        for key, stored in sorted(self._state.snapshots.items(), key=lambda item: item[0].module_slug):
            summary = stored.summary
            if (
                found.of_tree(key, summary.package_of)
                and key.module_slug not in found.present
                and summary.removed_from_tree_at is None
            ):
                summary = replace(
                    summary,
                    removed_from_tree_at=found.at.astimezone(UTC).isoformat(),
                    removed_from_tree_commit=found.commit_sha,
                )
                self._state.snapshots[key] = replace(stored, summary=summary)
                marked.append(summary)
        return marked

    def delete_scope(self, scope: str) -> int:
        doomed = [k for k in self._state.snapshots if k.scope == scope]
        for k in doomed:
            del self._state.snapshots[k]
        return len(doomed)


def _refuse_text_postgres_refuses(descriptor: Descriptor, source: SnapshotSource) -> None:
    texts: list[str | None] = [source.name, source.folder_path, source.commit_sha, source.location, source.subpath]
    for f in descriptor.functions:
        texts += [f.name, f.file_path, f.description, f.jsdoc_raw]
        for p in f.parameters:
            texts += [p.name, p.type, p.default_value, p.description, p.doc_default, p.jsdoc_type]
        texts += [t for r in f.return_values for t in (r.type, r.description)]
    texts += [e.path for e in descriptor.files] + [p.reason for p in descriptor.problems]
    api = descriptor.public_api
    if api is not None:
        texts += [t for e in api.entry_points for t in (e.subpath, e.file_path, *e.conditions)]
        texts += [t for f in api.public_functions for t in (f.subpath, f.export_name, f.file_path, f.name)]
        texts += [t for u in api.unknown_exports for t in (u.subpath, u.export_name, u.reason)]
    for text in texts:
        if text is None:
            continue
        if "\x00" in text:
            raise InvalidInput("the snapshot cannot be stored: text contains a NUL character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            raise InvalidInput(f"the snapshot cannot be stored: {err}") from err
