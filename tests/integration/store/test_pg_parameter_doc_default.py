"""The parameters table keeps doc_default (migration 0006) apart from default_value, and the digest sees it."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from tests.support.stores import CommittingSnapshotStore, snapshot_store
from codetracker.domain.model import Descriptor, ExportedFunction, Parameter, SnapshotKey, SnapshotSource
from codetracker.ports.snapshot_store import SnapshotToStore

SLUG = "doc-defaults"
KEY = SnapshotKey(SLUG, "main", "HEAD")
SOURCE = SnapshotSource(name="doc-defaults")


def descriptor(*parameters: Parameter) -> Descriptor:
    function = ExportedFunction("debounce", "a.js", "named", False, None, None, 0, parameters)
    return Descriptor(SLUG, (function,))


PARAMETERS = (
    Parameter("wait", 0, "number", True, False, None, "10", "documented only"),
    Parameter("leading", 1, "boolean", True, False, "true", "false", None),
    Parameter("options", 2, None, False, False, None, None, None),
    Parameter("empty", 3, None, True, False, "", "", None),
)


@pytest.fixture
def store(postgres_database: PostgresDatabase) -> CommittingSnapshotStore:
    return snapshot_store(postgres_database)


def test_migration_adds_a_nullable_text_column(migrated_database_url: str) -> None:
    with psycopg.connect(migrated_database_url) as conn:
        row = conn.execute(
            "SELECT data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'parameters' AND column_name = 'doc_default'"
        ).fetchone()
    assert row == ("text", "YES")


def test_doc_default_round_trips_apart_from_default_value(store: CommittingSnapshotStore) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor(*PARAMETERS), SOURCE))
    assert store.load_snapshot(KEY) == descriptor(*PARAMETERS)


@pytest.mark.parametrize("doc_default", [None, "20", ""])
def test_a_change_of_doc_default_alone_rewrites_the_file(
    store: CommittingSnapshotStore, doc_default: str | None
) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor(*PARAMETERS), SOURCE))
    changed = descriptor(dataclasses.replace(PARAMETERS[0], doc_default=doc_default), *PARAMETERS[1:])

    store.store_snapshot(SnapshotToStore(KEY, changed, SOURCE))

    assert store.load_snapshot(KEY) == changed
