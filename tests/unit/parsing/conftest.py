from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codetracker.parsing import get_parser
from codetracker.ports.parsing import ModuleParser

JS_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "js"
BACKENDS = ("tree-sitter", "esprima")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> ModuleParser:
    """Each test using this runs once per backend: both must meet the same expectations."""
    return get_parser(request.param)


@pytest.fixture
def js_fixture() -> Callable[[str], str]:
    """Reads tests/fixtures/js/<name> as a scanner would: UTF-8, no newline translation, BOM kept."""

    def read(name: str) -> str:
        return (JS_FIXTURES / name).read_bytes().decode("utf-8")

    return read
