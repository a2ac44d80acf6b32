"""A package's entry points as Node resolves an `import` of it: `exports`, else `module`/`main`.

Pure: it reads the parsed `package.json` and the package's file list (paths relative to the package
folder), never the disk. The rules follow Node's ESM resolution algorithm (PACKAGE_EXPORTS_RESOLVE,
PACKAGE_IMPORTS_EXPORTS_RESOLVE, PACKAGE_TARGET_RESOLVE, PATTERN_KEY_COMPARE):

- `exports` sugar (a string, an array, or an object of conditions) is the `.` subpath; an object whose keys
  all start with `.` is a subpath map; a mix of both is an invalid configuration (no entry points, a problem).
- Conditions are tried in the package's key order; those an `import` matches are IMPORT_CONDITIONS
  (`default` always). A `null` target excludes the subpath. An array tries its targets in order.
- An exact subpath key wins over patterns; among `*` patterns the longest prefix wins. Pattern subpaths are
  expanded against the package's files: every file a pattern's target can name is an entry point, unless a
  more specific key resolves that subpath elsewhere or to `null`.
- Without `exports`: `module` (the ESM build bundlers read; Node reads `main` only, but `module` is the
  source of the same API as an ES module), else `main` with Node's legacy extensions and index files, else
  `index.js`.

Every condition that an `import` does not take (`require`, `browser`, `types`…) is kept beside the entry
point, so a later reader can use the `types` target. A target missing from the tree (`./dist/index.js` built
from `src/`) is recorded with file_path None and a problem; then the `source` field or a `src/` twin is used
when exactly one candidate exists, and the entry point says so.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# What Node matches for `import` (Node 22.12+ adds module-sync; `default` matches everywhere).
IMPORT_CONDITIONS = frozenset({"node", "import", "module-sync", "default"})

# Build folders whose sources conventionally live in src/ (the fallback for targets not in the tree).
BUILD_FOLDERS = frozenset({"dist", "lib", "build", "esm", "es", "es6", "cjs", "umd", "out", "module", "modules"})
SOURCE_EXTENSIONS = (".js", ".mjs", ".jsx", ".ts", ".mts", ".tsx")
# Node's legacy `main` resolution (legacyMainResolve): the file, then these suffixes, then index files.
_MAIN_SUFFIXES = ("", ".js", ".json", ".node", "/index.js", "/index.json", "/index.node")


class InvalidPackageTarget(ValueError):
    """A target Node refuses (not `./…`, a `..` or `node_modules` segment): the resolution tries the next."""


@dataclass(frozen=True, slots=True)
class ConditionalTarget:
    """One leaf of an `exports` value: the conditions on the way to it and the target as written."""

    conditions: tuple[str, ...]
    target: str | None


@dataclass(frozen=True, slots=True)
class EntryPoint:
    subpath: str  # "." or "./feature"
    source: str  # "exports" | "module" | "main" | "index"
    conditions: tuple[str, ...]  # the condition keys an import took to the target, outer first
    target: str | None  # the target an import resolves to, as written ("./dist/index.js")
    file_path: str | None  # the file in the package (relative to its folder), None when not in the tree
    other_conditions: tuple[ConditionalTarget, ...] = ()  # require, browser, types… (not taken by import)
    fallback: str | None = None  # why file_path is a source twin of a target that is not in the tree


@dataclass(frozen=True, slots=True)
class EntryPointProblem:
    subpath: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class EntryPoints:
    entry_points: tuple[EntryPoint, ...]
    problems: tuple[EntryPointProblem, ...] = ()


def resolve_entry_points(
    manifest: Mapping[str, Any],
    package_files: Collection[str],
    conditions: frozenset[str] = IMPORT_CONDITIONS,
) -> EntryPoints:
    """The entry points of one package. `package_files` are paths relative to the package folder."""
    files = package_files if isinstance(package_files, (set, frozenset)) else frozenset(package_files)
    problems: list[EntryPointProblem] = []
    exports = manifest.get("exports")
    if exports is not None:
        entries = _entries_from_exports(exports, files, conditions, problems)
    else:
        entries = _entries_from_main(manifest, files)
    resolved = [_locate(entry, manifest, files, problems) for entry in entries]
    return EntryPoints(tuple(resolved), tuple(problems))


def resolve_subpath(exports: Any, subpath: str, conditions: frozenset[str] = IMPORT_CONDITIONS) -> str | None:
    """The target Node resolves `import 'pkg' + subpath[1:]` to, or None when the subpath is not exported."""
    subpath_map = _subpath_map(exports)
    if subpath_map is None:
        return None
    match = _match_subpath(subpath_map, subpath)
    if match is None:
        return None
    key, pattern_match = match
    try:
        found = _resolve_target(subpath_map[key], pattern_match, conditions, ())
    except InvalidPackageTarget:
        return None
    return found[1] if found else None


# --- exports --------------------------------------------------------------------------------------------


def _subpath_map(exports: Any) -> dict[str, Any] | None:
    """`exports` as a subpath map (sugar becomes the `.` entry), or None for an invalid mix of both."""
    if not isinstance(exports, dict):
        return {".": exports}
    dotted = [key.startswith(".") for key in exports]
    if dotted and all(dotted):
        return exports
    if any(dotted):
        return None
    return {".": exports}


def _entries_from_exports(
    exports: Any, files: Collection[str], conditions: frozenset[str], problems: list[EntryPointProblem]
) -> list[EntryPoint]:
    subpath_map = _subpath_map(exports)
    if subpath_map is None:
        problems.append(
            EntryPointProblem(None, "package.json 'exports' mixes subpaths ('./…') and conditions: Node refuses it")
        )
        return []
    entries: list[EntryPoint] = []
    for key, value in subpath_map.items():
        try:
            if "*" not in key:
                if key.endswith("/"):
                    problems.append(EntryPointProblem(key, "folder mappings ('./x/') are not supported by Node"))
                    continue
                entry = _exact_entry(key, value, conditions)
                if entry is not None:
                    entries.append(entry)
            elif key.count("*") == 1:  # Node treats only keys with exactly one `*` as patterns
                entries.extend(_pattern_entries(subpath_map, key, value, files, conditions))
        except InvalidPackageTarget as error:
            problems.append(EntryPointProblem(key, f"invalid target {error.args[0]!r}: Node refuses it"))
    return entries


def _exact_entry(subpath: str, value: Any, conditions: frozenset[str]) -> EntryPoint | None:
    found = _resolve_target(value, None, conditions, ())
    if found is None or found[1] is None:
        return None  # nothing an import matches, or excluded (null)
    chain, target = found
    others = tuple(leaf for leaf in _leaves(value, ()) if leaf.conditions != chain)
    return EntryPoint(subpath, "exports", chain, target, None, others)


def _pattern_entries(
    subpath_map: Mapping[str, Any], key: str, value: Any, files: Collection[str], conditions: frozenset[str]
) -> Iterator[EntryPoint]:
    found = _resolve_target(value, "*", conditions, ())
    if found is None:
        return
    chain, target_pattern = found
    if target_pattern is None:
        return
    base, _, trailer = target_pattern.partition("*")
    base = _package_relative(base)
    key_base, _, key_trailer = key.partition("*")
    others = tuple(leaf for leaf in _leaves(value, ()) if leaf.conditions != chain)
    for path in sorted(files):
        if not path.startswith(base) or not path.endswith(trailer) or len(path) < len(base) + len(trailer):
            continue
        pattern_match = path[len(base) : len(path) - len(trailer)]
        if not pattern_match or _has_invalid_segment(pattern_match):
            continue
        subpath = key_base + pattern_match + key_trailer
        # Another key may own this subpath (an exact key, a longer prefix, a null exclusion).
        match = _match_subpath(subpath_map, subpath)
        if match is None or match[0] != key:
            continue
        if resolve_subpath(subpath_map, subpath, conditions) != "./" + path:
            continue
        yield EntryPoint(
            subpath,
            "exports",
            chain,
            target_pattern.replace("*", pattern_match),
            None,
            tuple(ConditionalTarget(o.conditions, _expand(o.target, pattern_match)) for o in others),
        )


def _match_subpath(subpath_map: Mapping[str, Any], subpath: str) -> tuple[str, str | None] | None:
    """PACKAGE_IMPORTS_EXPORTS_RESOLVE's choice of key: (the key, the `*` match), or None."""
    if subpath in subpath_map and "*" not in subpath:
        return subpath, None
    patterns = sorted((k for k in subpath_map if k.count("*") == 1), key=_pattern_sort_key)
    for key in patterns:
        base, _, trailer = key.partition("*")
        if not subpath.startswith(base) or subpath == base:
            continue
        if not trailer or (subpath.endswith(trailer) and len(subpath) >= len(key)):
            return key, subpath[len(base) : len(subpath) - len(trailer)]
    return None


