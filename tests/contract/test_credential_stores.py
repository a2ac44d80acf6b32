"""The stores' contract for rotated credentials, against Postgres and the in-memory fake: a previous token found
only during its grace, an app's credentials written back under its lock, a registration's webhook secrets
replaced only when nobody rotated them meanwhile (and nothing else of the row), delivery ids claimed per hook."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from codetracker.domain.registry import DEPLOYMENT_HOOK, RepositoryStatus, WebhookDelivery, registration_scope
from tests.contract.test_service_stores import T0, add, app, registration


def test_a_previous_token_is_found_only_while_its_grace_lasts(factories):
    first, second = factories
    a = app()
    old = a.token_sha256
    rotated = replace(a, token_sha256=b"n" * 32, previous_token_sha256=old, previous_token_expires_at=T0)
    add(first, a)
    with first() as uow:
        assert uow.apps.lock(a.id) == a
        uow.apps.update(rotated)
        uow.commit()
    with second(read_only=True) as uow:
        assert uow.apps.get(a.id) == rotated
        assert uow.apps.by_token_sha256(b"n" * 32) == rotated
        assert uow.apps.by_token_sha256(b"n" * 32, now=T0 + timedelta(days=9)) == rotated  # current: no expiry
        assert uow.apps.by_token_sha256(old) is None  # without a moment: current tokens only
        assert uow.apps.by_token_sha256(old, now=T0 - timedelta(seconds=1)) == rotated
        assert uow.apps.by_token_sha256(old, now=T0) is None
        assert uow.apps.lock("not-a-uuid") is None


def test_an_app_keeps_a_previous_signing_secret_with_its_moment(factories):
    first, second = factories
    a = app()
    add(first, a)
    rotated = replace(
        a,
        signing_secret_encrypted=b"\x01new",
        previous_signing_secret_encrypted=a.signing_secret_encrypted,
        previous_signing_secret_expires_at=T0 + timedelta(hours=24),
    )
    with first() as uow:
        uow.apps.update(rotated)
        uow.commit()
    with second(read_only=True) as uow:
        stored = uow.apps.get(a.id)
    assert stored == rotated
    assert stored.signing_secrets_encrypted(T0) == (b"\x01new", b"\x01cipher")
    assert stored.signing_secrets_encrypted(T0 + timedelta(hours=24)) == (b"\x01new",)


def test_webhook_secrets_are_replaced_only_over_the_expected_one(factories):
    first, second = factories
    a, b = app("a"), app("b")
    r = registration(a.id, webhook_secret_encrypted=b"\x01one")
    add(first, a, b, r)
    # Meanwhile the scanner changed the row's status: a rotation writes its secrets and nothing else.
    with first() as uow:
        uow.registrations.update(replace(r, status=RepositoryStatus.SYNCED))
        uow.commit()
    until = T0 + timedelta(hours=1)
    rotated = replace(
        r,
        webhook_secret_encrypted=b"\x01two",
        previous_webhook_secret_encrypted=b"\x01one",
        previous_webhook_secret_expires_at=until,
        updated_at=T0 + timedelta(seconds=5),
    )
    with first() as uow:
        assert uow.registrations.set_webhook_secrets(replace(rotated, app_id=b.id), expected=b"\x01one") is False
        assert uow.registrations.set_webhook_secrets(rotated, expected=b"\x01other") is False
        assert uow.registrations.set_webhook_secrets(rotated, expected=b"\x01one") is True
        uow.commit()
    with second(read_only=True) as uow:
        stored = uow.registrations.get(a.id, r.id)
    assert stored == replace(rotated, status=RepositoryStatus.SYNCED)
    # A writer holding a copy from before the rotation does not undo it.
    with first() as uow:
        uow.registrations.update(replace(r, status=RepositoryStatus.FAILED, last_error="x"))
        uow.commit()
    with second(read_only=True) as uow:
        stored = uow.registrations.get(a.id, r.id)
    assert stored == replace(rotated, status=RepositoryStatus.FAILED, last_error="x", updated_at=r.updated_at)
    assert stored.webhook_secrets_encrypted(T0) == (b"\x01two", b"\x01one")
    assert stored.webhook_secrets_encrypted(until) == (b"\x01two",)
    # A registration without a secret gets its first one over None.
    bare = registration(a.id, "https://example.com/o/bare")
    add(first, bare)
    with first() as uow:
        assert bare.webhook_secrets_encrypted(T0) == ()
        assert uow.registrations.set_webhook_secrets(replace(bare, webhook_secret_encrypted=b"\x01x"), expected=None)
        uow.commit()


def test_a_delivery_id_is_claimed_per_hook(factories):
    first, second = factories
    hook = registration_scope("5d6e7f80-91a2-4b3c-8d4e-5f6071829304")
    old, new = T0 - timedelta(days=100), T0
    at_deployment = WebhookDelivery("d-1", "push", old, "queued")
    at_registration = WebhookDelivery("d-1", "push", new, "ignored", hook)
    with first() as uow:
        assert uow.webhook_deliveries.claim(at_deployment) is True
        assert uow.webhook_deliveries.claim(at_registration) is True
        assert uow.webhook_deliveries.claim(replace(at_registration, outcome="again")) is False
        uow.commit()
    with second() as uow:
        assert uow.webhook_deliveries.get("d-1") == at_deployment
        assert uow.webhook_deliveries.get("d-1", DEPLOYMENT_HOOK) == at_deployment
        assert uow.webhook_deliveries.get("d-1", hook) == at_registration
        assert uow.webhook_deliveries.get("d-1", registration_scope("other")) is None
        # Retention removes the old one and keeps the new one of the same id.
        assert uow.retention.delete_webhook_deliveries(before=T0 - timedelta(days=90), limit=10) == 1
        uow.commit()
    with first(read_only=True) as uow:
        assert uow.webhook_deliveries.get("d-1") is None and uow.webhook_deliveries.get("d-1", hook)
