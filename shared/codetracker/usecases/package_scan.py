"""Scans package by package: one ScanResult per package out of a scan extracted package by package, and
storing them all in one unit of work (every package's snapshot of a commit, or none).

The key of a package's snapshot is the scan's key with the package's slug. A scan of a tag written
`name@1.2.3` or `name-v1.2.3` that names a package of the tree is a release of that package only, under
release tag `1.2.3` (domain/package_tags.py); any other tag releases every package under its own name.

A stored package of the same tree (the same scan slug), branch and release that the tree no longer has is
marked removed from it at the scan's commit, in the same unit of work (never left to look current). A scan of
one package's tag says nothing about the others: it marks none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from codetracker.domain.model import SnapshotSummary
from codetracker.domain.package_snapshots import package_descriptors
from codetracker.domain.package_tags import release_of_tag
from codetracker.domain.scan import ScanResult
from codetracker.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from codetracker.ports.snapshot_store import PresentPackages
from codetracker.usecases.persist import PersistResult, store_scan


@dataclass(frozen=True, slots=True)
class PackageScan:
    """The package snapshots of one scan, and what storing them says about the packages not among them."""

    results: tuple[ScanResult, ...]
    package_of: str  # the scan's own slug (the repository's): the packages stored together
    # The slugs of every package of the tree, when the scan speaks for all of them (None: one package's tag).
    present: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class PackagePersistResult:
    persisted: tuple[PersistResult, ...]  # one per result, in order
    removed: tuple[SnapshotSummary, ...]  # the packages of the tree found gone, now marked


def split_by_package(result: ScanResult, *, tag: str | None = None, root_keeps_slug: bool = False) -> PackageScan:
    """One result per package (none when the scan found no package). `tag`: the git tag scanned, whose
    release tag was not given explicitly (only then may it name one package). `root_keeps_slug`: a tree whose
    one package is its root keeps the scan's slug (a registration names its module)."""
    split = package_descriptors(result.descriptor)
    present = result.package_slugs or tuple(p.module_slug for p, _ in split)
    if root_keeps_slug and len(split) == 1 and split[0][0].path == "":
        package, descriptor = split[0]
        present = tuple(result.key.module_slug if s == package.module_slug else s for s in present)
        package = replace(package, module_slug=result.key.module_slug)
        split = [(package, replace(descriptor, module_slug=package.module_slug))]
    release = release_of_tag(tag, [package.name for package, _ in split]) if tag else None
    out: list[ScanResult] = []
    for package, descriptor in split:
        if release is not None and release.packages is not None and package.name not in release.packages:
            continue
        key = replace(result.key, module_slug=package.module_slug)
        if release is not None:
            key = replace(key, release_tag=release.release_tag)
        folder = result.source.folder_path
        if folder and package.path:
            folder = f"{folder.rstrip('/')}/{package.path}"
        # The location and sub-path stay the scan's: where it was scanned from, the package being its slug.
        source = replace(result.source, name=package.name, folder_path=folder)
        out.append(replace(result, key=key, descriptor=descriptor, source=source))
    one_package_tag = release is not None and release.packages is not None
    return PackageScan(tuple(out), result.key.module_slug, None if one_package_tag else present)


def persist_package_scans(scan: PackageScan, *, unit_of_work: UnitOfWorkFactory) -> PackagePersistResult:
    """Store every package's snapshot in one unit of work, and mark the tree's packages found gone. A package
    whose stored snapshot comes from a newer scan keeps it (replaced=False), as for one snapshot; the others
    are stored all the same."""
    with unit_of_work() as uow:
        persisted = [store_scan(uow, result, package_of=scan.package_of) for result in scan.results]
        removed = mark_gone_packages(uow, scan)
        uow.commit()
    return PackagePersistResult(tuple(persisted), tuple(removed))


def mark_gone_packages(uow: UnitOfWork, scan: PackageScan) -> list[SnapshotSummary]:
    """Mark the stored packages of the scan's tree, branch and release that the tree no longer has."""
    if scan.present is None or not scan.results:
        return []
    first = scan.results[0]  # every result has the scan's branch, release, scope and commit
    return uow.snapshots.mark_packages_removed(
        PresentPackages(
            first.key.scope,
            scan.package_of,
            branch_name=first.key.branch_name,
            release_tag=first.key.release_tag,
            present=scan.present,
            commit_sha=first.source.commit_sha,
            at=first.scanned_at,
        ),
    )
