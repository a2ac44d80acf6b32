"""Apps and repository registrations on Postgres, on the connection (and transaction) of a unit of work.

Every read of a registration names its app: `WHERE app_id = %s` is part of each query, not something a caller
adds. Deleted registrations (deleted_at set) are invisible to every read but `watching`'s opposite: none.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from datetime import datetime

from codetracker.adapters.postgres.keyset import KeysetOrder
from codetracker.adapters.postgres.row_mapping import RowMapping, assignments, optional_bytes
from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.domain.registry import App, Registration, RepositoryStatus
from codetracker.errors import Conflict
from codetracker.ports.service_stores import WEBHOOK_SECRET_FIELDS


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


class PostgresAppStore(ConnectionStore):
    def add(self, app: App) -> None:
        columns = ("id", "created_at", *_APP_MUTABLE)
        self._connection.execute(
            f"INSERT INTO apps ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            _APPS.values(app, columns),
        )

    def by_token_sha256(self, token_sha256: bytes, *, now: datetime | None = None) -> App | None:
        row = self._connection.execute(f"SELECT {_APP} FROM apps WHERE token_sha256 = %s", [token_sha256]).fetchone()
        if row is None and now is not None:
            row = self._connection.execute(
                f"SELECT {_APP} FROM apps WHERE previous_token_sha256 = %s AND previous_token_expires_at > %s",
                [token_sha256, now],
            ).fetchone()
        return _APPS.item(row) if row else None

    def get(self, app_id: str) -> App | None:
        if not is_uuid(app_id):
            return None
        return _APPS.one(self._connection.execute(f"SELECT {_APP} FROM apps WHERE id = %s", [app_id]))

    def lock(self, app_id: str) -> App | None:
        if not is_uuid(app_id):
            return None
        return _APPS.one(self._connection.execute(f"SELECT {_APP} FROM apps WHERE id = %s FOR UPDATE", [app_id]))

    def update(self, app: App) -> None:
        self._connection.execute(
            f"UPDATE apps SET {assignments(_APP_MUTABLE)} WHERE id = %s",
            _APPS.values(app, (*_APP_MUTABLE, "id")),
        )


_APPS = RowMapping.of_fields(
    App,
    read={
        "id": str,
        "token_sha256": bytes,
        "signing_secret_encrypted": bytes,
        "previous_token_sha256": optional_bytes,
        "previous_signing_secret_encrypted": optional_bytes,
    },
)
_APP = _APPS.select_list()
# What update writes, in this order (add writes the fixed columns first).
_APP_MUTABLE = tuple(
    "name token_sha256 signing_secret_encrypted callback_url previous_token_sha256 "
    "previous_token_expires_at previous_signing_secret_encrypted previous_signing_secret_expires_at".split()
)


# The repositories table's columns are Registration's fields.
_REGISTRATIONS = RowMapping.of_fields(
    Registration,
    read={
        "id": str,
        "app_id": str,
        "access_token_encrypted": optional_bytes,
        "status": RepositoryStatus,
        "branch_patterns": tuple,
        "tag_patterns": tuple,
        "packages": tuple,
        "ignore_patterns": tuple,
        "webhook_secret_encrypted": optional_bytes,
        "previous_webhook_secret_encrypted": optional_bytes,
    },
    write={"status": str, "branch_patterns": list, "tag_patterns": list, "packages": list, "ignore_patterns": list},
)
_REGISTRATION = _REGISTRATIONS.select_list()
_BY_CREATION = KeysetOrder(("created_at", "id"))  # an app's registrations
_BY_ID = KeysetOrder(("id",))  # every live registration


class PostgresRegistrationStore(ConnectionStore):
    def add(self, r: Registration) -> None:
        import psycopg

        conn = self._connection
        try:
            with conn.transaction():  # a savepoint: a duplicate leaves the unit of work usable
                columns = ("id", "app_id", "url", "created_at", *_REGISTRATION_MUTABLE, *WEBHOOK_SECRET_FIELDS)
                conn.execute(
                    f"INSERT INTO repositories ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                    _REGISTRATIONS.values(r, columns),
                )
        except psycopg.errors.UniqueViolation:
            raise Conflict(f"the app already has a registration of {r.url}") from None

    def get(self, app_id: str, registration_id: str) -> Registration | None:
        if not (is_uuid(app_id) and is_uuid(registration_id)):
            return None
        return _REGISTRATIONS.one(
            self._connection.execute(
                f"SELECT {_REGISTRATION} FROM repositories WHERE id = %s AND app_id = %s AND deleted_at IS NULL",
                [registration_id, app_id],
            )
        )

    def by_url(self, app_id: str, url: str) -> Registration | None:
        if not is_uuid(app_id):
            return None
        return _REGISTRATIONS.one(
            self._connection.execute(
                f"SELECT {_REGISTRATION} FROM repositories WHERE app_id = %s AND url = %s AND deleted_at IS NULL",
                [app_id, url],
            )
        )

    def list(self, app_id: str, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Registration]:
        if not is_uuid(app_id) or (after is not None and not is_uuid(after[1])):
            return []
        query, values = _BY_CREATION.page(
            f"SELECT {_REGISTRATION} FROM repositories WHERE app_id = %s AND deleted_at IS NULL",
            [app_id],
            past=after,
            limit=limit,
        )
        return _REGISTRATIONS.all(self._connection.execute(query, values))

    def update(self, r: Registration) -> None:
        self._connection.execute(
            f"UPDATE repositories SET {assignments(_REGISTRATION_MUTABLE)} "
            "WHERE id = %s AND app_id = %s AND deleted_at IS NULL",
            _REGISTRATIONS.values(r, (*_REGISTRATION_MUTABLE, "id", "app_id")),
        )

    def set_webhook_secrets(self, r: Registration, *, expected: bytes | None) -> bool:
        """Store r's webhook secrets if the current one is still `expected` (no concurrent rotation won)."""
        row = self._connection.execute(
            f"UPDATE repositories SET {assignments((*WEBHOOK_SECRET_FIELDS, 'updated_at'))} "
            "WHERE id = %s AND app_id = %s AND deleted_at IS NULL "
            "AND webhook_secret_encrypted IS NOT DISTINCT FROM %s RETURNING id",
            [*_REGISTRATIONS.values(r, (*WEBHOOK_SECRET_FIELDS, "updated_at", "id", "app_id")), expected],
        ).fetchone()
        return row is not None

    def watching(self, urls: Iterable[str]) -> builtins.list[Registration]:
        wanted = sorted(set(urls))
        if not wanted:
            return []
        return _REGISTRATIONS.all(
            self._connection.execute(
                f"SELECT {_REGISTRATION} FROM repositories WHERE url = ANY(%s) AND deleted_at IS NULL "
                "ORDER BY created_at, id",
                [wanted],
            )
        )

    def find(self, registration_id: str) -> Registration | None:
        if not is_uuid(registration_id):
            return None
        return _REGISTRATIONS.one(
            self._connection.execute(f"SELECT {_REGISTRATION} FROM repositories WHERE id = %s", [registration_id])
        )

    def list_live(self, *, limit: int, after: str | None = None) -> builtins.list[Registration]:
        if after is not None and not is_uuid(after):
            return []
        query, values = _BY_ID.page(
            f"SELECT {_REGISTRATION} FROM repositories WHERE deleted_at IS NULL",
            [],
            past=None if after is None else [after],
            limit=limit,
        )
        return _REGISTRATIONS.all(self._connection.execute(query, values))


# What update writes, in this order; the webhook secrets only set_webhook_secrets (a rotation's compare-and-set).
_REGISTRATION_MUTABLE = tuple(
    "display_url module_slug default_branch watched_branch callback_url access_token_encrypted status "
    "last_error last_scanned_commit last_scanned_at updated_at deleted_at branch_patterns tag_patterns "
    "packages ignore_patterns".split()
)
