"""Chosen fields of a JSON object, read without building the rest of the document.

A GitHub delivery may be megabytes (a push lists up to 2048 commits with their files) while the service needs
a handful of its fields. `pick_fields` walks the top-level object and keeps only the fields named in `wanted`
(a nested mapping: `True` keeps the value when it is a string, number, boolean or null; a mapping descends
into an object); every other value is stepped over by one regular expression over its strings and brackets,
so memory stays at the body plus the kept fields, and nesting depth costs nothing (no recursion).

Checked strictly: the structure (brackets matched, strings terminated), every key, and every kept value (a
number too long to convert is refused). Skipped values are checked for that structure only, not for the
syntax of their numbers and literals: the bodies read here are verified by signature before they are read.
A key given twice keeps its last value, as `json.loads` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

Fields = Mapping[str, "bool | Fields"]

_WHITESPACE = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"')
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
# What a skipped container is made of, as far as its end is concerned: strings (which may hold brackets) and
# brackets; everything between them is stepped over in C. A lone quote is a string that never ends.
_SKIPPED_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]', re.DOTALL)
_CLOSING = {b"[": b"]", b"{": b"}"}


class NotJson(ValueError):
    """The text is not JSON (or a kept value cannot be read)."""


class NotAnObject(NotJson):
    """The text is JSON, but not an object."""


def pick_fields(data: bytes, wanted: Fields) -> dict[str, Any]:
    """The fields of the JSON object `data` (UTF-8) that `wanted` names; see the module docstring."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    start = _skip_whitespace(data, 0)
    if data[start : start + 1] != b"{":
        _skip_value(data, start)  # raises when it is not JSON at all
        raise NotAnObject("the JSON text is not an object")
    picked, end = _object(data, start, wanted)
    if _skip_whitespace(data, end) != len(data):
        raise NotJson("text after the JSON value")
    return picked


def _skip_whitespace(data: bytes, pos: int) -> int:
    match = _WHITESPACE.match(data, pos)
    return match.end() if match else pos


def _expect(data: bytes, pos: int, what: bytes) -> int:
    if data[pos : pos + 1] != what:
        raise NotJson(f"expected {what.decode()} at byte {pos}")
    return pos + 1


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise NotJson("a value cannot be read") from None


def _object(data: bytes, pos: int, wanted: Fields) -> tuple[dict[str, Any], int]:
    picked: dict[str, Any] = {}
    pos = _skip_whitespace(data, _expect(data, pos, b"{"))
    if data[pos : pos + 1] == b"}":
        return picked, pos + 1
    while True:
        key_match = _STRING.match(data, pos)
        if key_match is None:
            raise NotJson(f"expected a key at byte {pos}")
        key = _decoded(key_match.group())
        pos = _skip_whitespace(data, _expect(data, _skip_whitespace(data, key_match.end()), b":"))
        spec = wanted.get(key)
        opening = data[pos : pos + 1]
        if isinstance(spec, Mapping) and opening == b"{":
            picked[key], pos = _object(data, pos, spec)
        else:
            end = _skip_value(data, pos)
            if spec and opening not in _CLOSING:
                picked[key] = _decoded(data[pos:end])
            else:
                picked.pop(key, None)  # a later duplicate replaces an earlier kept value
            pos = end
        pos = _skip_whitespace(data, pos)
        if data[pos : pos + 1] == b"}":
            return picked, pos + 1
        pos = _skip_whitespace(data, _expect(data, pos, b","))


def _skip_value(data: bytes, pos: int) -> int:
    """The end of the value starting at `pos`."""
    opening = data[pos : pos + 1]
    if opening not in _CLOSING:
        match = (_STRING if opening == b'"' else _SCALAR).match(data, pos)
        if match is None:
            raise NotJson(f"expected a value at byte {pos}")
        return match.end()
    expected = [_CLOSING[opening]]
    for token in _SKIPPED_TOKEN.finditer(data, pos + 1):
        text = token.group()
        if text == b'"':
            raise NotJson(f"a string that never ends at byte {token.start()}")
        if text in _CLOSING:
            expected.append(_CLOSING[text])
        elif text in (b"]", b"}"):
            if text != expected.pop():
                raise NotJson(f"mismatched {text.decode()} at byte {token.start()}")
            if not expected:
                return token.end()
    raise NotJson("the text ends inside a value")
