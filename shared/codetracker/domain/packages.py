"""The npm packages of a tree: which folders are packages, and each one's name, version and slug.

- Workspaces (`workspaces` in the root package.json, an array or `{"packages": [...]}`, or `packages:` in
  `pnpm-workspace.yaml`) decide, with npm's rules (@npmcli/map-workspaces): each pattern is a folder glob
  (case-sensitive, `*` does not match dot folders); a pattern with an odd number of leading `!` excludes,
  and a later positive pattern that the excluding one matches drops it (`packages/**`, `!packages/b/**`,
  `packages/b/c`); `node_modules` never matches; a matched folder without package.json is not a package.
  The root is a package too, unless it is `private` (a workspace root holding no source of its own).
- Without workspaces, every package.json is a package, but a nested one that its enclosing package does
  not publish (a test fixture) is not: the caller decides that with `publish_decisions` (see
  `nested_candidates`).
- Two packages with one name, or whose names make one slug, are a problem of the scan: the later one (in
  path order) is left out. A package.json that is not a JSON object is a problem too, and no package.
- A tree without any package.json has no packages (the caller keeps one module for the whole tree).
"""

from __future__ import annotations

import bisect
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from codetracker.domain.model import ProblemKind, ScanProblem
from codetracker.domain.npm_glob import NpmGlob, compile_glob
from codetracker.domain.packlist import PackageManifest
from codetracker.domain.slugs import slugify
from codetracker.errors import InvalidInput

MANIFEST_NAME = "package.json"
PNPM_WORKSPACE_FILE = "pnpm-workspace.yaml"


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    path: str  # folder relative to the scanned root, "" for the root
    module_slug: str
    manifest: PackageManifest

    @property
    def version(self) -> str | None:
        return self.manifest.version

    @property
    def private(self) -> bool:
        return self.manifest.private

    def owns(self, path: str) -> bool:
        """Whether `path` (relative to the scanned root) is inside this package's folder."""
        return not self.path or path.startswith(self.path + "/")

    def relative(self, path: str) -> str:
        return path[len(self.path) + 1 :] if self.path else path


@dataclass(frozen=True, slots=True)
class Workspaces:
    patterns: tuple[str, ...]  # as declared
    source: str  # the file that declares them


def manifest_folder(path: str) -> str:
    return posixpath.dirname(path)


