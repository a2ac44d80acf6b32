"""Finding the packages of a tree and what each holds: discovery, pnpm-workspace.yaml, the overlay of
nested packages, .codetrackerignore and the test conventions, and the reasons recorded."""

from __future__ import annotations

import json

import pytest

from codetracker.adapters.memory_tree import MemoryTree
from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.model import ProblemKind, ScanProblem
from codetracker.domain.packages import (
    MANIFEST_NAME,
    PNPM_WORKSPACE_FILE,
    Workspaces,
    discover_packages,
    parse_manifest,
    pnpm_workspace_patterns,
    workspace_folders,
)
from codetracker.domain.packlist import PackageManifest
from codetracker.usecases.packages import read_packages
from codetracker.errors import InvalidInput

JS = b"export function f() {}\n"


def _pkg(name: str | None, **fields) -> bytes:
    body = {"version": "1.0.0", **fields}
    if name is not None:
        body["name"] = name
    return json.dumps(body).encode()


def _packages(files: dict[str, bytes], ignore: str | None = None, names=(), symlinks=None):
    tree = MemoryTree(files, symlinks)
    return read_packages(tree, tree.entries(), IgnoreRules(ignore), root_name="tree", names=names)


def _published(found) -> dict[str, list[str]]:
    return {f.package.name: list(f.published) for f in found.files}


def test_parse_manifest_fields_and_bad_json():
    manifest = parse_manifest(
        _pkg("x", private=True, files=["a", 3], main="./m.js", bin="./cli.js", workspaces={"packages": ["p/*"]}),
        MANIFEST_NAME,
    )
    assert manifest == PackageManifest(
        name="x",
        version="1.0.0",
        private=True,
        files=("a",),
        main="./m.js",
        browser=None,
        bins=("cli.js",),
        workspaces=("p/*",),
    )
    bad = parse_manifest(b"{nope", "a/package.json")
    assert isinstance(bad, ScanProblem) and bad.path == "a/package.json" and "not valid JSON" in bad.reason
    assert isinstance(parse_manifest(b"[1]", MANIFEST_NAME), ScanProblem)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "packages:\n  - 'packages/*'\n  - \"apps/**\"  # apps\n  - '!**/test/**'\n",
            ("packages/*", "apps/**", "!**/test/**"),
        ),
        ("# c\npackages: ['a/*', \"b\"]\ncatalog:\n  x: 1\n", ("a/*", "b")),
        ("packages:\n  - a/*\ncatalog:\n  - not-this\n", ("a/*",)),
        ("catalog:\n  packages: 1\n", None),
        ("packages:\n  - 'a/#notcomment'\n", ("a/#notcomment",)),
    ],
)
def test_pnpm_workspace_yaml_subset(text, expected):
    assert pnpm_workspace_patterns(text) == expected


def test_workspace_patterns_follow_npms_rules():
    folders = ["packages/a", "packages/b", "packages/b/c", "packages/.hidden", "x/node_modules/y", "tools/t"]
    spec = Workspaces(("./packages/*", "packages/**", "!packages/b/**", "packages/b/c", "!tools/t"), MANIFEST_NAME)
    # `!packages/b/**` does not match `packages/b` itself; `packages/b/c` lifts it; dot folders are not `*`.
    assert workspace_folders(spec, folders) == ["packages/a", "packages/b", "packages/b/c"]


def test_npm_workspaces_packages_and_private_root_is_no_module():
    found = _packages(
        {
            "package.json": _pkg("root", private=True, workspaces=["packages/*"]),
            "packages/a/package.json": _pkg("@scope/a"),
            "packages/a/index.js": JS,
            "packages/b/package.json": _pkg("a"),  # `a` and `@scope/a` have distinct slugs
            "packages/b/index.js": JS,
            "packages/empty/README.md": b"",  # matched, no package.json: not a package
            "test/fixture/package.json": _pkg("fixture"),  # not a workspace
        }
    )
    assert [(p.name, p.path, p.module_slug) for p in found.layout.packages] == [
        ("@scope/a", "packages/a", "scope-a"),
        ("a", "packages/b", "a"),
    ]


