"""Isolation of apps: a registration is found through the app that owns it, and another app's is not found."""

from __future__ import annotations

from codetracker.domain.registry import App, Registration
from codetracker.errors import NotFound
from codetracker.ports.unit_of_work import UnitOfWork


def owned_registration(uow: UnitOfWork, app: App, repository_id: str) -> Registration:
    """The app's live registration of this id; NotFound when there is none (or it is another app's: existence
    is not leaked)."""
    registration = uow.registrations.get(app.id, repository_id)
    if registration is None:
        raise NotFound("no such repository")
    return registration
