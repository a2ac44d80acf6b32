"""What `codetracker dev` runs, read from `template.yaml`: the queues (with their DLQs, redrive policies and
visibility timeouts), the bucket, the functions (code folder, handler, timeout, memory, environment), the SQS
event sources (batch size, concurrency, partial batch responses), the HTTP API's function and the schedules.

Nothing here starts anything. The plan is built once from the template, the parameter overrides (like
`sam deploy --parameter-overrides`) and the environment:

- a function variable that is exactly `!Ref SomeParameter` *mirrors* that parameter
  (`CODE_TRACKER_NOTIFY_MAX_ATTEMPTS` ↔ `NotifyMaxAttempts`, which is also the notify queue's
  `maxReceiveCount`): setting the variable in the environment overrides the parameter, so the function and the
  queue always agree. The variable and an explicit override that disagree are an error;
- parameter values are checked against the template's constraints (type, min/max, allowed values/pattern),
  as CloudFormation would;
- each function's environment is the template's, resolved: queue references become the local queue URLs,
  the bucket its local name, the HTTP API the local URL, secrets (`…_SECRET_ID`) their values under the
  variable without the suffix, and the database variables one `DATABASE_URL`. A reference the local runtime
  cannot honour is an error naming it, so a template change that the runtime does not follow fails loudly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetracker.local import template as cfn

# moto's default account; ARNs built from AWS::AccountId must match the ones moto gives its queues.
LOCAL_ACCOUNT_ID = "123456789012"
LOCAL_REGION = "us-east-1"
STACK_NAME = "codetracker"

_SECRET_SUFFIX = "_SECRET_ID"
_DATABASE_VARIABLES = re.compile(r"^CODE_TRACKER_PG_[A-Z_]+$")


class PlanError(ValueError):
    """The template, an override or a setting cannot be run locally as given."""


@dataclass(frozen=True, slots=True)
class QueueSpec:
    logical_id: str
    name: str
    visibility_timeout_s: int
    retention_s: int | None
    dead_letter: str | None = None  # logical id of the DLQ
    max_receive_count: int | None = None
    redrive_allow_sources: tuple[str, ...] = ()  # queue names admitted by the DLQ's RedriveAllowPolicy


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str  # "app.lambda_handler"
    timeout_s: float
    memory_mb: int
    environment: Mapping[str, Any]  # unresolved template values (Globals merged)

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def attribute(self) -> str:
        return self.handler.rpartition(".")[2]

    @property
    def code_file(self) -> Path:
        return self.code_dir / (self.module.replace(".", "/") + ".py")


@dataclass(frozen=True, slots=True)
class EventSourceSpec:
    logical_id: str
    function: str
    queue: str
    batch_size: int
    max_concurrency: int | None
    reports_batch_item_failures: bool
    batching_window_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    function: str
    event_name: str
    expression: str
    every_s: float | None  # None: not run (a cron expression, or turned off)


@dataclass(frozen=True, slots=True)
class Plan:
    template_path: Path
    parameters: Mapping[str, str]
    queues: Mapping[str, QueueSpec]
    buckets: Mapping[str, str]  # logical id → local bucket name
    secrets: frozenset[str]  # logical ids of AWS::SecretsManager::Secret
    http_api: str | None  # logical id of the HTTP API
    functions: Mapping[str, FunctionSpec]
    http_functions: tuple[str, ...]
    event_sources: tuple[EventSourceSpec, ...]
    schedules: tuple[ScheduleSpec, ...]
    mirrors: Mapping[str, str] = field(default_factory=dict)  # variable → parameter


# --- durations and schedules ------------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_RATE = re.compile(r"^rate\(\s*(?P<n>\d+)\s+(?P<unit>minutes?|hours?|days?)\s*\)$")
_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_duration(text: str) -> float:
    """`10s`, `500ms`, `5m`, `1h`, `2d` or a number of seconds."""
    found = _DURATION.match(text or "")
    if not found or float(found["n"]) <= 0:
        raise PlanError(f"not a duration: {text!r} (write e.g. 10s, 500ms, 5m, 1h)")
    return float(found["n"]) * _UNITS[found["unit"]]


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of an EventBridge `rate(...)` expression; None for `cron(...)`."""
    expression = expression.strip()
    if expression.startswith("cron("):
        return None
    found = _RATE.match(expression)
    if not found:
        raise PlanError(f"unsupported schedule expression {expression!r}")
    n = int(found["n"])
    if n <= 0:
        raise PlanError(f"unsupported schedule expression {expression!r}")
    return float(n * _RATE_UNITS[found["unit"].rstrip("s")])


