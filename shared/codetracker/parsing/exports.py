"""The export rules, written once: which top-level facts of a file make an exported function.

A backend walks the top-level statements of its tree and reports what it sees (statements, bindings,
function exports, exports of local names) to an ExportCollector; the collector applies the rules and
builds the ModuleSyntax. Function nodes stay opaque (tree-sitter or esprima nodes); the backend's
`describe` turns one into a FunctionShape only when it is actually exported.

Module-level early errors. tree-sitter has no notion of them: a module that redeclares a name or
exports one twice parses without any error node. With `early_errors`, result() raises ParseFailure
(the auto backend then lets esprima decide) for what esprima-fork rejects in a module:
- a name exported twice (`Duplicate export 'x'`), re-exports and `export default …` included;
- a top-level name declared twice where either declaration is lexical (let, const, class, import, and
  in a module also function); only `var` + `var` may repeat;
- `export { x }` (no `from`) where x is declared nowhere in the module scope (`export default x` is an
  expression and may name a global);
- repeated parameter names in an exported function (module code is strict).
Every check is a set or dict lookup over what the walk reports anyway: no second walk of the tree.
esprima-fork applies these rules itself, exactly, so its backend leaves `early_errors` off. Not
checked (they would need the whole tree): nested `var`s clashing with top-level lexical names,
repeated parameters of functions that are not exported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from codetracker.domain.call_values import Built, Expr, Factory, unknown_expr
from codetracker.domain.export_graph import ImportBinding, ModuleLinks, ReExport
from codetracker.domain.model import FunctionExportSyntax, ModuleSyntax, ParseFailure
from codetracker.parsing.declaration_jsdoc import Declarator, StatementJsdoc
from codetracker.parsing.function_shape import CALL_RESULT, FunctionShape
from codetracker.parsing.source_text import line_column

FunctionNode = TypeVar("FunctionNode")

NAMED = "named"
DEFAULT = "default"


@dataclass(slots=True)
class _Binding(Generic[FunctionNode]):
    function: FunctionNode | None  # None: bound to something that is not a function
    statement: int
    lexical: bool  # anything but `var`
    offset: int
    declarator: Declarator | None = None  # set for the bindings of `const`/`let`/`var` lists
    alias: str | None = None  # `const a = f`: the name of the binding whose value it takes
    undecided: str | None = None  # why its value may be a function one file cannot tell (a call)
    built: Built | None = None  # `function` is the innermost literal of a value built by calls, or CALL_RESULT
    value: Expr | None = None  # what the binding is written as (domain/call_values.py)


_NO_SHAPE = FunctionShape(is_async=False, is_generator=False, params=())  # a call's result: params unknown


@dataclass(slots=True)
class _Export:
    """What every export the file writes has: the name it exports, written at `offset` in `statement`."""

    exported_name: str
    offset: int
    statement: int


@dataclass(slots=True)
class _FunctionExport(_Export, Generic[FunctionNode]):
    """An export whose value is written right there (`export function f`, `export const f = () => …`)."""

    local_name: str | None
    export_type: str
    function: FunctionNode
    declarator: Declarator | None = None
    built: Built | None = None


@dataclass(slots=True)
class _LocalExport(_Export):
    """`export { f as g }`, `export default f`: an export of a local name."""

    local_name: str
    export_type: str
    in_clause: bool  # `export { x }`, which needs a declared x; not `export default x`


@dataclass(slots=True)
class _AliasExport(_Export):
    """`export const parse = marked`: exports what `marked` is, under the declarator's name."""

    alias: str
    declarator: Declarator


