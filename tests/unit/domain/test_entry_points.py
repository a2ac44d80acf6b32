"""Entry points as Node resolves an `import`: unit cases of each rule, then the same fixtures checked against
Node itself (`import.meta.resolve` of every subpath we list and of every file we do not)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codetracker.domain.entry_points import (
    IMPORT_CONDITIONS,
    ConditionalTarget,
    resolve_entry_points,
    resolve_subpath,
)

# name → (package.json, files). Each is a rule of Node's resolution; each is also checked against Node.
FIXTURES: dict[str, tuple[dict, list[str]]] = {
    "string-sugar": ({"exports": "./index.js"}, ["index.js", "other.js"]),
    "condition-sugar": (
        {"exports": {"import": "./esm/index.js", "require": "./cjs/index.cjs"}},
        ["esm/index.js", "cjs/index.cjs"],
    ),
    "nested-conditions": (
        {
            "exports": {
                ".": {"node": {"import": "./a.mjs", "require": "./a.cjs"}, "default": "./b.js"},
                "./feature": "./lib/feature.js",
                "./package.json": "./package.json",
            }
        },
        ["a.mjs", "a.cjs", "b.js", "lib/feature.js", "package.json"],
    ),
    "patterns": (
        {
            "exports": {
                "./*": "./src/*.js",
                "./internal/*": None,
                "./utils/*.js": "./src/utils/*.js",
                "./features/*": {"import": "./features/*/index.js", "types": "./types/*.d.ts"},
                "./exact": "./src/other/exact.js",
            }
        },
        [
            "src/a.js",
            "src/b.js",
            "src/internal/secret.js",
            "src/utils/x.js",
            "features/one/index.js",
            "features/two/index.js",
            "src/other/exact.js",
            "README.md",
        ],
    ),
    "key-order-browser-first": (
        {"exports": {".": {"browser": "./browser.js", "import": "./esm.js", "default": "./cjs.js"}}},
        ["browser.js", "esm.js", "cjs.js"],
    ),
    "types-first": ({"exports": {".": {"types": "./index.d.ts", "default": "./index.js"}}}, ["index.js", "index.d.ts"]),
    "array-fallback": ({"exports": {".": ["lib/invalid.js", "./index.js"]}}, ["index.js", "lib/invalid.js"]),
    "null-excludes": ({"exports": {".": "./index.js", "./private": None}}, ["index.js", "private.js"]),
    "main-without-extension": ({"main": "lib/main"}, ["lib/main.js"]),
    "main-folder": ({"main": "./lib"}, ["lib/index.js"]),
    "no-main": ({}, ["index.js"]),
}


def _entries(name: str):
    manifest, files = FIXTURES[name]
    return resolve_entry_points(manifest, files)


def _by_subpath(name: str) -> dict[str, str | None]:
    return {e.subpath: e.file_path for e in _entries(name).entry_points}


def test_sugar_is_the_dot_subpath():
    assert _by_subpath("string-sugar") == {".": "index.js"}
    (entry,) = _entries("condition-sugar").entry_points
    assert (entry.file_path, entry.conditions) == ("esm/index.js", ("import",))
    assert entry.other_conditions == (ConditionalTarget(("require",), "./cjs/index.cjs"),)


def test_conditions_are_tried_in_the_package_key_order():
    entry = next(e for e in _entries("nested-conditions").entry_points if e.subpath == ".")
    assert (entry.conditions, entry.file_path) == (("node", "import"), "a.mjs")
    assert [o.conditions for o in entry.other_conditions] == [("node", "require"), ("default",)]
    # browser is not an import condition, so its earlier key does not win; types is recorded beside.
    assert _by_subpath("key-order-browser-first") == {".": "esm.js"}
    (typed,) = _entries("types-first").entry_points
    assert typed.file_path == "index.js"
    assert typed.other_conditions == (ConditionalTarget(("types",), "./index.d.ts"),)


def test_patterns_expand_against_the_files_and_exact_keys_and_nulls_win():
    assert _by_subpath("patterns") == {
        "./a": "src/a.js",
        "./b": "src/b.js",
        "./utils/x.js": "src/utils/x.js",
        "./utils/x": "src/utils/x.js",  # `./*` names it too (an empty trailer matches any subpath)
        "./features/one": "features/one/index.js",
        "./features/two": "features/two/index.js",
        "./exact": "src/other/exact.js",
        # "./other/exact" is also a file the `./*` pattern can name, and Node resolves it: it is listed.
        "./other/exact": "src/other/exact.js",
    }
    features = next(e for e in _entries("patterns").entry_points if e.subpath == "./features/one")
    assert features.other_conditions == (ConditionalTarget(("types",), "./types/one.d.ts"),)


def test_the_longest_pattern_prefix_wins():
    exports = {"./*": "./a/*.js", "./x/*": "./b/*.js", "./x/y/*": None}
    assert resolve_subpath(exports, "./x/z") == "./b/z.js"
    assert resolve_subpath(exports, "./q") == "./a/q.js"
    assert resolve_subpath(exports, "./x/y/z") is None


def test_an_array_skips_invalid_targets_and_null_excludes():
    assert _by_subpath("array-fallback") == {".": "index.js"}
    assert _by_subpath("null-excludes") == {".": "index.js"}


def test_main_follows_node_legacy_resolution_and_module_comes_first():
    assert _by_subpath("main-without-extension") == {".": "lib/main.js"}
    assert _by_subpath("main-folder") == {".": "lib/index.js"}
    assert _by_subpath("no-main") == {".": "index.js"}
    both = resolve_entry_points({"module": "es/index.js", "main": "lib/index.js"}, ["es/index.js", "lib/index.js"])
    assert [(e.source, e.file_path) for e in both.entry_points] == [("module", "es/index.js")]


def test_a_target_missing_from_the_tree_is_a_problem_and_a_unique_src_twin_is_read():
    result = resolve_entry_points({"exports": {".": "./dist/index.js"}}, ["src/index.ts", "package.json"])
    (entry,) = result.entry_points
    assert (entry.target, entry.file_path, entry.fallback) == (
        "./dist/index.js",
        "src/index.ts",
        "the src/ twin of dist/",
    )
    assert "./dist/index.js" in result.problems[0].reason
    ambiguous = resolve_entry_points({"main": "dist/index.js"}, ["src/index.ts", "src/index.js"])
    assert ambiguous.entry_points[0].file_path is None
    assert ambiguous.problems[0].reason.endswith("is not in the tree")
    declared = resolve_entry_points({"main": "dist/x.js", "source": "lib/entry.mjs"}, ["lib/entry.mjs"])
    assert declared.entry_points[0].file_path == "lib/entry.mjs"


def test_invalid_configurations_are_problems_not_crashes():
    mixed = resolve_entry_points({"exports": {".": "./a.js", "import": "./b.js"}}, ["a.js", "b.js"])
    assert mixed.entry_points == () and "mixes" in mixed.problems[0].reason
    escaping = resolve_entry_points({"exports": {".": "./../outside.js", "./ok": "./ok.js"}}, ["ok.js"])
    assert [e.subpath for e in escaping.entry_points] == ["./ok"]
    assert "invalid target" in escaping.problems[0].reason
    folder = resolve_entry_points({"exports": {"./lib/": "./lib/"}}, ["lib/a.js"])
    assert folder.entry_points == () and "folder mappings" in folder.problems[0].reason


# --- differential: the same fixtures, asked of Node ---------------------------------------------------------

_PROBE = """
const specs = JSON.parse(process.argv[2]);
const out = {};
for (const spec of specs) {
  try { out[spec] = new URL(import.meta.resolve(spec)).pathname; }
  catch (e) { out[spec] = e.code || String(e); }
}
console.log(JSON.stringify(out));
"""


def _node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    return int(version.strip().lstrip("v").split(".")[0])


@pytest.fixture(scope="module")
def node_conditions() -> frozenset[str]:
    major = _node_major()
    if major is None:
        pytest.skip("node is not installed: the entry points are not checked against Node's own resolution")
    if major < 20:
        pytest.skip(f"node {major} lacks a synchronous import.meta.resolve")
    # module-sync is an import condition from Node 22.12 on; none of the fixtures uses it.
    return IMPORT_CONDITIONS if major >= 23 else IMPORT_CONDITIONS - {"module-sync"}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_entry_points_match_node(name: str, tmp_path: Path, node_conditions: frozenset[str]):
    manifest, files = FIXTURES[name]
    package = tmp_path / "node_modules" / "fixture-pkg"
    for path in files:
        (package / path).parent.mkdir(parents=True, exist_ok=True)
        (package / path).write_text("export default 1;\n")
    (package / "package.json").write_text(json.dumps({"name": "fixture-pkg", "type": "module", **manifest}))
    probe = tmp_path / "probe.mjs"
    probe.write_text(_PROBE)

    ours = {e.subpath: e.file_path for e in resolve_entry_points(manifest, files, node_conditions).entry_points}
    # Every file asked for by its own subpath (with and without extension) finds what Node does not export.
    candidates = set(ours) | {"./" + f for f in files} | {"./" + f.rsplit(".", 1)[0] for f in files}
    specs = sorted("fixture-pkg" + ("" if c == "." else c[1:]) for c in candidates)
    answer = subprocess.run(
        ["node", str(probe), json.dumps(specs)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True
    )
    node = json.loads(answer.stdout)

    def node_file(subpath: str) -> str | None:
        resolved = node["fixture-pkg" + ("" if subpath == "." else subpath[1:])]
        if not resolved.startswith("/") or not Path(resolved).is_file():
            # ERR_PACKAGE_PATH_NOT_EXPORTED and friends; import.meta.resolve does not check that a file exists.
            return None
        return str(Path(resolved).resolve().relative_to(package.resolve()))

    theirs = {c: node_file(c) for c in candidates}
    exported_by_node = {c: f for c, f in theirs.items() if f is not None}
    if "exports" not in manifest:
        # Without `exports` Node resolves any deep path; only the main entry is compared.
        assert ours == {".": exported_by_node["."]}
        return
    assert ours == exported_by_node
