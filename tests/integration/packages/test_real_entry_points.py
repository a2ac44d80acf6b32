"""Entry points of real npm packages, checked against Node's own resolution of each subpath we list and of
each subpath the package's `exports` names. Skipped with the reason when Node, npm or the registry is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codetracker.domain.entry_points import IMPORT_CONDITIONS, resolve_entry_points
from tests.support import node_packages

# Pinned so a new release is a deliberate change of the vectors.
REAL_PACKAGES = [
    "ramda@0.30.1",
    "d3-array@3.2.4",
    "lodash-es@4.17.21",
    "date-fns@4.1.0",
    "preact@10.25.4",
    "svelte@5.16.0",
    "chalk@5.4.1",
    "nanoid@5.0.9",
]

pytestmark = pytest.mark.slow


def _files(package: Path) -> list[str]:
    found = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        found += [str((Path(folder) / n).relative_to(package)) for n in names]
    return found


@pytest.mark.parametrize("spec", REAL_PACKAGES)
def test_entry_points_of_a_real_package_match_node(spec: str):
    reason = node_packages.unavailable()
    if reason:
        pytest.skip(reason)
    name = spec.rsplit("@", 1)[0]
    folder = node_packages.installed(spec)
    package = node_packages.package_dir(folder, name)
    manifest = json.loads((package / "package.json").read_text())
    # Node 20 (this machine's) has no module-sync condition; none of these packages uses it.
    result = resolve_entry_points(manifest, _files(package), IMPORT_CONDITIONS - {"module-sync"})
    ours = {e.subpath: e.file_path for e in result.entry_points if e.fallback is None}
    exports = manifest.get("exports")
    named = [k for k in exports if k.startswith(".") and "*" not in k] if isinstance(exports, dict) else []
    asked = sorted(set(ours) | set(named) | {"."})
    node = node_packages.node_resolve(folder, name, asked)
    assert ours, f"{spec}: no entry point found"
    if exports is None:
        # Node reads `main`; we prefer `module` (the same API as an ES module): compare only main-only packages.
        if "module" not in manifest:
            assert ours == {".": node["."]}
        return
    assert ours == {subpath: file for subpath, file in node.items() if file is not None}