def test_public_workspace_root_is_a_module_without_its_workspaces():
    found = _packages(
        {
            "package.json": _pkg("root", workspaces={"packages": ["packages/*"]}),
            "root.js": JS,
            "packages/a/package.json": _pkg("a"),
            "packages/a/index.js": JS,
        }
    )
    published = _published(found)
    assert published["root"] == ["package.json", "root.js"]
    assert published["a"] == ["packages/a/index.js", "packages/a/package.json"]
    decision = next(f for f in found.files if f.package.name == "root").decisions["packages/a/index.js"]
    assert (decision.included, decision.rule) == (False, "nested-package")


def test_pnpm_workspace_file_decides_and_private_packages_are_flagged():
    found = _packages(
        {
            "package.json": _pkg("root", private=True),
            PNPM_WORKSPACE_FILE: b"packages:\n  - 'packages/*'\n",
            "packages/app/package.json": _pkg("app", private=True),
            "packages/app/main.js": JS,
        }
    )
    assert [(p.name, p.private) for p in found.layout.packages] == [("app", True)]


def test_duplicate_names_and_slugs_are_problems_not_crashes():
    found = _packages(
        {
            "package.json": _pkg("root", private=True, workspaces=["p/*"]),
            "p/a/package.json": _pkg("same"),
            "p/b/package.json": _pkg("same"),
            "p/c/package.json": _pkg("Same!"),
            "p/d/package.json": b"not json",
        }
    )
    assert [p.path for p in found.layout.packages] == ["p/a"]
    reasons = {p.path: p.reason for p in found.problems}
    assert "also the name of 'p/a/package.json'" in reasons["p/b/package.json"]
    assert "slug 'same'" in reasons["p/c/package.json"]
    assert "not valid JSON" in reasons["p/d/package.json"]
    assert all(p.kind is ProblemKind.SKIPPED for p in found.problems)


def test_without_workspaces_nested_packages_own_their_files_and_unpublished_fixtures_are_not_packages():
    found = _packages(
        {
            "package.json": _pkg("preact", files=["src", "compat/src", "compat/package.json"]),
            "src/index.js": JS,
            "compat/package.json": _pkg("preact-compat"),
            "compat/src/index.js": JS,
            "compat/test/c.js": JS,
            "test/fixtures/x/package.json": _pkg("fixture"),
            "test/fixtures/x/f.js": JS,
        }
    )
    assert [p.name for p in found.layout.packages] == ["preact", "preact-compat"]
    published = _published(found)
    assert published["preact"] == ["package.json", "src/index.js"]  # compat/* belongs to preact-compat
    # compat has no `files` and no ignore file: the test convention leaves its tests out.
    assert published["preact-compat"] == ["compat/package.json", "compat/src/index.js"]
    line = found.explain("compat/test/c.js", MemoryTree({"compat/test/c.js": b""}).entries())
    assert line == (
        "compat/test/c.js: package 'preact-compat' (compat): excluded (test-convention): test convention 'test/' "
        '(the package has no "files" and no .npmignore/.gitignore)'
    )


@pytest.mark.parametrize(
    "path",
    [
        "test/a.js",
        "tests/a.js",
        "src/__tests__/a.js",
        "src/a.test.js",
        "src/a.spec.mjs",
        "benchmarks/b.js",
        "bench/b.js",
        "scripts/s.js",
        "examples/e.js",
        "playground/p.js",
        "src/fixtures/f.js",
    ],
)
def test_test_conventions_apply_only_when_the_package_says_nothing(path):
    plain = _packages({"package.json": _pkg("p"), path: JS, "index.js": JS})
    assert _published(plain)["p"] == ["index.js", "package.json"]
    decision = plain.files[0].decisions[path]
    assert decision.rule == "test-convention"
    with_ignore_file = _packages({"package.json": _pkg("p"), ".npmignore": b"nothing\n", path: JS})
    assert path in _published(with_ignore_file)["p"]
    with_files = _packages({"package.json": _pkg("p", files=[path]), path: JS})
    assert path in _published(with_files)["p"]


