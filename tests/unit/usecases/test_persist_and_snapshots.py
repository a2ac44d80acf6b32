"""The persist and snapshots use cases over the in-memory unit of work (the contract suite proves it
behaves as Postgres does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.domain.model import SnapshotKey, SnapshotSource
from codetracker.domain.scan import ScanResult
from codetracker.errors import AmbiguousSnapshot, InvalidInput, SnapshotNotFound
from codetracker.parsing import get_parser
from codetracker.parsing.extractor import ParserExtractor
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree
from codetracker.usecases.persist import persist_scan
from codetracker.usecases.scan_requests import ScanFolderRequest, SnapshotQuery
from codetracker.usecases.snapshots import list_snapshots, show_snapshots

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def scan_result(*, branch="main", tag="HEAD", slug="m", at=T0, body=b"export function f(a) {}\n") -> ScanResult:
    extraction = extract_tree(
        ExtractTreeRequest(MemoryTree({"a.mjs": body}), slug), ExtractionPorts(ParserExtractor(get_parser("esprima")))
    )
    return ScanResult(
        key=SnapshotKey(slug, branch, tag),
        descriptor=extraction.descriptor,
        source=SnapshotSource(name=slug),
        scanned_at=at,
        extraction=extraction.stats,
    )


def test_an_out_of_order_delivery_replaces_nothing():
    uow = MemoryUnitOfWorkFactory()
    newer = persist_scan(scan_result(at=T0, body=b"export function newer() {}\n"), unit_of_work=uow)
    older = persist_scan(scan_result(at=T0 - timedelta(minutes=1)), unit_of_work=uow)
    assert newer.replaced and not older.replaced
    assert older.summary == newer.summary
    view = show_snapshots(SnapshotQuery("m", "main", "HEAD"), unit_of_work=uow)
    assert [f.name for f in view.descriptor.functions] == ["newer"]


def test_pages_follow_their_cursor_to_the_end():
    uow = MemoryUnitOfWorkFactory()
    for n in range(5):
        persist_scan(scan_result(tag=f"v{n}"), unit_of_work=uow)
    seen, cursor, pages = [], None, 0
    while True:
        page = list_snapshots(SnapshotQuery("m", limit=2, cursor=cursor), unit_of_work=uow)
        seen += [s.release_tag for s in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["v0", "v1", "v2", "v3", "v4"]
    assert pages == 3


@pytest.mark.parametrize("cursor", ["garbage", "e30", "WzIsImEiLCJiIiwiYyJd"])
def test_a_cursor_not_handed_out_is_invalid_input(cursor):
    with pytest.raises(InvalidInput) as error:
        list_snapshots(SnapshotQuery("m", cursor=cursor), unit_of_work=MemoryUnitOfWorkFactory())
    assert error.value.field == "cursor"


def test_a_tag_on_several_branches_is_ambiguous_and_names_them():
    uow = MemoryUnitOfWorkFactory()
    persist_scan(scan_result(branch="main"), unit_of_work=uow)
    persist_scan(scan_result(branch="dev"), unit_of_work=uow)
    with pytest.raises(AmbiguousSnapshot, match="dev, main"):
        show_snapshots(SnapshotQuery("m", release_tag="HEAD"), unit_of_work=uow)
    assert show_snapshots(SnapshotQuery("m", "dev", "HEAD"), unit_of_work=uow).descriptor is not None
    with pytest.raises(SnapshotNotFound, match="branch 'x'"):
        show_snapshots(SnapshotQuery("m", "x"), unit_of_work=uow)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"branch_name": " "}, "branch"),
        ({"branch_name": "main", "release_tag": ""}, "tag"),
        ({"branch_name": "main", "commit_sha": "xyz"}, "commit"),
        ({"branch_name": "main", "module_slug": ""}, "slug"),
    ],
)
def test_requests_validate_their_fields_in_one_place(fields, field):
    with pytest.raises(InvalidInput) as error:
        ScanFolderRequest("/tmp", **fields)
    assert error.value.field == field and not str(error.value).startswith("--")
