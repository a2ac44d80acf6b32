"""Migration 0012: type sources, JSDoc types kept beside annotations, destructured keys, type parameters,
overload numbers and per-file type-export counts round-trip through Postgres, and the digest sees each."""

from __future__ import annotations

import dataclasses

import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    Parameter,
    ReturnValue,
    SnapshotKey,
    SnapshotSource,
    TreeEntry,
)
from tests.support.stores import CommittingSnapshotStore, snapshot_store
from codetracker.ports.snapshot_store import SnapshotToStore

KEY = SnapshotKey("typed", "main", "HEAD")
SOURCE = SnapshotSource(name="typed")
PARAMETERS = (
    Parameter("a", 0, "bigint", False, False, None, None, "first", "annotation", "number"),
    Parameter("{ b, c }", 1, "Opts", True, False, "{}", None, None, "annotation", None, ("b", "c")),
    Parameter("d", 2, "string", False, True, None, None, None, "declaration"),
)
RETURNS = (ReturnValue("Promise<T>", "the result", "annotation", "Promise"),)
FILES = (TreeEntry("a.ts", EntryKind.FILE, 10, "1" * 40), TreeEntry("b.ts", EntryKind.FILE, 5, "2" * 40))


def descriptor(**changes) -> Descriptor:
    first = ExportedFunction("f", "a.ts", "named", False, None, None, 0, PARAMETERS, RETURNS, "<T>", 1)
    second = dataclasses.replace(first, parameters=PARAMETERS[:1], overload=2, order_in_file=1)
    return Descriptor("typed", (dataclasses.replace(first, **changes), second), FILES, (), (("b.ts", 3),))


@pytest.fixture
def store(postgres_database: PostgresDatabase) -> CommittingSnapshotStore:
    return snapshot_store(postgres_database)


def test_typescript_fields_round_trip(store: CommittingSnapshotStore) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor(), SOURCE))
    assert store.load_snapshot(KEY) == descriptor()


@pytest.mark.parametrize(
    "changes",
    [
        {"type_parameters": "<U>"},
        {"overload": None},
        {"parameters": (dataclasses.replace(PARAMETERS[0], jsdoc_type=None), *PARAMETERS[1:])},
        {"parameters": (PARAMETERS[0], dataclasses.replace(PARAMETERS[1], keys=("b",)), PARAMETERS[2])},
        {"return_values": (dataclasses.replace(RETURNS[0], type_source="declaration"),)},
    ],
)
def test_a_change_of_one_field_alone_rewrites_the_file(store: CommittingSnapshotStore, changes) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor(), SOURCE))
    store.store_snapshot(SnapshotToStore(KEY, descriptor(**changes), SOURCE))
    assert store.load_snapshot(KEY) == descriptor(**changes)
