"""Branch and tag names follow `git check-ref-format`; recorded commits are full shas; display is safe."""

from __future__ import annotations

import os
import random
import shutil
import subprocess

import pytest

from codetracker.domain.refnames import (
    MAX_REF_NAME_BYTES,
    check_ref_name,
    is_valid_ref_name,
    normalize_commit_sha,
    printable,
)
from codetracker.errors import InvalidInput

REF_CASES = int(os.environ.get("CODETRACKER_REFNAME_FUZZ_CASES", "800"))


@pytest.mark.parametrize(
    "name",
    [
        "main",
        "feature/x",
        "release/1.2.3",
        "v1.0.0",
        "日本/ブランチ",
        "a.b",
        "a-b",
        "a_b",
        "@x",
        "x@",
        "a{b}",
        "HEAD",
        "a/b.lock.x",
        "refs/heads/x",
        "ü",
        "#1",
        "a+b",
        "x" * 255,
    ],
)
def test_valid_names(name):
    assert check_ref_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "empty"),
        ("a b", "space"),
        ("a\tb", "\\t"),
        ("a\x1b[31mb", "\\x1b"),
        ("a\x7f", "\\x7f"),
        ("a~1", "'~'"),
        ("a^", "'^'"),
        ("a:b", "':'"),
        ("a?", "'?'"),
        ("a*", "'*'"),
        ("a[b", "'['"),
        ("a\\b", "'\\\\'"),
        ("a..b", "'..'"),
        ("a@{1}", "'@{'"),
        ("@", "'@' alone"),
        ("-x", "starts with '-'"),
        ("/a", "'/'"),
        ("a/", "'/'"),
        ("a//b", "'//'"),
        (".a", "starts with '.'"),
        ("a/.b", "starts with '.'"),
        ("a.lock", ".lock"),
        ("a.lock/b", ".lock"),
        ("a.", "ends with '.'"),
        ("x" * 256, "255 bytes"),
        ("é" * 128, "255 bytes"),
        ("a\ud800", "Unicode"),
    ],
)
def test_invalid_names_say_why(name, problem):
    with pytest.raises(InvalidInput) as raised:
        check_ref_name(name, what="tag")
    assert raised.value.field == "tag"
    message = str(raised.value)
    assert problem in message and message.startswith("invalid tag name")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in message)
    assert len(message) < 200


def test_the_value_shown_is_cut():
    with pytest.raises(InvalidInput) as raised:
        check_ref_name("a " + "x" * 1000)
    assert "…" in str(raised.value) and len(str(raised.value)) < 140


# --- differential: git check-ref-format ----------------------------------------------------------------

_PIECES = [
    "a",
    "b",
    "x1",
    "main",
    "v1.0",
    "é",
    "日本",
    "/",
    "/",
    "//",
    ".",
    "..",
    ".lock",
    "lock",
    "@",
    "@{",
    "{",
    "}",
    "-",
    "_",
    " ",
    "\t",
    "\x1b[31m",
    "\x7f",
    "\x01",
    "~",
    "^",
    ":",
    "?",
    "*",
    "[",
    "]",
    "\\",
    "#",
    "+",
    ",",
    "\u202e",
    "\u00a0",
    "🎉",
    "HEAD",
    "refs",
    "!",
    "'",
    '"',
    "$",
    "%",
    "&",
    "=",
    "\x85",
]


def _names(rng: random.Random, count: int) -> list[str]:
    names = [rng.choice(_PIECES) for _ in range(len(_PIECES))]  # each piece alone, roughly
    while len(names) < count:
        names.append("".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 6))))
    return names


def _git_accepts(names: list[str], prefix: str) -> list[bool]:
    """One shell, one `git check-ref-format` per name (it has no --stdin): a few ms each."""
    script = 'while IFS= read -r -d "" n; do if git check-ref-format "$P$n"; then printf 1; else printf 0; fi; done'
    result = subprocess.run(
        ["bash", "-c", script],
        input=b"".join(n.encode("utf-8") + b"\0" for n in names),
        env={**os.environ, "P": prefix},
        capture_output=True,
        check=True,
    )
    return [c == ord("1") for c in result.stdout]


def _our_extras(name: str) -> bool:
    """Refused by us though `check-ref-format refs/heads/<name>` accepts it (documented in refnames.py)."""
    return name == "@" or name.startswith("-") or len(name.encode("utf-8")) > MAX_REF_NAME_BYTES


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git is the reference")
@pytest.mark.parametrize("prefix", ["refs/heads/", "refs/tags/"])
def test_ref_names_agree_with_git_check_ref_format(prefix):
    names = _names(random.Random(20261123 + len(prefix)), REF_CASES)
    git = _git_accepts(names, prefix)
    assert len(git) == len(names)
    wrong = [(n, g) for n, g in zip(names, git) if is_valid_ref_name(n) != (g and not _our_extras(n))]
    assert not wrong, "\n".join(f"{n!r}: git {'accepts' if g else 'refuses'}" for n, g in wrong[:30])
    assert 0.2 < sum(git) / len(git) < 0.8  # the generator reaches both sides


@pytest.mark.skipif(shutil.which("git") is None, reason="git is the reference")
def test_branch_names_git_branch_refuses_too():
    """`git check-ref-format --branch` refuses a leading `-` as we do (`@` alone it resolves: not a name)."""
    result = subprocess.run(["git", "check-ref-format", "--branch", "-x"], capture_output=True)
    assert result.returncode != 0


# --- commits -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sha", ["a" * 40, "0123456789abcdef0123456789ABCDEF01234567", "F" * 64])
def test_full_shas_are_lower_cased(sha):
    assert normalize_commit_sha(sha) == sha.lower()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc1234",
        "a" * 39,
        "a" * 41,
        "a" * 63,
        "a" * 65,
        "g" * 40,
        "a" * 40 + "\n",
        " " + "a" * 40,
        "０" * 40,
        "a" * 20 + "\x1b" + "a" * 19,
        None,
        123,
    ],
)
def test_anything_else_is_refused(value):
    with pytest.raises(InvalidInput) as raised:
        normalize_commit_sha(value)
    assert raised.value.field == "commit"
    assert "full sha" in str(raised.value) and "\x1b" not in str(raised.value)


# --- printable -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain é 日本", "plain é 日本"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x07\x7f\x85\x9b", "\\x00\\x07\\x7f\\x85\\x9b"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("bad\udcffbyte", "bad\\xffbyte"),
        ("lone\ud800", "lone\\ud800"),
    ],
)
def test_printable(text, shown):
    assert printable(text, limit=None) == shown


def test_printable_cuts_between_escapes():
    assert printable("abc", limit=2) == "ab…"
    assert printable("a\x1bb", limit=3) == "a…"  # `\x1b` is not cut in half
    assert len(printable("x" * 1000)) == 61
