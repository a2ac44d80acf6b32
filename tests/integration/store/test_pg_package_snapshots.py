"""Every package's snapshot of one scan is stored in one Postgres transaction: all of them, or none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWork
from codetracker.domain.model import SnapshotKey, SnapshotSource
from codetracker.domain.scan import ScanResult
from codetracker.errors import InvalidInput
from codetracker.parsing import get_parser
from codetracker.parsing.extractor import ParserExtractor
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree
from codetracker.usecases.package_scan import persist_package_scans, split_by_package

FILES = {
    "package.json": b'{"name": "root", "private": true, "workspaces": ["packages/*"]}',
    "packages/a/package.json": b'{"name": "@acme/a", "version": "1.0.0"}',
    "packages/a/index.js": b"export function a(x) {}\n",
    "packages/b/package.json": b'{"name": "b", "version": "2.0.0"}',
    "packages/b/index.js": b"export function b(y) {}\n",
}


def _scan(files) -> ScanResult:
    extraction = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "acme", package_names=()),
        ExtractionPorts(ParserExtractor(get_parser("esprima"))),
    )
    return ScanResult(
        key=SnapshotKey("acme", "main", "HEAD"),
        descriptor=extraction.descriptor,
        source=SnapshotSource(name="acme", folder_path="https://example.test/acme.git", commit_sha="a" * 40),
        scanned_at=datetime(2026, 12, 1, tzinfo=UTC),
        extraction=extraction.stats,
    )


def _uow(database: PostgresDatabase):
    return lambda **kw: PostgresUnitOfWork(database, **kw)


def test_package_snapshots_are_stored_together(postgres_database: PostgresDatabase) -> None:
    persisted = persist_package_scans(split_by_package(_scan(FILES)), unit_of_work=_uow(postgres_database)).persisted
    assert [(p.summary.module_slug, p.summary.functions_count, p.replaced) for p in persisted] == [
        ("acme-a", 1, True),
        ("b", 1, True),
    ]
    with PostgresUnitOfWork(postgres_database, read_only=True) as uow:
        b = uow.snapshots.load_snapshot(SnapshotKey("b", "main", "HEAD"))
        assert [f.file_path for f in b.functions] == ["packages/b/index.js"]
        summaries = {s.module_slug: s for s in uow.snapshots.list_snapshots()}
    assert summaries["acme-a"].commit_sha == "a" * 40


def test_one_package_that_cannot_be_stored_stores_none(postgres_database: PostgresDatabase) -> None:
    scan = split_by_package(_scan(FILES))
    results = list(scan.results)
    # A description Postgres cannot hold (a lone surrogate): the second package's store fails.
    second = results[1].descriptor
    unstorable = replace(second.functions[0], description="\ud800")
    results[1] = replace(results[1], descriptor=replace(second, functions=(unstorable,)))
    with pytest.raises(InvalidInput):
        persist_package_scans(replace(scan, results=tuple(results)), unit_of_work=_uow(postgres_database))
    with PostgresUnitOfWork(postgres_database, read_only=True) as uow:
        assert uow.snapshots.list_snapshots() == []


def test_a_package_gone_from_the_tree_is_marked_removed_not_left_stale(postgres_database: PostgresDatabase) -> None:
    persist_package_scans(split_by_package(_scan(FILES)), unit_of_work=_uow(postgres_database))
    without_b = {path: data for path, data in FILES.items() if not path.startswith("packages/b/")}
    later = replace(_scan(without_b), scanned_at=datetime(2026, 12, 2, tzinfo=UTC))
    later = replace(later, source=replace(later.source, commit_sha="b" * 40))
    stored = persist_package_scans(split_by_package(later), unit_of_work=_uow(postgres_database))
    assert [p.summary.module_slug for p in stored.persisted] == ["acme-a"]
    assert [(s.module_slug, s.removed_from_tree_commit) for s in stored.removed] == [("b", "b" * 40)]
    with PostgresUnitOfWork(postgres_database, read_only=True) as uow:
        summaries = {s.module_slug: s for s in uow.snapshots.list_snapshots()}
    assert summaries["b"].removed_from_tree_at == "2026-12-02T00:00:00+00:00"
    assert summaries["acme-a"].removed_from_tree_at is None and summaries["acme-a"].package_of == "acme"
    # The package's own release tag says nothing about the others: a scan of tag `@acme/a@1.0.0` marks none.
    again = persist_package_scans(split_by_package(later, tag="@acme/a@1.0.0"), unit_of_work=_uow(postgres_database))
    assert again.removed == ()
