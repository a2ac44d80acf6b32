"""What one npm package publishes: npm-packlist's rules over a package folder, each decision with its rule.

npm-packlist (npm 11: npm-packlist 10, ignore-walk 8, minimatch 10) walks the package folder directory by
directory. In each directory the rule sets apply in this order, the last matching rule deciding:

1. npm's defaults (`.npmignore`, `.gitignore`, `**/.git`, `**/.npmrc`, `.DS_Store`, `*.orig`, …);
2. at the package root, `files` from package.json: `*` (everything out), then each entry back in (an
   existing directory with its contents; an existing file strictly, see 4; anything else as a glob);
   with `files`, the root's `.npmignore`/`.gitignore` are not read;
3. the directory's `.npmignore`, else its `.gitignore`;
4. strict rules: at the root, the `files` entries that name existing files, `package.json`,
   `README*`/`LICENSE*`/`LICENCE*`/`COPYING*`, `main`, `browser` and every `bin` are always in; `.git`,
   `node_modules`, `.npmrc` and lockfiles always out.

A directory that its parent excludes is entered only when a negated rule could match below it (a partial
match) and everything below it stays excluded unless the directory itself was re-included exactly. Globs
are npm's (`npm_glob.py`: case-insensitive, dot files matched, one-segment patterns by base name).
Symlinks (and submodules) are never packed, nor names containing `*`.

On top of npm, `publish_decisions` records why each file is in or out, so `--explain` can say it.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from codetracker.domain.model import FileDecision as Decision
from codetracker.domain.npm_glob import NpmGlob, compile_glob

NPM_DEFAULT_IGNORES: tuple[str, ...] = (
    ".npmignore",
    ".gitignore",
    "**/.git",
    "**/.svn",
    "**/.hg",
    "**/CVS",
    "**/.git/**",
    "**/.svn/**",
    "**/.hg/**",
    "**/CVS/**",
    "/.lock-wscript",
    "/.wafpickle-*",
    "/build/config.gypi",
    "npm-debug.log",
    "**/.npmrc",
    ".*.swp",
    ".DS_Store",
    "**/.DS_Store/**",
    "._*",
    "**/._*/**",
    "*.orig",
    "/archived-packages/**",
)
_ALWAYS_INCLUDED = (
    "!/package.json",
    "!/readme{,.*[^~$]}",
    "!/copying{,.*[^~$]}",
    "!/license{,.*[^~$]}",
    "!/licence{,.*[^~$]}",
)
_ALWAYS_EXCLUDED = (
    "/.git",
    "/node_modules",
    ".npmrc",
    "/package-lock.json",
    "/yarn.lock",
    "/pnpm-lock.yaml",
    "/bun.lockb",
)
IGNORE_FILE_NAMES = (".npmignore", ".gitignore")
# Decide by one alternation regex per folder (fast); False: rule by rule, as ignore-walk does (a test compares).
_LAST_MATCH_REGEX = True

# Rule kinds: what decided a file's fate (stable words, shown by --explain and in the descriptor).
RULE_PUBLISHED = "published"  # no rule excludes it
RULE_FILES = "files"  # package.json `files`
RULE_NPMIGNORE = ".npmignore"
RULE_GITIGNORE = ".gitignore"
RULE_NPM_DEFAULT = "npm-default"
RULE_ALWAYS_INCLUDED = "always-included"
RULE_ALWAYS_EXCLUDED = "always-excluded"
RULE_NOT_A_FILE = "not-a-file"


@dataclass(frozen=True, slots=True)
class PackageManifest:
    """The package.json fields that decide what a package is and what it publishes."""

    name: str | None = None
    version: str | None = None
    private: bool = False
    files: tuple[str, ...] | None = None
    main: str | None = None
    browser: str | None = None
    bins: tuple[str, ...] = ()
    workspaces: tuple[str, ...] | None = None  # npm/yarn `workspaces` patterns, when declared


@dataclass(frozen=True, slots=True)
class _Rule:
    glob: NpmGlob
    kind: str
    detail: str


class _RuleSet:
    """One ignore "file" (npm's defaults, `files`, an .npmignore, the strict rules), its rules in order."""

    __slots__ = ("rules",)

    def __init__(self, rules: list[_Rule]) -> None:
        self.rules = rules


class _LastMatch:
    """The last rule of a folder's rule sets that matches a path whole, in a few lookups: literal rules
    (`dir/file.js`, `README`: most lines of a long ignore file) by dict, the others by one alternation
    regex, last rule first, so the first alternative that matches (the one Python's regex engine reports)
    is the last matching glob. The highest index wins (ignore-walk's outcome: the last match decides,
    else the parent's answer stands)."""

    __slots__ = ("_by_path", "_by_base", "_path_literals", "_base_literals")

    def __init__(self, sources: tuple[tuple[int, bool, str, str | None], ...]) -> None:
        self._by_path = _alternation([(i, src) for i, base, src, literal in sources if not base and literal is None])
        self._by_base = _alternation([(i, src) for i, base, src, literal in sources if base and literal is None])
        self._path_literals: dict[str, int] = {}
        self._base_literals: dict[str, int] = {}
        for index, base, _, literal in sources:
            if literal is not None:
                table = self._base_literals if base else self._path_literals
                table[literal] = max(index, table.get(literal, -1))

    def last(self, entry: str) -> int:
        """Index of the last rule matching `entry` or `/entry` (a base-name rule: its last segment); -1."""
        best = -1
        filename = entry.rstrip("/").rpartition("/")[2]
        if self._path_literals or self._base_literals:
            for text in ("/" + entry, entry):
                key = text.lower()
                best = max(best, self._path_literals.get(key, -1))
                if key.endswith("/"):  # a literal matches with one trailing slash too
                    best = max(best, self._path_literals.get(key[:-1], -1))
            best = max(best, self._base_literals.get(filename.lower(), -1))
        for regex, texts in ((self._by_path, ("/" + entry, entry)), (self._by_base, (filename,))):
            if regex is None:
                continue
            fullmatch, rule_of_group = regex
            for text in texts:
                found = fullmatch(text)
                if found is not None and found.lastindex is not None:
                    best = max(best, rule_of_group[found.lastindex])
        return best


# A regex's fullmatch over the rules' alternatives, and the rule of each capturing group.
_Alternation = tuple[Callable[[str], re.Match[str] | None], dict[int, int]]


def _alternation(items: list[tuple[int, str]]) -> _Alternation | None:
    if not items:
        return None
    ordered = sorted(items, key=lambda item: -item[0])  # last rule first; stable within one rule
    source = "|".join(f"({src})" for _, src in ordered)  # the sources hold no capturing group of their own
    rule_of_group = {group: index for group, (index, _) in enumerate(ordered, start=1)}
    return re.compile(source, re.DOTALL | re.IGNORECASE).fullmatch, rule_of_group


def _literal(segments: tuple[object, ...]) -> str | None:
    """The text a glob of literal segments matches (lower case: npm's ignore rules ignore case), else None."""
    if all(isinstance(segment, str) for segment in segments):
        return "/".join(segments).lower()  # type: ignore[arg-type]
    return None


@functools.lru_cache(maxsize=256)
def _last_match(sources: tuple[tuple[int, bool, str, str | None], ...]) -> _LastMatch:
    return _LastMatch(sources)  # folders with the same rules (most of them) share one compiled matcher


@dataclass(slots=True)
class _Walker:
    path: str  # relative to the package root, "" for the root
    name: str
    parent: _Walker | None
    exact: bool
    rule_sets: list[_RuleSet] = field(default_factory=list)
    required: list[str] = field(default_factory=list)  # `files` entries naming files, relative to this folder
    _flat: list[_Rule] | None = None
    _matcher: _LastMatch | None = None

    def rules(self) -> tuple[list[_Rule], _LastMatch]:
        """This folder's rules in order, and their last-match matcher (built on first use)."""
        if self._flat is None or self._matcher is None:
            self._flat = [rule for rule_set in self.rule_sets for rule in rule_set.rules]
            sources = tuple(
                (index, base, source, _literal(segments))
                for index, rule in enumerate(self._flat)
                for (base, source), segments in zip(rule.glob.whole, rule.glob.alternatives, strict=True)
            )
            self._matcher = _last_match(sources)
        return self._flat, self._matcher


@dataclass(slots=True)
class _Folder:
    files: dict[str, bool] = field(default_factory=dict)  # name → is a regular file (False: symlink, submodule)
    folders: dict[str, _Folder] = field(default_factory=dict)


def _rule(text: str, kind: str, detail: str) -> _Rule:
    return _Rule(compile_glob(text, nocase=True, dot=True, match_base=True), kind, detail)


def _ignore_file_rules(text: str, kind: str, where: str) -> list[_Rule]:
    rules = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rules.append(_rule(line, kind, f"{where} line {number}: '{line}'"))
    return rules


def _tree(paths: Iterable[tuple[str, bool]]) -> _Folder:
    root = _Folder()
    for path, regular in paths:
        *dirs, name = path.split("/")
        folder = root
        for part in dirs:
            folder = folder.folders.setdefault(part, _Folder())
        folder.files[name] = regular
    return root


def publish_decisions(
    manifest: PackageManifest,
    files: Iterable[tuple[str, bool]],
    ignore_files: Mapping[str, str],
    *,
    inherited_ignore_files: Sequence[tuple[str, str]] = (),
) -> dict[str, Decision]:
    """npm-packlist's answer for each file of a package folder.

    `files`: (path relative to the package folder, is a regular file); `ignore_files`: the text of every
    `.npmignore`/`.gitignore` of the folder by relative path; `inherited_ignore_files`: for a workspace,
    (where, text) of the ignore file npm reads in each folder from the workspace root down to the
    workspace's parent (`.npmignore`, else `.gitignore`): npm applies them as if they were the package's."""
    files = list(files)
    tree = _tree(files)
    root = _Walker("", "", None, exact=True)
    defaults = [_rule(p, RULE_NPM_DEFAULT, f"npm always excludes '{p}'") for p in NPM_DEFAULT_IGNORES]
    for where, text in inherited_ignore_files:
        kind = RULE_NPMIGNORE if where.endswith(".npmignore") else RULE_GITIGNORE
        defaults += _ignore_file_rules(text, kind, where)
    strict_files: list[_Rule] = []
    files_rules: list[_Rule] | None = None
    if manifest.files is not None:
        files_rules = [_rule("*", RULE_FILES, 'not listed in package.json "files"')]
        for entry in manifest.files:
            files_rules, strict_files = _add_files_entry(entry, tree, root, files_rules, strict_files)
    strict = strict_files + [_rule("/.git", RULE_ALWAYS_EXCLUDED, "npm always excludes '/.git'")]
    strict += [_rule(p, RULE_ALWAYS_INCLUDED, f"npm always includes '{p[1:]}'") for p in _ALWAYS_INCLUDED]
    strict += [_rule(p, RULE_ALWAYS_EXCLUDED, f"npm always excludes '{p}'") for p in _ALWAYS_EXCLUDED]
    for label, target in (("browser", manifest.browser), ("main", manifest.main)):
        if target:
            strict.append(_rule(f"!/{target}", RULE_ALWAYS_INCLUDED, f"package.json \"{label}\": '{target}'"))
    strict += [_rule(f"!/{b}", RULE_ALWAYS_INCLUDED, f"package.json \"bin\": '{b}'") for b in manifest.bins]

    root.rule_sets = [_RuleSet(defaults)]
    if files_rules is not None:
        root.rule_sets.append(_RuleSet(files_rules))
    else:
        root.rule_sets.extend(_folder_ignore_rules("", tree, ignore_files))
    root.rule_sets.append(_RuleSet(strict))

    decisions: dict[str, Decision] = {}
    _walk(root, tree, decisions, _RuleSet(defaults[: len(NPM_DEFAULT_IGNORES)]), ignore_files)
    return decisions


def _add_files_entry(
    entry: str, tree: _Folder, root: _Walker, files_rules: list[_Rule], strict_files: list[_Rule]
) -> tuple[list[_Rule], list[_Rule]]:
    if entry.startswith("./"):
        entry = entry[1:]
    if entry.endswith("/*"):
        entry += "*"
    inverse = "!" + entry
    detail = f"package.json \"files\": '{entry}'"
    target = posixpath.normpath(entry.lstrip("!")).strip("/")
    kind = _kind_of(tree, target, trailing_slash=entry.endswith("/"))
    if kind == "file":
        strict_files.insert(0, _rule(inverse, RULE_FILES, detail))
        root.required.append(entry[1:] if entry.startswith("/") else entry)
    elif kind == "dir":
        files_rules += [_rule(inverse, RULE_FILES, detail), _rule(inverse + "/**", RULE_FILES, detail)]
    elif kind is None:
        files_rules.append(_rule(inverse, RULE_FILES, detail))
    # kind "other" (a symlink): npm drops the entry
    return files_rules, strict_files


def _kind_of(tree: _Folder, path: str, *, trailing_slash: bool) -> str | None:
    """What lstat would say of `path`: "file", "dir", "other", or None when nothing is there (a glob)."""
    if path in ("", "."):
        return "dir"
    folder = tree
    *dirs, name = path.split("/")
    for part in dirs:
        if part not in folder.folders:
            return None
        folder = folder.folders[part]
    if name in folder.folders:
        return "dir"
    if name in folder.files and not trailing_slash:
        return "file" if folder.files[name] else "other"
    return None


def _folder_ignore_rules(path: str, folder: _Folder, ignore_files: Mapping[str, str]) -> list[_RuleSet]:
    """The folder's `.npmignore`, else its `.gitignore` (npm reads one of them)."""
    for name, kind in ((".npmignore", RULE_NPMIGNORE), (".gitignore", RULE_GITIGNORE)):
        if folder.files.get(name):
            where = f"{path}/{name}" if path else name
            return [_RuleSet(_ignore_file_rules(ignore_files.get(where, ""), kind, where))]
    return []


def _filter(walker: _Walker, entry: str, partial: bool, basename: str | None = None) -> tuple[bool, _Rule | None]:
    """ignore-walk's filterEntry: is `entry` (relative to the walker's folder) kept, and by which rule."""
    included, decider = True, None
    if walker.parent is not None:
        included, decider = _filter(walker.parent, f"{walker.name}/{entry}", partial, basename or entry)
        if not included and not walker.exact:
            return False, decider
    if _LAST_MATCH_REGEX and "//" not in entry:
        index = _last_rule(walker, entry, partial, basename)
        if index < 0:
            return included, decider
        rule = walker.rules()[0][index]
        return rule.glob.negate, rule
    for rule_set in walker.rule_sets:  # the reference loop (a path with `//` is split as minimatch splits it)
        for rule in rule_set.rules:
            # ignore-walk skips a rule that cannot change the answer; the last match decides all the same,
            # and that last rule is the reason given (`always-excluded` for a lockfile, not `files`).
            if _rule_matches(rule.glob, entry, partial, basename):
                included, decider = rule.glob.negate, rule
    return included, decider


def _last_rule(walker: _Walker, entry: str, partial: bool, basename: str | None) -> int:
    """Index of the last rule of the folder that `_rule_matches`, or -1: the whole-match forms by the
    matcher, then (partial) the other forms of the rules after the best so far, last first."""
    flat, matcher = walker.rules()
    best = matcher.last(entry)
    if not partial:
        return best
    best = max(best, matcher.last(entry + "/"))
    for index in range(len(flat) - 1, best, -1):
        glob = flat[index].glob
        if glob.negate and (glob.matches("/" + entry, partial=True) or glob.matches(entry, partial=True)):
            return index
        if basename is not None and glob.is_one_segment:
            if glob.matches("/" + basename + "/") or glob.matches(basename + "/"):
                return index
            if glob.negate and (glob.matches("/" + basename, partial=True) or glob.matches(basename, partial=True)):
                return index
    return best


def _rule_matches(glob: NpmGlob, entry: str, partial: bool, basename: str | None) -> bool:
    if glob.matches("/" + entry) or glob.matches(entry):
        return True
    if not partial:
        return False
    if glob.matches("/" + entry + "/") or glob.matches(entry + "/"):
        return True
    if glob.negate and (glob.matches("/" + entry, partial=True) or glob.matches(entry, partial=True)):
        return True
    if basename is None or not glob.is_one_segment:
        return False
    if glob.matches("/" + basename + "/") or glob.matches(basename + "/"):
        return True
    return glob.negate and (glob.matches("/" + basename, partial=True) or glob.matches(basename, partial=True))


def _decision(path: str, included: bool, rule: _Rule | None) -> Decision:
    if rule is None:
        return Decision(path, included, RULE_PUBLISHED, "no rule excludes it")
    return Decision(path, included, rule.kind, rule.detail)


def _walk(
    walker: _Walker,
    folder: _Folder,
    decisions: dict[str, Decision],
    defaults: _RuleSet,
    ignore_files: Mapping[str, str],
) -> None:
    prefix = walker.path + "/" if walker.path else ""
    for name, regular in folder.files.items():
        path = prefix + name
        if not regular or "*" in name:
            why = "symlinks and submodules are not packed" if not regular else "npm skips names with '*'"
            decisions[path] = Decision(path, False, RULE_NOT_A_FILE, why)
            continue
        included, rule = _filter(walker, name, False)
        decisions[path] = _decision(path, included, rule)
    for name, sub in folder.folders.items():
        path = prefix + name
        as_dir, dir_rule = _filter(walker, name, True)
        if not as_dir:
            _exclude_all(path, sub, _decision(path, False, dir_rule), decisions)
            continue
        exact = _filter(walker, name, False)[0] or _filter(walker, name + "/", False)[0]
        child = _Walker(path, name, walker, exact)
        child.required = [f[len(name) + 1 :] for f in walker.required if posixpath.dirname(f) == name]
        child.rule_sets = [defaults, *_folder_ignore_rules(path, sub, ignore_files)]
        strict = [_rule("/.git", RULE_ALWAYS_EXCLUDED, "npm always excludes '/.git'")]
        strict += [_rule("!" + f, RULE_FILES, f"package.json \"files\": '{f}'") for f in child.required]
        child.rule_sets.append(_RuleSet(strict))
        _walk(child, sub, decisions, defaults, ignore_files)


def _exclude_all(path: str, folder: _Folder, because: Decision, decisions: dict[str, Decision], top: str = "") -> None:
    """Everything below a folder that npm does not enter."""
    top = top or path
    for name in folder.files:
        decisions[f"{path}/{name}"] = Decision(
            f"{path}/{name}", False, because.rule, f"in folder '{top}': {because.detail}"
        )
    for name, sub in folder.folders.items():
        _exclude_all(f"{path}/{name}", sub, because, decisions, top)