def test_bin_is_never_left_out_by_a_convention():
    found = _packages({"package.json": _pkg("p", bin={"p": "scripts/cli.js"}), "scripts/cli.js": JS})
    assert "scripts/cli.js" in _published(found)["p"]


def test_codetrackerignore_excludes_from_packages_and_hides_manifests():
    found = _packages(
        {
            "package.json": _pkg("p"),
            "gen/out.js": JS,
            "vendor/lib/package.json": _pkg("vendored"),
            "vendor/lib/v.js": JS,
        },
        ignore="gen/\nvendor/\n",
    )
    assert [p.name for p in found.layout.packages] == ["p"]
    assert found.files[0].decisions["gen/out.js"].rule == ".codetrackerignore"


def test_names_select_packages_and_unknown_names_are_refused():
    files = {
        "package.json": _pkg("root", private=True, workspaces=["p/*"]),
        "p/a/package.json": _pkg("a"),
        "p/b/package.json": _pkg("b"),
    }
    assert [f.package.name for f in _packages(files, names=["b"]).selected] == ["b"]
    with pytest.raises(InvalidInput) as refused:
        _packages(files, names=["c"])
    assert refused.value.field == "package" and "packages: a, b" in str(refused.value)


def test_a_tree_without_package_json_has_no_packages():
    assert _packages({"src/a.js": JS}) is None
    with pytest.raises(InvalidInput):
        _packages({"src/a.js": JS}, names=["x"])


def test_root_without_name_takes_the_tree_name():
    layout = discover_packages({MANIFEST_NAME: PackageManifest()}, root_name="demo", workspaces=None)
    assert [(p.name, p.module_slug) for p in layout.packages] == [("demo", "demo")]


def test_lit_layout_test_fixtures_and_playgrounds_are_no_packages():
    from tests.unit.domain.test_packlist_npm_differential import LAYOUTS

    files, _, folders = LAYOUTS["lit-layout"]
    found = _packages(files)
    assert [p.path for p in found.layout.packages] == sorted(folders)
    published = _published(found)
    assert published["lit-html"] == [
        "packages/lit-html/directives/repeat.js",
        "packages/lit-html/lit-html.js",
        "packages/lit-html/package.json",
    ]
    assert "packages/reactive-element/rollup.config.js" not in published["@lit/reactive-element"]
    assert "packages/reactive-element/css-tag.d.ts" in published["@lit/reactive-element"]


def test_a_long_generated_npmignore_is_read_by_lookup():
    """20,000 literal lines (a generated file list) and a few globs: literal rules are looked up, not tried
    one by one (this took minutes as one regex alternation)."""
    lines = "\n".join(f"src/d{i % 50}/f{i}.js" for i in range(0, 20000, 2)) + "\n*.log\n!keep.log\n"
    files = {"package.json": _pkg("p"), ".npmignore": lines.encode(), "keep.log": b"", "drop.log": b""}
    files.update({f"src/d{i % 50}/f{i}.js": JS for i in range(400)})
    published = _published(_packages(files))["p"]
    assert "src/d1/f1.js" in published and "src/d0/f0.js" not in published
    assert "keep.log" in published and "drop.log" not in published
    assert len(published) == 2 + 200  # package.json, keep.log and the odd-numbered files


