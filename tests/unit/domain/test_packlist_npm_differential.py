"""Differential tests against npm itself: what `npm pack --dry-run --json` packs in each package folder of
fixture trees built at test time, and which folders @npmcli/map-workspaces makes workspaces.

The comparison is with npm's own answer (`npm_decisions`, before Codetracker's overlay of nested packages,
test conventions and .codetrackerignore). Every disagreement found is kept in REGRESSIONS below."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from codetracker.adapters.memory_tree import MemoryTree
from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.package_files import npm_decisions, package_sources
from codetracker.domain.packages import (
    MANIFEST_NAME,
    Workspaces,
    manifest_folder,
    parse_manifest,
    workspace_folders,
)

NPM = shutil.which("npm")
NODE = shutil.which("node")
MAP_WORKSPACES = Path("/usr/lib/node_modules/npm/node_modules/@npmcli/map-workspaces")
needs_npm = pytest.mark.skipif(NPM is None or NODE is None, reason="npm (and node) are not installed")

JS = b"export function f() {}\n"


def _pkg(name: str, **fields) -> bytes:
    return json.dumps({"name": name, "version": "1.0.0", **fields}).encode()


# Each layout: files (path → bytes), symlinks (path → target), the package folders to pack.
LAYOUTS = {
    "files-with-dirs-globs-and-negations": (
        {
            "package.json": _pkg(
                "files-pkg",
                files=["lib", "./dist/", "types/*", "!lib/internal", "bin/cli.js", "docs/**/*.md", "missing"],
                main="src/main.js",
                browser="./browser.js",
                bin={"tool": "./tools/tool.js"},
            ),
            "lib/a.js": JS,
            "lib/internal/secret.js": JS,
            "lib/nested/b.mjs": JS,
            "lib/.npmignore": b"*.mjs\n",  # nested ignore files still apply under `files`
            "dist/x.js": JS,
            "types/t.d.ts": b"",
            "types/deep/u.d.ts": b"",
            "bin/cli.js": JS,
            "bin/other.js": JS,
            "docs/guide/a.md": b"",
            "docs/guide/b.txt": b"",
            "src/main.js": JS,
            "src/other.js": JS,
            "browser.js": JS,
            "tools/tool.js": JS,
            "README.md": b"",
            "LICENSE": b"",
            "CHANGELOG.md": b"",
            ".npmignore": b"lib/\n",  # ignored: `files` wins
            ".npmrc": b"x=1\n",
            "package-lock.json": b"{}",
            "test/t.js": JS,
        },
        {"lib/link.js": "a.js"},
        [""],
    ),
    "npmignore-nested-and-negated": (
        {
            "package.json": _pkg("npmignore-pkg", main="index.js"),
            ".npmignore": b"# comment\ntest/\n*.spec.js\n!keep.spec.js\n/coverage\n  docs/*.md  \n",
            ".gitignore": b"index.js\nsrc/\n",  # not read: .npmignore wins
            "index.js": JS,
            "src/a.js": JS,
            "src/a.spec.js": JS,
            "src/keep.spec.js": JS,
            "src/sub/.npmignore": b"*.tmp.js\n",
            "src/sub/x.tmp.js": JS,
            "src/sub/y.js": JS,
            "test/t.js": JS,
            "coverage/c.js": JS,
            "sub/coverage/c.js": JS,
            "docs/a.md": b"",
            "docs/deep/b.md": b"",
            ".DS_Store": b"",
            "x.orig": b"",
            ".a.swp": b"",
            "Yarn.lock": b"",
            "yarn.lock": b"",
        },
        {},
        [""],
    ),
    "gitignore-fallback": (
        {
            "package.json": _pkg("gitignore-pkg"),
            ".gitignore": b"dist\n/build/\n*.log\n",
            "dist/d.js": JS,
            "build/b.js": JS,
            "src/build/keep.js": JS,
            "src/a.js": JS,
            "err.log": b"",
        },
        {},
        [""],
    ),
    "neither-files-nor-ignore": (
        {
            "package.json": _pkg("plain-pkg"),
            "index.js": JS,
            "test/t.js": JS,
            "src/a.test.js": JS,
            "scripts/s.js": JS,
            ".hidden/h.js": JS,
            "node_modules/dep/index.js": JS,
        },
        {},
        [""],
    ),
    "npm-workspaces": (
        {
            "package.json": _pkg("ws-root", private=True, workspaces=["packages/*", "tools/**", "!tools/skip"]),
            ".gitignore": b"node_modules\nlib/\n/dist\n",
            "packages/a/package.json": _pkg("a", files=["src", "lib"]),
            "packages/a/src/a.js": JS,
            "packages/a/lib/l.js": JS,
            "packages/b/package.json": _pkg("b"),
            "packages/b/index.js": JS,
            "packages/b/lib/l.js": JS,
            "packages/b/dist/d.js": JS,
            "packages/b/.npmignore": b"test/\n",
            "packages/b/test/t.js": JS,
            "packages/.gitignore": b"*.tmp\n",
            "packages/a/x.tmp": b"",
            "packages/b/y.tmp": b"",
            "packages/no-manifest/index.js": JS,
            "tools/c/package.json": _pkg("c"),
            "tools/c/c.js": JS,
            "tools/skip/package.json": _pkg("skip"),
            "tools/node_modules/dep/package.json": _pkg("dep"),
        },
        {},
        ["packages/a", "packages/b", "tools/c"],
    ),
    "yarn-workspaces-object-and-reinclusion": (
        {
            "package.json": _pkg(
                "yarn-root", private=True, workspaces={"packages": ["pkgs/**", "!pkgs/b/**", "pkgs/b/c"]}
            ),
            "pkgs/a/package.json": _pkg("ya"),
            "pkgs/a/a.js": JS,
            "pkgs/b/package.json": _pkg("yb"),
            "pkgs/b/b.js": JS,
            "pkgs/b/c/package.json": _pkg("yc"),
            "pkgs/b/c/c.js": JS,
            "pkgs/b/d/package.json": _pkg("yd"),
        },
        {},
        ["pkgs/a", "pkgs/b/c"],
    ),
    "pnpm-workspace": (
        {
            "package.json": _pkg("pnpm-root", private=True),
            "pnpm-workspace.yaml": b"packages:\n  - 'packages/*'\n  - \"!packages/private\"  # comment\n",
            ".gitignore": b"lib/\n",  # npm does not know pnpm workspaces: a package is packed alone
            "packages/kit/package.json": _pkg("@scope/kit", files=["src"]),
            "packages/kit/src/index.js": JS,
            "packages/kit/src/lib/l.js": JS,
            "packages/kit/test/t.js": JS,
            "packages/private/package.json": _pkg("private-one"),
        },
        {},
        ["packages/kit"],
    ),
    "lit-layout": (
        {
            "package.json": _pkg("lit-monorepo", private=True, workspaces=["packages/*", "packages/labs/*"]),
            ".gitignore": b"node_modules/\n/packages/*/development/\n*.tsbuildinfo\n",
            "packages/reactive-element/package.json": _pkg(
                "@lit/reactive-element",
                files=["/css-tag.{d.ts,d.ts.map,js,js.map}", "/decorators/", "/development/", "/reactive-element.*"],
            ),
            "packages/reactive-element/css-tag.js": JS,
            "packages/reactive-element/css-tag.d.ts": b"",
            "packages/reactive-element/decorators/base.js": JS,
            "packages/reactive-element/reactive-element.js": JS,
            "packages/reactive-element/rollup.config.js": JS,
            "packages/reactive-element/src/css-tag.ts": b"",
            "packages/reactive-element/src/test/x_test.ts": b"",
            "packages/lit-html/package.json": _pkg("lit-html", files=["/lit-html.js", "/directives/"]),
            "packages/lit-html/lit-html.js": JS,
            "packages/lit-html/directives/repeat.js": JS,
            "packages/lit-html/test/fixtures/pkg/package.json": _pkg("fixture-pkg"),
            "packages/lit-html/test/fixtures/pkg/index.js": JS,
            "packages/labs/ssr/package.json": _pkg("@lit-labs/ssr", files=["/lib/", "!/lib/.tsbuildinfo"]),
            "packages/labs/ssr/lib/render.js": JS,
            "packages/labs/ssr/lib/.tsbuildinfo": b"",
            "playground/package.json": _pkg("playground", private=True),
            "playground/app.js": JS,
        },
        {},
        ["packages/reactive-element", "packages/lit-html", "packages/labs/ssr"],
    ),
    "preact-layout": (
        {
            "package.json": _pkg(
                "preact",
                main="dist/preact.js",
                files=[
                    "src",
                    "dist",
                    "compat/dist",
                    "compat/src",
                    "compat/package.json",
                    "hooks/src",
                    "hooks/package.json",
                ],
            ),
            "src/index.js": JS,
            "dist/preact.js": JS,
            "compat/package.json": _pkg("preact-compat", files=["src", "dist"], private=True),
            "compat/src/index.js": JS,
            "compat/test/c.test.js": JS,
            "hooks/package.json": _pkg("preact-hooks"),
            "hooks/src/index.js": JS,
            "hooks/test/h.test.js": JS,
            "test/fixtures/x/package.json": _pkg("fixture"),
            "test/fixtures/x/f.js": JS,
            "benches/b.js": JS,
        },
        {},
        ["", "compat", "hooks"],
    ),
}

# Every disagreement with npm found so far, as a vector: (what, files, package folder, npm's file list).
# Checked against our rules always, and against npm when it is installed.
REGRESSIONS = [
    (
        "browser written './x.js' is not force-included (npm prefixes '/' and matches '/./x.js' literally)",
        {"package.json": _pkg("r1", browser="./b.js", files=["index.js"]), "b.js": JS, "index.js": JS},
        "",
        ["index.js", "package.json"],
    ),
    (
        "a workspace is packed with the ignore files of the folders above it, anchored at the workspace",
        {
            "package.json": _pkg("r2", workspaces=["packages/*"]),
            ".gitignore": b"lib/\n/dist\n",
            "packages/a/package.json": _pkg("r2a"),
            "packages/a/lib/l.js": JS,
            "packages/a/dist/d.js": JS,
            "packages/a/i.js": JS,
        },
        "packages/a",
        ["i.js", "package.json"],
    ),
    (
        "a workspace root's tarball holds its workspaces' files (Codetracker gives them to the workspace)",
        {
            "package.json": _pkg("r3", workspaces=["packages/*"]),
            "r.js": JS,
            "packages/a/package.json": _pkg("r3a"),
            "packages/a/i.js": JS,
        },
        "",
        ["package.json", "packages/a/i.js", "packages/a/package.json", "r.js"],
    ),
]


def _build(root: Path, files: dict[str, bytes], symlinks: dict[str, str]) -> None:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    for path, to in symlinks.items():
        os.symlink(to, root / path)


def _npm_pack(folder: Path) -> list[str]:
    env = {**os.environ, "npm_config_cache": str(folder / ".." / ".npm-cache"), "npm_config_offline": "true"}
    run = subprocess.run(
        [NPM, "pack", "--dry-run", "--json", "--ignore-scripts"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    return sorted(f["path"] for f in json.loads(run.stdout)[0]["files"])


def _ours(files: dict[str, bytes], symlinks: dict[str, str], folder: str, workspaces: bool) -> list[str]:
    tree = MemoryTree(files, symlinks)
    entries = tree.entries()
    rules = IgnoreRules(None)
    ignore_texts = {p: files[p].decode() for p in package_sources(entries, rules).ignore_file_paths}
    manifest = parse_manifest(files[f"{folder}/{MANIFEST_NAME}" if folder else MANIFEST_NAME], folder)
    decisions = npm_decisions(folder, manifest, entries, ignore_texts, workspaces)
    prefix = folder + "/" if folder else ""
    return sorted(p[len(prefix) :] for p, d in decisions.items() if d.included)


@needs_npm
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_published_files_match_npm_pack(layout, tmp_path):
    files, symlinks, folders = LAYOUTS[layout]
    root = tmp_path / "tree"
    _build(root, files, symlinks)
    root_manifest = json.loads(files["package.json"])
    npm_workspaces = "workspaces" in root_manifest
    for folder in folders:
        expected = _npm_pack(root / folder if folder else root)
        assert _ours(files, symlinks, folder, npm_workspaces) == expected, (layout, folder)


@pytest.mark.parametrize(("what", "files", "folder", "expected"), REGRESSIONS)
def test_regression_vectors(what, files, folder, expected, tmp_path):
    npm_workspaces = "workspaces" in json.loads(files["package.json"])
    assert _ours(files, {}, folder, npm_workspaces) == expected, what
    if NPM is not None:
        _build(tmp_path, files, {})
        assert _npm_pack(tmp_path / folder if folder else tmp_path) == expected, what


@needs_npm
@pytest.mark.skipif(not MAP_WORKSPACES.is_dir(), reason="npm's @npmcli/map-workspaces is not installed")
@pytest.mark.parametrize("layout", ["npm-workspaces", "yarn-workspaces-object-and-reinclusion", "lit-layout"])
def test_workspace_folders_match_map_workspaces(layout, tmp_path):
    files, symlinks, _ = LAYOUTS[layout]
    root = tmp_path / "tree"
    _build(root, files, symlinks)
    script = (
        f"const map = require({json.dumps(str(MAP_WORKSPACES))});"
        "const pkg = JSON.parse(require('fs').readFileSync('package.json', 'utf8'));"
        "map({cwd: process.cwd(), pkg}).then(m => console.log(JSON.stringify("
        "[...m.values()].map(p => require('path').relative(process.cwd(), p)).sort())));"
    )
    run = subprocess.run([NODE, "-e", script], cwd=root, capture_output=True, text=True, check=True, timeout=60)
    manifest = parse_manifest(files["package.json"], "package.json")
    folders = sorted(
        manifest_folder(p) for p in package_sources(MemoryTree(files).entries(), IgnoreRules(None)).manifest_paths
    )
    ours = workspace_folders(Workspaces(manifest.workspaces, MANIFEST_NAME), folders)
    assert sorted(ours) == json.loads(run.stdout)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_fast_last_match_agrees_with_the_rule_by_rule_walk(layout, monkeypatch):
    """The one-regex-per-folder decision and ignore-walk's rule-by-rule loop give the same decisions."""
    from codetracker.domain import packlist

    files, symlinks, folders = LAYOUTS[layout]
    tree = MemoryTree(files, symlinks)
    ignore_texts = {p: files[p].decode() for p in package_sources(tree.entries(), IgnoreRules(None)).ignore_file_paths}
    for folder in folders:
        manifest = parse_manifest(files[f"{folder}/{MANIFEST_NAME}" if folder else MANIFEST_NAME], folder)
        fast = npm_decisions(folder, manifest, tree.entries(), ignore_texts, True)
        monkeypatch.setattr(packlist, "_LAST_MATCH_REGEX", False)
        reference = npm_decisions(folder, manifest, tree.entries(), ignore_texts, True)
        monkeypatch.setattr(packlist, "_LAST_MATCH_REGEX", True)
        assert fast == reference
