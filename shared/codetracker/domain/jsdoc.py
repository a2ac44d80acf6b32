"""JSDoc interpretation: one `/** ... */` block in, a frozen `JsDoc` value out. Pure; never raises.

Text rules (the same for the leading description and for every tag's text):

* `/**` and `*/` are removed; on each line, leading whitespace, one `*` and one following space are removed
  (lines without a `*` keep their text as is). Lines are split on every JavaScript line terminator.
* Each line is right-stripped; leading and trailing blank lines are dropped; inner newlines are kept.
* Indentation: a block of text is dedented by the common indentation of its non-blank lines, so relative
  indentation (code examples) survives. A tag's first line sits after the tag itself, so it is stripped on
  its own and only the continuation lines are dedented, among themselves.
* A tag starts on a line whose text (after the prefix) starts with `@name`, outside a Markdown code fence
  (``` or ~~~). A fence that is never closed is treated as no fence at all, so it cannot swallow the tags
  after it. Inline tags such as `{@link X}` are plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["JsDoc", "JsDocParam", "JsDocReturn", "JsDocTag", "parse_jsdoc", "tag_type"]


@dataclass(frozen=True, slots=True)
class JsDocParam:
    name: str  # as documented, without brackets, default or a leading "..."; "" when the tag names nothing
    type: str | None  # the type without its outer braces, trimmed
    description: str | None
    is_optional: bool  # `[name]`, `[name=value]` or a Closure type ending in "="
    default_value: str | None  # the value of `[name=value]`
    is_nested: bool  # documents a property of another parameter: `options.x`, `options[].x`
    # Documents a rest parameter: the name is written `...name`, or the type `{...T}` (JSDoc's variadic).
    is_rest: bool


@dataclass(frozen=True, slots=True)
class JsDocReturn:
    type: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class JsDocTag:
    """Any block tag, as written: name without "@", and its text cleaned by the module's text rules."""

    name: str
    text: str | None


@dataclass(frozen=True, slots=True)
class JsDoc:
    description: str | None
    params: tuple[JsDocParam, ...] = ()
    returns: tuple[JsDocReturn, ...] = ()
    tags: tuple[JsDocTag, ...] = ()  # every block tag in order, @param and @returns included

    def tags_named(self, name: str) -> tuple[JsDocTag, ...]:
        """The tags called `name` (without "@"), e.g. "deprecated" or "example"."""
        return tuple(t for t in self.tags if t.name == name)


_PARAM_TAGS = frozenset({"param", "arg", "argument"})
_RETURN_TAGS = frozenset({"returns", "return"})
_DESCRIPTION_TAGS = frozenset({"description", "desc"})

# JavaScript line terminators: LF, CR, CRLF, LINE SEPARATOR, PARAGRAPH SEPARATOR.
_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
_TAG_LINE = re.compile(r"@([A-Za-z][\w-]*)")
_NAME_TOKEN = re.compile(r"\S+")
# Characters that matter while looking for a closing bracket; the quote-aware variants also stop at quotes.
_SCAN = {
    ("{", "}", True): re.compile(r"""[{}'"`]"""),
    ("{", "}", False): re.compile(r"[{}]"),
    ("[", "]", True): re.compile(r"""[\[\]'"`]"""),
    ("[", "]", False): re.compile(r"[\[\]]"),
}
# A complete string literal starting at a quote; the alternatives are disjoint, so matching stays linear.
_STRING = {q: re.compile(rf"{q}(?:[^{q}\\]|\\.)*{q}", re.DOTALL) for q in ("'", '"', "`")}


def parse_jsdoc(raw: str) -> JsDoc:
    """Interpret one JSDoc block (the whole `/** ... */` text). Malformed input degrades, never raises."""
    lines = _comment_lines(raw)
    fenced = _fenced_lines(lines)

    leading: list[str] = []
    blocks: list[tuple[str, list[str]]] = []  # (tag name, [text after the tag name, continuation lines...])
    for line, in_fence in zip(lines, fenced):
        match = None if in_fence else _TAG_LINE.match(line.lstrip())
        if match is not None:
            blocks.append((match.group(1), [line.lstrip()[match.end() :]]))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            leading.append(line)

    description = _clean("\n".join(leading), inline_first=False)
    params: list[JsDocParam] = []
    returns: list[JsDocReturn] = []
    tags: list[JsDocTag] = []
    for name, body_lines in blocks:
        body = "\n".join(body_lines)
        kind = name.lower()
        tags.append(JsDocTag(name=name, text=_clean(body, inline_first=True)))
        if kind in _PARAM_TAGS:
            params.append(_parse_param(body))
        elif kind in _RETURN_TAGS:
            returns.append(_parse_return(body))
        elif kind in _DESCRIPTION_TAGS and description is None:
            description = tags[-1].text
    return JsDoc(description=description, params=tuple(params), returns=tuple(returns), tags=tuple(tags))


# --- comment text -------------------------------------------------------------------------------------


def tag_type(tag: JsDocTag) -> str | None:
    """The `{type}` a tag starts with (`@type {(a: T) => R}`), without its braces; None when it has none."""
    if tag.text is None:
        return None
    return _read_type(tag.text, 0)[0]


def _comment_lines(raw: str) -> list[str]:
    text = raw.strip()
    if text.startswith("/**"):
        text = text[3:]
    elif text.startswith("/*"):
        text = text[2:]
    if text.endswith("*/"):
        text = text[:-2]
    lines = _LINE_BREAK.split(text)
    out: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith("*"):
            line = stripped[1:]
            if line[:1] in (" ", "\t"):
                line = line[1:]
        elif index == 0:
            # text right after "/**": its indentation is that of the opening, not of the text
            line = stripped
        out.append(line.rstrip())
    return out


