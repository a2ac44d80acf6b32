"""Real layouts reproduced small (svelte, preact, lit: tests/support/package_layouts.py) through the CLI: `extract`
lists one package per published package with only what it ships, `scan --packages` stores one snapshot per
package (the in-memory unit of work, held to Postgres's behaviour by the contract suite; a real git repository).
The same layouts go through the API and Postgres in tests/integration/pipeline/test_package_pipeline.py."""

from __future__ import annotations

import io
import json

import pytest

from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.cli import main
from codetracker.domain.model import SnapshotKey
from codetracker.settings import Settings
from codetracker.wiring import Services
from tests.support.git_repos import RepoBuilder
from tests.support.package_layouts import LAYOUTS


def run(argv, services):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], services=services, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def services():
    return Services(Settings.from_env({}), unit_of_work=MemoryUnitOfWorkFactory())


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_extract_lists_each_published_package_with_what_it_ships(tmp_path, services, name):
    layout = LAYOUTS[name]
    for path, content in layout.files.items():
        (tmp_path / name / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name / path).write_bytes(content)
    code, out, err = run(["extract", tmp_path / name, "--json"], services)
    assert code == 0, err
    described = json.loads(out)
    by_file = {}
    for f in described["functions"]:
        by_file.setdefault(f["file_path"], []).append(f["name"])
    found = {
        p["name"]: (p["module_slug"], sorted(n for path in p["files"] for n in by_file.get(path, [])))
        for p in described["packages"]
    }
    assert found == layout.expected


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_scan_stores_one_snapshot_per_package(tmp_path, services, name):
    layout = LAYOUTS[name]
    with RepoBuilder.create(tmp_path / f"{name}.git") as builder:
        builder.commit(layout.files)
    code, out, err = run(["scan", tmp_path / f"{name}.git", "--ref", "main", "--packages", "--json"], services)
    assert code == 0, err
    outcomes = json.loads(out)
    assert sorted(o["module_slug"] for o in outcomes) == sorted(slug for slug, _ in layout.expected.values())
    with services.unit_of_work(read_only=True) as uow:
        for package, (slug, functions) in layout.expected.items():
            stored = uow.snapshots.load_snapshot(SnapshotKey(slug, "main", "HEAD"))
            assert sorted(f.name for f in stored.functions) == functions, package


def test_two_workspaces_with_one_name_are_a_problem_not_a_crash(tmp_path, services):
    files = {
        "package.json": json.dumps({"name": "root", "private": True, "workspaces": ["packages/*"]}),
        "packages/a/package.json": json.dumps({"name": "same"}),
        "packages/a/index.js": "export function a() {}\n",
        "packages/b/package.json": json.dumps({"name": "same"}),
        "packages/b/index.js": "export function b() {}\n",
        "packages/nameless/package.json": json.dumps({"version": "1.0.0"}),
        "packages/nameless/index.js": "export function c() {}\n",
    }
    for path, text in files.items():
        (tmp_path / "t" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "t" / path).write_text(text)
    code, out, err = run(["extract", tmp_path / "t", "--json"], services)
    assert code == 0, err
    described = json.loads(out)
    # The first in path order keeps the name; the other is left out with a problem naming both.
    assert [(p["name"], p["path"]) for p in described["packages"]] == [
        ("same", "packages/a"),
        ("nameless", "packages/nameless"),  # no name: the folder's
    ]
    (problem,) = [p for p in described["problems"] if p["path"] == "packages/b/package.json"]
    assert problem["kind"] == "skipped" and "also the name of 'packages/a/package.json'" in problem["reason"]
    assert sorted(f["name"] for f in described["functions"]) == ["a", "c"]
    code, out, err = run(["scan", tmp_path / "t", "--branch", "main", "--packages"], services)
    assert code == 0 and "2 packages" in out, err
