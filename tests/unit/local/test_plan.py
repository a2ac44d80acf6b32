"""The local plan read from template.yaml: queues, functions, event sources, schedules, mirrored settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codetracker.local.plan import (
    Bindings,
    PlanError,
    build_plan,
    function_environment,
    parameter_overrides,
    parse_duration,
    queue_attributes,
    rate_seconds,
)

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
BINDINGS = Bindings(
    queue_urls={q: f"http://127.0.0.1:1/q/{q}" for q in ("ScanQueue", "ScanDeadLetterQueue", "PersistQueue",
                                                       "PersistDeadLetterQueue", "NotifyQueue",
                                                       "NotifyDeadLetterQueue")},
    bucket_names={"PayloadBucket": "codetracker-payloadbucket"},
    api_url="http://127.0.0.1:3000",
    database_url="postgresql://local/codetracker",
    secret_values={"CODE_TRACKER_ADMIN_TOKEN": "adm", "CODE_TRACKER_GITHUB_WEBHOOK_SECRET": "gh",
                   "CODE_TRACKER_ENCRYPTION_KEY": "k" * 64},
)  # fmt: skip


def test_queues_dlqs_and_redrive_come_from_the_template():
    plan = build_plan(TEMPLATE)
    scan = plan.queues["ScanQueue"]
    assert (scan.name, scan.visibility_timeout_s, scan.dead_letter, scan.max_receive_count) == (
        "codetracker-scan",
        5400,
        "ScanDeadLetterQueue",
        3,
    )
    assert plan.queues["ScanDeadLetterQueue"].redrive_allow_sources == ("codetracker-scan",)
    assert plan.queues["NotifyQueue"].max_receive_count == 5
    attributes = queue_attributes(plan, scan, {"ScanDeadLetterQueue": "arn:dlq"}, max_visibility_timeout_s=3)
    assert attributes["VisibilityTimeout"] == "3"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 3}


def test_event_sources_http_api_and_schedules():
    plan = build_plan(TEMPLATE)
    sources = {s.function: (s.queue, s.batch_size, s.max_concurrency, s.reports_batch_item_failures)
               for s in plan.event_sources}  # fmt: skip
    assert sources == {
        "ScannerFunction": ("ScanQueue", 1, 10, True),
        "PersisterFunction": ("PersistQueue", 5, 5, True),
        "NotifierFunction": ("NotifyQueue", 10, 5, True),
    }
    assert plan.http_functions == ("ApiFunction",)
    assert {s.function: s.every_s for s in plan.schedules} == {
        "ReconcilerFunction": 900.0,
        "RetentionFunction": 86400.0,
    }
    assert plan.functions["ScannerFunction"].timeout_s == 900 and plan.functions["ScannerFunction"].memory_mb == 2048
    faster = build_plan(TEMPLATE, schedule_every={"ReconcilerFunction": 10.0, "RetentionFunction": None})
    assert {s.function: s.every_s for s in faster.schedules} == {"ReconcilerFunction": 10.0, "RetentionFunction": None}
    with pytest.raises(PlanError, match="no schedule"):
        build_plan(TEMPLATE, schedule_every={"ScannerFunction": 1.0})


def test_a_mirrored_setting_moves_the_queue_with_the_function():
    plan = build_plan(TEMPLATE, env={"CODE_TRACKER_NOTIFY_MAX_ATTEMPTS": "3"})
    assert plan.parameters["NotifyMaxAttempts"] == "3"
    assert plan.queues["NotifyQueue"].max_receive_count == 3
    assert function_environment(plan, "NotifierFunction", BINDINGS)["CODE_TRACKER_NOTIFY_MAX_ATTEMPTS"] == "3"
    # And the other way round: the parameter sets the function's setting.
    plan = build_plan(TEMPLATE, overrides={"NotifyMaxAttempts": "7"})
    assert plan.queues["NotifyQueue"].max_receive_count == 7
    assert function_environment(plan, "NotifierFunction", BINDINGS)["CODE_TRACKER_NOTIFY_MAX_ATTEMPTS"] == "7"
    assert plan.mirrors["CODE_TRACKER_NOTIFY_BACKOFF_BASE_S"] == "NotifyBackoffBaseSeconds"
    assert "CODE_TRACKER_PG_DATABASE" not in plan.mirrors
    with pytest.raises(PlanError, match="disagree"):
        build_plan(TEMPLATE, overrides={"NotifyMaxAttempts": "7"}, env={"CODE_TRACKER_NOTIFY_MAX_ATTEMPTS": "3"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"NotifyMaxAttempts": "0"}, "at least 1"), ({"NoSuchParameter": "1"}, "unknown template parameters"),
     ({"LogLevel": "LOUD"}, "one of"), ({"ReconcileSchedule": "every minute"}, "must match"),
     ({"ScanMaxReceiveCount": "many"}, "a number")],
)  # fmt: skip
def test_parameters_are_checked_as_cloudformation_checks_them(overrides, message):
    with pytest.raises(PlanError, match=message):
        build_plan(TEMPLATE, overrides=overrides)


def test_function_environments_are_resolved_against_the_local_infrastructure():
    plan = build_plan(TEMPLATE, local_defaults={"LogLevel": "WARNING"})
    api = function_environment(plan, "ApiFunction", BINDINGS)
    assert api["CODE_TRACKER_SCAN_QUEUE_URL"] == BINDINGS.queue_urls["ScanQueue"]
    assert api["CODE_TRACKER_ADMIN_TOKEN"] == "adm" and api["CODE_TRACKER_GITHUB_WEBHOOK_SECRET"] == "gh"
    assert not any(k.endswith("_SECRET_ID") or k.startswith("CODE_TRACKER_PG_") for k in api)
    assert api["DATABASE_URL"] == BINDINGS.database_url and api["POWERTOOLS_LOG_LEVEL"] == "WARNING"
    notifier = function_environment(plan, "NotifierFunction", BINDINGS)
    # snapshot.url: the persister builds the snapshot.stored body (the scanner resends a persisted job's)
    for builder in ("PersisterFunction", "ScannerFunction"):
        assert function_environment(plan, builder, BINDINGS)["CODE_TRACKER_PUBLIC_API_URL"] == "http://127.0.0.1:3000"
    assert notifier["CODE_TRACKER_PAYLOAD_BUCKET"] == "codetracker-payloadbucket"
    assert "CODE_TRACKER_ADMIN_TOKEN" not in notifier  # only the secrets the template gives the function
    # The template's literals are defaults locally; references are always the local resources.
    scanner = function_environment(
        plan, "ScannerFunction", BINDINGS, {"CODE_TRACKER_GIT_READ_TIMEOUT": "5", "CODE_TRACKER_PERSIST_QUEUE_URL": "x"}
    )
    assert scanner["CODE_TRACKER_GIT_READ_TIMEOUT"] == "5"
    assert scanner["CODE_TRACKER_PERSIST_QUEUE_URL"] == BINDINGS.queue_urls["PersistQueue"]


def test_durations_rates_and_overrides():
    assert [parse_duration(t) for t in ("10s", "500ms", "5m", "1h", "2")] == [10, 0.5, 300, 3600, 2]
    with pytest.raises(PlanError):
        parse_duration("soon")
    assert rate_seconds("rate(15 minutes)") == 900 and rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 12 * * ? *)") is None
    assert parameter_overrides(["NotifyMaxAttempts=3 ScanMaxReceiveCount=2"]) == {
        "NotifyMaxAttempts": "3",
        "ScanMaxReceiveCount": "2",
    }
    with pytest.raises(PlanError, match="twice"):
        parameter_overrides(["A=1", "A=2"])
    with pytest.raises(PlanError, match="Name=Value"):
        parameter_overrides(["A"])
