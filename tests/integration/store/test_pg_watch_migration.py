"""Migration 0013 on a database that already holds registrations and snapshots: they keep working, with the
watch a registration made today without patterns gets (its branch, the default tag pattern), and no snapshot
is marked removed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from codetracker.adapters.postgres.migrations import load_migrations, migrate
from codetracker.ports.snapshot_store import SnapshotSelection


def test_existing_registrations_get_their_branch_and_the_default_tags(empty_database_url: str) -> None:
    import psycopg

    shipped = load_migrations()
    before = [m for m in shipped if m.version < 13]
    migrate(empty_database_url, before)
    app_id, registration_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO apps (id, name, token_sha256, signing_secret_encrypted, created_at) "
            "VALUES (%s, 'a', %s, %s, %s)",
            [app_id, b"\x01" * 32, b"\x02", now],
        )
        conn.execute(
            "INSERT INTO repositories (id, app_id, url, display_url, module_slug, watched_branch, status, "
            "created_at, updated_at) VALUES (%s, %s, 'https://example.com/o/r', 'https://example.com/o/r', 'r', "
            "'develop', 'synced', %s, %s)",
            [registration_id, app_id, now, now],
        )
        conn.execute(
            "INSERT INTO modules (module_slug, name, branch_name, release_tag, last_scanned_at, scope) "
            "VALUES ('r', 'r', 'develop', 'HEAD', %s, %s)",
            [now, f"repository:{registration_id}"],
        )
    assert 13 in migrate(empty_database_url, shipped)

    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

    database = PostgresDatabase(empty_database_url)
    try:
        with PostgresUnitOfWorkFactory(database)(read_only=True) as uow:
            registration = uow.registrations.get(app_id, registration_id)
            (snapshot,) = uow.snapshots.list_snapshots(SnapshotSelection(scope=registration.scope))
    finally:
        database.close()
    assert registration is not None and registration.watched_branch == "develop"
    assert (registration.branch_patterns, registration.tag_patterns) == ((), (":semver",))
    watch = registration.watch()
    assert watch.watches("branch", "develop") and watch.watches("tag", "v1.0.0") and not watch.watches("tag", "x")
    assert snapshot.removed_from_remote_at is None