def _fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it lies inside a closed Markdown code fence (fence lines included)."""
    flags = [False] * len(lines)
    open_at: int | None = None
    marker = ""
    for index, line in enumerate(lines):
        text = line.lstrip()
        if open_at is None:
            if text.startswith("```") or text.startswith("~~~"):
                run = len(text) - len(text.lstrip(text[0]))
                # CommonMark: a backtick fence's info string holds no backtick (else it is inline code)
                if text[0] == "~" or "`" not in text[run:]:
                    open_at, marker = index, text[:run]
        elif text.startswith(marker) and not text.strip(marker[0]):
            for inner in range(open_at, index + 1):
                flags[inner] = True
            open_at = None
    return flags


def _clean(text: str, *, inline_first: bool) -> str | None:
    """Apply the module's text rules; None for empty text. `inline_first`: the first line follows a tag."""
    lines = [line.rstrip() for line in text.split("\n")]
    if inline_first:
        lines = [lines[0].strip(), *_dedent(lines[1:])]
    else:
        lines = _dedent(lines)
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return "\n".join(lines[start:end]) or None


def _dedent(lines: list[str]) -> list[str]:
    margins = [len(line) - len(line.lstrip()) for line in lines if line]
    margin = min(margins, default=0)
    return [line[margin:] for line in lines] if margin else lines


# --- tag bodies ---------------------------------------------------------------------------------------


def _parse_param(body: str) -> JsDocParam:
    pos = _skip_space(body, 0, newlines=True)
    type_text, pos = _read_type(body, pos)
    written, default_value, bracketed, pos = _read_name(body, pos)
    name = _bare_name(written)
    if type_text is None and name:
        # old style "@param name {Type} description"
        after = _skip_space(body, pos, newlines=False)
        if body.startswith("{", after):
            type_text, pos = _read_type(body, after)
    return JsDocParam(
        name=name,
        type=type_text,
        description=_tag_description(body[pos:]),
        is_optional=bracketed or (type_text is not None and type_text.endswith("=")),
        default_value=default_value,
        is_nested="." in name or "[" in name,
        is_rest=written.startswith("...") or (type_text is not None and type_text.startswith("...")),
    )


def _parse_return(body: str) -> JsDocReturn:
    pos = _skip_space(body, 0, newlines=True)
    type_text, pos = _read_type(body, pos)
    return JsDocReturn(type=type_text, description=_tag_description(body[pos:]))


def _read_type(body: str, pos: int) -> tuple[str | None, int]:
    """A `{Type}` at pos: (type without braces, position after it and the spaces that follow)."""
    # "{@link X}" in a type position is inline text, not a type
    if not body.startswith("{", pos) or body.startswith("{@", pos):
        return None, pos
    close = _find_close(body, pos, "{", "}")
    if close is None:
        # unterminated: recover the usual typo "{string name" by taking one token as the type
        token = _NAME_TOKEN.match(body, _skip_space(body, pos + 1, newlines=False))
        if token is None:
            return None, pos + 1
        return token.group(), _skip_space(body, token.end(), newlines=False)
    type_text = body[pos + 1 : close].strip() or None
    return type_text, _skip_space(body, close + 1, newlines=False)


def _read_name(body: str, pos: int) -> tuple[str, str | None, bool, int]:
    """The documented name at pos, as written (a leading "..." kept): (name, default value, written in
    brackets, position after it)."""
    if pos >= len(body) or body[pos] == "\n":
        return "", None, False, pos
    if body[pos] == "[":
        close = _find_close(body, pos, "[", "]")
        if close is None:
            token = _NAME_TOKEN.match(body, pos)
            assert token is not None  # body[pos] is "["
            inner, end = token.group()[1:], token.end()
        else:
            inner, end = body[pos + 1 : close], close + 1
        name, has_default, default = inner.partition("=")
        default_value = default.strip() if has_default else None
        return name.strip(), default_value or None, True, end
    token = _NAME_TOKEN.match(body, pos)
    if token is None:
        return "", None, False, pos
    if token.group() == "-":
        # "@param {T} - description": the name is missing, the text is the description
        return "", None, False, pos
    # "name:" and "name," are punctuation after the name, not part of it
    name = token.group().rstrip(":,") or token.group()
    return name, None, False, token.end()


def _bare_name(name: str) -> str:
    # "...args" documents the rest parameter "args"
    return name[3:] if name.startswith("...") else name


def _tag_description(text: str) -> str | None:
    cleaned = _clean(text, inline_first=True)
    if cleaned is not None and cleaned[0] == "-" and (len(cleaned) == 1 or cleaned[1].isspace()):
        cleaned = _clean(cleaned[1:], inline_first=True)
    return cleaned


def _skip_space(text: str, pos: int, *, newlines: bool) -> int:
    end = len(text)
    while pos < end and text[pos].isspace() and (newlines or text[pos] != "\n"):
        pos += 1
    return pos


def _find_close(text: str, start: int, opening: str, closing: str) -> int | None:
    """Index of the bracket closing the one at `start`, skipping string literals; None if unterminated."""
    close = _scan_close(text, start, opening, closing, quotes=True)
    if close is None:
        # an apostrophe in plain words ("don't") is no string; try again counting brackets only
        close = _scan_close(text, start, opening, closing, quotes=False)
    return close


def _scan_close(text: str, start: int, opening: str, closing: str, *, quotes: bool) -> int | None:
    pattern = _SCAN[(opening, closing, quotes)]
    depth = 0
    pos = start
    while (match := pattern.search(text, pos)) is not None:
        char, at = match.group(), match.start()
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return at
        else:
            string = _STRING[char].match(text, at)
            if string is None:
                return None
            pos = string.end()
            continue
        pos = at + 1
    return None
