"""The OpenAPI document states exactly what the api accepts (security review, issue 17.13): each pattern it
gives a text field matches a value exactly when the use case's own check accepts it."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from codetracker.api import models as m
from codetracker.errors import InvalidInput
from codetracker.usecases import app_requests

CHARACTERS = st.one_of(
    st.sampled_from(
        [
            " ",
            "\t",
            "\n",
            "\r",
            "\x0b",
            "\x0c",
            "\x1c",
            "\x85",
            "\xa0",
            "\u2028",
            "\x00",
            "\x7f",
            "\x1b",
            "a",
            "é",
            "/",
            ":",
            "🦄",
            ".",
            "@",
            "{",
            "-",
            "~",
            "[",
            "\\",
        ]
    ),  # fmt: skip
    st.characters(exclude_categories=["Cs"]),  # lone surrogates: refused, and in no pattern (api/models/patterns.py)
)
TEXTS = st.text(CHARACTERS, max_size=12)
REF_PIECES = st.sampled_from(["a", "b", "main", ".", "..", "/", "//", "@", "@{", "{", "-", ".lock", "lock", "HEAD",
                              "refs/", "heads/", "tags/", " ", "\t", "~", "é", "\xa0", "1"])  # fmt: skip
REFS = st.one_of(TEXTS, st.lists(REF_PIECES, max_size=6).map("".join))


def documented(pattern: str, value: str) -> bool:
    """Whether the document's pattern admits `value`, as a JSON Schema validator reads it: `$` is the end of the
    text (Python's `$` would also match before a final newline)."""
    return re.search(pattern.replace("$", r"\Z"), value) is not None


def _accepts(check, value: str) -> bool:
    try:
        check(value)
    except InvalidInput:
        return False
    return True


FIELDS = {
    "url": (m.URL_PATTERN, lambda v: app_requests.RegisterRepositoryRequest(url=v)),
    "callback_url": (m.URL_PATTERN, lambda v: app_requests.CreateAppRequest(name="n", callback_url=v)),
    "access_token": (m.TOKEN_PATTERN, lambda v: app_requests.RegisterRepositoryRequest(url="u", access_token=v)),
    # The slug's text rule; slugify then also wants a letter or digit, which a pattern cannot say for every
    # script (the field's description does).
    "slug": (m.SLUG_PATTERN, lambda v: app_requests.printable(v, "slug", max_length=255)),
    "name": (m.NAME_PATTERN, lambda v: app_requests.CreateAppRequest(name=v)),
}


@pytest.mark.parametrize("field", FIELDS)
@settings(max_examples=400, deadline=None)
@given(value=TEXTS)
@example(value="")
@example(value="   ")
@example(value=" a ")
@example(value="a b")
@example(value="\ta\n")
def test_each_documented_pattern_matches_what_the_use_case_accepts(field, value):
    pattern, check = FIELDS[field]
    assert documented(pattern, value) == _accepts(check, value), (field, value)


REF_FIELDS = {
    "ref": (
        m.REF_PATTERN,
        lambda v: app_requests.ScanJobRequest(repository_id="5d6e7f80-91a2-4b3c-8d4e-5f6071829304", ref=v),
    ),
    "branch": (m.BRANCH_PATTERN, lambda v: app_requests.RegisterRepositoryRequest(url="u", branch=v)),
}


@pytest.mark.parametrize("field", REF_FIELDS)
@settings(max_examples=600, deadline=None)
@given(value=REFS)
@example(value="@")
@example(value="@{-1}")
@example(value="refs/heads/HEAD")
@example(value="refs/tags/v1")
@example(value="refs/heads/")
@example(value="a/.b")
@example(value="x.lock/y")
@example(value="main\n")
def test_the_ref_and_branch_patterns_are_git_s_rules(field, value):
    pattern, check = REF_FIELDS[field]
    assert documented(pattern, value) == _accepts(check, value), (field, value)


@pytest.mark.parametrize(("field", "limit"), [("url", 2048), ("access_token", 4096), ("slug", 255)])
def test_the_length_limits_agree(field, limit):
    pattern, check = FIELDS[field]
    for value in ("x" * limit, " " + "x" * limit + " ", "x" * (limit + 1), "x" + " " * (limit - 2) + "x"):
        assert documented(pattern, value) == _accepts(check, value), (field, len(value))