class ExportCollector(Generic[FunctionNode]):
    """Top-level facts of one file; all offsets are character offsets into `source`."""

    def __init__(
        self,
        source: str,
        describe: Callable[[FunctionNode], FunctionShape],
        *,
        early_errors: bool = False,
        nested_var_names: Callable[[], set[str]] | None = None,
        factory: Callable[[FunctionNode], Factory | None] | None = None,
    ) -> None:
        """`nested_var_names`: the names of `var`s declared in the module scope below the top level
        (`if (a) { var x }`); asked only when `export { x }` names no top-level binding, which is rare.
        `factory`: whether every return of a function is a function: None when not shown, else what it
        returns (ModuleLinks.factories)."""
        self.source = source
        self._factory = factory
        self.is_module = False
        self._describe = describe
        self._early_errors = early_errors
        self._nested_var_names = nested_var_names
        self._docs = StatementJsdoc(source)
        self._bindings: dict[str, list[_Binding[FunctionNode]]] = {}
        self._exports: list[_FunctionExport[FunctionNode] | _LocalExport | _AliasExport] = []
        self._exported_names: set[str] = set()
        # The first of each kind of early error: (offset, message).
        self._redeclared: tuple[int, str] | None = None
        self._duplicate_export: tuple[int, str] | None = None
        self.type_exports = 0  # TypeScript: exported types, interfaces, enums
        # The links of the module to others (domain/export_graph.py), for the package's public API.
        self._imports: dict[str, ImportBinding] = {}
        self._re_exports: list[ReExport] = []
        self._star_specifiers: list[str] = []
        self._not_functions: set[str] = set()
        self._unknown: dict[str, str] = {}
        self.commonjs_export = False  # TypeScript: `export =`
        self._assigned: set[str] = set()  # names assigned or declared below the top level

    def add_statement(self, start: int, end: int) -> int:
        """Record a top-level statement; returns its index (statements come in source order)."""
        return self._docs.add(start, end)

    def bind(
        self,
        name: str,
        function: FunctionNode | None,
        statement: int,
        *,
        lexical: bool,
        offset: int,
        declarator: Declarator | None = None,
        alias: str | None = None,
        undecided: str | None = None,
        built: Built | None = None,
        value: Expr | None = None,
    ) -> None:
        """A top-level binding: to a function node, or (None) to anything else (imports included).
        `lexical`: declared by anything but `var`; `offset`: where the bound name is written;
        `declarator`: given for the names of a `const`/`let`/`var` list; `alias`: the identifier a
        declarator is initialised with (`const a = f`), which makes it whatever that name is bound to.
        `built`: the function node is the innermost literal of a value built by calls (see Built).
        `value`: what it is written as, for the evaluation of calls across files."""
        binding = _Binding(function, statement, lexical, offset, declarator, alias, undecided, built, value)
        bindings = self._bindings.get(name)
        if bindings is None:
            self._bindings[name] = [binding]
            return
        if self._redeclared is None and (lexical or any(earlier.lexical for earlier in bindings)):
            self._redeclared = (offset, f"Identifier {name!r} has already been declared")
        bindings.append(binding)

    def assigned(self, names: list[str]) -> None:
        """Names a top-level statement assigns (`x = …`) or declares in a block below the top level: their
        values are not what their declarations say (the evaluation of calls reads them as unknown)."""
        self._assigned.update(names)

    def is_bound(self, name: str) -> bool:
        """Whether a top-level binding of `name` was reported."""
        return name in self._bindings

    def export_name(self, exported_name: str, offset: int, *, unknown: str | None = None) -> None:
        """An export that is none of our functions: `export class C`, `export const x = 1`,
        `export default 1`. `unknown`: why its value may be a function we cannot tell (a call)."""
        self.is_module = True
        self._exported(exported_name, offset)
        if unknown is None:
            self._not_functions.add(exported_name)
        else:
            self._unknown[exported_name] = unknown

    def import_binding(self, local: str, imported: str, specifier: str) -> None:
        """`import { imported as local } from 'specifier'` (imported "default", or "*" for a namespace);
        the name is bound with bind() too."""
        self.is_module = True
        self._imports[local] = ImportBinding(local, imported, specifier)

    def member_binding(self, local: str, owner: str, member: str) -> None:
        """`const local = owner.member` / `const { member: local } = owner` (bound with bind() too): when owner
        is an import, local is that property of it (ImportBinding.member), followed across files."""
        binding = self._imports.get(owner)
        if binding is not None and binding.member is None and len(self._bindings.get(owner, ())) == 1:
            self._imports[local] = ImportBinding(local, binding.imported, binding.specifier, member)

    def is_import(self, local: str) -> bool:
        """Whether a local name is bound by an import (or is a property of one: member_binding)."""
        return local in self._imports

    def imported(self, local: str) -> ImportBinding | None:
        """The import a local name is bound by (and by nothing else), or None."""
        binding = self._imports.get(local)
        return binding if binding is not None and len(self._bindings.get(local, ())) == 1 else None

    def re_export(self, exported_name: str, imported: str, specifier: str, offset: int) -> None:
        """`export { imported as exported } from 'specifier'`, `export * as exported from` (imported "*")."""
        self.is_module = True
        self._exported(exported_name, offset)
        self._re_exports.append(ReExport(exported_name, imported, specifier))

    def star_export(self, specifier: str) -> None:
        """`export * from 'specifier'`."""
        self.is_module = True
        self._star_specifiers.append(specifier)

    def _exported(self, exported_name: str, offset: int) -> None:
        if exported_name in self._exported_names:
            if self._duplicate_export is None:
                self._duplicate_export = (offset, f"Duplicate export {exported_name!r}")
        else:
            self._exported_names.add(exported_name)

    def export_function(
        self,
        exported_name: str,
        local_name: str | None,
        export_type: str,
        function: FunctionNode,
        offset: int,
        statement: int,
        declarator: Declarator | None = None,
        built: Built | None = None,
    ) -> None:
        """An export whose value is written right there: `export function`, `export const f = () =>`…
        `declarator`: given for the functions of an `export const` list; `built`: see Built."""
        self.is_module = True
        export = _FunctionExport(exported_name, offset, statement, local_name, export_type, function, declarator, built)
        self._exports.append(export)
        self._exported(exported_name, offset)

    def export_local(
        self,
        exported_name: str,
        local_name: str,
        export_type: str,
        offset: int,
        statement: int,
        *,
        in_clause: bool,
    ) -> None:
        """An export of a local name (`export { f as g }`, `export default f`): a function if f is one.
        `in_clause`: written in an export clause, so f must be declared in the module."""
        self.is_module = True
        self._exports.append(_LocalExport(exported_name, offset, statement, local_name, export_type, in_clause))
        self._exported(exported_name, offset)

    def export_alias(self, exported_name: str, alias: str, offset: int, statement: int, declarator: Declarator) -> None:
        """`export const parse = marked`: a function if `marked` names one (through other aliases too).
        Its JSDoc is the declarator's own (see Declarator), else the function's."""
        self.is_module = True
        self._exports.append(_AliasExport(exported_name, offset, statement, alias, declarator))
        self._exported(exported_name, offset)

    def result(self) -> ModuleSyntax:
        """The module's exported functions. With `early_errors`, raises ParseFailure for the earliest
        (by offset) of the module-level early errors found."""
        if not self.is_module:
            return ModuleSyntax(is_module=False, exports=(), commonjs_export=self.commonjs_export)
        errors: list[tuple[int, str]] = []
        if self._early_errors:
            errors.extend(error for error in (self._redeclared, self._duplicate_export) if error)
            errors.extend(self._undeclared_exports())
        found: list[FunctionExportSyntax] = []
        local_exports: dict[str, str] = {}
        built: dict[str, Built] = {}
        factories = self._factories()
        describe = self._describe
        factory_exports: dict[str, str] = {}
        for export in self._exports:
            local_name: str | None
            if not isinstance(export, _FunctionExport):
                name = export.alias if isinstance(export, _AliasExport) else export.local_name
                chain = self._resolve(name)
                if chain is None:
                    self._link_value(export, local_exports)
                    continue
                if chain[-1].built is not None:
                    built[export.exported_name] = chain[-1].built
                elif len(chain) == 1 and name in factories:
                    factory_exports[export.exported_name] = name
            elif export.built is not None:
                built[export.exported_name] = export.built
            elif export.local_name in factories:
                factory_exports[export.exported_name] = export.local_name
            if isinstance(export, _FunctionExport):
                function = export.function
                local_name, export_type = export.local_name, export.export_type
                jsdoc = self._docs.declared(export.statement, export.declarator)
            elif isinstance(export, _AliasExport):
                assert chain is not None and chain[-1].function is not None  # _resolve ends at the function
                function = chain[-1].function
                local_name, export_type = export.exported_name, NAMED
                jsdoc = self._docs.declared(export.statement, export.declarator) or self._chain_jsdoc(chain)
            else:
                assert chain is not None and chain[-1].function is not None
                function = chain[-1].function
                local_name, export_type = export.local_name, export.export_type
                jsdoc = self._chain_jsdoc(chain) or self._docs.of(export.statement)
            shape = _NO_SHAPE if function is CALL_RESULT else describe(function)
            if self._early_errors and len(shape.bound_names) > 1:
                errors.extend(_repeated_parameters(shape.bound_names))
            signatures = shape.overloads or (shape,)
            for number, signature in enumerate(signatures, start=1):
                found.append(
                    FunctionExportSyntax(
                        exported_name=export.exported_name,
                        local_name=local_name,
                        export_type=export_type,
                        is_async=signature.is_async,
                        is_generator=signature.is_generator,
                        params=signature.params,
                        jsdoc_raw=signature.jsdoc_raw if shape.overloads else jsdoc,
                        offset=export.offset,
                        return_annotation=signature.return_annotation,
                        type_parameters=signature.type_parameters,
                        overload=number if shape.overloads else None,
                        reads_arguments=signature.reads_arguments,
                        params_known=function is not CALL_RESULT,
                    )
                )
        if errors:
            offset, message = min(errors)
            line, column = line_column(self.source, offset)
            raise ParseFailure(message, line, column)
        self._member_exports(local_exports)
        found.sort(key=lambda f: f.offset)  # stable: declarators of one statement keep their order
        links = ModuleLinks(
            functions=frozenset(f.exported_name for f in found if f.exported_name not in built),
            local_exports=local_exports,
            imports=self._imports,
            re_exports=tuple(self._re_exports),
            star_specifiers=tuple(self._star_specifiers),
            not_functions=frozenset(self._not_functions),
            unknown=self._unknown,
            built=built,
            factories=factories,
            factory_exports=factory_exports,
            **self._values(),
        )
        return ModuleSyntax(
            is_module=True,
            exports=tuple(found),
            type_exports=self.type_exports,
            commonjs_export=self.commonjs_export,
            links=links,
        )

    def _factories(self) -> dict[str, Factory]:
        """The top-level functions (bound once) whose every return is shown to be a function."""
        if self._factory is None:
            return {}
        found: dict[str, Factory] = {}
        for name, bindings in self._bindings.items():
            binding = bindings[0]
            if len(bindings) == 1 and binding.function is not None and binding.built is None:
                factory = self._factory(binding.function)
                if factory is not None:
                    found[name] = factory
        return found

    def _values(self) -> dict[str, Any]:
        """ModuleLinks' `values`, `value_exports` and `returns_functions`: a name bound twice, or to what
        the walk does not read (a class, a destructuring), is unknown; imports are not values."""
        values: dict[str, Expr] = {}
        documented: set[str] = set()
        for name, bindings in self._bindings.items():
            if name in self._imports:
                continue
            value = bindings[0].value if len(bindings) == 1 else unknown_expr("bound more than once")
            values[name] = value if value is not None else unknown_expr("not read")
            if value is not None and value[0] == "call":
                jsdoc = self._docs.declared(bindings[0].statement, bindings[0].declarator)
                if jsdoc is not None and _RETURNS_FUNCTION.search(jsdoc):
                    documented.add(name)
        for name in sorted(self._assigned - self._imports.keys()):  # a set: sorted, so the cache bytes are stable
            values[name] = unknown_expr("assigned below its declaration")
        exports: dict[str, str] = {}
        for export in self._exports:
            if isinstance(export, _LocalExport):
                exports[export.exported_name] = export.local_name
            elif isinstance(export, _AliasExport):  # `export const a = b`: the binding a
                exports[export.exported_name] = export.exported_name
            elif export.local_name is not None:
                exports[export.exported_name] = export.local_name
            elif export.built is not None and export.built.value is not None:  # `export default f(…)`
                values[_ANONYMOUS_DEFAULT] = export.built.value
                exports[export.exported_name] = _ANONYMOUS_DEFAULT
        return {"values": values, "value_exports": exports, "returns_functions": frozenset(documented)}

    def _member_exports(self, local_exports: dict[str, str]) -> None:
        """`export const v1 = uuid.v1` / `export const { v1 } = uuid` of an imported uuid: reported as values,
        they are properties of the import (member_binding), followed across files."""
        for name in [n for n in self._not_functions if n in self._imports and self._imports[n].member is not None]:
            if len(self._bindings.get(name, ())) == 1:
                self._not_functions.discard(name)
                local_exports[name] = name

    def _link_value(self, export: _LocalExport | _AliasExport, local_exports: dict[str, str]) -> None:
        """An export of a local name that is no function of this file: an imported binding (followed
        across files), a value, or something undecided (a global, a name bound twice)."""
        name = export.alias if isinstance(export, _AliasExport) else export.local_name
        seen: set[str] = set()
        while name not in seen:  # follow `const a = b` aliases to the name they end at
            seen.add(name)
            bindings = self._bindings.get(name)
            if bindings is None:
                self._unknown[export.exported_name] = f"'{name}' is not declared in the module (a global)"
                return
            if len(bindings) != 1:
                self._unknown[export.exported_name] = f"'{name}' is bound more than once"
                return
            if name in self._imports:
                local_exports[export.exported_name] = name
                return
            alias = bindings[0].alias
            if alias is None:
                if bindings[0].undecided is not None:
                    self._unknown[export.exported_name] = bindings[0].undecided
                    return
                break
            name = alias
        self._not_functions.add(export.exported_name)

    def _undeclared_exports(self) -> list[tuple[int, str]]:
        """`export { x }` where x is declared nowhere in the module scope."""
        bindings = self._bindings
        missing = [
            export
            for export in self._exports
            if isinstance(export, _LocalExport) and export.in_clause and export.local_name not in bindings
        ]
        if missing and self._nested_var_names is not None:
            nested = self._nested_var_names()
            missing = [export for export in missing if export.local_name not in nested]
        return [(export.offset, f"Export {export.local_name!r} is not defined") for export in missing]

    def _resolve(self, name: str) -> list[_Binding[FunctionNode]] | None:
        """The bindings from `name` to the function it names, following aliases (`const a = f`, chains
        included, cycles end it): [name's binding, …, the function's]. None when `name` is no known
        function: bound twice (`var f; var f = …`), not at all (globals), or to anything else (imports)."""
        chain: list[_Binding[FunctionNode]] = []
        seen: set[str] = set()
        while name not in seen:
            seen.add(name)
            bindings = self._bindings.get(name)
            if bindings is None or len(bindings) != 1:
                return None
            binding = bindings[0]
            chain.append(binding)
            if binding.function is not None:
                return chain
            if binding.alias is None:
                return None
            name = binding.alias
        return None

    def _chain_jsdoc(self, chain: list[_Binding[FunctionNode]]) -> str | None:
        """The JSDoc of the first binding of the chain that has one: the closest documented name wins."""
        for binding in chain:
            jsdoc = self._docs.declared(binding.statement, binding.declarator)
            if jsdoc is not None:
                return jsdoc
        return None

    def jsdoc_of(self, statement: int) -> str | None:
        """The JSDoc block right before a top-level statement."""
        return self._docs.of(statement)


# JSDoc saying a call returns a function: `@returns {Function}` (lodash's `setToString`).
_RETURNS_FUNCTION = re.compile(r"@returns?\s*\{\s*Function\s*\}")
_ANONYMOUS_DEFAULT = "*default"  # the local name of `export default <expression>` (no name can be it)


def _repeated_parameters(bound_names: tuple[tuple[str, int], ...]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    for name, offset in bound_names:
        if name in seen:
            return [(offset, "Strict mode function may not have duplicate parameter names")]
        seen.add(name)
    return []