def parse_manifest(data: bytes, path: str) -> PackageManifest | ScanProblem:
    """package.json → the fields that matter here; a ScanProblem when it is not a JSON object."""
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return ScanProblem(path, ProblemKind.SKIPPED, f"package.json is not valid JSON ({error}); not a package")
    if not isinstance(body, dict):
        return ScanProblem(path, ProblemKind.SKIPPED, "package.json is not a JSON object; not a package")
    files = body.get("files")
    return PackageManifest(
        name=_text(body.get("name")),
        version=_text(body.get("version")),
        private=body.get("private") is True,
        files=tuple(f for f in files if isinstance(f, str)) if isinstance(files, list) else None,
        # npm force-includes `main` and `browser` as written (`./x.js` then matches nothing), bins normalised.
        main=_text(body.get("main")),
        browser=_text(body.get("browser")),
        bins=_bins(body.get("bin")),
        workspaces=_workspaces(body.get("workspaces")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _target(value: object) -> str | None:
    """A bin path as npm normalises it (`./cli.js` → `cli.js`); None when it leaves the package."""
    if not isinstance(value, str) or not value:
        return None
    normal = posixpath.normpath(value.replace("\\", "/")).lstrip("/")
    return None if normal.startswith("..") or normal == "." else normal


def _bins(value: object) -> tuple[str, ...]:
    targets = [value] if isinstance(value, str) else list(value.values()) if isinstance(value, dict) else []
    return tuple(t for t in (_target(v) for v in targets) if t)


def _workspaces(value: object) -> tuple[str, ...] | None:
    if isinstance(value, dict):
        value = value.get("packages")
    if not isinstance(value, list):
        return None
    return tuple(p for p in value if isinstance(p, str))


def pnpm_workspace_patterns(text: str) -> tuple[str, ...] | None:
    """The `packages:` list of a pnpm-workspace.yaml: the YAML subset it is written in (a block list of
    scalars, or a flow list `[a, b]`, quoted or not, with comments); None when there is no such key."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = _uncomment(line)
        if not stripped.startswith("packages:") or line[:1].isspace():
            continue
        rest = stripped[len("packages:") :].strip()
        if rest.startswith("["):
            flow = rest
            follow = index + 1
            while "]" not in flow and follow < len(lines):
                flow += " " + _uncomment(lines[follow]).strip()
                follow += 1
            inner = flow[1 : flow.index("]")] if "]" in flow else flow[1:]
            return tuple(s for s in (_scalar(item) for item in inner.split(",")) if s)
        patterns = []
        for item in lines[index + 1 :]:
            body = _uncomment(item).strip()
            if not body:
                continue
            if not item[:1].isspace() and not body.startswith("-"):
                break  # the next top-level key
            if body.startswith("-"):
                value = _scalar(body[1:])
                if value:
                    patterns.append(value)
        return tuple(patterns)
    return None


def _uncomment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def workspace_patterns(root: PackageManifest | None, pnpm_yaml: str | None) -> Workspaces | None:
    if pnpm_yaml is not None:
        patterns = pnpm_workspace_patterns(pnpm_yaml)
        if patterns is not None:
            return Workspaces(patterns, PNPM_WORKSPACE_FILE)
    if root is not None and root.workspaces is not None:
        return Workspaces(root.workspaces, MANIFEST_NAME)
    return None


def workspace_folders(workspaces: Workspaces, folders: Sequence[str]) -> list[str]:
    """The folders (those holding a package.json, root excluded) that npm's rules make workspaces."""
    positive: list[str] = []
    negated: list[str] = []
    for raw in workspaces.patterns:
        bangs = len(raw) - len(raw.lstrip("!"))
        pattern = raw[bangs:]
        while pattern.startswith("./") or pattern.startswith("/"):
            pattern = pattern[1:] if pattern.startswith("/") else pattern[2:]
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        if bangs % 2:
            negated.append(pattern)
        else:
            # A positive pattern that an earlier negated one matches (as text) lifts that exclusion.
            negated = [n for n in negated if not _glob(n).matches(pattern)]
            positive.append(pattern)
    positive_globs = [_glob(p) for p in positive]
    negated_globs = [_glob(n) for n in negated]
    chosen = []
    for folder in folders:
        if not folder or "node_modules" in folder.split("/"):
            continue
        if any(g.matches(folder) for g in negated_globs):
            continue
        if any(g.matches(folder) for g in positive_globs):
            chosen.append(folder)
    return chosen


def _glob(pattern: str) -> NpmGlob:
    return compile_glob(pattern, nocase=False, dot=False, match_base=False)


@dataclass(frozen=True, slots=True)
class Layout:
    packages: tuple[Package, ...]  # sorted by path
    problems: tuple[ScanProblem, ...]
    workspaces: Workspaces | None


def discover_packages(
    manifests: Mapping[str, PackageManifest],
    *,
    root_name: str,
    workspaces: Workspaces | None,
    problems: Sequence[ScanProblem] = (),
) -> Layout:
    """Packages from the parsed package.json files (by path, already filtered: no node_modules, no ignored
    path, and without workspaces no unpublished nested ones). `root_name` names a root without a name."""
    folders = sorted(manifest_folder(p) for p in manifests)
    root = manifests.get(MANIFEST_NAME)
    if workspaces is not None:
        chosen = set(workspace_folders(workspaces, folders))
        if root is not None and not root.private:
            chosen.add("")
    else:
        chosen = set(folders)
    found: list[Package] = []
    seen_names: dict[str, str] = {}
    seen_slugs: dict[str, str] = {}
    out_problems = list(problems)
    for folder in sorted(chosen):
        manifest_path = posixpath.join(folder, MANIFEST_NAME) if folder else MANIFEST_NAME
        manifest = manifests[manifest_path]
        name = manifest.name or (posixpath.basename(folder) if folder else root_name)
        try:
            slug = slugify(name)
        except InvalidInput:
            out_problems.append(_problem(manifest_path, f"package name '{name}' has no letter or digit for a slug"))
            continue
        if name in seen_names:
            out_problems.append(
                _problem(manifest_path, f"package name '{name}' is also the name of '{seen_names[name]}'")
            )
            continue
        if slug in seen_slugs:
            out_problems.append(
                _problem(manifest_path, f"package '{name}' has the slug '{slug}' of '{seen_slugs[slug]}'")
            )
            continue
        seen_names[name] = seen_slugs[slug] = manifest_path
        found.append(Package(name, folder, slug, manifest))
    return Layout(tuple(found), tuple(out_problems), workspaces)


def _problem(path: str, why: str) -> ScanProblem:
    return ScanProblem(path, ProblemKind.SKIPPED, f"{why}; this package is left out")


def folder_span(sorted_paths: Sequence[str], folder: str) -> tuple[int, int]:
    """The slice of `sorted_paths` below `folder` ("" for the root: all of them), by bisection."""
    if not folder:
        return 0, len(sorted_paths)
    start = bisect.bisect_left(sorted_paths, folder + "/")
    return start, bisect.bisect_left(sorted_paths, folder + "0", lo=start)  # "0" sorts right after "/"


_Held = TypeVar("_Held")  # what a folder maps to: a Package, or whatever the caller keeps of one


def innermost_package(by_folder: Mapping[str, _Held], path: str) -> _Held | None:
    """The package whose folder holds `path` most closely (nested packages own their own files)."""
    folder = path
    while folder:
        folder = posixpath.dirname(folder)
        found = by_folder.get(folder)
        if found is not None:
            return found
    return None
