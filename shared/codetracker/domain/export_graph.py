"""Which functions a package exports through its entry points: the export graph across its files.

Pure, over per-file facts (ModuleLinks) that the parsers report and the blob cache keeps, so a rescan
rebuilds only this (cheap) graph. The rules are the ECMAScript module linking rules:
- `export { a as b } from './x'` and `import a from './x'; export { a as b }` name x's export `a`;
- `export * from './x'` re-exports every name of x but `default`; a name two stars bring from different
  bindings is ambiguous and dropped (an explicit export of the same name wins over every star);
- `export * as ns from './x'` and `import * as ns` exports are namespace objects, never functions; `ns.f`
  (`const f = ns.f`) is x's export f, and so is `m.f` of a CommonJS module's default `m` (module.exports),
  while a property of an ES module's default is undecided;
- cycles terminate (a name met again on its own path resolves to nothing).
Specifiers resolve inside the package only (relative paths, with the extensions and index files bundlers
and TypeScript accept, and the package's own name: `import { h } from 'preact'` inside preact is a
self-reference Node resolves through the package's `exports`); any other bare specifier is another
package, so what it exports is unknown here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from codetracker.domain.call_values import Built, Expr, Factory

DEFAULT = "default"
NAMESPACE = "*"
# A CommonJS module's `exports.default` (Babel's and TypeScript's output): a property of module.exports, not
# Node's `default` (module.exports itself) nor a named export Node gives; reached as `m.default` of a required
# or imported m (`_interopRequireDefault(require("./x")).default`). A name no export statement can write.
PROPERTY_DEFAULT = "module.exports.default"

# Tried after a relative specifier as written: TypeScript sources import './x.js' meaning './x.ts'.
_EXTENSIONS = (".js", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cjs", ".cts")
_TYPESCRIPT_TWINS = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",), ".jsx": (".tsx",)}


@dataclass(frozen=True, slots=True)
class ImportBinding:
    local: str
    imported: str  # the name in the other module, "default", or "*" for a namespace import
    specifier: str
    # `const v1 = uuid.v1` / `const { v1 } = uuid` of an imported `uuid`: the local is that property of the
    # import: of a namespace, its export; of a CommonJS module's `default` (module.exports), its named export.
    member: str | None = None


@dataclass(frozen=True, slots=True)
class ReExport:
    exported: str
    imported: str  # the name in the other module, "default", or "*" for `export * as ns from`
    specifier: str


@dataclass(frozen=True, slots=True)
class ModuleLinks:
    """What one file's exports are, as far as one file can tell."""

    functions: frozenset[str] = frozenset()  # exported names bound to functions defined in this file
    local_exports: Mapping[str, str] = field(default_factory=dict)  # exported name → local name, for locals
    # that are not functions defined here (imported bindings, aliases, values)
    imports: Mapping[str, ImportBinding] = field(default_factory=dict)  # local name → its import
    re_exports: tuple[ReExport, ...] = ()
    star_specifiers: tuple[str, ...] = ()  # `export * from '…'`, in source order
    not_functions: frozenset[str] = frozenset()  # exported names known to be classes, objects, constants
    unknown: Mapping[str, str] = field(default_factory=dict)  # exported name → why its value is undecided
    # Functions built by a call (`var add = _curry2(function add(a, b) {…})`, `convertToFP(fn, 2)`), by
    # exported name. Decided across files by domain/built_functions.py, which moves each into `functions`
    # or `unknown`.
    built: Mapping[str, Built] = field(default_factory=dict)
    # Top-level functions whose every return is a function (maybe under a guard), by local name;
    # `factory_exports`: exported name → local name.
    factories: Mapping[str, Factory] = field(default_factory=dict)
    factory_exports: Mapping[str, str] = field(default_factory=dict)
    # A CommonJS file (parsing/commonjs.py): `default` is module.exports, names are what Node's lexer finds.
    commonjs: bool = False
    # CommonJS whose module.exports is one of these modules (`if (…) module.exports = require("./a") else …`):
    # each name is what it is in every one of them, else undecided.
    alternatives: tuple[str, ...] = ()
    # What each top-level binding is written as (local name → Expr, domain/call_evaluation.py), the local
    # name each export of a binding names, and the bindings whose JSDoc says `@returns {Function}`.
    values: Mapping[str, Expr] = field(default_factory=dict)
    value_exports: Mapping[str, str] = field(default_factory=dict)
    returns_functions: frozenset[str] = frozenset()


