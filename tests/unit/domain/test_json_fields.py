"""domain/json_fields.py: the chosen fields of a JSON object, as json.loads would give them, without building
the rest; malformed text is NotJson whatever part of it is malformed in structure."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codetracker.domain.github import PAYLOAD_FIELDS
from codetracker.domain.json_fields import NotAnObject, NotJson, pick_fields

WANTED = {"ref": True, "n": True, "repository": {"url": True, "deep": True}}

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=8))  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["ref", "url", "x", "]}"]), inner),
    max_leaves=10,
)
objects = st.dictionaries(st.sampled_from(["ref", "n", "repository", "other", '"{[', "é"]), values, max_size=5)


def expected(document: dict, wanted: dict) -> dict:
    """What pick_fields promises, computed from json.loads' tree."""
    out = {}
    for key, value in document.items():
        spec = wanted.get(key)
        if isinstance(spec, dict) and isinstance(value, dict):
            out[key] = expected(value, spec)
        elif spec and not isinstance(value, (dict, list)):
            out[key] = value
    return out


@settings(max_examples=300, deadline=None)
@given(document=objects, indent=st.sampled_from([None, 2]), ascii_only=st.booleans())
def test_the_picked_fields_are_json_loads_own(document, indent, ascii_only):
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only).encode()
    assert pick_fields(text, WANTED) == expected(json.loads(text), WANTED)


def test_a_later_duplicate_key_wins_as_in_json_loads():
    text = b'{"ref": "a", "ref": "b", "n": 1, "n": [2], "repository": {"url": "x"}, "repository": 3}'
    assert pick_fields(text, WANTED) == {"ref": "b", "repository": 3}


@pytest.mark.parametrize(
    "text",
    [b"", b"{", b'{"ref"}', b'{"ref": }', b'{"ref": "x",}', b'{"a": [1, 2}', b'{"a": "never ends}', b'{"a": 1} 2',
     b'{"a": {"b": [}]}', b"{'ref': 1}", b'{"ref": tru}', b'{"ref": "\\q"}', b'{"ref": "a\nb"}',
     b'{"n": ' + b"9" * 5001 + b"}"],
)  # fmt: skip
def test_malformed_text_is_not_json(text):
    with pytest.raises(NotJson):
        pick_fields(text, WANTED)


@pytest.mark.parametrize("text", [b"[]", b'"x"', b"1", b"null"])
def test_json_that_is_not_an_object_says_so(text):
    with pytest.raises(NotAnObject):
        pick_fields(text, WANTED)


def test_depth_costs_nothing_and_skipped_values_are_never_built():
    deep = b"[" * 200_000 + b"]" * 200_000
    text = b'{"commits": ' + deep + b', "ref": "refs/heads/main", "repository": {"owner": ' + deep + b', "url": "u"}}'
    assert pick_fields(text, PAYLOAD_FIELDS) == {"ref": "refs/heads/main", "repository": {"url": "u"}}
