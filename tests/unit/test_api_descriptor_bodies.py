"""GET /snapshots/{id} answers its functions in the descriptor's format (contracts/descriptor.function_to_dict),
validated and serialized by the body models as the domain's own records (ExportedFunction, Parameter,
ReturnValue): a key the descriptor writes that the records lack would be dropped from the answer without an
error, and one in another order would change the bytes. The records' field docstrings are the published
schema's descriptions."""

from __future__ import annotations

import json

from codetracker.api import models as m
from codetracker.api.http import openapi_json
from codetracker.contracts.descriptor import function_to_dict
from codetracker.domain.model import ExportedFunction, Parameter, ReturnValue

EVERY_FIELD_SET = ExportedFunction(
    name="debounce",
    file_path="src/debounce.ts",
    export_type="named",
    is_async=True,
    description="Waits.",
    jsdoc_raw="/** Waits. */",
    order_in_file=3,
    parameters=(
        Parameter(
            name="{ wait, leading }",
            position=0,
            type="Options",
            is_optional=True,
            is_rest=False,
            default_value="{}",
            doc_default="{ wait: 10 }",
            description="how long",
            type_source="annotation",
            jsdoc_type="object",
            keys=("wait", "leading"),
        ),
    ),
    return_values=(ReturnValue("Promise<void>", "when done", "annotation", "Promise"),),
    type_parameters="<T>",
    overload=2,
    params_from_doc=True,
)


def test_a_function_goes_through_the_body_models_key_for_key_in_the_descriptors_order() -> None:
    written = function_to_dict(EVERY_FIELD_SET)
    body = m.PublicExportOut.model_validate(
        {"export_name": "debounce", "file_path": "src/debounce.ts", "name": "debounce", "functions": [written]}
    )
    answered = body.model_dump(mode="json")["functions"][0]
    assert json.dumps(answered) == json.dumps(written)


def test_the_published_schema_describes_the_function_records_from_their_field_docstrings() -> None:
    schemas = json.loads(openapi_json())["components"]["schemas"]
    parameter = schemas["Parameter"]
    assert parameter["properties"]["keys"]["description"] == "a destructured object parameter's property keys"
    assert parameter["properties"]["doc_default"]["description"].startswith("the default written only in JSDoc")
    function = schemas["ExportedFunction"]
    assert function["description"].startswith("A function in the descriptor's own format")
    # Every key is in every answer: the schema requires those with defaults too.
    assert function["required"] == list(function_to_dict(EVERY_FIELD_SET))
    assert parameter["required"] == list(function_to_dict(EVERY_FIELD_SET)["parameters"][0])
