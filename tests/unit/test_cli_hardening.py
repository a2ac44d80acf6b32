"""What a new user hit on real repositories, each a one-line answer now (issue: hardening). The database is the
in-memory unit of work (the contract suite holds it to Postgres's behaviour); git repositories are real."""

from __future__ import annotations

import io
import json

import pytest

from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.cli import main
from codetracker.settings import Settings
from codetracker.wiring import Services
from tests.support.git_repos import RepoBuilder, build_checkout


@pytest.fixture
def services():
    return Services(Settings.from_env({}), unit_of_work=MemoryUnitOfWorkFactory())


def run(argv, services, env=None):
    if env is not None:
        services = Services(Settings.from_env(env), unit_of_work=services.unit_of_work)
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], services=services, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def one_line_error(code, err):
    return code == 2 and err.startswith("codetracker: error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.mjs").write_text("export function a(x) {}\n")
    return tmp_path / "pkg"


@pytest.mark.parametrize("tag", ["v1\nv2", "\x1b[31mred", "a..b", "x" * 100_000, "v1 with space", "~v", ""])
def test_branch_and_tag_names_follow_gits_rules_everywhere(services, folder, tag):
    for argv in (
        ["scan", folder, "--branch", "main", "--tag", tag],
        ["scan", folder, "--branch", tag],
        ["show", "pkg", "--tag", tag],
        ["show", "pkg", "--branch", tag],
    ):
        code, out, err = run(argv, services)
        assert one_line_error(code, err), (argv, err)
        assert "\x1b" not in err and len(err) < 400  # never echoed raw, never echoed whole
    assert run(["show", "pkg"], services)[0] == 2  # nothing was stored


def test_an_empty_slug_is_refused_by_every_command(services, folder):
    for argv in (["extract", folder, "--slug", ""], ["scan", folder, "--branch", "m", "--slug", ""], ["show", " "]):
        code, _, err = run(argv, services)
        assert one_line_error(code, err) and "slug" in err, argv


def test_names_that_slugify_to_nothing_are_refused_not_shared(services, folder):
    code, _, err = run(["scan", folder, "--branch", "main", "--slug", "@@@///"], services)
    assert one_line_error(code, err) and "--slug" in err
    assert run(["scan", folder, "--branch", "main", "--slug", "日本"], services)[0] == 0
    assert run(["scan", folder, "--branch", "main", "--slug", "中文"], services)[0] == 0
    assert run(["show", "日本"], services)[0] == run(["show", "中文"], services)[0] == 0


def test_a_tag_on_several_branches_is_ambiguous(services, folder):
    for branch in ("main", "dev"):
        assert run(["scan", folder, "--branch", branch], services)[0] == 0
    code, out, err = run(["show", "pkg", "--tag", "HEAD", "--json"], services)
    assert one_line_error(code, err) and "dev, main" in err and "--branch" in err and out == ""


def test_recorded_commits_are_full_and_lower_case(services, folder):
    code, _, err = run(["scan", folder, "--branch", "main", "--commit", "B41C6168"], services)
    assert one_line_error(code, err) and "--commit" in err and "full sha" in err
    full = "B41C6168" + "a" * 32
    code, out, err = run(["scan", folder, "--branch", "main", "--commit", full, "--json"], services)
    assert code == 0, err
    assert full.lower() in out and full not in out


def test_a_repeated_flag_and_an_unknown_flag_are_named(services, folder):
    code, _, err = run(["scan", folder, "--ref", "a", "--ref", "b"], services)
    assert one_line_error(code, err) and "--ref is given more than once" in err
    code, _, err = run(["scan", "--frobnicate"], services)
    assert one_line_error(code, err) and "--frobnicate" in err
    code, _, err = run(["scan"], services)
    assert one_line_error(code, err) and "PATH|URL" in err


def test_a_git_directory_given_as_a_folder_says_to_use_ref(services, tmp_path):
    with RepoBuilder.create(tmp_path / "lib0.git") as builder:
        builder.commit({"a.mjs": b"export function a() {}\n"})
    code, _, err = run(["scan", tmp_path / "lib0.git", "--branch", "main"], services)
    assert one_line_error(code, err) and "--ref" in err
    code, out, err = run(["scan", tmp_path / "lib0.git", "--ref", "main"], services)
    assert code == 0, err
    assert "read in place from the local repository" in out and "fetched 0 bytes" not in out
    assert run(["show", "lib0"], services)[0] == 0  # stored under the repository's name, as show looks it up


def test_limit_errors_name_the_setting_to_change(services, tmp_path):
    with RepoBuilder.create(tmp_path / "big.git") as builder:
        builder.commit({f"f{n}.mjs": b"export function f() {}\n" for n in range(5)})
    code, _, err = run(["scan", tmp_path / "big.git", "--ref", "main"], services, env={"CODE_TRACKER_MAX_FILES": "3"})
    assert one_line_error(code, err) and "CODE_TRACKER_MAX_FILES" in err


