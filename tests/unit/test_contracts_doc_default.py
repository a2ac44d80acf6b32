"""doc_default (a default written only in JSDoc) through the wire formats: descriptor JSON and the blob cache."""

from __future__ import annotations

import json

from codetracker.contracts.cache_encoding import extraction_from_cache_text, extraction_to_cache_text
from codetracker.contracts.descriptor import function_from_dict, function_to_dict
from codetracker.domain.extraction import EXTRACTOR_VERSION, extract_blob
from codetracker.domain.model import ExportedFunction, FileExtraction, Parameter
from codetracker.parsing import get_parser

SOURCE = b"""
/**
 * @param {number} [wait=10] documented only
 * @param {boolean} [leading=false] both
 * @param {object} [options] neither
 */
export function debounce(wait, leading = true, options) {}
"""


def test_code_and_documented_defaults_are_extracted_apart() -> None:
    (f,) = extract_blob(SOURCE, get_parser("auto")).functions
    assert [(p.name, p.default_value, p.doc_default, p.is_optional) for p in f.parameters] == [
        ("wait", None, "10", True),
        ("leading", "true", "false", True),
        ("options", None, None, True),
    ]


def test_json_key_follows_default_value_and_round_trips() -> None:
    (f,) = extract_blob(SOURCE, get_parser("auto")).functions
    data = function_to_dict(f)
    keys = list(data["parameters"][0])
    assert keys[keys.index("default_value") + 1] == "doc_default"
    assert function_from_dict(json.loads(json.dumps(data))) == f


def test_json_written_before_doc_default_still_reads() -> None:
    old = {"name": "x", "position": 0, "type": None, "is_optional": True, "is_rest": False,
           "default_value": "1", "description": None}  # fmt: skip
    function = {"name": "f", "file_path": "a.js", "export_type": "named", "is_async": False, "description": None,
                "jsdoc_raw": None, "order_in_file": 0, "parameters": [old], "return_values": []}  # fmt: skip
    (p,) = function_from_dict(function).parameters
    assert (p.default_value, p.doc_default) == ("1", None)


def test_cache_encoding_keeps_doc_default_and_the_old_encoding_is_ignored() -> None:
    extraction = FileExtraction(
        functions=(
            ExportedFunction(
                "f", "", "named", False, None, None, 0, (Parameter("w", 0, "number", True, False, None, "10", "d"),)
            ),
        )
    )
    assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction
    # Cache rows of extractor version 3 put a JSDoc default in default_value: they must not be read.
    assert EXTRACTOR_VERSION != "3"
