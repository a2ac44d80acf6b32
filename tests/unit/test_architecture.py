"""Rules of the house that prose alone would let drift."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "codetracker"
IO_LIBRARIES = {"psycopg", "psycopg_pool", "dulwich", "boto3", "botocore", "httpx", "urllib3", "pgserver",
                "tree_sitter", "tree_sitter_javascript", "esprima", "requests", "socket", "subprocess"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_no_io_library():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & IO_LIBRARIES)
        for path in (PACKAGE / "domain").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_does_not_import_adapters_or_entry_points():
    for path in (PACKAGE / "domain").rglob("*.py"):
        text = path.read_text()
        for forbidden in ("codetracker.adapters", "codetracker.wiring", "codetracker.cli", "codetracker.usecases"):
            assert forbidden not in text, f"{path.name} imports {forbidden}"


def _internal_imports(path: Path) -> set[str]:
    """The codetracker modules a file imports (absolute imports; the package uses no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("codetracker"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("codetracker"))
    return found


# Who may import whom: the arrow points inwards (entry points → wiring → adapters → use cases → domain).
_FORBIDDEN = {
    "usecases": ("codetracker.adapters", "codetracker.wiring", "codetracker.cli", "codetracker.settings"),
    "adapters": ("codetracker.usecases", "codetracker.wiring", "codetracker.cli"),
    "parsing": ("codetracker.adapters", "codetracker.usecases", "codetracker.wiring", "codetracker.cli"),
}


def test_dependencies_point_inwards():
    offenders = []
    for layer, forbidden in _FORBIDDEN.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for module in _internal_imports(path):
                if module.startswith(forbidden):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    for name in ("ports.py", "contracts.py", "errors.py"):
        for module in _internal_imports(PACKAGE / name):
            if module.startswith(("codetracker.adapters", "codetracker.usecases.", "codetracker.wiring")):
                # contracts may name use-case types for annotations only (TYPE_CHECKING)
                if not (name == "contracts.py" and module == "codetracker.usecases.scan"):
                    offenders.append(f"{name} imports {module}")
    assert offenders == []


def test_use_cases_import_no_io_library():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & IO_LIBRARIES)
        for path in (PACKAGE / "usecases").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_cli_start_up_imports_no_heavy_module():
    """`codetracker --help` and argument errors must not pay for psycopg, dulwich, esprima, tree-sitter."""
    code = (
        "import sys, codetracker.cli as c\n"
        "c.build_parser()\n"
        "import codetracker.usecases.scan, codetracker.usecases.persist, codetracker.usecases.snapshots\n"
        "import codetracker.wiring, codetracker.settings, codetracker.contracts\n"
        "heavy = {'psycopg', 'dulwich', 'esprima', 'tree_sitter', 'boto3', 'httpx', 'pgserver', 'urllib3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
