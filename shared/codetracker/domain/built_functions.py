"""Which functions built by calls are functions: decided across the files of one scan.

A file reports `var add = _curry2(function add(a, b) {…})` as a function record conditional on its callees
(ModuleLinks.built): it is a function only when every callee is shown to return a function, that is a
function of the tree whose every return is a function literal, a function declared in its body, or the
value of a call of such a function again (ModuleLinks.factories; ramda's `_curry2`, date-fns' `convertToFP`).
A callee from another package, a global, or a function that may return anything else leaves the export
undecided: its record is dropped and the export is an unknown export with its reason. A false function is
worse than a miss.

Pure, over the per-file facts the blob cache keeps; a rescan decides again (cheap: lookups per callee).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from codetracker.domain.export_graph import DEFAULT, ExportGraph, ModuleLinks, Outcome
from codetracker.domain.model import FileExtraction


def settle_built_functions(extracted: Mapping[str, FileExtraction]) -> dict[str, FileExtraction]:
    """The extractions with each built export decided: kept as a function (in `functions` of its links)
    or dropped from the records and recorded in `unknown` with its reason."""
    modules = {path: x.links for path, x in extracted.items() if x.links is not None}
    if not any(links.built for links in modules.values()):
        return dict(extracted)
    factories = _Factories(modules)
    settled: dict[str, FileExtraction] = {}
    for path, extraction in extracted.items():
        links = extraction.links
        if links is None or not links.built:
            settled[path] = extraction
            continue
        functions, unknown = set(links.functions), dict(links.unknown)
        for name, (callees, reason) in links.built.items():
            if all(factories.returns_function(path, callee, frozenset()) for callee in callees):
                functions.add(name)
            else:
                unknown[name] = reason
        dropped = set(links.built) - functions
        records = tuple(f for f in extraction.functions if _exported_name(f.name, f.export_type) not in dropped)
        links = replace(links, functions=frozenset(functions), unknown=unknown, built={})
        settled[path] = replace(extraction, functions=records, links=links)
    return settled


def _exported_name(name: str, export_type: str) -> str:
    """The name a function record is exported under (domain/functions.function_name, reversed)."""
    return DEFAULT if export_type == DEFAULT else name


class _Factories:
    """Whether a name a module calls is a function whose every return is a function."""

    def __init__(self, modules: Mapping[str, ModuleLinks]) -> None:
        self._modules = modules
        self._graph = ExportGraph(modules)
        self._known: dict[tuple[str, str], bool] = {}

    def returns_function(self, file_path: str, local: str, path: frozenset[tuple[str, str]]) -> bool:
        key = (file_path, local)
        if key in self._known:
            return self._known[key]
        if key in path:  # a cycle (f returns g(…), g returns f(…)): nothing shown on this path
            return False
        answer = self._decide(file_path, local, path | {key})
        if not path:
            self._known[key] = answer
        return answer

    def _decide(self, file_path: str, local: str, path: frozenset[tuple[str, str]]) -> bool:
        links = self._modules.get(file_path)
        if links is None:
            return False
        callees = links.factories.get(local)
        if callees is not None:
            return all(self.returns_function(file_path, callee, path) for callee in callees)
        binding = links.imports.get(local)
        if binding is None or binding.imported == "*":
            return False
        target = self._graph.resolve_import(file_path, binding.specifier, binding.imported)
        if target.outcome is not Outcome.FUNCTION or target.file_path is None or target.name is None:
            return False
        defining = self._modules[target.file_path]
        own = defining.factory_exports.get(target.name)
        return own is not None and self.returns_function(target.file_path, own, path)