def _pattern_sort_key(key: str) -> tuple[int, int]:
    # PATTERN_KEY_COMPARE: the longer prefix before `*` first, then the longer key.
    return (-(key.index("*") + 1), -len(key))


def _resolve_target(
    value: Any, pattern_match: str | None, conditions: frozenset[str], chain: tuple[str, ...]
) -> tuple[tuple[str, ...], str | None] | None:
    """PACKAGE_TARGET_RESOLVE: (conditions taken, target) — target None for a null target (excluded) —, or
    None when nothing matched (undefined). Raises InvalidPackageTarget for a target Node refuses."""
    if isinstance(value, str):
        if not value.startswith("./") or _has_invalid_segment(value[2:]):
            raise InvalidPackageTarget(value)
        if pattern_match is not None and pattern_match != "*" and _has_invalid_segment(pattern_match):
            raise InvalidPackageTarget(pattern_match)
        return chain, value if pattern_match in (None, "*") else value.replace("*", pattern_match)
    if isinstance(value, dict):
        for condition, nested in value.items():
            if condition == "default" or condition in conditions:
                found = _resolve_target(nested, pattern_match, conditions, (*chain, condition))
                if found is not None:
                    return found
        return None
    if isinstance(value, list):
        if not value:
            return chain, None
        last_error: InvalidPackageTarget | None = None
        for nested in value:
            try:
                found = _resolve_target(nested, pattern_match, conditions, chain)
            except InvalidPackageTarget as error:
                last_error = error
                continue
            if found is not None:
                return found
        if last_error is not None:
            raise last_error
        return None
    if value is None:
        return chain, None
    raise InvalidPackageTarget(repr(value))


