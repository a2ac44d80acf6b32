"""params_from_doc (parameters from JSDoc, not the code) through the wire formats: descriptor JSON and the
blob cache."""

from __future__ import annotations

import json

from codetracker.contracts.cache_encoding import extraction_from_cache_text, extraction_to_cache_text
from codetracker.contracts.descriptor import function_from_dict, function_to_dict
from codetracker.domain.extraction import EXTRACTOR_VERSION, extract_blob, functions_at
from codetracker.parsing import get_parser

SOURCE = b"""
/**
 * @param {...Function} functions
 * @return {Function}
 */
export function pipe() { return arguments[0]; }
/** @param {number} a */
export function inc(a) { return a + 1; }
"""


def test_the_flag_round_trips_through_json_and_the_cache() -> None:
    extraction = extract_blob(SOURCE, get_parser("auto"))
    pipe, inc = extraction.functions
    assert (pipe.params_from_doc, inc.params_from_doc) == (True, False)
    for f in (pipe, inc):
        data = json.loads(json.dumps(function_to_dict(f)))
        assert data["params_from_doc"] is f.params_from_doc
        assert function_from_dict(data) == f
    assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction


def test_json_written_before_the_flag_reads_as_code_parameters() -> None:
    function = {"name": "f", "file_path": "a.js", "export_type": "named", "is_async": False, "description": None,
                "jsdoc_raw": None, "order_in_file": 0, "parameters": [], "return_values": []}  # fmt: skip
    assert function_from_dict(function).params_from_doc is False


def test_cache_rows_of_version_8_are_not_read() -> None:
    # Version 8 rows have no flag and were extracted without documented parameters.
    assert int(EXTRACTOR_VERSION) > 8


def test_the_flag_stays_when_the_record_is_placed_at_its_path() -> None:
    extraction = extract_blob(SOURCE, get_parser("auto"))
    pipe, inc = functions_at(extraction, "src/pipe.js")
    assert (pipe.file_path, pipe.params_from_doc, inc.params_from_doc) == ("src/pipe.js", True, False)
