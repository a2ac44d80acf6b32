"""template.yaml read as data: what the issue asks of it, and what `codetracker dev` will read from it."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
from yaml.constructor import ConstructorError

from codetracker.local import template as cfn
from tests.deploy.conftest import FUNCTIONS, LAYERS, ROOT

QUEUES = {  # source queue → (its DLQ, its consumer, the parameter of its maxReceiveCount)
    "ScanQueue": ("ScanDeadLetterQueue", "ScannerFunction", "ScanMaxReceiveCount"),
    "PersistQueue": ("PersistDeadLetterQueue", "PersisterFunction", "PersistMaxReceiveCount"),
    "NotifyQueue": ("NotifyDeadLetterQueue", "NotifierFunction", "NotifyMaxAttempts"),
}
FOURTEEN_DAYS = 14 * 24 * 3600


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def props(template: dict[str, Any], name: str) -> dict[str, Any]:
    return template["Resources"][name].get("Properties", {})


def event_sources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Source queue → its event source mapping's properties."""
    found = {}
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        queue = mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        found[queue] = mapping["Properties"]
    return found


def function_env(template: dict[str, Any], function: str) -> dict[str, Any]:
    merged = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    merged.update(props(template, function).get("Environment", {}).get("Variables", {}))
    return merged


def test_globals_runtime_architecture_layers_and_powertools(template):
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.13"
    assert glob["Architectures"] == ["arm64"]
    assert glob["Handler"] == "app.lambda_handler"
    assert glob["Tracing"] == "Active"
    assert glob["Layers"] == [{"Ref": name} for name in LAYERS]
    variables = glob["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "codetracker"
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert variables["CODE_TRACKER_PG_SSL"] == "require"


def test_every_function_has_its_folder_memory_and_timeout(template):
    functions = resources(template, "AWS::Serverless::Function")
    assert set(functions) == set(FUNCTIONS)
    for name, role in FUNCTIONS.items():
        p = props(template, name)
        assert p["CodeUri"] == f"functions/{role}/", name
        assert "MemorySize" in p and isinstance(p["Timeout"], int), name
        assert "Runtime" not in p and "Architectures" not in p, f"{name}: runtime and architecture are global"


def test_layers_are_makefile_builds_for_the_runtime_and_architecture(template):
    for name in LAYERS:
        layer = template["Resources"][name]
        assert layer["Type"] == "AWS::Serverless::LayerVersion"
        assert layer["Metadata"]["BuildMethod"] == "makefile"
        assert layer["Metadata"]["BuildArchitecture"] == "arm64"
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    makefile = (ROOT / "layers" / "deps" / "Makefile").read_text()
    assert "PYTHON_VERSION ?= 3.13" in makefile
    assert "PLATFORMS ?= manylinux2014_aarch64 manylinux_2_28_aarch64" in makefile
    assert "--implementation cp" in makefile and "--only-binary=:all:" in makefile
    codetracker = template["Resources"]["CodetrackerLayer"]
    assert codetracker["Properties"]["ContentUri"] == "shared/"
    assert (ROOT / codetracker["Metadata"]["ContextPath"] / "Makefile").exists()


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_queue_has_a_dlq_an_allowed_redrive_and_a_visibility_of_six_timeouts(template, parameters, queue):
    dlq, consumer, receive_parameter = QUEUES[queue]
    source = props(template, queue)
    assert source["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
        "maxReceiveCount": {"Ref": receive_parameter},
    }
    timeout = props(template, consumer)["Timeout"]
    assert source["VisibilityTimeout"] >= 6 * timeout, f"{queue}: visibility < 6 x {consumer}'s {timeout} s"
    dead = props(template, dlq)
    assert dead["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert "RedrivePolicy" not in dead
    # The DLQ admits redrive only from its source: the ARN it names is the source queue's.
    allow = cfn.resolve(dead["RedriveAllowPolicy"], template, parameters)
    source_name = cfn.resolve(source["QueueName"], template, parameters)
    assert allow == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [f"arn:aws:sqs:us-east-1:000000000000:{source_name}"],
    }
    assert source["SqsManagedSseEnabled"] and dead["SqsManagedSseEnabled"]


def test_notify_queue_receives_as_often_as_the_notifier_attempts(template, parameters):
    assert props(template, "NotifyQueue")["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "NotifyMaxAttempts"}
    env = function_env(template, "NotifierFunction")
    assert env["CODE_TRACKER_NOTIFY_MAX_ATTEMPTS"] == {"Ref": "NotifyMaxAttempts"}
    assert env["CODE_TRACKER_NOTIFY_BACKOFF_BASE_S"] == {"Ref": "NotifyBackoffBaseSeconds"}
    assert parameters["NotifyMaxAttempts"] == "5" and parameters["NotifyBackoffBaseSeconds"] == "1"


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_consumer_reports_batch_item_failures_with_batch_size_and_max_concurrency(template, parameters, queue):
    _, consumer, _ = QUEUES[queue]
    source = event_sources(template)[queue]
    assert source["FunctionName"] == {"Ref": consumer}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= source["BatchSize"] <= 10
    concurrency = cfn.resolve(source["ScalingConfig"]["MaximumConcurrency"], template, parameters)
    assert int(concurrency) >= 2  # Lambda's minimum
    assert "Events" not in props(template, consumer), "SAM SQS events would add AWSLambdaSQSQueueExecutionRole"


def test_every_queue_has_a_consumer(template):
    queues = set(resources(template, "AWS::SQS::Queue"))
    assert queues == set(QUEUES) | {dlq for dlq, _, _ in QUEUES.values()}
    assert set(event_sources(template)) == set(QUEUES)


@pytest.mark.parametrize(
    "function, parameter, default",
    [
        ("ReconcilerFunction", "ReconcileSchedule", "rate(15 minutes)"),
        ("RetentionFunction", "RetentionSchedule", "rate(1 day)"),
    ],
)
def test_schedules_are_parameters(template, parameters, function, parameter, default):
    (event,) = props(template, function)["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == {"Ref": parameter}
    assert parameters[parameter] == default


def test_api_is_one_http_api_default_route_payload_v2_without_authorizer_or_cors(template):
    api = props(template, "HttpApi")
    assert "CorsConfiguration" not in api and "Auth" not in api
    assert set(api["DefaultRouteSettings"]) == {"ThrottlingBurstLimit", "ThrottlingRateLimit"}
    (event,) = props(template, "ApiFunction")["Events"].values()
    assert event["Type"] == "HttpApi"
    assert event["Properties"] == {"ApiId": {"Ref": "HttpApi"}, "Path": "$default", "Method": "ANY",
                                   "PayloadFormatVersion": "2.0"}  # fmt: skip
    assert props(template, "ApiFunction")["Timeout"] < 30  # API Gateway's integration limit


def test_payload_bucket_is_encrypted_private_and_expires_leftovers(template, parameters):
    bucket = props(template, "PayloadBucket")
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    (expiry,) = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["Status"] == "Enabled" and expiry["ExpirationInDays"] == {"Ref": "PayloadExpirationDays"}
    # A payload outlives its message: DLQ retention (14 days) plus a redriven message's stay in its source.
    source_retention_days = props(template, "ScanQueue")["MessageRetentionPeriod"] / 86400
    assert int(parameters["PayloadExpirationDays"]) >= 14 + source_retention_days


def test_database_is_created_with_a_managed_password_or_given(template):
    conditions = template["Conditions"]
    assert conditions["CreateDatabase"] == {"Fn::Equals": [{"Ref": "ExistingDatabaseHost"}, ""]}
    database = template["Resources"]["Database"]
    assert database["Condition"] == "CreateDatabase"
    assert database["Properties"]["ManageMasterUserPassword"] is True
    assert database["Properties"]["StorageEncrypted"] is True
    assert database["Properties"]["PubliclyAccessible"] is False
    assert database["DeletionPolicy"] == "Snapshot"
    proxy = template["Resources"]["DatabaseProxy"]
    assert proxy["Condition"] == "CreateProxy" and proxy["Properties"]["RequireTLS"] is True


def test_alarms_on_every_dlq_depth_and_every_function_error(template):
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms
               if a["Properties"]["Namespace"] == "AWS/SQS"}  # fmt: skip
    assert watched == {dlq for dlq, _, _ in QUEUES.values()}
    errors = {a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in alarms
              if a["Properties"]["MetricName"] == "Errors"}  # fmt: skip
    assert errors == set(FUNCTIONS)
    for alarm in alarms:
        p = alarm["Properties"]
        assert p["Threshold"] == 0 and p["ComparisonOperator"] == "GreaterThanThreshold"
        assert p["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


def test_outputs_name_the_api_webhook_queues_and_dlqs(template):
    outputs = template["Outputs"]
    for queue, (dlq, _, _) in QUEUES.items():
        assert outputs[f"{queue}Url"]["Value"] == {"Ref": queue}
        assert outputs[f"{dlq}Url"]["Value"] == {"Ref": dlq}
    assert outputs["ApiUrl"]["Value"]["Fn::Sub"].startswith("https://${HttpApi}.execute-api.")
    assert outputs["WebhookUrl"]["Value"]["Fn::Sub"].endswith("/webhooks/github")


# What each function may reach. The code's owners read these variables (see docs/deploy.md).
ENVIRONMENT = {
    "ApiFunction": {"CODE_TRACKER_SCAN_QUEUE_URL", "CODE_TRACKER_ADMIN_TOKEN_SECRET_ID",
                    "CODE_TRACKER_GITHUB_WEBHOOK_SECRET_SECRET_ID", "CODE_TRACKER_ENCRYPTION_KEY_SECRET_ID"},
    "ScannerFunction": {"CODE_TRACKER_SCAN_QUEUE_URL", "CODE_TRACKER_PERSIST_QUEUE_URL",
                        "CODE_TRACKER_NOTIFY_QUEUE_URL", "CODE_TRACKER_PAYLOAD_BUCKET",
                        "CODE_TRACKER_ENCRYPTION_KEY_SECRET_ID",
                        "CODE_TRACKER_MAX_FILE_BYTES", "CODE_TRACKER_MAX_PACK_BYTES", "CODE_TRACKER_MAX_FILES",
                        "CODE_TRACKER_GIT_CONNECT_TIMEOUT", "CODE_TRACKER_GIT_READ_TIMEOUT",
                        "CODE_TRACKER_GIT_TOTAL_TIMEOUT", "CODE_TRACKER_PUBLIC_API_URL"},
    # The snapshot.stored body (snapshot.url included) is built where the snapshot is stored, and sent as is.
    "PersisterFunction": {"CODE_TRACKER_NOTIFY_QUEUE_URL", "CODE_TRACKER_PAYLOAD_BUCKET",
                          "CODE_TRACKER_PUBLIC_API_URL"},
    "NotifierFunction": {"CODE_TRACKER_NOTIFY_QUEUE_URL", "CODE_TRACKER_PAYLOAD_BUCKET",
                         "CODE_TRACKER_ENCRYPTION_KEY_SECRET_ID", "CODE_TRACKER_NOTIFY_MAX_ATTEMPTS",
                         "CODE_TRACKER_NOTIFY_BACKOFF_BASE_S"},
    "ReconcilerFunction": {"CODE_TRACKER_SCAN_QUEUE_URL", "CODE_TRACKER_NOTIFY_QUEUE_URL",
                           "CODE_TRACKER_ENCRYPTION_KEY_SECRET_ID",
                           "CODE_TRACKER_GIT_CONNECT_TIMEOUT", "CODE_TRACKER_GIT_READ_TIMEOUT"},
    "RetentionFunction": {"CODE_TRACKER_RETENTION_DAYS"},
}  # fmt: skip
GLOBAL_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "CODE_TRACKER_PG_HOST",
    "CODE_TRACKER_PG_PORT", "CODE_TRACKER_PG_DATABASE", "CODE_TRACKER_PG_USER", "CODE_TRACKER_PG_SSL",
    "CODE_TRACKER_PG_PASSWORD_SECRET_ID", "CODE_TRACKER_SECRET_MAX_AGE_S",
}  # fmt: skip


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_environment_of_each_function(template, function):
    assert set(template["Globals"]["Function"]["Environment"]["Variables"]) == GLOBAL_ENVIRONMENT
    assert set(props(template, function).get("Environment", {}).get("Variables", {})) == ENVIRONMENT[function]


def test_engine_limits_in_the_template_are_the_code_defaults(template):
    from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES
    from codetracker.ports.git import FetchLimits

    env = function_env(template, "ScannerFunction")
    assert int(env["CODE_TRACKER_MAX_FILE_BYTES"]) == DEFAULT_MAX_FILE_BYTES
    limits = FetchLimits()
    for field, variable in FetchLimits.SETTINGS.items():
        assert float(env[variable]) == getattr(limits, field), variable


def test_secrets_are_generated_and_the_encryption_key_is_32_bytes_of_hex(template):
    for name in ("AdminTokenSecret", "GithubWebhookSecret", "EncryptionKeySecret"):
        assert "GenerateSecretString" in props(template, name), name
    key = props(template, "EncryptionKeySecret")["GenerateSecretString"]
    allowed = set("0123456789abcdefghijklmnopqrstuvwxyz") - set(key["ExcludeCharacters"])
    assert key["PasswordLength"] == 64 and key["ExcludeUppercase"] and key["ExcludePunctuation"]
    assert allowed == set("0123456789abcdef")


def test_samconfig_has_dev_and_prod(template):
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for env in ("default", "dev", "prod"):
        assert config[env]["build"]["parameters"] == {"cached": True, "parallel": True}, env
        deploy = config[env]["deploy"]["parameters"]
        assert deploy["resolve_s3"] is True
        overrides = dict(item.split("=", 1) for item in deploy["parameter_overrides"].split())
        assert set(overrides) <= set(template["Parameters"]), env
        for name, value in overrides.items():
            allowed = template["Parameters"][name].get("AllowedValues")
            assert allowed is None or value in map(str, allowed), (env, name, value)
    assert config["dev"]["global"]["parameters"]["stack_name"] == "codetracker-dev"
    assert config["prod"]["global"]["parameters"]["stack_name"] == "codetracker-prod"
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


def test_deploy_doc_shows_sam_local_invoke_for_every_function():
    doc = (ROOT / "docs" / "deploy.md").read_text()
    for function, role in FUNCTIONS.items():
        assert re.search(rf"sam local invoke {function} -e events/{role}/\S+\.json", doc), function


def test_loader_reads_short_and_long_forms_alike():
    short = cfn.loads("Resources:\n  A:\n    Type: X\n    Properties:\n      P: !GetAtt B.C.D\n"
                      "      Q: !Sub '${AWS::StackName}-q'\n      R: !If [C, !Ref S, !Ref AWS::NoValue]\n")  # fmt: skip
    assert short["Resources"]["A"]["Properties"] == {
        "P": {"Fn::GetAtt": ["B", "C.D"]},
        "Q": {"Fn::Sub": "${AWS::StackName}-q"},
        "R": {"Fn::If": ["C", {"Ref": "S"}, {"Ref": "AWS::NoValue"}]},
    }
    with pytest.raises(ConstructorError):
        cfn.loads("Resources: !!python/object:os.system {}\n")


def test_parameter_overrides_flow_into_resolved_values(template):
    values = cfn.parameter_values(template, {"NotifyMaxAttempts": "8"})
    assert cfn.resolve(props(template, "NotifyQueue")["RedrivePolicy"]["maxReceiveCount"], template, values) == "8"
    with pytest.raises(ValueError, match="unknown template parameters: Nope"):
        cfn.parameter_values(template, {"Nope": "1"})
    with pytest.raises(cfn.Unresolved):
        cfn.resolve({"Fn::GetAtt": ["ScanQueue", "Arn"]}, template, values)


def test_every_variable_the_template_sets_is_one_the_code_reads(template):
    """A renamed setting on one side only would be silently ignored in AWS: the names must match."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "shared" / "codetracker"
    code = "\n".join(path.read_text() for path in package.rglob("*.py"))
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for function in FUNCTIONS:
        names |= set(props(template, function).get("Environment", {}).get("Variables", {}))
    unread = sorted(
        name
        for name in names
        if name.startswith("CODE_TRACKER_")
        and f'"{name}"' not in code
        # <VARIABLE>_SECRET_ID: the secret of a setting the code reads by its variable (settings.SecretSetting).
        and not (name.endswith("_SECRET_ID") and f'"{name.removesuffix("_SECRET_ID")}"' in code)
    )
    assert unread == []
