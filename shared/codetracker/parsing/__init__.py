"""JavaScript parser backends. Each turns source text into the same neutral ModuleSyntax.

- "tree-sitter": fast (C parser, Python walks only the top-level statements).
- "esprima": exact (esprima-fork, ES2026 with early errors), pure Python, slower.
- "auto" (default): tree-sitter, and esprima for files tree-sitter cannot parse cleanly.

The rules deciding what is an exported function live once, in parsing/exports.py and
parsing/source_text.py; the backends only report what their trees show. tree_sitter and esprima are
imported on first use of a backend, not when this package is imported.
"""

from __future__ import annotations

import threading

from codetracker.errors import InvalidInput
from codetracker.ports.parsing import ModuleParser

PARSER_NAMES = ("auto", "tree-sitter", "esprima")
DEFAULT_PARSER = "auto"

_parsers: dict[str, ModuleParser] = {}
_lock = threading.RLock()


def get_parser(name: str = DEFAULT_PARSER) -> ModuleParser:
    """The backend called `name`, built once per process. Unknown name: InvalidInput(field="parser")."""
    parser = _parsers.get(name)
    if parser is not None:
        return parser
    if name not in PARSER_NAMES:
        raise InvalidInput(f"unknown parser {name!r}; choose one of {', '.join(PARSER_NAMES)}", field="parser")
    with _lock:
        parser = _parsers.get(name)
        if parser is None:
            parser = _parsers[name] = _build(name)
    return parser


def _build(name: str) -> ModuleParser:
    if name == "tree-sitter":
        from codetracker.parsing.tree_sitter_backend import TreeSitterParser

        return TreeSitterParser()
    if name == "esprima":
        from codetracker.parsing.esprima_backend import EsprimaParser

        return EsprimaParser()
    from codetracker.parsing.auto import AutoParser

    return AutoParser(get_parser("tree-sitter"), lambda: get_parser("esprima"))
