"""Scans package by package: one ScanResult per package out of a scan extracted package by package, and
storing them all in one unit of work (every package's snapshot of a commit, or none).

The key of a package's snapshot is the scan's key with the package's slug. A scan of a tag written
`name@1.2.3` or `name-v1.2.3` that names a package of the tree is a release of that package only, under
release tag `1.2.3` (domain/package_tags.py); any other tag releases every package under its own name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from codetracker.domain.model import SnapshotSource
from codetracker.domain.package_snapshots import package_descriptors
from codetracker.domain.package_tags import release_of_tag
from codetracker.errors import StaleSnapshot
from codetracker.ports import UnitOfWorkFactory
from codetracker.usecases.persist import PersistResult
from codetracker.usecases.scan import ScanResult


def split_by_package(result: ScanResult, *, tag: str | None = None) -> list[ScanResult]:
    """One result per package (none when the scan found no package). `tag`: the git tag scanned, whose
    release tag was not given explicitly (only then may it name one package)."""
    split = package_descriptors(result.descriptor)
    release = release_of_tag(tag, [package.name for package, _ in split]) if tag else None
    out = []
    for package, descriptor in split:
        if release is not None and release.packages is not None and package.name not in release.packages:
            continue
        key = replace(result.key, module_slug=package.module_slug)
        if release is not None:
            key = replace(key, release_tag=release.release_tag)
        location = result.source.folder_path
        if location and package.path:
            location = f"{location.rstrip('/')}/{package.path}"
        source = SnapshotSource(name=package.name, folder_path=location, commit_sha=result.source.commit_sha)
        out.append(replace(result, key=key, descriptor=descriptor, source=source))
    return out


def persist_package_scans(results: Sequence[ScanResult], *, unit_of_work: UnitOfWorkFactory) -> list[PersistResult]:
    """Store every package's snapshot in one unit of work. A package whose stored snapshot comes from a
    newer scan keeps it (replaced=False), as for one snapshot; the others are stored all the same."""
    persisted = []
    with unit_of_work() as uow:
        for result in results:
            try:
                summary = uow.snapshots.store_snapshot(
                    result.key, result.descriptor, result.source, scanned_at=result.scanned_at
                )
            except StaleSnapshot as stale:
                persisted.append(PersistResult(summary=stale.stored, replaced=False))  # type: ignore[arg-type]
                continue
            persisted.append(PersistResult(summary=summary, replaced=True))
        uow.commit()
    return persisted