class Outcome(StrEnum):
    FUNCTION = "function"
    NOT_FUNCTION = "not_function"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ResolvedExport:
    outcome: Outcome
    file_path: str | None = None  # FUNCTION: the file whose own export is the function record
    name: str | None = None  # FUNCTION: the record's name in that file ("default" for a default export)
    reason: str | None = None  # UNKNOWN: why


@dataclass(frozen=True, slots=True)
class PublicExport:
    subpath: str
    export_name: str
    resolved: ResolvedExport


def resolve_specifier(from_file: str, specifier: str, files: Collection[str]) -> str | None:
    """The package file a relative specifier names, or None (a bare specifier, or nothing in the tree)."""
    if not specifier.startswith(("./", "../")) and specifier not in (".", ".."):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_file), specifier))
    if joined.startswith("../") or joined == "..":
        return None
    stem, extension = posixpath.splitext(joined)
    candidates = [joined]
    candidates += [stem + twin for twin in _TYPESCRIPT_TWINS.get(extension, ())]
    candidates += [joined + ext for ext in _EXTENSIONS]
    candidates += [posixpath.join(joined, "index" + ext) for ext in _EXTENSIONS]
    return next((c for c in candidates if c in files), None)


class ExportGraph:
    """The modules of one package and the links between them."""

    def __init__(
        self,
        modules: Mapping[str, ModuleLinks],
        *,
        package_name: str | None = None,
        subpath_files: Mapping[str, str] | None = None,
    ) -> None:
        """`package_name` and `subpath_files` (entry subpath → file): for self-references."""
        self._modules = modules
        self._files = frozenset(modules)
        self._star_cache: dict[str, set[str]] = {}
        # A package re-exporting hundreds of modules with `export *` (three.js's Three.js) asks for the same
        # specifiers and names again for every name it exports: 235k specifier resolutions, 8 s, unremembered.
        self._target_cache: dict[tuple[str, str], str | None] = {}
        self._explicit_cache: dict[str, frozenset[str]] = {}
        self._names_cache: dict[str, frozenset[str]] = {}  # _star_names | _explicit_names
        self._star_index: dict[str, dict[str, list[str]]] = {}  # module → name → the star targets exporting it
        self._expanding: set[str] = set()  # modules whose alternatives' names are being gathered
        self._package_name = package_name
        self._subpath_files = subpath_files or {}

    def _target(self, from_file: str, specifier: str) -> str | None:
        """The module a specifier names: a relative path, or a self-reference by the package's name."""
        key = (from_file, specifier)
        if key in self._target_cache:
            return self._target_cache[key]
        name = self._package_name
        if name and (specifier == name or specifier.startswith(name + "/")):
            target = self._subpath_files.get("." + specifier[len(name) :])
        else:
            target = resolve_specifier(from_file, specifier, self._files)
        self._target_cache[key] = target
        return target

    def resolve(self, file_path: str, name: str) -> ResolvedExport:
        """What `name`, exported by `file_path`, is."""
        return self._resolve(file_path, name, frozenset())

    def resolve_import(self, file_path: str, specifier: str, imported: str) -> ResolvedExport:
        """What `import { imported } from 'specifier'`, written in file_path, names."""
        return self._follow(file_path, specifier, imported, frozenset())

    def declaration_of(self, file_path: str, specifier: str, imported: str) -> tuple[str, str] | None:
        """(module, exported name) of the module whose own export `import { imported } from 'specifier'`,
        written in file_path, names (re-exports and imported bindings followed), or None."""
        return self._declaration(file_path, specifier, imported, frozenset())

    def _declaration(
        self, file_path: str, specifier: str, imported: str, path: frozenset[tuple[str, str]]
    ) -> tuple[str, str] | None:
        target = self._target(file_path, specifier)
        if imported == NAMESPACE or target is None or (target, imported) in path:
            return None
        path = path | {(target, imported)}
        links = self._modules[target]
        local = links.local_exports.get(imported)
        if local is not None and local in links.imports:
            binding = links.imports[local]
            if binding.member is not None:  # a property of the import: not a declaration followed here
                return None
            return self._declaration(target, binding.specifier, binding.imported, path)
        for re_export in links.re_exports:
            if re_export.exported == imported:
                return self._declaration(target, re_export.specifier, re_export.imported, path)
        if imported in self._explicit_names(target):
            return target, imported
        if imported != DEFAULT and imported in self._star_names(target, frozenset()):
            for star in links.star_specifiers:
                found = self._declaration(target, star, imported, path)
                if found is not None:
                    return found
        return None

    def export_names(self, file_path: str) -> list[str]:
        """Every name the module exports (stars expanded, ambiguous star names dropped), in a stable order."""
        names = self._star_names(file_path, frozenset()) | self._explicit_names(file_path)
        return sorted(names - {PROPERTY_DEFAULT})

    def public_exports(self, entry_files: Iterable[tuple[str, str]]) -> list[PublicExport]:
        """(subpath, entry file) pairs → every export of each entry, resolved."""
        return [
            PublicExport(subpath, name, self.resolve(entry_file, name))
            for subpath, entry_file in entry_files
            for name in self.export_names(entry_file)
        ]

    def _explicit_names(self, file_path: str) -> frozenset[str]:
        cached = self._explicit_cache.get(file_path)
        if cached is not None:
            return cached
        links = self._modules.get(file_path)
        if links is None:
            return frozenset()
        names = self._explicit_names_uncached(file_path, links)
        if not self._expanding:  # else alternatives that require each other may have been cut short
            self._explicit_cache[file_path] = names
        return names

    def _explicit_names_uncached(self, file_path: str, links: ModuleLinks) -> frozenset[str]:
        alternatives: set[str] = set()
        if links.alternatives and file_path not in self._expanding:  # Node's lexer: every alternative's names
            self._expanding.add(file_path)  # alternatives that require each other end here
            try:
                for specifier in links.alternatives:
                    target = self._target(file_path, specifier)
                    if target is not None:
                        names = self._star_names(target, frozenset()) | self._explicit_names(target)
                        alternatives |= names | {DEFAULT}
            finally:
                self._expanding.discard(file_path)
        return frozenset(
            alternatives
            | set(links.functions)
            | set(links.local_exports)
            | {r.exported for r in links.re_exports}
            | set(links.not_functions)
            | set(links.unknown)
            | set(links.built)
        )

    def _star_targets(self, file_path: str, links: ModuleLinks) -> dict[str, list[str]]:
        """For each name, the modules `file_path`'s `export *` reach that export it, in specifier order: a
        barrel of 400 stars is looked through once, not once per name it exports."""
        index = self._star_index.get(file_path)
        if index is None:
            index = {}
            for specifier in links.star_specifiers:
                target = self._target(file_path, specifier)
                if target is not None:
                    for name in self._names(target):
                        index.setdefault(name, []).append(target)
            if not self._expanding:  # as _names: complete only outside an alternatives expansion
                self._star_index[file_path] = index
        return index

    def _names(self, file_path: str) -> frozenset[str]:
        """Every name `file_path` exports, stars expanded (ambiguous star names dropped), default included."""
        names = self._names_cache.get(file_path)
        if names is None:
            names = frozenset(self._star_names(file_path, frozenset()) | self._explicit_names(file_path))
            if not self._expanding:  # as _explicit_names: complete only outside an alternatives expansion
                self._names_cache[file_path] = names
        return names

    def _star_names(self, file_path: str, seen: frozenset[str]) -> set[str]:
        """Names `export *` brings into file_path and that are not ambiguous (two different bindings)."""
        if not seen and file_path in self._star_cache:
            return self._star_cache[file_path]
        names = self._star_names_uncached(file_path, seen)
        if not seen:
            self._star_cache[file_path] = names
        return names

    def _star_names_uncached(self, file_path: str, seen: frozenset[str]) -> set[str]:
        links = self._modules.get(file_path)
        if links is None or file_path in seen:
            return set()
        seen = seen | {file_path}
        explicit = self._explicit_names(file_path)
        origins: dict[str, set[tuple[str, str] | None]] = {}
        for specifier in links.star_specifiers:
            target = self._target(file_path, specifier)
            if target is None:
                continue
            for name in self._star_names(target, seen) | self._explicit_names(target):
                if name in (DEFAULT, PROPERTY_DEFAULT) or name in explicit:
                    continue
                origins.setdefault(name, set()).add(self._binding(target, name, seen))
        return {name for name, bindings in origins.items() if len(bindings) == 1}

    def _binding(self, file_path: str, name: str, seen: frozenset[str]) -> tuple[str, str] | None:
        """The (file, local name) a name finally denotes, to tell one binding reached twice from two."""
        resolved = self._resolve(file_path, name, frozenset())
        if resolved.outcome is Outcome.FUNCTION and resolved.file_path and resolved.name:
            return (resolved.file_path, resolved.name)
        return (file_path, name)

    def _resolve(self, file_path: str, name: str, path: frozenset[tuple[str, str]]) -> ResolvedExport:
        if (file_path, name) in path:
            return ResolvedExport(Outcome.UNKNOWN, reason=f"export cycle through {file_path} '{name}'")
        path = path | {(file_path, name)}
        links = self._modules.get(file_path)
        if links is None:
            return ResolvedExport(Outcome.UNKNOWN, reason=f"{file_path} is not a module of the package")
        if name in links.functions:
            return ResolvedExport(Outcome.FUNCTION, file_path, name)
        if name in links.not_functions:
            return ResolvedExport(Outcome.NOT_FUNCTION)
        if name in links.unknown:
            return ResolvedExport(Outcome.UNKNOWN, reason=links.unknown[name])
        if name in links.built:  # not decided yet (domain/built_functions.py decides)
            return ResolvedExport(Outcome.UNKNOWN, reason=links.built[name].reason)
        local = links.local_exports.get(name)
        if local is not None:
            binding = links.imports.get(local)
            if binding is None:
                return ResolvedExport(Outcome.NOT_FUNCTION)
            if binding.member is not None:
                return self._follow_member(file_path, binding, path)
            return self._follow(file_path, binding.specifier, binding.imported, path)
        for re_export in links.re_exports:
            if re_export.exported == name:
                return self._follow(file_path, re_export.specifier, re_export.imported, path)
        if links.alternatives:
            return self._in_every(file_path, links.alternatives, name, path)
        if name != DEFAULT:
            found = self._from_stars(file_path, links, name, path)
            if found is not None:
                return found
        return ResolvedExport(Outcome.UNKNOWN, reason=f"{file_path} does not export '{name}'")

    def _follow(
        self, file_path: str, specifier: str, imported: str, path: frozenset[tuple[str, str]]
    ) -> ResolvedExport:
        if imported == NAMESPACE:
            return ResolvedExport(Outcome.NOT_FUNCTION)  # a module namespace object
        target = self._target(file_path, specifier)
        if target is None:
            where = "another package" if not specifier.startswith(".") else "a file that is not in the package"
            return ResolvedExport(Outcome.UNKNOWN, reason=f"'{imported}' comes from {where}: '{specifier}'")
        return self._resolve(target, imported, path)

    def _in_every(
        self, file_path: str, specifiers: tuple[str, ...], name: str, path: frozenset[tuple[str, str]]
    ) -> ResolvedExport:
        """`name` of a module whose module.exports is one of `specifiers`' (ModuleLinks.alternatives): what it
        is in all of them, else undecided. A function is the last one's record: the branch taken when no
        condition holds (React's development build, what Node runs without NODE_ENV)."""
        found = [self._follow(file_path, specifier, name, path) for specifier in specifiers]
        outcomes = {f.outcome for f in found}
        if outcomes == {Outcome.FUNCTION} or outcomes == {Outcome.NOT_FUNCTION}:
            return found[-1]
        listed = ", ".join(specifiers)
        return ResolvedExport(Outcome.UNKNOWN, reason=f"'{name}' is not the same in every module of {listed}")

    def _follow_member(
        self, file_path: str, binding: ImportBinding, path: frozenset[tuple[str, str]]
    ) -> ResolvedExport:
        """A property of an import (ImportBinding.member): a namespace's or a CommonJS default's export."""
        member = binding.member or ""
        target = self._target(file_path, binding.specifier)
        if target is None or binding.imported not in (NAMESPACE, DEFAULT):
            return ResolvedExport(Outcome.UNKNOWN, reason=f"a property of '{binding.local}': '{binding.specifier}'")
        links = self._modules.get(target)
        if binding.imported == DEFAULT and (links is None or not links.commonjs):
            reason = f"a property of the default export of {target}"
            return ResolvedExport(Outcome.UNKNOWN, reason=reason)
        if binding.imported == DEFAULT and member == DEFAULT:
            member = PROPERTY_DEFAULT  # module.exports.default, not module.exports
        return self._resolve(target, member, path)

    def _from_stars(
        self, file_path: str, links: ModuleLinks, name: str, path: frozenset[tuple[str, str]]
    ) -> ResolvedExport | None:
        found: dict[tuple[str | None, str | None, str], ResolvedExport] = {}
        for target in self._star_targets(file_path, links).get(name, ()):
            resolved = self._resolve(target, name, path)
            key = (resolved.file_path, resolved.name, resolved.outcome.value)
            if resolved.outcome is not Outcome.FUNCTION:
                key = (target, name, resolved.outcome.value)
            found[key] = resolved
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            return ResolvedExport(Outcome.UNKNOWN, reason=f"'{name}' is exported by several `export *`: ambiguous")
        return None
