"""Function signatures written as types: `@type {(a: T, b?: U) => R}` (TypeScript) and
`@type {function(string, number=): boolean}` (Closure), for functions whose code does not show them.

Pure text work on the type as written; nested brackets, strings and generics are respected when splitting.
What is not a call signature (`new (…) => X`, `function(new:T)`, a union of several signatures) is not
one here: None, and the caller keeps what the code says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_NAME = re.compile(r"^[A-Za-z_$][\w$]*$")


@dataclass(frozen=True, slots=True)
class SignatureParameter:
    name: str | None  # None: Closure types name no parameters
    type: str | None
    is_optional: bool
    is_rest: bool


@dataclass(frozen=True, slots=True)
class FunctionSignature:
    parameters: tuple[SignatureParameter, ...]
    return_type: str | None


def parse_function_type(text: str) -> FunctionSignature | None:
    """The call signature a type expression describes, or None when it is not exactly one function type."""
    text = _strip_parens(" ".join(text.split()))
    if text.startswith("function(") or text.startswith("function ("):
        return _closure(text)
    if text.startswith("<"):
        end = _matching(text, 0)
        if end is None:
            return None
        text = text[end + 1 :].lstrip()
    if not text.startswith("("):
        return None
    end = _matching(text, 0)
    if end is None:
        return None
    rest = text[end + 1 :].lstrip()
    if not rest.startswith("=>"):
        return None
    return_type = rest[2:].strip() or None
    params = [_typescript_parameter(part) for part in _split_top_level(text[1:end])]
    if any(p is None for p in params):
        return None
    kept = tuple(p for p in params if p is not None and p.name != "this")
    return FunctionSignature(kept, return_type)


def _closure(text: str) -> FunctionSignature | None:
    start = text.index("(")
    end = _matching(text, start)
    if end is None:
        return None
    rest = text[end + 1 :].strip()
    if rest and not rest.startswith(":"):
        return None
    return_type = rest[1:].strip() or None if rest else None
    params: list[SignatureParameter] = []
    for part in _split_top_level(text[start + 1 : end]):
        if part.startswith("new:"):
            return None  # a constructor, not a call
        if part.startswith("this:"):
            continue
        is_rest = part.startswith("...")
        part = part[3:].strip() if is_rest else part
        is_optional = part.endswith("=")
        part = part[:-1].strip() if is_optional else part
        params.append(SignatureParameter(None, part or None, is_optional, is_rest))
    return FunctionSignature(tuple(params), return_type)


def _typescript_parameter(part: str) -> SignatureParameter | None:
    is_rest = part.startswith("...")
    if is_rest:
        part = part[3:].lstrip()
    colon = _top_level_colon(part)
    name, type_text = (part[:colon].strip(), part[colon + 1 :].strip()) if colon is not None else (part, None)
    is_optional = name.endswith("?")
    if is_optional:
        name = name[:-1].rstrip()
    if not _NAME.match(name) and not name.startswith(("{", "[")):
        return None
    return SignatureParameter(name, type_text or None, is_optional, is_rest)


def _strip_parens(text: str) -> str:
    """`((a: T) => R)` → `(a: T) => R`: a pair around the whole type (a parameter list is followed by `=>`)."""
    while text.startswith("(") and _matching(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _matching(text: str, start: int) -> int | None:
    """The index of the bracket closing text[start], skipping nested brackets, strings and `=>` arrows."""
    depth = 0
    quote: str | None = None
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char == ">" and i > 0 and text[i - 1] == "=":
            pass  # the arrow of a nested function type, not a closing bracket
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    current: list[str] = []
    for i, char in enumerate(text):
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = None
        elif char in "'\"`":
            quote = char
        elif char == ">" and i > 0 and text[i - 1] == "=":
            pass
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    tail = "".join(current).strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def _top_level_colon(text: str) -> int | None:
    depth = 0
    for i, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == ":" and depth == 0:
            return i
    return None