def test_typescript_and_jsx_are_read_and_unread_files_are_always_said(services, tmp_path):
    ts = tmp_path / "ky"
    (ts / "source").mkdir(parents=True)
    for n in range(3):
        (ts / "source" / f"m{n}.ts").write_text("export function f(): void {}\nexport type T = 1;\n")
    (ts / "source" / "view.jsx").write_text("export default () => <p/>;\n")
    code, out, err = run(["scan", ts, "--branch", "main"], services)
    assert code == 0, err
    assert "4 module files: 4 extracted" in out
    assert "; 3 type exports; no JavaScript-family file left unread" in out
    (ts / "source" / "old.cjs").write_text("module.exports = function old() {}\n")  # read: CommonJS
    # CommonJS whose exports are not found (assigned inside a function): said unread
    (ts / "source" / "legacy.js").write_text("function load() { module.exports = function f() {}; }\nload();\n")
    (ts / "source" / "app.vue").write_text("<template></template>\n")
    code, out, err = run(["scan", ts, "--branch", "main"], services)
    assert code == 0, err
    assert "1 .vue (Vue component) and 1 CommonJS module files not read" in out


def test_an_empty_result_says_why(services, tmp_path):
    js = tmp_path / "empty"
    js.mkdir()
    (js / "index.js").write_text("function load() { module.exports = function f() {}; }\nload();\n")
    code, out, err = run(["scan", js, "--branch", "main"], services)
    assert code == 0, err
    assert "no exported functions found in 1 module files" in out
    assert "1 CommonJS module file not read" in out


def test_show_finds_a_repository_by_the_name_it_was_given_as(services, tmp_path):
    with RepoBuilder.create(tmp_path / "lib0.git") as builder:
        builder.commit({"a.mjs": b"export function a() {}\n"})
    assert run(["scan", tmp_path / "lib0.git", "--ref", "main"], services)[0] == 0
    code, out, err = run(["show", "lib0.git"], services)
    assert code == 0, err
    assert out.splitlines()[1].split()[0] == "lib0"


# --- issue 16: sources, checkouts, listings ------------------------------------------------------------------


def test_a_scan_of_another_folder_never_replaces_a_snapshot_silently(services, tmp_path):
    for name, function in (("leaflet", "map"), ("d3-array", "bisect")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.mjs").write_text(f"export function {function}() {{}}\n")
    assert run(["scan", tmp_path / "leaflet", "--branch", "main"], services)[0] == 0
    code, _, err = run(["scan", tmp_path / "d3-array", "--branch", "main", "--slug", "leaflet"], services)
    assert one_line_error(code, err)
    assert str(tmp_path / "leaflet") in err and str(tmp_path / "d3-array") in err and "--replace" in err
    shown = run(["show", "leaflet", "--tag", "HEAD"], services)[1]
    assert "map" in shown and "bisect" not in shown and f"source: {tmp_path / 'leaflet'}" in shown

    code, _, err = run(["scan", tmp_path / "d3-array", "--branch", "main", "--slug", "leaflet", "--replace"], services)
    assert code == 0, err
    shown = run(["show", "leaflet", "--tag", "HEAD"], services)[1]
    assert "bisect" in shown and f"source: {tmp_path / 'd3-array'}" in shown


def test_a_checkout_defaults_branch_and_commit_and_its_sub_folder_is_another_source(services, tmp_path):
    root = tmp_path / "svelte"
    sha = build_checkout(
        root,
        {"index.mjs": b"export function compile() {}\n", "packages/svelte/index.mjs": b"export function mount() {}\n"},
        branch="trunk",
    )
    code, out, err = run(["scan", root, "--json"], services)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["branch_name"], summary["release_tag"], summary["commit_sha"]) == ("trunk", "HEAD", sha)
    assert summary["source"] == {"location": f"file://{root}", "subpath": ""}

    code, _, err = run(["scan", root / "packages" / "svelte"], services)  # slug "svelte" too
    assert one_line_error(code, err) and f"{root} (folder packages/svelte)" in err
    # the checkout read as a repository at a ref is the same source: it replaces
    code, out, err = run(["scan", root, "--ref", "trunk", "--json"], services)
    assert code == 0, err
    assert json.loads(out)["source"] == {"location": f"file://{root}", "subpath": ""}
    # a given branch or commit still wins
    other = "f" * 40
    code, out, err = run(["scan", root, "--branch", "dev", "--commit", other, "--json"], services)
    assert code == 0, err
    assert (json.loads(out)["branch_name"], json.loads(out)["commit_sha"]) == ("dev", other)


def test_a_detached_checkout_asks_for_a_branch(services, tmp_path):
    root = tmp_path / "lib"
    sha = build_checkout(root, {"a.mjs": b"export function a() {}\n"})
    (root / ".git" / "HEAD").write_text(sha + "\n")
    code, _, err = run(["scan", root], services)
    assert one_line_error(code, err) and "--branch" in err and "detached HEAD" in err
    code, out, err = run(["scan", root, "--branch", "main", "--json"], services)
    assert code == 0 and json.loads(out)["commit_sha"] == sha


def test_show_without_a_slug_lists_every_stored_module(services, folder, tmp_path):
    code, out, _ = run(["show"], services)
    assert code == 0 and out == "no snapshots stored (codetracker scan PATH|URL stores one)\n"
    assert run(["show", "--json"], services)[1] == "[]\n"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "b.mjs").write_text("export function b() {}\n")
    for path, branch in ((folder, "main"), (folder, "dev"), (tmp_path / "other", "main")):
        assert run(["scan", path, "--branch", branch], services)[0] == 0
    code, out, err = run(["show"], services)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[-2:] == ["last_scanned_at", "source"]
    assert [r.split()[0] + " " + r.split()[2] for r in rows] == ["other main", "pkg dev", "pkg main"]
    assert rows[0].endswith(str(tmp_path / "other"))
    listed = json.loads(run(["show", "--branch", "main", "--json"], services)[1])
    assert [s["module_slug"] for s in listed] == ["other", "pkg"]
