"""Migration 0016: a function's params_from_doc round-trips through Postgres, and the digest sees it (a
rescan that only flips it rewrites the file's rows)."""

from __future__ import annotations

import dataclasses

import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    Parameter,
    SnapshotKey,
    SnapshotSource,
    TreeEntry,
)
from tests.support.stores import CommittingSnapshotStore, snapshot_store
from codetracker.ports.snapshot_store import SnapshotToStore

KEY = SnapshotKey("ramda", "main", "HEAD")
SOURCE = SnapshotSource(name="ramda")
FILES = (TreeEntry("pipe.js", EntryKind.FILE, 10, "1" * 40),)
DOCUMENTED = (Parameter("functions", 0, "...Function", False, True, None, None, None, type_source="jsdoc"),)


def descriptor(params_from_doc: bool) -> Descriptor:
    pipe = ExportedFunction("pipe", "pipe.js", "default", False, None, None, 0, DOCUMENTED)
    inc = ExportedFunction("inc", "pipe.js", "named", False, None, None, 1)
    return Descriptor("ramda", (dataclasses.replace(pipe, params_from_doc=params_from_doc), inc), FILES, ())


@pytest.fixture
def store(postgres_database: PostgresDatabase) -> CommittingSnapshotStore:
    return snapshot_store(postgres_database)


def test_params_from_doc_round_trips(store: CommittingSnapshotStore) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor(True), SOURCE))
    loaded = store.load_snapshot(KEY)
    assert loaded == descriptor(True)
    assert [f.params_from_doc for f in loaded.functions] == [True, False]


def test_flipping_the_flag_alone_rewrites_the_file(store: CommittingSnapshotStore) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor(True), SOURCE))
    store.store_snapshot(SnapshotToStore(KEY, descriptor(False), SOURCE))
    assert store.load_snapshot(KEY) == descriptor(False)
