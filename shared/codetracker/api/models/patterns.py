"""What the use cases accept (usecases/app_requests.py), stated in the OpenAPI document as patterns (`\\s`: what
str.strip removes). The use cases check it, with messages naming the problem; the patterns only describe it
(tests/unit/test_api_document_patterns.py holds them to the checks). Text is stripped; then control characters
(C0, DEL) are refused everywhere, spaces in URLs and tokens (and lone surrogates, which a pattern cannot name
portably). Whether a URL is admitted also depends on what its host resolves to (422 url_refused).
"""

from __future__ import annotations

from pydantic.config import JsonDict

_REFUSED = r"\x00-\x1f\x7f"


def text_pattern(max_length: int | None = None) -> str:
    """Not blank, no control characters (spaces inside allowed); at most `max_length` once stripped."""
    if max_length is None:
        return rf"^\s*[^{_REFUSED}]*[^\s{_REFUSED}][^{_REFUSED}]*\s*$"
    return rf"^\s*[^\s{_REFUSED}](?:[^{_REFUSED}]{{0,{max_length - 2}}}[^\s{_REFUSED}])?\s*$"


def word_pattern(max_length: int) -> str:
    """Not blank, no spaces or control characters; at most `max_length` once stripped."""
    return rf"^\s*[^\s{_REFUSED}]{{1,{max_length}}}\s*$"


# git's ref-name rules (domain/refnames.py), which the scanner applies: no control characters, spaces or
# `~^:?*[\`; no `..`, `@{`, `//`; not `@` alone; not starting with `-` or `/`, not ending with `/` or `.`; no
# component starting with `.` or ending with `.lock`; at most 255 bytes (characters, for ASCII names).
REF_PATTERN = (
    r"^(?!-)(?!/)(?!@$)(?!.*//)(?!.*\.\.)(?!.*@\{)(?!.*(?:^|/)\.)(?!.*\.lock(?:/|$))(?!.*[/.]$)(?=.*\S)"
    r"[^\x00-\x20\x7f~^:?*\[\\]{1,255}$"
)
# A branch: a ref name that is not HEAD, given bare or as refs/heads/<name>.
BRANCH_PATTERN = REF_PATTERN.replace("^", "^(?!(?:refs/heads/)?HEAD$)(?!refs/(?!heads/))", 1)
URL_PATTERN = word_pattern(2048)
TOKEN_PATTERN = word_pattern(4096)
SLUG_PATTERN = text_pattern(255)
NAME_PATTERN = text_pattern()


def documented(pattern: str) -> JsonDict:
    """The pattern for the OpenAPI document only (the use cases check it: see above)."""
    return {"pattern": pattern}
