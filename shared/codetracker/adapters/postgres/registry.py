"""Apps and repository registrations on Postgres, on the connection (and transaction) of a unit of work.

Every read of a registration names its app: `WHERE app_id = %s` is part of each query, not something a caller
adds. Deleted registrations (deleted_at set) are invisible to every read but `watching`'s opposite: none.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from codetracker.domain.registry import App, Registration, RepositoryStatus
from codetracker.errors import Conflict

if TYPE_CHECKING:
    import psycopg


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


class PostgresAppStore:
    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def add(self, app: App) -> None:
        columns = ("id", "created_at", *_APP_MUTABLE)
        self._connection.execute(
            f"INSERT INTO apps ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            [app.id, app.created_at, *_app_mutable_values(app)],
        )

    def by_token_sha256(self, token_sha256: bytes, *, now: datetime | None = None) -> App | None:
        row = self._connection.execute(f"SELECT {_APP} FROM apps WHERE token_sha256 = %s", [token_sha256]).fetchone()
        if row is None and now is not None:
            row = self._connection.execute(
                f"SELECT {_APP} FROM apps WHERE previous_token_sha256 = %s AND previous_token_expires_at > %s",
                [token_sha256, now],
            ).fetchone()
        return _app(row) if row else None

    def get(self, app_id: str) -> App | None:
        if not is_uuid(app_id):
            return None
        row = self._connection.execute(f"SELECT {_APP} FROM apps WHERE id = %s", [app_id]).fetchone()
        return _app(row) if row else None

    def lock(self, app_id: str) -> App | None:
        if not is_uuid(app_id):
            return None
        row = self._connection.execute(f"SELECT {_APP} FROM apps WHERE id = %s FOR UPDATE", [app_id]).fetchone()
        return _app(row) if row else None

    def update(self, app: App) -> None:
        self._connection.execute(
            f"UPDATE apps SET {_assignments(_APP_MUTABLE)} WHERE id = %s",
            [*_app_mutable_values(app), app.id],
        )


_APP = (
    "id, name, token_sha256, signing_secret_encrypted, callback_url, created_at, previous_token_sha256, "
    "previous_token_expires_at, previous_signing_secret_encrypted, previous_signing_secret_expires_at"
)
# What update writes, in this order (add writes the fixed columns first).
_APP_MUTABLE = tuple(
    "name token_sha256 signing_secret_encrypted callback_url previous_token_sha256 "
    "previous_token_expires_at previous_signing_secret_encrypted previous_signing_secret_expires_at".split()
)


def _app_mutable_values(app: App) -> list[object]:
    return [
        app.name,
        app.token_sha256,
        app.signing_secret_encrypted,
        app.callback_url,
        app.previous_token_sha256,
        app.previous_token_expires_at,
        app.previous_signing_secret_encrypted,
        app.previous_signing_secret_expires_at,
    ]


def _assignments(columns: Iterable[str]) -> str:
    return ", ".join(f"{column} = %s" for column in columns)


def _bytes(value: bytes | memoryview | None) -> bytes | None:
    return bytes(value) if value is not None else None


def _app(row: tuple) -> App:
    app_id, name, token_sha256, secret, callback_url, created_at, old_token, old_token_until, old_secret, until = row
    return App(
        str(app_id),
        name,
        bytes(token_sha256),
        bytes(secret),
        callback_url,
        created_at,
        previous_token_sha256=_bytes(old_token),
        previous_token_expires_at=old_token_until,
        previous_signing_secret_encrypted=_bytes(old_secret),
        previous_signing_secret_expires_at=until,
    )


_REGISTRATION = (
    "id, app_id, url, display_url, module_slug, default_branch, watched_branch, callback_url, "
    "access_token_encrypted, status, last_error, last_scanned_commit, last_scanned_at, created_at, updated_at, "
    "deleted_at, webhook_secret_encrypted, previous_webhook_secret_encrypted, previous_webhook_secret_expires_at, "
    "branch_patterns, tag_patterns, packages, ignore_patterns"
)


def _registration(row: tuple) -> Registration:
    (
        rid,
        app_id,
        url,
        display_url,
        slug,
        default_branch,
        watched,
        callback,
        token,
        status,
        last_error,
        last_commit,
        last_at,
        created_at,
        updated_at,
        deleted_at,
        webhook_secret,
        previous_webhook_secret,
        previous_webhook_secret_until,
        branch_patterns,
        tag_patterns,
        packages,
        ignore_patterns,
    ) = row
    return Registration(
        id=str(rid),
        app_id=str(app_id),
        url=url,
        display_url=display_url,
        module_slug=slug,
        default_branch=default_branch,
        watched_branch=watched,
        callback_url=callback,
        access_token_encrypted=_bytes(token),
        status=RepositoryStatus(status),
        last_error=last_error,
        last_scanned_commit=last_commit,
        last_scanned_at=last_at,
        created_at=created_at,
        updated_at=updated_at,
        deleted_at=deleted_at,
        webhook_secret_encrypted=_bytes(webhook_secret),
        previous_webhook_secret_encrypted=_bytes(previous_webhook_secret),
        previous_webhook_secret_expires_at=previous_webhook_secret_until,
        branch_patterns=tuple(branch_patterns),
        tag_patterns=tuple(tag_patterns),
        packages=tuple(packages),
        ignore_patterns=tuple(ignore_patterns),
    )


class PostgresRegistrationStore:
    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def add(self, r: Registration) -> None:
        import psycopg

        conn = self._connection
        try:
            with conn.transaction():  # a savepoint: a duplicate leaves the unit of work usable
                columns = ("id", "app_id", "url", "created_at", *_REGISTRATION_MUTABLE, *_WEBHOOK_SECRETS)
                conn.execute(
                    f"INSERT INTO repositories ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                    [r.id, r.app_id, r.url, r.created_at, *_registration_mutable_values(r), *_webhook_secret_values(r)],
                )
        except psycopg.errors.UniqueViolation:
            raise Conflict(f"the app already has a registration of {r.url}") from None

    def get(self, app_id: str, registration_id: str) -> Registration | None:
        if not (is_uuid(app_id) and is_uuid(registration_id)):
            return None
        row = self._connection.execute(
            f"SELECT {_REGISTRATION} FROM repositories WHERE id = %s AND app_id = %s AND deleted_at IS NULL",
            [registration_id, app_id],
        ).fetchone()
        return _registration(row) if row else None

    def by_url(self, app_id: str, url: str) -> Registration | None:
        if not is_uuid(app_id):
            return None
        row = self._connection.execute(
            f"SELECT {_REGISTRATION} FROM repositories WHERE app_id = %s AND url = %s AND deleted_at IS NULL",
            [app_id, url],
        ).fetchone()
        return _registration(row) if row else None

    def list(self, app_id: str, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Registration]:
        if not is_uuid(app_id) or (after is not None and not is_uuid(after[1])):
            return []
        query = f"SELECT {_REGISTRATION} FROM repositories WHERE app_id = %s AND deleted_at IS NULL"
        values: list[object] = [app_id]
        if after is not None:
            query += " AND (created_at, id) > (%s, %s)"
            values += [after[0], after[1]]
        query += " ORDER BY created_at, id LIMIT %s"
        values.append(limit)
        return [_registration(row) for row in self._connection.execute(query, values).fetchall()]

    def update(self, r: Registration) -> None:
        self._connection.execute(
            f"UPDATE repositories SET {_assignments(_REGISTRATION_MUTABLE)} "
            "WHERE id = %s AND app_id = %s AND deleted_at IS NULL",
            [*_registration_mutable_values(r), r.id, r.app_id],
        )

    def set_webhook_secrets(self, r: Registration, *, expected: bytes | None) -> bool:
        """Store r's webhook secrets if the current one is still `expected` (no concurrent rotation won)."""
        row = self._connection.execute(
            f"UPDATE repositories SET {_assignments((*_WEBHOOK_SECRETS, 'updated_at'))} "
            "WHERE id = %s AND app_id = %s AND deleted_at IS NULL "
            "AND webhook_secret_encrypted IS NOT DISTINCT FROM %s RETURNING id",
            [*_webhook_secret_values(r), r.updated_at, r.id, r.app_id, expected],
        ).fetchone()
        return row is not None

    def watching(self, urls: Iterable[str]) -> builtins.list[Registration]:
        wanted = sorted(set(urls))
        if not wanted:
            return []
        rows = self._connection.execute(
            f"SELECT {_REGISTRATION} FROM repositories WHERE url = ANY(%s) AND deleted_at IS NULL "
            "ORDER BY created_at, id",
            [wanted],
        ).fetchall()
        return [_registration(row) for row in rows]

    def find(self, registration_id: str) -> Registration | None:
        if not is_uuid(registration_id):
            return None
        row = self._connection.execute(
            f"SELECT {_REGISTRATION} FROM repositories WHERE id = %s", [registration_id]
        ).fetchone()
        return _registration(row) if row else None

    def list_live(self, *, limit: int, after: str | None = None) -> builtins.list[Registration]:
        if after is not None and not is_uuid(after):
            return []
        query = f"SELECT {_REGISTRATION} FROM repositories WHERE deleted_at IS NULL"
        values: list[object] = []
        if after is not None:
            query += " AND id > %s"
            values.append(after)
        query += " ORDER BY id LIMIT %s"
        values.append(limit)
        return [_registration(row) for row in self._connection.execute(query, values).fetchall()]


# What update writes, in this order; the webhook secrets only set_webhook_secrets (a rotation's compare-and-set).
_REGISTRATION_MUTABLE = tuple(
    "display_url module_slug default_branch watched_branch callback_url access_token_encrypted status "
    "last_error last_scanned_commit last_scanned_at updated_at deleted_at branch_patterns tag_patterns "
    "packages ignore_patterns".split()
)
_WEBHOOK_SECRETS = (
    "webhook_secret_encrypted",
    "previous_webhook_secret_encrypted",
    "previous_webhook_secret_expires_at",
)


def _registration_mutable_values(r: Registration) -> list[object]:
    return [
        r.display_url,
        r.module_slug,
        r.default_branch,
        r.watched_branch,
        r.callback_url,
        r.access_token_encrypted,
        str(r.status),
        r.last_error,
        r.last_scanned_commit,
        r.last_scanned_at,
        r.updated_at,
        r.deleted_at,
        list(r.branch_patterns),
        list(r.tag_patterns),
        list(r.packages),
        list(r.ignore_patterns),
    ]


def _webhook_secret_values(r: Registration) -> list[object]:
    return [r.webhook_secret_encrypted, r.previous_webhook_secret_encrypted, r.previous_webhook_secret_expires_at]
