"""`codetracker scan --packages`: one snapshot per package, stored together; per-package release tags.
The database is the in-memory unit of work (held to Postgres's behaviour by the contract suite); the git
repository is real."""

from __future__ import annotations

import io
import json

import pytest

from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.cli import main
from codetracker.domain.model import Descriptor, PackageInfo, ProblemKind, ScanProblem, SnapshotKey
from codetracker.domain.package_snapshots import package_descriptors
from codetracker.settings import Settings
from codetracker.wiring import Services
from tests.support.git_repos import RepoBuilder

PREACT = {
    "package.json": json.dumps(
        {"name": "preact", "version": "10.5.0", "files": ["src", "hooks/src", "hooks/package.json"]}
    ).encode(),
    "src/index.js": b"export function render(vnode, parent) {}\n",
    "hooks/package.json": json.dumps({"name": "preact-hooks", "version": "10.5.0"}).encode(),
    "hooks/src/index.js": b"export function useState(initial) {}\n",
    "hooks/test/hooks.test.js": b"export function helper() {}\n",
    "test/fixtures/package.json": json.dumps({"name": "fixture"}).encode(),
    "test/fixtures/f.js": b"export function fixture() {}\n",
}


@pytest.fixture
def services():
    return Services(Settings.from_env({}), unit_of_work=MemoryUnitOfWorkFactory())


def run(argv, services):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], services=services, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def preact_repo(tmp_path):
    with RepoBuilder.create(tmp_path / "preact.git") as builder:
        commit = builder.commit(PREACT)
        builder.tag("preact-hooks-v10.5.0", commit)
        builder.tag("v10.5.0", commit)
    return tmp_path / "preact.git"


def _stored(services):
    with services.unit_of_work(read_only=True) as uow:
        return {(s.module_slug, s.branch_name, s.release_tag): s for s in uow.snapshots.list_snapshots()}


def test_one_snapshot_per_package_in_one_scan(services, preact_repo):
    code, out, err = run(["scan", preact_repo, "--ref", "main", "--packages"], services)
    assert code == 0, err
    stored = _stored(services)
    assert sorted(stored) == [("preact", "main", "HEAD"), ("preact-hooks", "main", "HEAD")]
    assert stored[("preact", "main", "HEAD")].functions_count == 1  # render; hooks belong to preact-hooks
    assert stored[("preact-hooks", "main", "HEAD")].functions_count == 1  # useState; its test is left out
    assert "2 packages" in out
    with services.unit_of_work(read_only=True) as uow:
        hooks = uow.snapshots.load_snapshot(SnapshotKey("preact-hooks", "main", "HEAD"))
    assert [f.file_path for f in hooks.functions] == ["hooks/src/index.js"]
    assert [e.path for e in hooks.files] == ["hooks/package.json", "hooks/src/index.js"]


def test_a_package_tag_snapshots_that_package_only(services, preact_repo):
    code, out, err = run(["scan", preact_repo, "--ref", "preact-hooks-v10.5.0", "--packages", "--json"], services)
    assert code == 0, err
    assert [o["module_slug"] for o in json.loads(out)] == ["preact-hooks"]
    assert sorted(_stored(services)) == [("preact-hooks", "main", "10.5.0")]


def test_a_plain_tag_applies_to_every_package(services, preact_repo):
    assert run(["scan", preact_repo, "--ref", "v10.5.0", "--packages"], services)[0] == 0
    assert sorted(_stored(services)) == [("preact", "main", "v10.5.0"), ("preact-hooks", "main", "v10.5.0")]


def test_package_flag_limits_and_names_unknown_packages(services, preact_repo):
    assert run(["scan", preact_repo, "--ref", "main", "--package", "preact"], services)[0] == 0
    assert sorted(_stored(services)) == [("preact", "main", "HEAD")]
    code, _, err = run(["scan", preact_repo, "--ref", "main", "--package", "nope"], services)
    assert code == 2 and "no package named 'nope'" in err and "(--package)" in err
    code, _, err = run(["scan", preact_repo, "--ref", "main", "--packages", "--slug", "x"], services)
    assert code == 2 and err.count("\n") == 1 and "--slug names one module" in err