# --- parameters ------------------------------------------------------------------------------------------------


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    kind = spec.get("Type", "String")
    if kind == "Number":
        try:
            number = float(value)
        except ValueError:
            raise PlanError(f"parameter {name} must be a number, got {value!r}") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise PlanError(f"parameter {name} must be at least {spec['MinValue']}, got {value}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise PlanError(f"parameter {name} must be at most {spec['MaxValue']}, got {value}")
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        raise PlanError(f"parameter {name} must be one of {', '.join(map(str, allowed))}, got {value!r}")
    pattern = spec.get("AllowedPattern")
    if pattern and kind == "String" and re.fullmatch(pattern, value) is None:
        raise PlanError(f"parameter {name} must match {pattern}, got {value!r}")


def _mirrors(functions: Mapping[str, FunctionSpec], parameters: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for function in functions.values():
        for variable, value in function.environment.items():
            if _DATABASE_VARIABLES.match(variable):
                continue  # replaced by the local database
            if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
                found[variable] = value["Ref"]
    return found


def parameter_overrides(text: list[str] | None) -> dict[str, str]:
    """`Name=Value` items (as `sam deploy --parameter-overrides` takes them) → a mapping; a repeat is an error."""
    overrides: dict[str, str] = {}
    for item in text or []:
        for part in item.split():
            name, sep, value = part.partition("=")
            if not sep or not name:
                raise PlanError(f"a parameter override is Name=Value, got {part!r}")
            if name.startswith("ParameterKey"):
                raise PlanError("write parameter overrides as Name=Value")
            if name in overrides:
                raise PlanError(f"parameter {name} is overridden twice")
            overrides[name] = value
    return overrides


# --- the plan ----------------------------------------------------------------------------------------------------


def _int(value: Any, what: str) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        raise PlanError(f"{what} is not a number: {value!r}") from None


def build_plan(
    template_path: Path,
    *,
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    schedule_every: Mapping[str, float | None] | None = None,
    local_defaults: Mapping[str, str] | None = None,
) -> Plan:
    """The local plan. `schedule_every`: function logical id → seconds between runs (None: off), overriding
    the template's rate. `local_defaults`: parameter values used when neither an override nor a mirrored
    variable sets them (the dev runtime's quieter LogLevel)."""
    template = cfn.load(template_path)
    root = template_path.parent
    env = env or {}
    declared: Mapping[str, Any] = template.get("Parameters", {})
    resources: Mapping[str, Any] = template["Resources"]
    pseudo = {"AWS::AccountId": LOCAL_ACCOUNT_ID, "AWS::Region": LOCAL_REGION, "AWS::StackName": STACK_NAME}

    # Functions first: their variables tell which settings mirror which parameter.
    globals_ = template.get("Globals", {}).get("Function", {})
    global_env = dict(globals_.get("Environment", {}).get("Variables", {}))
    functions: dict[str, FunctionSpec] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        code_uri = props.get("CodeUri")
        if not isinstance(code_uri, str):
            raise PlanError(f"{logical_id}: CodeUri must be a local folder")
        variables = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_dir=(root / code_uri).resolve(),
            handler=str(props.get("Handler", globals_.get("Handler", "app.lambda_handler"))),
            timeout_s=float(props.get("Timeout", globals_.get("Timeout", 3))),
            memory_mb=0,  # resolved below (may be a parameter)
            environment=variables,
        )

    mirrors = _mirrors(functions, declared)
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise PlanError(f"unknown template parameters: {', '.join(unknown)}")
    for variable, parameter in sorted(mirrors.items()):
        value = (env.get(variable) or "").strip()
        if not value:
            continue
        if parameter in overrides and overrides[parameter] != value:
            raise PlanError(
                f"{variable}={value} and the parameter override {parameter}={overrides[parameter]} disagree "
                f"(the variable mirrors the parameter: give one of them)"
            )
        overrides[parameter] = value
    for name, value in (local_defaults or {}).items():
        if name in declared:
            overrides.setdefault(name, value)
    try:
        parameters = cfn.parameter_values(template, overrides)
    except ValueError as err:
        raise PlanError(str(err)) from None
    for name, value in parameters.items():
        if name in overrides:
            _check_parameter(name, declared[name], value)

    def resolve(value: Any, what: str) -> Any:
        try:
            return cfn.resolve(value, template, parameters, pseudo)
        except cfn.Unresolved as err:
            raise PlanError(f"{what}: {err} cannot be resolved locally") from None

    for logical_id, function in list(functions.items()):
        props = resources[logical_id].get("Properties", {})
        memory = resolve(props.get("MemorySize", globals_.get("MemorySize", 128)), f"{logical_id}.MemorySize")
        functions[logical_id] = FunctionSpec(
            function.logical_id, function.code_dir, function.handler, function.timeout_s,
            _int(memory, f"{logical_id}.MemorySize"), function.environment,
        )  # fmt: skip

    # Queues, with the redrive policies pointing at their DLQs by logical id.
    queues: dict[str, QueueSpec] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::SQS::Queue":
            continue
        props = resource.get("Properties", {})
        name = resolve(props.get("QueueName", f"{STACK_NAME}-{logical_id}"), f"{logical_id}.QueueName")
        dead_letter = max_receive = None
        policy = props.get("RedrivePolicy")
        if policy is not None:
            target = policy.get("deadLetterTargetArn")
            if not (isinstance(target, dict) and "Fn::GetAtt" in target and target["Fn::GetAtt"][1] == "Arn"):
                raise PlanError(f"{logical_id}: deadLetterTargetArn must be !GetAtt <Queue>.Arn")
            dead_letter = target["Fn::GetAtt"][0]
            max_receive = _int(resolve(policy.get("maxReceiveCount"), f"{logical_id}.maxReceiveCount"),
                               f"{logical_id}.maxReceiveCount")  # fmt: skip
        allow = props.get("RedriveAllowPolicy") or {}
        sources = tuple(
            str(resolve(arn, f"{logical_id}.RedriveAllowPolicy")).rpartition(":")[2]
            for arn in allow.get("sourceQueueArns", [])
        )
        retention = props.get("MessageRetentionPeriod")
        queues[logical_id] = QueueSpec(
            logical_id=logical_id,
            name=str(name),
            visibility_timeout_s=_int(resolve(props.get("VisibilityTimeout", 30), logical_id), logical_id),
            retention_s=_int(resolve(retention, logical_id), logical_id) if retention is not None else None,
            dead_letter=dead_letter,
            max_receive_count=max_receive,
            redrive_allow_sources=sources,
        )
    for spec in queues.values():
        if spec.dead_letter is not None and spec.dead_letter not in queues:
            raise PlanError(f"{spec.logical_id}: its DLQ {spec.dead_letter} is not a queue of the template")

    buckets = {
        logical_id: f"{STACK_NAME}-{logical_id}".lower()
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::S3::Bucket"
    }
    secrets = frozenset(
        logical_id for logical_id, r in resources.items() if r.get("Type") == "AWS::SecretsManager::Secret"
    )
    http_apis = [i for i, r in resources.items() if r.get("Type") == "AWS::Serverless::HttpApi"]

    event_sources: list[EventSourceSpec] = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::EventSourceMapping":
            continue
        props = resource.get("Properties", {})
        function = props.get("FunctionName", {})
        source = props.get("EventSourceArn", {})
        if not (isinstance(function, dict) and function.get("Ref") in functions):
            raise PlanError(f"{logical_id}: FunctionName must be !Ref <Function>")
        if not (isinstance(source, dict) and "Fn::GetAtt" in source and source["Fn::GetAtt"][0] in queues):
            raise PlanError(f"{logical_id}: EventSourceArn must be !GetAtt <Queue>.Arn")
        scaling = props.get("ScalingConfig", {}).get("MaximumConcurrency")
        event_sources.append(
            EventSourceSpec(
                logical_id=logical_id,
                function=function["Ref"],
                queue=source["Fn::GetAtt"][0],
                batch_size=_int(resolve(props.get("BatchSize", 10), logical_id), f"{logical_id}.BatchSize"),
                max_concurrency=_int(resolve(scaling, logical_id), logical_id) if scaling is not None else None,
                reports_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                batching_window_s=float(resolve(props.get("MaximumBatchingWindowInSeconds", 0), logical_id)),
            )
        )

    http_functions: list[str] = []
    schedules: list[ScheduleSpec] = []
    every = dict(schedule_every or {})
    unknown_schedules = sorted(set(every) - set(functions))
    if unknown_schedules:
        raise PlanError(f"no such function for a schedule: {', '.join(unknown_schedules)}")
    for logical_id in functions:
        for event_name, event in (resources[logical_id].get("Properties", {}).get("Events") or {}).items():
            kind = event.get("Type")
            props = event.get("Properties", {})
            if kind == "HttpApi":
                path = props.get("Path", "$default")
                if path != "$default":
                    raise PlanError(f"{logical_id}.{event_name}: only the $default route is served locally")
                http_functions.append(logical_id)
            elif kind in ("Schedule", "ScheduleV2"):
                expression = str(resolve(props.get("Schedule") or props.get("ScheduleExpression"), logical_id))
                seconds = every[logical_id] if logical_id in every else rate_seconds(expression)
                schedules.append(ScheduleSpec(logical_id, event_name, expression, seconds))
            elif kind is not None:
                raise PlanError(f"{logical_id}.{event_name}: event type {kind} is not run locally")
    missing = sorted(set(every) - {s.function for s in schedules})
    if missing:
        raise PlanError(f"{', '.join(missing)} has no schedule in the template")
    return Plan(
        template_path=template_path,
        parameters=parameters,
        queues=queues,
        buckets=buckets,
        secrets=secrets,
        http_api=http_apis[0] if http_apis else None,
        functions=functions,
        http_functions=tuple(http_functions),
        event_sources=tuple(event_sources),
        schedules=tuple(schedules),
        mirrors=mirrors,
    )


# --- a function's environment ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bindings:
    """Where the local infrastructure is, once started."""

    queue_urls: Mapping[str, str]  # logical id → URL
    bucket_names: Mapping[str, str]
    api_url: str
    database_url: str
    secret_values: Mapping[str, str]  # setting variable (CODE_TRACKER_ADMIN_TOKEN…) → value


_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile("\x00([^\x00]+)\x00")


def function_environment(
    plan: Plan, function_id: str, bindings: Bindings, user_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables the template gives `function_id`, resolved against the local infrastructure.

    A variable the template sets to a literal (`CODE_TRACKER_GIT_READ_TIMEOUT: "60"`) takes the value of
    `user_env` when set there: locally the template's literals are defaults. Mirrors of parameters went
    through the parameters already; references to resources are always the local ones.

    Secrets: `X_SECRET_ID: !Ref SomeSecret` becomes `X` with the secret's value (locally a setting holds the
    value itself). Database variables (`CODE_TRACKER_PG_*`) are replaced by one `DATABASE_URL`.
    """
    template = cfn.load(plan.template_path)
    pseudo = {"AWS::AccountId": LOCAL_ACCOUNT_ID, "AWS::Region": LOCAL_REGION, "AWS::StackName": STACK_NAME}
    resource_ids = set(plan.queues) | set(plan.buckets) | set(plan.secrets)
    if plan.http_api is not None:
        resource_ids.add(plan.http_api)
    pseudo.update({logical_id: _PLACEHOLDER.format(logical_id) for logical_id in resource_ids})
    out: dict[str, str] = {}
    for variable, raw in plan.functions[function_id].environment.items():
        if _DATABASE_VARIABLES.match(variable):
            continue  # the local database replaces them (DATABASE_URL wins over CODE_TRACKER_PG_* anyway)
        try:
            value = cfn.resolve(raw, template, plan.parameters, pseudo)
        except cfn.Unresolved as err:
            raise PlanError(f"{function_id}: {variable}: {err} cannot be resolved locally") from None
        if isinstance(value, list):
            value = ",".join(map(str, value))
        value = str(value)
        names = _PLACEHOLDER_RE.findall(value)
        if not names:
            literal = not isinstance(raw, dict)
            given = (user_env or {}).get(variable) if literal else None
            out[variable] = given if given else value
            continue
        (name,) = set(names)
        whole = value == _PLACEHOLDER.format(name)
        if name in plan.queues and whole:
            out[variable] = bindings.queue_urls[name]
        elif name in plan.buckets and whole:
            out[variable] = bindings.bucket_names[name]
        elif name in plan.secrets and whole and variable.endswith(_SECRET_SUFFIX):
            setting = variable[: -len(_SECRET_SUFFIX)]
            if setting not in bindings.secret_values:
                raise PlanError(f"{function_id}: {variable}: no local value for {setting}")
            out[setting] = bindings.secret_values[setting]
        elif name == plan.http_api:
            out[variable] = bindings.api_url
        else:
            raise PlanError(f"{function_id}: {variable}: a reference to {name} cannot be run locally")
    out["DATABASE_URL"] = bindings.database_url
    return out


def queue_attributes(plan: Plan, spec: QueueSpec, arns: Mapping[str, str], *,
                     max_visibility_timeout_s: int | None = None) -> dict[str, str]:  # fmt: skip
    """The SQS attributes of a queue as CreateQueue takes them (DLQ ARNs from `arns`, by logical id)."""
    visibility = spec.visibility_timeout_s
    if max_visibility_timeout_s is not None:
        visibility = min(visibility, max_visibility_timeout_s)
    attributes = {"VisibilityTimeout": str(visibility)}
    if spec.retention_s is not None:
        attributes["MessageRetentionPeriod"] = str(spec.retention_s)
    if spec.dead_letter is not None:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": arns[spec.dead_letter], "maxReceiveCount": spec.max_receive_count}
        )
    if spec.redrive_allow_sources:
        sources = [f"arn:aws:sqs:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:{name}" for name in spec.redrive_allow_sources]
        attributes["RedriveAllowPolicy"] = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": sources})
    return attributes
