"""What every Postgres store is: a view of the unit of work's connection, run inside its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg


class ConnectionStore:
    """A store of the Postgres unit of work (unit_of_work.py): its statements run on the unit's connection."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection
