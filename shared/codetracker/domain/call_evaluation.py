"""What a value built by calls is, evaluated across the files of one package (issue 20).

Each file reports its top-level bindings as value expressions (domain/call_values.py `Expr`: calls,
property reads, conditionals, function literals with their returns and body-level declarations). A value is
evaluated to the set of what it may be: a function (the literal, with its closure), an object literal, a
value that is none, or unknown with a reason. A call of a package-local function binds its parameters to the
arguments' values and evaluates every return: lodash's `baseRest(function (array, values) {…})` returns
`setToString(overRest(func, …), …)`, d3-array's `bisector(ascending).right` reads `right` of the object
literal `bisector` returns, chalk's `createChalk()` returns `chalkFactory(options)`, which returns its local
`const chalk = (...strings) => …`.

Shown to be a function only when every possible value is one. Two things stand in for code we do not
follow: a binding whose JSDoc says `@returns {Function}` (lodash's `setToString`) returns functions where
its returns are unknown, and a short list of well-known built-ins (`Array.isArray`) are functions. The
parameters are those of the function literals returned, when they all agree (Node's `fn.length` is theirs).
Never followed: what an async function or a generator returns (a promise, an iterator), `this`, `new`, a
local given a `prototype` (a constructor being built: the backends report it unknown).
Bounded: calls nest at most _MAX_DEPTH deep, a binding met again on its own path is unknown, a value may be
at most _MAX_CHOICES things, and one value's evaluation takes at most _MAX_STEPS steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from codetracker.domain.call_values import Expr
from codetracker.domain.export_graph import ExportGraph, ModuleLinks
from codetracker.domain.model import ParamSyntax

_MAX_DEPTH = 24
_MAX_CHOICES = 8
_MAX_MODULE_CHAIN = 40
_MAX_STEPS = 20_000  # expressions evaluated for one value (calls may fan out): then unknown
_MAX_NESTING = 120  # evaluations open at once, across bindings (each binding starts at depth 0): Python's stack

# Well-known built-in functions read as properties of globals: `var isArray = Array.isArray`.
BUILTIN_FUNCTIONS = frozenset(
    {
        "Array.isArray",
        "Array.from",
        "Array.of",
        "Object.assign",
        "Object.create",
        "Object.entries",
        "Object.freeze",
        "Object.getPrototypeOf",
        "Object.is",
        "Object.keys",
        "Object.values",
        "Number.isFinite",
        "Number.isInteger",
        "Number.isNaN",
        "Number.isSafeInteger",
        "String.fromCharCode",
        "JSON.parse",
        "JSON.stringify",
        "Math.abs",
        "Math.ceil",
        "Math.floor",
        "Math.max",
        "Math.min",
        "Math.round",
        "Date.now",
    }
)


@dataclass(slots=True)
class _Scope:
    file_path: str
    names: dict[str, Any] = field(default_factory=dict)  # name → its values, or a _Lazy local
    parent: _Scope | None = None
    arguments: tuple[tuple[Any, ...], ...] | None = None  # each argument's values, in a called function


@dataclass(frozen=True, slots=True)
class _Lazy:
    """A declaration in a function body, evaluated when read (in the call's scope: closures see it)."""

    expr: Expr
    scope: _Scope


@dataclass(frozen=True, slots=True)
class _Function:
    expr: Expr | None  # ("fn", …); None: a function whose code we do not have (a built-in, a documented one)
    scope: _Scope | None = None
    returns_functions: bool = False  # documented `@returns {Function}`: unknown returns are functions


@dataclass(frozen=True, slots=True)
class _Object:
    properties: Mapping[str, Expr]
    scope: _Scope


@dataclass(frozen=True, slots=True)
class _Other:
    """A value that is no function; `falsy`: undefined, null, false (what `a || b` skips)."""

    falsy: bool = False


@dataclass(frozen=True, slots=True)
class _Unknown:
    reason: str


@dataclass(frozen=True, slots=True)
class _Global:
    name: str


_OPAQUE_FUNCTION = _Function(None)
_ARROW, _ASYNC, _GENERATOR = "arrow", "async", "generator"  # kinds of ("fn", …) (parsing/value_walk.py)
Values = tuple[Any, ...]


class CallEvaluator:
    """Evaluates values of the modules of one scan (their links), memoising each top-level binding."""

    def __init__(self, modules: Mapping[str, ModuleLinks], graph: ExportGraph) -> None:
        self._modules = modules
        self._graph = graph
        self._bindings: dict[tuple[str, str], Values] = {}
        self._active: list[tuple[str, str]] = []
        self._steps = 0
        self._nesting = 0

    def function_of(self, file_path: str, expr: Expr) -> bool | tuple[ParamSyntax, ...]:
        """False: not shown to be a function; True: a function whose parameters are not known; else its
        parameters (those of every function literal it may be, all the same)."""
        self._steps = 0
        try:
            values = self._values(expr, _Scope(file_path), 0)
        except RecursionError:  # _MAX_NESTING keeps far from it; a deep caller's stack might not
            return False
        if not values or not all(isinstance(v, _Function) for v in values):
            return False
        shown = {v.expr[1] for v in values if v.expr is not None}
        if len(shown) != 1:
            return True
        (rows,) = shown
        return tuple(ParamSyntax(*row) for row in rows)

    def _values(self, expr: Expr, scope: _Scope, depth: int) -> Values:
        self._steps += 1
        if depth > _MAX_DEPTH or self._steps > _MAX_STEPS or self._nesting > _MAX_NESTING:
            return (_Unknown("calls nested too deep, or too many"),)
        self._nesting += 1
        try:
            return self._evaluated(expr, scope, depth)
        finally:
            self._nesting -= 1

    def _evaluated(self, expr: Expr, scope: _Scope, depth: int) -> Values:
        kind = expr[0]
        if kind == "fn":
            return (_Function(expr, scope),)
        if kind == "ref":
            return self._lookup(expr[1], scope, depth)
        if kind == "call":
            return self._call_values(expr, scope, depth)
        if kind == "get":
            targets = self._values(expr[1], scope, depth + 1)
            return _bounded(v for target in targets for v in self._read(target, expr[2], depth + 1))
        if kind == "arg":
            return self._argument(expr[1], scope)
        if kind == "either":
            return _bounded((*self._values(expr[1], scope, depth + 1), *self._values(expr[2], scope, depth + 1)))
        if kind == "or":
            return self._or(expr, scope, depth)
        if kind == "obj":
            return (_Object(dict(expr[1]), scope),)
        if kind == "falsy":
            return (_Other(falsy=True),)
        if kind == "val":
            return (_Other(),)
        return (_Unknown(str(expr[1]) if len(expr) > 1 else "not read"),)

    def _or(self, expr: Expr, scope: _Scope, depth: int) -> Values:
        found: list[Any] = []
        for left in self._values(expr[1], scope, depth + 1):
            if isinstance(left, _Function):
                found.append(left)
            elif isinstance(left, _Other) and left.falsy:
                found.extend(self._values(expr[2], scope, depth + 1))
            else:  # truthy or not: the right side may or may not be the value
                found.append(_Unknown("the left side of `||` may be the value"))
        return _bounded(found)

    def _call_values(self, expr: Expr, scope: _Scope, depth: int) -> Values:
        callees = self._values(expr[1], scope, depth + 1)
        arguments = tuple(self._values(argument, scope, depth + 1) for argument in expr[2])
        found: list[Any] = []
        for callee in callees:
            if isinstance(callee, _Function) and callee.expr is not None:
                found.extend(self._call(callee, arguments, depth + 1))
            else:
                found.append(_Unknown("a call of a function whose code is not in the package"))
        return _bounded(found)

    def _call(self, function: _Function, arguments: tuple[Values, ...], depth: int) -> Values:
        assert function.expr is not None and function.scope is not None
        _, params, returns, declared_locals, kind = function.expr
        if kind in (_ASYNC, _GENERATOR):
            found: Values = (_Unknown("an async function or a generator: a promise or an iterator"),)
        elif returns is None:
            found = (_Unknown("a function that may end without returning a value"),)
        else:  # an arrow has no `arguments` of its own: `arguments[i]` is its enclosing function's
            own = arguments if kind != _ARROW else None
            scope = _Scope(function.scope.file_path, {}, function.scope, own)
            for index, (_source, identifier, default, rest, _annotation, _optional) in enumerate(params):
                if identifier is None:  # a destructuring pattern: the names it binds are not read
                    return (_Unknown("a function with a destructured parameter"),)
                if rest:
                    scope.names[identifier] = (_Other(),)
                elif index < len(arguments):
                    scope.names[identifier] = arguments[index]
                else:
                    scope.names[identifier] = (_Unknown("a default value"),) if default else (_Other(falsy=True),)
            for name, local in declared_locals:
                scope.names[name] = _Lazy(local, scope)
            found = _bounded(v for value in returns for v in self._values(value, scope, depth + 1))
        if function.returns_functions:
            found = tuple(_OPAQUE_FUNCTION if isinstance(v, _Unknown) else v for v in found)
        return found

    def _read(self, target: Any, name: str, depth: int) -> Values:
        if isinstance(target, _Object):
            value = target.properties.get(name)
            return self._values(value, target.scope, depth) if value is not None else (_Other(falsy=True),)
        if isinstance(target, _Global):
            dotted = f"{target.name}.{name}"
            return (_OPAQUE_FUNCTION,) if dotted in BUILTIN_FUNCTIONS else (_Unknown(f"'{dotted}' is not read"),)
        return (_Unknown(f"a property '{name}' of a value that is not an object literal"),)

    @staticmethod
    def _argument(index: int, scope: _Scope | None) -> Values:
        while scope is not None and scope.arguments is None:
            scope = scope.parent
        if scope is None or scope.arguments is None:
            return (_Unknown("`arguments` outside a call"),)
        return scope.arguments[index] if index < len(scope.arguments) else (_Other(falsy=True),)

    def _lookup(self, name: str, scope: _Scope, depth: int) -> Values:
        where: _Scope | None = scope
        while where is not None:
            found = where.names.get(name)
            if isinstance(found, _Lazy):
                return self._values(found.expr, found.scope, depth + 1)
            if found is not None:
                return tuple(found)
            if name == "arguments" and where.arguments is not None:
                return (_Other(),)
            where = where.parent
        return self._binding(scope.file_path, name)

    def _binding(self, file_path: str, name: str) -> Values:
        """A top-level name of a module: its own value, an imported binding's, or a global."""
        key = (file_path, name)
        if key in self._bindings:
            return self._bindings[key]
        if key in self._active or len(self._active) >= _MAX_MODULE_CHAIN:
            return (_Unknown(f"'{name}' is met again while it is evaluated"),)
        self._active.append(key)
        try:
            found = self._binding_values(file_path, name)
        finally:
            self._active.pop()
        self._bindings[key] = found
        return found

    def _binding_values(self, file_path: str, name: str) -> Values:
        links = self._modules.get(file_path)
        if links is None:
            return (_Unknown(f"{file_path} is not read"),)
        expr = links.values.get(name)
        if expr is not None:
            found = self._values(expr, _Scope(file_path), 0)
            if name in links.returns_functions:
                found = tuple(replace(v, returns_functions=True) if isinstance(v, _Function) else v for v in found)
            return found
        binding = links.imports.get(name)
        if binding is not None and binding.member is not None:  # `const v1 = uuid.v1` of an import
            return (_Unknown(f"'{name}' is a property of an import"),)
        if binding is not None:
            declared = self._graph.declaration_of(file_path, binding.specifier, binding.imported)
            if declared is None:
                return (_Unknown(f"'{name}' is imported from outside the package's modules"),)
            target, exported = declared
            local = self._modules[target].value_exports.get(exported)
            return self._binding(target, local) if local is not None else (_Unknown(f"'{exported}' is not read"),)
        return (_Global(name),)


def _bounded(values: Any) -> Values:
    """The values, each once (a function literal in one scope is one value), or unknown when too many."""
    found: dict[Any, Any] = {}
    for value in values:
        key = (id(value.expr), id(value.scope), value.returns_functions) if isinstance(value, _Function) else value
        if isinstance(value, _Object):
            key = id(value)
        found.setdefault(key, value)
        if len(found) > _MAX_CHOICES:
            return (_Unknown("too many possible values"),)
    return tuple(found.values())
