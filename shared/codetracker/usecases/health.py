"""Whether the service can answer: the database takes a unit of work."""

from __future__ import annotations

import logging

from codetracker.errors import CodetrackerError
from codetracker.ports.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger("codetracker.health")


def database_answers(unit_of_work: UnitOfWorkFactory) -> bool:
    try:
        with unit_of_work(read_only=True) as uow:
            uow.apps.get("00000000-0000-0000-0000-000000000000")
    except CodetrackerError as err:
        # The reason goes to the log only: the health answer never shows connection details.
        logger.warning("database does not answer", extra={"error": type(err).__name__, "code": err.code})
        return False
    return True