def test_kept_decisions_follow_every_input_that_decides_them():
    """A rescan in the same process reuses a package's decisions only when nothing deciding them changed:
    each change below, made after a first read, gives the answer a cold read gives."""
    from codetracker.domain.package_files import clear_decisions_memo

    base = {
        "package.json": _pkg("root", private=True, workspaces=["packages/*"]),
        "packages/a/package.json": _pkg("a"),
        "packages/a/src/x.js": JS,
        "packages/a/test/t.js": JS,
        "packages/b/package.json": _pkg("b", files=["lib"]),
        "packages/b/lib/y.js": JS,
        "packages/b/other.js": JS,
    }
    changes = {
        "a file added": ({"packages/a/src/new.js": JS}, None),
        "a file removed": ({"packages/b/lib/y.js": None}, None),
        "an ignore file of the package": ({"packages/a/.npmignore": b"src/x.js\n"}, None),
        "an ignore file above the workspace": ({".npmignore": b"x.js\n"}, None),
        "the manifest's files": ({"packages/b/package.json": _pkg("b", files=["other.js"])}, None),
        "a nested package": ({"packages/a/src/package.json": _pkg("nested")}, None),
        "the .codetrackerignore": ({}, "packages/b/lib/\n"),
    }
    # The key names the entries that are no file apart (most are files): a file that becomes a symlink counts.
    changes["a file become a symlink"] = ({"packages/b/lib/y.js": None}, None)
    symlinks = {"a file become a symlink": {"packages/b/lib/y.js": "../other.js"}}
    for what, (edits, ignore) in changes.items():
        changed = {**base, **{p: c for p, c in edits.items() if c is not None}}
        for path in [p for p, c in edits.items() if c is None]:
            del changed[path]
        clear_decisions_memo()
        before = _published(_packages(base))
        warm = _published(_packages(changed, ignore, symlinks=symlinks.get(what)))
        clear_decisions_memo()
        cold = _published(_packages(changed, ignore, symlinks=symlinks.get(what)))
        assert warm == cold, what
        assert warm != before, f"{what}: the change should change what is published"
    clear_decisions_memo()
    linked = _packages(base, symlinks=symlinks["a file become a symlink"])
    assert next(f for f in linked.files if f.package.name == "b").decisions["packages/b/lib/y.js"].rule == "not-a-file"


def test_file_decisions_read_like_a_mapping_of_every_file():
    """FileDecisions (the compact form kept decisions take) answers as the dict of decisions it was made from."""
    from codetracker.domain.model import FileDecision
    from codetracker.domain.package_files import FileDecisions

    made = [
        FileDecision("b/x.js", True, "files", "'b'"),
        FileDecision("a.js", False, "test-convention", "test/"),
        FileDecision("b/y.js", True, "files", "'b'"),
        FileDecision("c.js", False, ".npmignore", "c.js"),
    ]
    decisions = FileDecisions(made)
    assert dict(decisions) == {d.path: d for d in made}
    assert list(decisions) == ["a.js", "b/x.js", "b/y.js", "c.js"]  # sorted by path
    assert len(decisions) == 4 and "b/y.js" in decisions and "b/z.js" not in decisions
    assert decisions.get("b") is None and decisions.get("zzz") is None
    with pytest.raises(KeyError):
        decisions["b/x"]
    assert FileDecisions([]) == {}


def test_kept_decisions_hold_no_object_per_file_for_the_collector():
    """A warm process keeps each package's decisions (up to 256 packages): as one object per file they were
    walked by every full garbage collection, about 15 ms per scan of a 10k-file tree. What a kept package holds
    for the collector must not grow with its files."""
    import gc

    from codetracker.domain.package_files import clear_decisions_memo

    def tracked_objects_kept(files: int) -> int:
        tree = {"package.json": _pkg("root")}
        tree.update({f"src/d{i // 50}/m{i}.js": JS for i in range(files)})
        tree.update({f"test/t{i}.js": JS for i in range(10)})  # a few left out: excluded_modules holds them
        clear_decisions_memo()
        _packages(tree)  # its answer and tree dropped: what stays is what the memo keeps
        gc.collect()  # untracks the tuples that hold strings only, as any collection does
        kept = len(gc.get_objects())
        clear_decisions_memo()
        gc.collect()
        return kept - len(gc.get_objects())

    small, large = tracked_objects_kept(100), tracked_objects_kept(3000)
    assert large - small < 20, (small, large)
