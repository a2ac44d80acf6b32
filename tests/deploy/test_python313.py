"""The shipped code on the Lambda runtime's Python (3.13), while the main .venv stays on 3.11/3.12 (pgserver,
the embedded Postgres of the tests, has no 3.13 wheel).

- Always: no shipped module imports a standard-library module that Python 3.13 removed, and the versions
  named in template.yaml, the layer Makefile and tasks.py agree.
- When the machine has a CPython 3.13 (tasks.py finds one and builds .venv-py313 with the project's runtime
  dependencies, host-architecture wheels): every shipped module imports there, and the unit tests pass there
  (but the style checks, which read source and run on 3.11).
  Without one the two are skipped, with the reason: no registry this project uses ships a CPython 3.13 build
  for every machine (the layer build itself proves cp313 wheels exist for every dependency).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT
from tests.support import python313_unit_run

PACKAGE = ROOT / "shared" / "codetracker"
# PEP 594 (removed in 3.13) and the other 3.13 removals.
REMOVED_IN_313 = {
    "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib",
    "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib", "lib2to3", "tkinter.tix",
}  # fmt: skip


def shipped_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "local" not in p.relative_to(PACKAGE).parts[:1])


def _layer_python() -> Path:
    configured = os.environ.get("CODETRACKER_PY313_VENV_PYTHON")
    if not configured:
        pytest.skip("no CPython 3.13 on this machine (tasks.py looks for python3.13 and pyenv versions)")
    return Path(configured)


def test_runtime_versions_agree():
    template = (ROOT / "template.yaml").read_text()
    assert re.search(r"^\s+Runtime: python3\.13$", template, re.M)
    assert "PYTHON_VERSION ?= 3.13" in (ROOT / "layers" / "deps" / "Makefile").read_text()
    assert "LAYER_PYTHON = (3, 13)" in (ROOT / "tasks.py").read_text()


def test_no_shipped_module_imports_what_python_313_removed():
    offenders = []
    for path in shipped_modules():
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                     else [])  # fmt: skip
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n in REMOVED_IN_313 or n.split(".")[0] in REMOVED_IN_313]  # fmt: skip
    assert not offenders


def test_every_shipped_module_imports_on_python_313():
    python = _layer_python()
    names = [".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
             for p in shipped_modules()]  # fmt: skip
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\nprint(sys.version)"
    result = subprocess.run([str(python), "-c", script, *names], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": ""})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3.13."), result.stdout


@pytest.mark.timeout(660)  # past the wait below, so that a run too slow fails with its own message
def test_unit_tests_pass_on_python_313(request, tmp_path):
    # Started in the background after collection (tests/support/python313_unit_run.py), this check moved last;
    # waited for here.
    run = python313_unit_run.take(request.config, str(_layer_python()), tmp_path)
    code, tail = run.result(timeout=600)
    assert code == 0, tail