def test_a_package_gone_from_the_branch_is_marked_removed(services, preact_repo):
    assert run(["scan", preact_repo, "--ref", "main", "--packages"], services)[0] == 0
    # Scanning some packages leaves the others, still in the tree, as they are.
    assert run(["scan", preact_repo, "--ref", "main", "--package", "preact"], services)[0] == 0
    assert _stored(services)[("preact-hooks", "main", "HEAD")].removed_from_tree_at is None
    without_hooks = {p: d for p, d in PREACT.items() if not p.startswith("hooks/")}
    without_hooks["package.json"] = json.dumps({"name": "preact", "version": "10.6.0", "files": ["src"]}).encode()
    with RepoBuilder.open(preact_repo) as builder:
        commit = builder.commit(without_hooks, message="hooks move out")
    code, out, err = run(["scan", preact_repo, "--ref", "main", "--packages"], services)
    assert code == 0, err
    assert "preact-hooks: no longer in the tree; its snapshot is marked removed" in out
    hooks = _stored(services)[("preact-hooks", "main", "HEAD")]
    assert hooks.removed_from_tree_at is not None and hooks.removed_from_tree_commit == commit
    assert _stored(services)[("preact", "main", "HEAD")].removed_from_tree_at is None


def test_without_the_flag_a_scan_stores_the_whole_tree_as_before(services, preact_repo):
    assert run(["scan", preact_repo, "--ref", "main"], services)[0] == 0
    assert sorted(_stored(services)) == [("preact", "main", "HEAD")]
    assert _stored(services)[("preact", "main", "HEAD")].functions_count == 4


def test_problems_go_to_their_package_and_shared_ones_to_every_package():
    descriptor = Descriptor(
        module_slug="tree",
        functions=(),
        problems=(
            ScanProblem("a/x.js", ProblemKind.PARSE_ERROR, "bad"),
            ScanProblem(".codetrackerignore", ProblemKind.IGNORE_RULE, "never matches", line=1),
        ),
        packages=(
            PackageInfo("a", "1.0.0", "a", "a", False, ("a/x.js",)),
            PackageInfo("b", "1.0.0", "b", "b", False, ("b/y.js",)),
        ),
    )
    split = {package.name: d for package, d in package_descriptors(descriptor)}
    assert [p.path for p in split["a"].problems] == [".codetrackerignore", "a/x.js"]
    assert [p.path for p in split["b"].problems] == [".codetrackerignore"]
    assert split["a"].module_slug == "a" and split["a"].packages == ()


def test_show_lists_packages_and_finds_a_module_by_its_package_name(services, preact_repo):
    assert run(["scan", preact_repo, "--ref", "main", "--packages"], services)[0] == 0
    assert run(["scan", preact_repo, "--ref", "v10.5.0", "--packages"], services)[0] == 0
    code, out, err = run(["show"], services)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[-3:] == ["package", "last_scanned_at", "source"]
    assert [(r.split()[0], r.split()[3]) for r in rows] == [
        ("preact", "HEAD"),
        ("preact", "v10.5.0"),
        ("preact-hooks", "HEAD"),
        ("preact-hooks", "v10.5.0"),
    ]
    assert all(" preact-hooks " in r for r in rows[2:])
    listed = json.loads(run(["show", "preact-hooks", "--json"], services)[1])
    assert {s["package"] for s in listed} == {"preact-hooks"} and {s["package_of"] for s in listed} == {"preact"}
    code, out, err = run(["show", "preact-hooks", "--tag", "v10.5.0", "--json"], services)
    assert code == 0 and [f["name"] for f in json.loads(out)["functions"]] == ["useState"]


def test_show_takes_a_scoped_package_name(services, tmp_path):
    (tmp_path / "mono" / "a").mkdir(parents=True)
    (tmp_path / "mono" / "package.json").write_text('{"name": "mono", "private": true, "workspaces": ["a"]}')
    (tmp_path / "mono" / "a" / "package.json").write_text('{"name": "@acme/a", "version": "1.0.0"}')
    (tmp_path / "mono" / "a" / "index.js").write_text("export function a(x) {}\n")
    assert run(["scan", tmp_path / "mono", "--branch", "main", "--packages"], services)[0] == 0
    code, out, err = run(["show", "@acme/a", "--tag", "HEAD", "--json"], services)
    assert code == 0, err
    assert (
        json.loads(out)["snapshot"]["module_slug"] == "acme-a" and json.loads(out)["snapshot"]["package"] == "@acme/a"
    )


