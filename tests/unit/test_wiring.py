"""The composition root hands each use case this process's adapters: a ports bundle's field is the adapter of
the same name (the one a test gave), and its builder states what differs (settings values, renamed adapters,
the scanner's own collaborators, which the persister never builds)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest

from codetracker.settings import Settings
from codetracker.usecases.pipeline import PipelinePorts
from codetracker.usecases.scanner import ScannerPorts
from codetracker.wiring import Services

ADAPTERS = (
    "unit_of_work",
    "fetcher",
    "scan_queue",
    "secrets",
    "cipher",
    "resolver",
    "metrics",
    "persist_queue",
    "notify_queue",
    "payloads",
    "notify_visibility",
    "scan_visibility",
    "webhook_sender",
    "ref_lister",
    "dead_letters",
)


class Given:
    """An adapter a test passes: only its identity matters here."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Given({self.name})"


def _clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def services() -> Services:
    return Services(Settings.from_env({}), clock=_clock, **{name: Given(name) for name in ADAPTERS})


def _assert_same_named(ports: object, services: Services, *, except_: tuple[str, ...] = ()) -> None:
    for f in fields(ports):  # a ports dataclass
        if f.name not in except_:
            assert getattr(ports, f.name) is getattr(services, f.name), f.name


def test_the_api_ports_are_the_given_adapters(services):
    for ports in (services.registry_ports(), services.job_ports(), services.webhook_ports()):
        _assert_same_named(ports, services)
        assert ports.scan_queue.name == "scan_queue" and ports.clock is _clock


def test_the_persister_gets_no_scanner_collaborators_and_its_settings(services):
    ports = services.pipeline_ports()
    settings_values = ("public_api_url", "log_lines")
    _assert_same_named(ports, services, except_=settings_values)
    assert {f.name for f in fields(ports)}.isdisjoint(f.name for f in fields(ScannerPorts))
    pipeline = services.settings.pipeline
    assert (ports.public_api_url, ports.log_lines) == (pipeline.public_api_url, pipeline.log_tail_lines)


def test_the_scanner_gets_its_fetcher_queue_visibility_and_settings(services):
    ports = services.scanner_ports()
    settings_values = ("limits", "selection", "scan_reserve_s")
    _assert_same_named(ports, services, except_=("pipeline", "extractor") + settings_values)
    assert ports.fetcher.name == "fetcher" and ports.persist_queue.name == "persist_queue"
    assert ports.scan_visibility.name == "scan_visibility" and ports.extractor is not None
    assert ports.pipeline == services.pipeline_ports()
    assert ports.limits == services.settings.fetch_limits and ports.selection == services.settings.selection
    assert ports.scan_reserve_s == services.settings.pipeline.scan_reserve_s


def test_the_notifier_gets_the_sender_and_its_queue_visibility(services):
    ports = services.notifier_ports()
    renamed_or_settings = ("sender", "visibility", "max_attempts", "backoff_base_s", "backoff_cap_s", "log_lines")
    _assert_same_named(ports, services, except_=renamed_or_settings)
    assert ports.sender.name == "webhook_sender" and ports.visibility.name == "notify_visibility"
    pipeline = services.settings.pipeline
    assert (ports.max_attempts, ports.backoff_base_s, ports.backoff_cap_s, ports.log_lines) == (
        pipeline.notify_max_attempts,
        pipeline.notify_backoff_base_s,
        pipeline.notify_backoff_cap_s,
        pipeline.log_tail_lines,
    )


def test_the_reconciler_gets_the_ref_lister_and_the_persisters_pipeline(services):
    ports = services.reconciler(time_left=None).args[1]
    _assert_same_named(ports, services, except_=("pipeline",))
    assert ports.ref_lister.name == "ref_lister"
    assert isinstance(ports.pipeline, PipelinePorts)