def _leaves(value: Any, chain: tuple[str, ...]) -> Iterator[ConditionalTarget]:
    """Every (conditions, target) leaf of an exports value, in key order (arrays: their first string)."""
    if isinstance(value, str):
        yield ConditionalTarget(chain, value)
    elif isinstance(value, dict):
        for condition, nested in value.items():
            yield from _leaves(nested, (*chain, condition))
    elif isinstance(value, list):
        first = next((item for item in value if isinstance(item, (str, dict))), None)
        if first is not None:
            yield from _leaves(first, chain)
    elif value is None:
        yield ConditionalTarget(chain, None)


def _expand(target: str | None, pattern_match: str) -> str | None:
    return None if target is None else target.replace("*", pattern_match)


def _has_invalid_segment(path: str) -> bool:
    segments = path.replace("\\", "/").split("/")
    return any(s.lower() in ("", ".", "..", "node_modules") or "%2e" in s.lower() for s in segments)


def _package_relative(target: str) -> str:
    return target[2:] if target.startswith("./") else target


# --- module / main ----------------------------------------------------------------------------------------


def _entries_from_main(manifest: Mapping[str, Any], files: Collection[str]) -> list[EntryPoint]:
    for field in ("module", "main"):
        value = manifest.get(field)
        if isinstance(value, str) and value.strip():
            target = value if value.startswith("./") else "./" + value.lstrip("/")
            return [EntryPoint(".", field, (), target, None)]
    return [EntryPoint(".", "index", (), "./index.js", None)]


# --- locating targets in the tree -------------------------------------------------------------------------


def _locate(
    entry: EntryPoint, manifest: Mapping[str, Any], files: Collection[str], problems: list[EntryPointProblem]
) -> EntryPoint:
    assert entry.target is not None
    relative = posixpath.normpath(_package_relative(entry.target))
    suffixes = _MAIN_SUFFIXES if entry.source in ("main", "module") else ("",)
    for suffix in suffixes:
        candidate = posixpath.normpath(relative + suffix) if suffix else relative
        if candidate in files:
            return _with_file(entry, candidate)
    if entry.source in ("main", "module") and "index.js" in files:
        return _with_file(entry, "index.js", fallback=None)
    twin, why = _source_twin(entry, relative, manifest, files)
    problems.append(
        EntryPointProblem(
            entry.subpath,
            f"entry point {entry.target} ({entry.source} {entry.subpath!r}) is not in the tree"
            + (f"; read {twin} instead ({why})" if twin else ""),
        )
    )
    return _with_file(entry, twin, fallback=why) if twin else entry


def _with_file(entry: EntryPoint, path: str, fallback: str | None = None) -> EntryPoint:
    return EntryPoint(
        entry.subpath, entry.source, entry.conditions, entry.target, path, entry.other_conditions, fallback
    )


def _source_twin(
    entry: EntryPoint, relative: str, manifest: Mapping[str, Any], files: Collection[str]
) -> tuple[str | None, str | None]:
    """The one source file a built target most likely comes from, or (None, None) when not unambiguous."""
    source = manifest.get("source")
    if entry.subpath == "." and isinstance(source, str):
        candidate = posixpath.normpath(_package_relative(source if source.startswith("./") else "./" + source))
        if candidate in files:
            return candidate, "package.json 'source'"
    folder, _, rest = relative.partition("/")
    if not rest or folder not in BUILD_FOLDERS:
        return None, None
    stem = rest
    for extension in (".d.ts", ".min.js", ".mjs", ".cjs", ".js", ".jsx", ".ts", ".tsx", ".mts"):
        if stem.endswith(extension):
            stem = stem[: -len(extension)]
            break
    candidates = sorted(
        {f"src/{stem}{ext}" for ext in SOURCE_EXTENSIONS} | {f"src/{stem}/index{ext}" for ext in SOURCE_EXTENSIONS}
    )
    present = [c for c in candidates if c in files]
    if len(present) == 1:
        return present[0], f"the src/ twin of {folder}/"
    return None, None
