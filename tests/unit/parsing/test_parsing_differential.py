"""Both backends agree on every fixture file: the same ModuleSyntax, or both fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.domain.selection import looks_commonjs
from codetracker.parsing import get_parser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FILES = sorted(path for pattern in ("*.js", "*.mjs") for path in FIXTURES.rglob(pattern))


def parse(name: str, source: str) -> ModuleSyntax | ParseFailure:
    try:
        return get_parser(name).parse(source)
    except ParseFailure as failure:
        return failure


def test_there_are_fixtures_to_compare() -> None:
    assert len([path for path in FILES if path.parent.name == "js"]) >= 25


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(FIXTURES)) for path in FILES])
def test_backends_agree(path: Path) -> None:
    source = path.read_bytes().decode("utf-8", errors="replace")

    from_tree_sitter = parse("tree-sitter", source)
    from_esprima = parse("esprima", source)

    if isinstance(from_tree_sitter, ParseFailure) or isinstance(from_esprima, ParseFailure):
        assert isinstance(from_tree_sitter, ParseFailure) and isinstance(from_esprima, ParseFailure), (
            f"only one backend failed: tree-sitter={from_tree_sitter!s}, esprima={from_esprima!s}"
        )
    else:
        assert from_tree_sitter == from_esprima


COMMONJS_FILES = [path for path in FILES if looks_commonjs(path.read_bytes())]


def read_commonjs(name: str, source: str) -> tuple[ModuleSyntax, object] | ParseFailure:
    try:
        syntax = get_parser(name).parse_commonjs(source)  # type: ignore[attr-defined]
    except ParseFailure as failure:
        return failure
    return syntax, syntax.links


@pytest.mark.parametrize("path", COMMONJS_FILES, ids=[str(path.relative_to(FIXTURES)) for path in COMMONJS_FILES])
def test_backends_agree_on_commonjs_exports(path: Path) -> None:
    """Read as CommonJS (parsing/commonjs.py), the backends report the same exports and the same links."""
    source = path.read_bytes().decode("utf-8", errors="replace")
    from_tree_sitter, from_esprima = read_commonjs("tree-sitter", source), read_commonjs("esprima", source)
    if isinstance(from_tree_sitter, ParseFailure) or isinstance(from_esprima, ParseFailure):
        assert isinstance(from_tree_sitter, ParseFailure) and isinstance(from_esprima, ParseFailure)
    else:
        assert from_tree_sitter == from_esprima
