"""Which functions built by calls are functions: decided across the files of one scan.

A file reports `var add = _curry2(function add(a, b) {…})` or `const add = convertToFP(fn, 2)` as a
function record conditional on its callee (ModuleLinks.built): it is a function only when the callee is
shown to return a function, that is a function of the tree whose every return is a function literal, a
function declared in its body, or the value of a call of such a function again (ModuleLinks.factories;
ramda's `_curry2`), or whose one return is a function under a guard the call's arguments decide (date-fns'
`convertToFP`: domain/call_values.py). A call with no function literal takes the parameters of the one
function literal its callee returns. A callee from another package, a global, or a function that may return
anything else leaves the export undecided: its record is dropped and the export is an unknown export with
its reason. A false function is worse than a miss.

Pure, over the per-file facts the blob cache keeps; a rescan decides again (cheap: lookups per callee).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from codetracker.domain.call_evaluation import CallEvaluator
from codetracker.domain.call_values import Built, Factory, guard_holds
from codetracker.domain.export_graph import DEFAULT, ExportGraph, ModuleLinks, Outcome
from codetracker.domain.functions import with_parameters
from codetracker.domain.model import ExportedFunction, FileExtraction, ParamSyntax


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
        functions, unknown, others = set(links.functions), dict(links.unknown), set(links.not_functions)
        params: dict[str, tuple[ParamSyntax, ...]] = {}  # of the functions built with no literal
        documented = _documented_functions(extraction)
        for name, built in links.built.items():
            decided = factories.decide(path, built)
            if decided is False and name not in documented:
                if built.reason:
                    unknown[name] = built.reason
                else:  # a value never taken for a function (`o.f`): recorded as before
                    others.add(name)
                continue
            functions.add(name)
            if not isinstance(decided, bool):
                params[name] = decided
        records = tuple(_settled_record(f, functions, links.built, params) for f in extraction.functions)
        links = replace(
            links, functions=frozenset(functions), unknown=unknown, not_functions=frozenset(others), built={}
        )
        settled[path] = replace(extraction, functions=tuple(f for f in records if f is not None), links=links)
    return settled


# JSDoc's own word that the documented value is a function (its `@function` tag and synonyms).
_DOCUMENTED_FUNCTION = re.compile(r"@(?:func|function|method)\b")


def _documented_functions(extraction: FileExtraction) -> set[str]:
    """Exported names whose own JSDoc declares a function (`@func`: ramda documents `var inc = add(1)` so, a
    partial application of its curried `add` that the calls do not show): kept as functions where the calls
    decide nothing, with the documented parameters (a call's record takes them: params_from_doc)."""
    return {
        DEFAULT if f.export_type == DEFAULT else f.name
        for f in extraction.functions
        if f.jsdoc_raw is not None and _DOCUMENTED_FUNCTION.search(f.jsdoc_raw)
    }


def _settled_record(
    function: ExportedFunction,
    functions: set[str],
    built: Mapping[str, Built],
    params: Mapping[str, tuple[ParamSyntax, ...]],
) -> ExportedFunction | None:
    exported = DEFAULT if function.export_type == DEFAULT else function.name  # functions.function_name, reversed
    if exported not in built:
        return function
    if exported not in functions:
        return None
    return with_parameters(function, params[exported]) if exported in params else function


class _Factories:
    """Whether a name a module calls is a function whose every return is a function."""

    def __init__(self, modules: Mapping[str, ModuleLinks]) -> None:
        self._modules = modules
        self._graph = ExportGraph(modules)
        self._known: dict[tuple[str, str], bool] = {}
        self._evaluator = CallEvaluator(modules, self._graph)

    def decide(self, file_path: str, built: Built) -> bool | tuple[ParamSyntax, ...]:
        """False: not shown to be a function; True: one, its parameters those of its record (a literal's);
        else one, and these are its parameters (those of the function literal the calls return).
        The callees' factories decide first; the evaluation of the whole value where they do not show a
        function, and for the parameters of the literal a call returns (lodash's `createCompounder(
        function (result, word, index) {…})` returns `function (string) {…}`: Node's fn.length is 1)."""
        if built.value is None:
            return self._by_factories(file_path, built)
        if not built.callees:
            return self._evaluator.function_of(file_path, built.value)
        decided = self._by_factories(file_path, built)
        if decided is False:
            return self._evaluator.function_of(file_path, built.value)
        if decided is True and built.arguments is None:
            evaluated = self._evaluator.function_of(file_path, built.value)
            return evaluated if evaluated is not False else decided
        return decided

    def _by_factories(self, file_path: str, built: Built) -> bool | tuple[ParamSyntax, ...]:
        if built.arguments is None:
            return all(self.returns_function(file_path, callee, frozenset()) for callee in built.callees)
        (callee,) = built.callees
        found = self._factory(file_path, callee)
        if found is None:
            return False
        where, factory = found
        if factory.params is None or (factory.guard is not None and not guard_holds(factory.guard, built.arguments)):
            return False
        if not all(self.returns_function(where, inner, frozenset()) for inner in factory.callees):
            return False
        return factory.params

    def returns_function(self, file_path: str, local: str, path: frozenset[tuple[str, str]]) -> bool:
        key = (file_path, local)
        if key in self._known:
            return self._known[key]
        if key in path:  # a cycle (f returns g(…), g returns f(…)): nothing shown on this path
            return False
        found = self._factory(file_path, local)
        answer = (
            found is not None
            and found[1].guard is None  # a guarded factory returns a function only for some arguments
            and all(self.returns_function(found[0], callee, path | {key}) for callee in found[1].callees)
        )
        if not path:
            self._known[key] = answer
        return answer

    def _factory(self, file_path: str, local: str) -> tuple[str, Factory] | None:
        """The factory a local name of file_path is (defined there or imported), with its file."""
        links = self._modules.get(file_path)
        if links is None:
            return None
        factory = links.factories.get(local)
        if factory is not None:
            return file_path, factory
        binding = links.imports.get(local)
        if binding is None or binding.imported == "*" or binding.member is not None:
            return None
        target = self._graph.resolve_import(file_path, binding.specifier, binding.imported)
        if target.outcome is not Outcome.FUNCTION or target.file_path is None or target.name is None:
            return None
        defining = self._modules[target.file_path]
        own = defining.factory_exports.get(target.name)
        factory = defining.factories.get(own) if own is not None else None
        return (target.file_path, factory) if factory is not None else None
