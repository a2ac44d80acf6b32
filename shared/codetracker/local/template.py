"""Reading `template.yaml` (the SAM template) as plain data, for the local runtime and the deploy tests.

CloudFormation's short-form tags become their long form (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` →
`{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` → `{"Fn::Sub": s}`, …), as CloudFormation itself reads them, so a
caller sees one shape whichever form the template uses. `parameter_values` gives the parameters' defaults with
overrides (like `sam deploy --parameter-overrides`), and `resolve` evaluates the few intrinsics whose value
is known without AWS (Ref of a parameter, Fn::If on a condition of parameters, Fn::Sub of parameters and
pseudo parameters); anything else is returned unresolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_FUNCTIONS = (
    "And", "Base64", "Cidr", "Contains", "EachMemberEquals", "Equals", "FindInMap", "GetAZs", "If",
    "ImportValue", "Join", "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform",
    "ValueOf",
)  # fmt: skip


class _TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that knows CloudFormation's tags (and nothing else beyond YAML's safe types)."""


def _construct(node: yaml.Node, loader: _TemplateLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _add_function(name: str) -> None:
    def construct(loader: _TemplateLoader, node: yaml.Node) -> Any:
        return {f"Fn::{name}": _construct(node, loader)}

    _TemplateLoader.add_constructor(f"!{name}", construct)


for _name in _FUNCTIONS:
    _add_function(_name)


def _ref(loader: _TemplateLoader, node: yaml.Node) -> Any:
    return {"Ref": _construct(node, loader)}


def _get_att(loader: _TemplateLoader, node: yaml.Node) -> Any:
    value = _construct(node, loader)
    if isinstance(value, str):  # !GetAtt Resource.Attribute.Path: the first dot splits
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _condition(loader: _TemplateLoader, node: yaml.Node) -> Any:
    return {"Condition": _construct(node, loader)}


_TemplateLoader.add_constructor("!Ref", _ref)
_TemplateLoader.add_constructor("!GetAtt", _get_att)
_TemplateLoader.add_constructor("!Condition", _condition)


def loads(text: str) -> dict[str, Any]:
    document = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise ValueError("not a CloudFormation template: no Resources")
    return document


def load(path: str | Path) -> dict[str, Any]:
    return loads(Path(path).read_text(encoding="utf-8"))


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every parameter's value as CloudFormation passes it (a string; lists comma-joined): the override
    when given, else the default. An unknown override or a parameter with neither is an error."""
    declared: Mapping[str, Any] = template.get("Parameters", {})
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ValueError(f"unknown template parameters: {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in overrides:
            values[name] = str(overrides[name])
        elif "Default" in spec:
            default = spec["Default"]
            values[name] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        else:
            raise ValueError(f"template parameter {name} has no default: give it a value")
    return values


class Unresolved(Exception):
    """An intrinsic whose value only AWS knows (a resource's Ref or attribute, an account id…)."""


def resolve(value: Any, template: Mapping[str, Any], parameters: Mapping[str, str],
            pseudo: Mapping[str, str] | None = None) -> Any:  # fmt: skip
    """`value` with the intrinsics known from parameters evaluated; raises Unresolved for the others."""
    pseudo = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
              "AWS::AccountId": "000000000000", "AWS::StackName": "codetracker", **(pseudo or {})}  # fmt: skip
    conditions: Mapping[str, Any] = template.get("Conditions", {})

    def ref(name: str) -> Any:
        if name in parameters:
            declared = template.get("Parameters", {}).get(name, {})
            if declared.get("Type") == "CommaDelimitedList":
                return parameters[name].split(",")
            return parameters[name]
        if name in pseudo:
            return pseudo[name]
        raise Unresolved(f"Ref {name}")

    def condition(name: str) -> bool:
        return bool(evaluate(conditions[name]))

    def evaluate(node: Any) -> Any:
        if isinstance(node, list):
            return [evaluate(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()  # fmt: skip
            if key == "Ref":
                return ref(arg)
            if key == "Condition":
                return condition(arg)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return evaluate(when_true if condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = (evaluate(item) for item in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not evaluate(arg[0])
            if key == "Fn::And":
                return all(evaluate(item) for item in arg)
            if key == "Fn::Or":
                return any(evaluate(item) for item in arg)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(item) for item in evaluate(items))
            if key == "Fn::Sub":
                text, names = (arg, {}) if isinstance(arg, str) else (arg[0], evaluate(arg[1]))
                return _substitute(text, lambda name: names[name] if name in names else ref(name))
            if key.startswith("Fn::") or key == "Fn::GetAtt":
                raise Unresolved(key)
        return {key: evaluate(item) for key, item in node.items()}

    return evaluate(value)


def _substitute(text: str, lookup: Any) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        start = text.find("${", index)
        if start < 0:
            out.append(text[index:])
            break
        out.append(text[index:start])
        end = text.index("}", start)
        name = text[start + 2 : end]
        if name.startswith("!"):  # ${!Literal}
            out.append("${" + name[1:] + "}")
        elif "." in name:
            raise Unresolved(f"Fn::Sub attribute {name}")
        else:
            out.append(str(lookup(name)))
        index = end + 1
    return "".join(out)
