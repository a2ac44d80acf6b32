"""Run by the Python of aws-sam-cli's venv (tests/deploy/test_sam.py): print the template as
CloudFormation, after the SAM transform, as JSON. No AWS call: managed policy names map to their ARNs here,
and the code locations are placeholders."""

from __future__ import annotations

import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class _ManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        document = yaml_parse(handle.read())
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = "s3://placeholder/key"
    json.dump(transform(document, {}, _ManagedPolicies()), sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
