"""The dependency layer's requirements are generated from pyproject.toml and never drift from it."""

from __future__ import annotations

import subprocess
import sys

from tests.deploy.conftest import ROOT


def test_layer_requirements_match_pyproject():
    result = subprocess.run(
        [sys.executable, str(ROOT / "layers" / "deps" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generator_reports_a_drift(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "layers" / "deps" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["a>=1", "b[c]<2"]\n')
    assert generate.render(pyproject).splitlines()[2:] == ["a>=1", "b[c]<2"]
    assert generate.render(pyproject) != generate.render(ROOT / "pyproject.toml")
