"""What a job keeps of its outcome once its snapshot is stored (or found stale): a frozen value, and its
JSON-ready form (the `jobs.result` column and the webhook's package list use it, as FunctionChanges.summary()
is used for what changed). The JSON shape is the one stored since the column was made: a row written by an
older version reads back, with zeros and empties where it lacks a field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any


class ResultOutcome(StrEnum):
    STORED = "stored"
    STALE = "stale"  # an older scan than the stored snapshot: it replaced nothing


@dataclass(frozen=True, slots=True)
class ResultCounts:
    functions: int = 0
    parameters: int = 0
    return_values: int = 0
    files: int = 0
    problems: int = 0
    unread_files: int = 0


@dataclass(frozen=True, slots=True)
class StageDurations:
    """Seconds: waiting in the queue, scanning, persisting."""

    queued: float | None = None
    scan: float | None = None
    persist: float | None = None


@dataclass(frozen=True, slots=True)
class PackageOutcome:
    """One package of a tree with package.json files, as stored (or found stale) by its job."""

    module_slug: str
    name: str
    version: str | None
    path: str
    private: bool
    release_tag: str
    outcome: ResultOutcome
    snapshot_id: int | None = None  # stored ones
    functions: int | None = None
    changes: Mapping[str, Any] | None = None  # FunctionChanges.summary()

    def stored(self, snapshot_id: int, *, functions: int, changes: Mapping[str, Any]) -> PackageOutcome:
        """The package's snapshot stored: its id, how many functions it holds, what changed."""
        return replace(
            self, outcome=ResultOutcome.STORED, snapshot_id=snapshot_id, functions=functions, changes=changes
        )

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "module_slug": self.module_slug,
            "name": self.name,
            "version": self.version,
            "path": self.path,
            "private": self.private,
            "release_tag": self.release_tag,
            "outcome": str(self.outcome),
        }
        if self.outcome == ResultOutcome.STORED:
            entry |= {"snapshot_id": self.snapshot_id, "functions": self.functions, "changes": self.changes}
        return entry

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> PackageOutcome:
        return cls(
            module_slug=entry["module_slug"],
            name=entry["name"],
            version=entry.get("version"),
            path=entry.get("path", ""),
            private=bool(entry.get("private", False)),
            release_tag=entry.get("release_tag", ""),
            outcome=ResultOutcome(entry.get("outcome", ResultOutcome.STORED)),
            snapshot_id=entry.get("snapshot_id"),
            functions=entry.get("functions"),
            changes=entry.get("changes"),
        )


@dataclass(frozen=True, slots=True)
class StoredResult:
    """The snapshot a job stored: counts, commit, what changed, durations; kept after the snapshot is replaced."""

    snapshot_id: int
    commit_sha: str | None
    ref_kind: str | None
    counts: ResultCounts
    changes: Mapping[str, Any]  # FunctionChanges.summary() (of the primary package for a tree with packages)
    durations: StageDurations = StageDurations()  # set by Job.persisted, from the job's times
    extraction: Mapping[str, Any] = field(default_factory=dict)  # the scan's extraction figures, as recorded
    fetch: Mapping[str, Any] | None = None  # the scan's fetch figures, as recorded (None: a folder scan)
    # A tree with packages: the primary package's slug (its counts and changes are the ones above), every
    # package's outcome, and the packages gone from the tree. None/() for one module.
    module_slug: str | None = None
    packages: tuple[PackageOutcome, ...] | None = None
    removed_packages: tuple[str, ...] = ()

    outcome = ResultOutcome.STORED

    @property
    def unread_sources(self) -> Mapping[str, Any]:
        return self.extraction.get("unread_sources") or {}


@dataclass(frozen=True, slots=True)
class StaleResult:
    """An older scan than the stored snapshot's: nothing replaced; which commit stays."""

    commit_sha: str | None
    stored_commit_sha: str | None
    stored_scanned_at: str | None

    outcome = ResultOutcome.STALE


JobResult = StoredResult | StaleResult


_COUNTS = tuple(f.name for f in fields(ResultCounts))


def result_to_json(result: JobResult) -> dict[str, Any]:
    if isinstance(result, StaleResult):
        return {
            "outcome": str(result.outcome),
            "commit_sha": result.commit_sha,
            "stored_commit_sha": result.stored_commit_sha,
            "stored_scanned_at": result.stored_scanned_at,
        }
    durations = result.durations
    stored: dict[str, Any] = {
        "outcome": str(result.outcome),
        "snapshot_id": result.snapshot_id,
        "commit_sha": result.commit_sha,
        "ref_kind": result.ref_kind,
        "counts": {name: getattr(result.counts, name) for name in _COUNTS},
        "extraction": dict(result.extraction),
        "fetch": None if result.fetch is None else dict(result.fetch),
        "changes": dict(result.changes),
        "durations_s": {"queued": durations.queued, "scan": durations.scan, "persist": durations.persist},
    }
    if result.packages is not None:
        stored["module_slug"] = result.module_slug
        stored["packages"] = [p.to_json() for p in result.packages]
        stored["removed_packages"] = list(result.removed_packages)
    return stored


def result_from_json(stored: Mapping[str, Any]) -> JobResult:
    if stored.get("outcome") == ResultOutcome.STALE:
        return StaleResult(
            commit_sha=stored.get("commit_sha"),
            stored_commit_sha=stored.get("stored_commit_sha"),
            stored_scanned_at=stored.get("stored_scanned_at"),
        )
    counts, durations = stored.get("counts") or {}, stored.get("durations_s") or {}
    packages = stored.get("packages")
    return StoredResult(
        snapshot_id=int(stored.get("snapshot_id") or 0),
        commit_sha=stored.get("commit_sha"),
        ref_kind=stored.get("ref_kind"),
        counts=ResultCounts(**{name: int(counts.get(name) or 0) for name in _COUNTS}),
        changes=stored.get("changes") or {},
        durations=StageDurations(durations.get("queued"), durations.get("scan"), durations.get("persist")),
        extraction=stored.get("extraction") or {},
        fetch=stored.get("fetch"),
        module_slug=stored.get("module_slug"),
        packages=None if packages is None else tuple(PackageOutcome.from_json(p) for p in packages),
        removed_packages=tuple(stored.get("removed_packages") or ()),
    )
