"""The codetracker layer as its Makefile builds it (what `sam build` runs, without sam): the local runtime and
the embedded Postgres are not shipped, and every shipped module and handler imports without them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("api", "scanner", "persister", "notifier", "reconciler", "retention")

_IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import codetracker
failed = {}
for module in pkgutil.walk_packages(codetracker.__path__, "codetracker."):
    try:
        importlib.import_module(module.name)
    except Exception as err:
        failed[module.name] = f"{type(err).__name__}: {err}"
for name in sys.argv[1:]:
    try:
        importlib.import_module(f"functions.{name}.app")
    except Exception as err:
        failed[name] = f"{type(err).__name__}: {err}"
print(json.dumps({
    "package": codetracker.__file__,
    "failed": failed,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] == "pgserver" or m.startswith("codetracker.local")),
}))
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("make") is None:
        pytest.skip("no make here to run layers/codetracker/Makefile")
    artifacts = tmp_path_factory.mktemp("codetracker-layer")
    source = tmp_path_factory.mktemp("shared")  # SAM runs the Makefile in a copy of shared/
    shutil.copytree(ROOT / "shared" / "codetracker", source / "codetracker")
    subprocess.run(
        ["make", "-s", "-f", str(ROOT / "layers" / "codetracker" / "Makefile"), "build-CodetrackerLayer",
         f"ARTIFACTS_DIR={artifacts}", "CODETRACKER_PYC_PYTHON="],
        cwd=source, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return artifacts / "python"


def test_the_layer_ships_no_local_runtime_and_no_embedded_postgres(layer: Path) -> None:
    package = layer / "codetracker"
    assert (package / "settings.py").is_file() and (package / "adapters" / "postgres" / "connection.py").is_file()
    assert not (package / "local").exists(), "the local runtime (and the embedded Postgres) is not shipped"
    mentions = [str(p.relative_to(layer)) for p in package.rglob("*.py") if "pgserver" in p.read_text()]
    assert mentions == [], "only codetracker/local knows pgserver"


def test_the_layer_ships_no_in_memory_fake(layer: Path) -> None:
    package = layer / "codetracker"
    assert (package / "adapters" / "postgres" / "unit_of_work.py").is_file()
    fakes = sorted(str(p.relative_to(package)) for p in (package / "adapters").glob("memory*"))
    assert fakes == [], "the in-memory fakes are for tests"
    mentions = [str(p.relative_to(layer)) for p in package.rglob("*.py") if "adapters.memory" in p.read_text()]
    assert mentions == [], "no shipped module imports a fake"


def test_every_shipped_module_and_handler_imports_without_the_local_runtime(layer: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{layer}{os.pathsep}{ROOT}", "POWERTOOLS_TRACE_DISABLED": "true"}
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING, *FUNCTIONS],
        cwd=layer, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(layer), found["package"]
    assert found["failed"] == {}
    assert found["loaded"] == []
