"""GET /snapshots/{id} answers its functions in the descriptor's format (contracts/descriptor.function_to_dict)
through the documented models FunctionOut, ParameterOut and ReturnValueOut, which validate and serialize the
body: a key the descriptor writes but a model does not declare would be dropped from the answer without an
error, and one in another order would change the bytes. The models are the published contract, stated on their
own; this holds them to the descriptor's keys."""

from __future__ import annotations

from codetracker.api.models import FunctionOut, ParameterOut, ReturnValueOut
from codetracker.contracts.descriptor import FUNCTION_KEYS, PARAMETER_KEYS, RETURN_VALUE_KEYS


def test_the_function_body_models_declare_the_descriptor_keys_in_its_order() -> None:
    assert tuple(FunctionOut.model_fields) == FUNCTION_KEYS
    assert tuple(ParameterOut.model_fields) == PARAMETER_KEYS
    assert tuple(ReturnValueOut.model_fields) == RETURN_VALUE_KEYS
