"""The blob cache text keeps a module's value expressions as records after its JSON document
(contracts/cache_encoding.py): any name and any string survive, and a rescan reads a record only when call
evaluation asks for that module's values."""

from __future__ import annotations

import pytest
from codetracker.contracts.cache_encoding import CachedValues, extraction_from_cache_text, extraction_to_cache_text
from codetracker.domain.export_graph import ModuleLinks
from codetracker.domain.model import ExportedFunction, FileExtraction

AWKWARD = (
    "plain",
    "",
    "sep\x1erecord",
    "sep\x1fname",
    'quote " and \\ backslash',
    "line\nbreak \u2028 \U0001f600",
    "nul\x00",
)


def _extraction(values: dict) -> FileExtraction:
    function = ExportedFunction("f", "", "named", False, "f\x1e\x1f", None, 0)
    return FileExtraction(functions=(function,), links=ModuleLinks(functions=frozenset({"f"}), values=values))


def test_any_name_and_any_string_in_a_value_survive_the_cache_text() -> None:
    values = {name: ("call", ("ref", name), (("str", name + "\x1e\x1f"),)) for name in AWKWARD}
    extraction = _extraction(values)
    text = extraction_to_cache_text(extraction)
    back = extraction_from_cache_text(text)
    assert back == extraction
    assert back.links is not None and isinstance(back.links.values, CachedValues)
    assert dict(back.links.values) == values
    assert extraction_to_cache_text(back) == text  # written again as read, without parsing the values


def test_a_module_without_values_has_no_records() -> None:
    text = extraction_to_cache_text(_extraction({}))
    assert "\x1e" not in text.replace("\\u001e", "")
    back = extraction_from_cache_text(text)
    assert back.links is not None and back.links.values == {}


def test_a_value_record_is_parsed_only_when_its_value_is_asked_for() -> None:
    text = extraction_to_cache_text(_extraction({"good": ("ref", "x"), "bad": ("ref", "y")}))
    corrupt = text.replace('["ref","y"]', '["ref",')  # only that record is broken
    assert corrupt != text
    back = extraction_from_cache_text(corrupt)  # the document and the functions read as they were
    assert [f.name for f in back.functions] == ["f"]
    assert back.links is not None
    assert back.links.values["good"] == ("ref", "x")
    with pytest.raises(ValueError):
        back.links.values["bad"]


def test_a_cache_text_is_the_same_bytes_in_every_process() -> None:
    """Names a module assigns without declaring them are held in a set: written in an order of their own,
    not in the string hash order of the process (PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    code = (
        "import hashlib\n"
        "from codetracker.contracts.cache_encoding import extraction_to_cache_text\n"
        "from codetracker.domain.extraction import extract_blob\n"
        "from codetracker.parsing import get_parser\n"
        "source = b'export function f() { return g(); }\\n' + b''.join(b'v%d = %d;\\n' % (i, i) for i in range(40))\n"
        "text = extraction_to_cache_text(extract_blob(source, get_parser('esprima')))\n"
        "print(text.count('assigned below'), hashlib.sha256(text.encode()).hexdigest())\n"
    )
    answers = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(answers) == 1
    assert answers.pop().startswith("40 ")  # the 40 assigned names are in it
