"""Records on the wire: the descriptor's function, parameter and return value and a result's extraction stats
are written from their dataclass fields (contracts/records.py). Their key lists are pinned here: a field added
to the domain class changes the wire format (DESCRIPTOR_FORMAT, the persist message), so it must be seen."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from codetracker.contracts.descriptor import PARAMETER_KEYS, function_from_dict, function_to_dict
from codetracker.contracts.records import record_to_dict
from codetracker.contracts.scan_result import extraction_stats_to_dict
from codetracker.domain.model import ExportedFunction, Parameter, ReturnValue
from codetracker.domain.scan import ExtractionStats

PARAMETER = Parameter("a", 0, "T", True, False, "1", "2", "d", "jsdoc", "J", ("x", "y"))
FUNCTION = ExportedFunction(
    "f", "a.js", "named", True, "desc", "/** */", 3, (PARAMETER,), (ReturnValue("R", "r"),), "<T>", 2, True
)


def test_a_function_is_written_key_by_key_in_the_descriptor_order() -> None:
    data = function_to_dict(FUNCTION)
    assert list(data) == ["name", "file_path", "export_type", "is_async", "description", "jsdoc_raw",
                          "order_in_file", "parameters", "return_values", "type_parameters", "overload",
                          "params_from_doc"]  # fmt: skip
    parameter = (
        {"name": "a", "position": 0, "type": "T", "is_optional": True, "is_rest": False, "default_value": "1",
         "doc_default": "2", "description": "d", "type_source": "jsdoc", "jsdoc_type": "J", "keys": ["x", "y"]}
    )  # fmt: skip
    assert data["parameters"] == [parameter]
    assert list(data["parameters"][0]) == list(parameter)  # == of dicts is blind to the order
    assert data["return_values"] == [{"type": "R", "description": "r", "type_source": None, "jsdoc_type": None}]


def test_the_parameter_keys_are_its_fields_each_once() -> None:
    assert sorted(PARAMETER_KEYS) == sorted(f.name for f in fields(Parameter))
    assert len(set(PARAMETER_KEYS)) == len(PARAMETER_KEYS)


def test_extraction_stats_are_written_with_their_unread_sources_as_an_object() -> None:
    data = extraction_stats_to_dict(ExtractionStats(10, 4, 3, 1, {".vue": 2}))
    assert data == {"files_total": 10, "candidates": 4, "parsed": 3, "cache_hits": 1, "unread_sources": {".vue": 2}}
    assert list(data) == ["files_total", "candidates", "parsed", "cache_hits", "unread_sources"]
    assert type(data["unread_sources"]) is dict


def test_a_record_is_read_by_the_names_given_in_their_order() -> None:
    assert list(record_to_dict(PARAMETER, ("keys", "name"), {"keys": list})) == ["keys", "name"]
    assert record_to_dict(PARAMETER, ("keys", "name"), {"keys": list}) == {"keys": ["x", "y"], "name": "a"}
    with pytest.raises(AttributeError):
        record_to_dict(PARAMETER, ("nope",))


def test_a_function_reads_back_and_its_later_keys_may_be_absent_but_no_other() -> None:
    data = function_to_dict(FUNCTION) | {"public": True}  # descriptor_to_dict adds `public`: derived, not read
    assert function_from_dict(data) == FUNCTION
    older = {k: v for k, v in data.items() if k not in ("type_parameters", "overload", "params_from_doc")}
    assert function_from_dict(older) == replace(FUNCTION, type_parameters=None, overload=None, params_from_doc=False)
    for required in ("name", "parameters", "return_values"):
        with pytest.raises(KeyError, match=required):
            function_from_dict({k: v for k, v in data.items() if k != required})