def test_path_scans_one_folder_of_a_repository_as_a_module_of_its_own(services, preact_repo):
    code, out, err = run(["scan", preact_repo, "--ref", "main", "--path", "./hooks/", "--json"], services)
    assert code == 0, err
    outcome = json.loads(out)
    assert outcome["module_slug"] == "hooks" and outcome["source"]["subpath"] == "hooks"
    with services.unit_of_work(read_only=True) as uow:
        hooks = uow.snapshots.load_snapshot(SnapshotKey("hooks", "main", "HEAD"))
    # Paths relative to the folder; nothing of the rest of the repository.
    assert sorted(f.file_path for f in hooks.functions) == ["src/index.js", "test/hooks.test.js"]
    # With --packages the folder's own package.json decides: one package, its test left out.
    code, out, err = run(["scan", preact_repo, "--ref", "main", "--path", "hooks", "--packages", "--json"], services)
    assert code == 0, err
    package, superseded = json.loads(out)
    assert package["module_slug"] == "preact-hooks" and package["functions_count"] == 1
    assert package["source"]["subpath"] == "hooks"
    # The folder's whole-tree snapshot just stored is superseded by its package, not left looking current.
    assert superseded["module_slug"] == "hooks" and superseded["removed_from_tree"] is not None


@pytest.mark.parametrize(
    ("path", "message"),
    [("../elsewhere", "leaves the tree"), ("/abs", "must be relative"), ("nope", "has no folder 'nope'")],
)
def test_a_bad_path_is_one_line_naming_the_flag(services, preact_repo, path, message):
    code, out, err = run(["scan", preact_repo, "--ref", "main", "--path", path], services)
    assert code == 2 and err.count("\n") == 1 and message in err and "--path" in err, err
    assert _stored(services) == {}


def test_path_on_a_folder_and_on_extract(services, tmp_path):
    for path, content in PREACT.items():
        (tmp_path / "preact" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "preact" / path).write_bytes(content)
    code, out, err = run(["extract", tmp_path / "preact", "--path", "hooks", "--json"], services)
    assert code == 0, err
    described = json.loads(out)
    # extract reads the folder package by package: its package.json leaves its test out.
    assert described["module_slug"] == "hooks"
    assert [f["name"] for f in described["functions"]] == ["useState"]
    assert [(p["name"], p["path"]) for p in described["packages"]] == [("preact-hooks", "")]
    code, _, err = run(["extract", tmp_path / "preact", "--path", "../x"], services)
    assert code == 2 and "--path" in err
    code, _, err = run(["scan", tmp_path / "preact", "--branch", "main", "--path", "hooks"], services)
    assert code == 0, err
    assert sorted(_stored(services)) == [("hooks", "main", "HEAD")]


def test_a_whole_tree_snapshot_is_superseded_by_the_packages(services, tmp_path):
    with RepoBuilder.create(tmp_path / "mono.git") as builder:
        builder.commit({"src/a.js": b"export function a() {}\n"})
    assert run(["scan", tmp_path / "mono.git", "--ref", "main"], services)[0] == 0
    workspace = {
        "package.json": json.dumps({"name": "mono", "private": True, "workspaces": ["packages/*"]}).encode(),
        "packages/a/package.json": json.dumps({"name": "a"}).encode(),
        "packages/a/index.js": b"export function a() {}\n",
        "packages/b/package.json": json.dumps({"name": "b"}).encode(),
        "packages/b/index.js": b"export function b() {}\n",
    }
    with RepoBuilder.open(tmp_path / "mono.git") as builder:
        commit = builder.commit(workspace, message="workspaces")
    code, out, err = run(["scan", tmp_path / "mono.git", "--ref", "main", "--packages"], services)
    assert code == 0, err
    assert "mono: no longer in the tree; its snapshot is marked removed" in out
    stored = _stored(services)
    assert sorted(stored) == [("a", "main", "HEAD"), ("b", "main", "HEAD"), ("mono", "main", "HEAD")]
    assert stored[("mono", "main", "HEAD")].removed_from_tree_commit == commit
    assert stored[("a", "main", "HEAD")].removed_from_tree_at is None
