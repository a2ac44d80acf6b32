"""Scanning git refs end to end: fetch over HTTP, extract, store in Postgres; naming rule; rescans."""

from __future__ import annotations

import pytest

from codetracker.contracts.descriptor import descriptor_to_dict
from codetracker.domain.model import EntryKind, ProblemKind, SnapshotKey
from codetracker.errors import RefNotFound, SnapshotNotFound
from tests.integration.scan.conftest import V1_FILES, scan_repository, v2_files
from codetracker.ports.snapshot_store import SnapshotSelection


def test_branch_scan_stores_latest_state_under_head(widgets, scan_deps):
    outcome = scan_repository(widgets.url, "main", **scan_deps)
    s = outcome.summary
    assert (s.module_slug, s.branch_name, s.release_tag, s.commit_sha) == ("widgets", "main", "HEAD", widgets.v2)
    d = scan_deps["store"].load_snapshot(SnapshotKey("widgets", "main", "HEAD"))
    # src/broken.mjs does not parse: recorded as a problem, its functions are not guessed
    assert [(f.file_path, f.name, f.export_type, f.order_in_file) for f in d.functions] == [
        ("src/index.mjs", "make", "named", 0),
        ("src/new.mjs", "fresh", "named", 0),
        ("src/util.js", "twice", "named", 0),
        ("src/util.js", "default", "default", 1),
    ]
    make = next(f for f in d.functions if f.name == "make")
    assert [(p.name, p.type, p.default_value) for p in make.parameters] == [
        ("name", "string", None),
        ("size", None, "1"),
    ]
    # the manifest has every entry of the ref, ignored files included, with git blob shas
    assert {e.path for e in d.files} == set(V1_FILES) | {"src/new.mjs"}
    assert all(e.kind is EntryKind.FILE and len(e.sha) == 40 for e in d.files)
    # trees first, then only the blobs the scan read: their sizes are known, the others' are not guessed
    assert outcome.fetch.used_filter
    sizes = {e.path: e.size for e in d.files}
    assert sizes["src/index.mjs"] == len(v2_files()["src/index.mjs"])
    assert sizes["package.json"] is None and sizes["dist/all.js"] is None
    problems = {p.path: p.kind for p in d.problems}
    assert problems == {"src/broken.mjs": ProblemKind.PARSE_ERROR}


def test_tags_store_under_default_branch_and_keep_other_versions(widgets, scan_deps):
    store = scan_deps["store"]
    scan_repository(widgets.url, "main", **scan_deps)
    v1 = scan_repository(widgets.url, "v1.0.0", **scan_deps).summary  # annotated: peeled to the commit
    v2 = scan_repository(widgets.url, "v2.0.0", **scan_deps).summary  # lightweight
    assert (v1.branch_name, v1.release_tag, v1.commit_sha) == ("main", "v1.0.0", widgets.v1)
    assert (v2.branch_name, v2.release_tag, v2.commit_sha) == ("main", "v2.0.0", widgets.v2)
    names_v1 = {f.name for f in store.load_snapshot(SnapshotKey("widgets", "main", "v1.0.0")).functions}
    names_v2 = {f.name for f in store.load_snapshot(SnapshotKey("widgets", "main", "v2.0.0")).functions}
    assert "fresh" not in names_v1 and "fresh" in names_v2
    assert {s.release_tag for s in store.list_snapshots(SnapshotSelection("widgets"))} == {"HEAD", "v1.0.0", "v2.0.0"}

    # a new commit on main replaces only (widgets, main, HEAD)
    files = {p: b"export function only() {}\n" if p == "src/index.mjs" else c for p, c in v2_files().items()}
    head = widgets.add_commit(files)
    before_v1 = descriptor_to_dict(store.load_snapshot(SnapshotKey("widgets", "main", "v1.0.0")))
    again = scan_repository(widgets.url, "main", **scan_deps).summary
    assert again.commit_sha == head
    assert descriptor_to_dict(store.load_snapshot(SnapshotKey("widgets", "main", "v1.0.0"))) == before_v1
    assert "only" in {f.name for f in store.load_snapshot(SnapshotKey("widgets", "main", "HEAD")).functions}


def test_explicit_branch_and_tag_win_and_commit_refs_use_their_sha(widgets, scan_deps):
    by_sha = scan_repository(widgets.url, widgets.v1, **scan_deps).summary
    assert (by_sha.branch_name, by_sha.release_tag, by_sha.commit_sha) == ("main", widgets.v1, widgets.v1)
    named = scan_repository(
        widgets.url, "v1.0.0", branch_name="release-1.x", release_tag="1.0", module_slug="W", **scan_deps
    ).summary
    assert (named.module_slug, named.branch_name, named.release_tag) == ("w", "release-1.x", "1.0")


def test_rescan_parses_only_new_blobs(widgets, scan_deps):
    first = scan_repository(widgets.url, "v1.0.0", **scan_deps)
    assert first.extraction.parsed == first.extraction.candidates > 0
    same = scan_repository(widgets.url, "v1.0.0", **scan_deps)
    assert same.extraction.parsed == 0 and same.extraction.cache_hits == first.extraction.candidates
    # blobs not downloaded this time still get their size in the manifest, from the cache
    files = {e.path: e.size for e in scan_deps["store"].load_snapshot(SnapshotKey("widgets", "main", "v1.0.0")).files}
    assert files["src/index.mjs"] == len(V1_FILES["src/index.mjs"])
    # v2 changes src/index.mjs and adds src/new.mjs: exactly two blobs are new
    v2 = scan_repository(widgets.url, "v2.0.0", **scan_deps)
    assert v2.extraction.parsed == 2
    if v2.fetch.used_filter:
        assert v2.fetch.blobs_fetched <= 3  # the two new module blobs (+ the ignore file)


def test_missing_ref_fails_and_keeps_what_was_stored(widgets, scan_deps):
    scan_repository(widgets.url, "v1.0.0", **scan_deps)
    stored = descriptor_to_dict(scan_deps["store"].load_snapshot(SnapshotKey("widgets", "main", "v1.0.0")))
    with pytest.raises(RefNotFound):
        scan_repository(widgets.url, "no-such-ref", **scan_deps)
    after = descriptor_to_dict(scan_deps["store"].load_snapshot(SnapshotKey("widgets", "main", "v1.0.0")))
    assert after == stored
    with pytest.raises(SnapshotNotFound):
        scan_deps["store"].load_snapshot(SnapshotKey("widgets", "main", "HEAD"))


def test_credentials_in_the_url_are_used_but_never_stored(widgets, scan_deps, postgres_database):
    secret_url = widgets.url.replace("http://", "http://someone:tok-3f9a@")
    scan_repository(secret_url, "main", **scan_deps)
    (stored,) = (
        postgres_database.connection()
        .execute("SELECT folder_path FROM modules WHERE module_slug = 'widgets'")
        .fetchall()
    )
    assert stored[0] == widgets.url and "tok-3f9a" not in stored[0]
