"""CommonJS exports as Node's ESM `import` sees them, written once for both backends.

Node gives an `import` of a CommonJS file `default` = `module.exports`, and as named exports the names
cjs-module-lexer detects: `exports.X = …`, `module.exports.X = …`, `Object.defineProperty(exports, "X",
{ value | get })`, the keys of `module.exports = { a, b: c, "d": e }`, and the reexports
`module.exports = require("./x")`, `module.exports = { ...require("./x") }`, `__exportStar(require("./x"),
exports)`; `exports.X = x.Y` (and a getter returning `x.Y`, TypeScript's re-export) where `var x = require("./x")`
is x's export Y. The value of a named export is `module.exports.X` at run time: it is a function here only when the
assigned value is shown to be one, by the same rules as an ES module's exports (ExportCollector). A
`require("./x")` bound to a name (`var _curry2 = require("./internal/_curry2.js")`) is an import of x's
`default` (module.exports), `require("./x").y` of its `y`, so built functions and the export graph decide
CommonJS files exactly as ES modules.

A backend walks the top-level statements (and the body of a UMD factory, `function (exports) {…}` passed to
the wrapper, which is where a bundle's `exports.X =` are) and reports each assignment to `module.exports` or
to one of its properties with the assigned value classified (CommonJsValue). A name assigned twice is
undecided; TypeScript's and Babel's `exports.X = void 0` preambles are skipped by the backend; `default`
and `__esModule` are no named exports Node gives (`default` is always module.exports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from codetracker.domain.call_values import Built
from codetracker.domain.export_graph import PROPERTY_DEFAULT
from codetracker.domain.model import ModuleSyntax
from codetracker.parsing.exports import DEFAULT, NAMED, ExportCollector
from codetracker.parsing.walk_rules import WalkRules

FunctionNode = TypeVar("FunctionNode")

# `tslib.__exportStar(require("./x"), exports)`, TypeScript's older `__export(require("./x"))`: x's names are ours.
EXPORT_STAR_HELPERS = frozenset({"__exportStar", "__export"})

# Helpers of Babel and TypeScript that wrap a require (`_interopRequireDefault(require("./x"))`): module.exports
# as it is when it says `__esModule`, which is what `.default` (PROPERTY_DEFAULT) and `.name` of it read.
INTEROP_HELPERS = frozenset({"_interopRequireDefault", "_interopRequireWildcard", "__importDefault", "__importStar"})


def property_name(name: str) -> str:
    """The export a property of module.exports is: its name, or PROPERTY_DEFAULT for `default` (Node's
    `default` is module.exports itself)."""
    return PROPERTY_DEFAULT if name == DEFAULT else name


@dataclass(frozen=True, slots=True)
class Required:
    """`require("spec")` (imported "default": its module.exports) or `require("spec").name`."""

    specifier: str
    imported: str = DEFAULT


@dataclass(frozen=True, slots=True)
class LocalName:
    name: str


@dataclass(frozen=True, slots=True)
class LocalMember:
    """`name.key` (`composer.Composer`): the export `key` of the module `name` requires, else undecided."""

    name: str
    key: str


@dataclass(frozen=True, slots=True)
class FunctionValue(Generic[FunctionNode]):
    """A function literal, or the innermost literal of a value built by calls (`built`: see Built)."""

    function: FunctionNode
    name: str | None = None
    built: Built | None = None


@dataclass(frozen=True, slots=True)
class ObjectValue:
    """An object literal's properties in order: (key, value) for `key: value`, `"key": value` and `key`,
    (None, value) for `...value`; a method, a getter or a computed key is (None, OtherValue())."""

    members: tuple[tuple[str | None, CommonJsValue], ...] = ()


@dataclass(frozen=True, slots=True)
class OtherValue:
    """Anything else: `unknown` says why it may be a function one file cannot tell (a call), else None."""

    unknown: str | None = None


CommonJsValue = Required | LocalName | LocalMember | FunctionValue[Any] | ObjectValue | OtherValue


def built_or_other(rules: WalkRules, node: Any) -> CommonJsValue:
    """A value no plainer reading takes: a function built by calls (WalkRules.built_value), else an
    other value, with why it may still be a function (WalkRules.undecided_value)."""
    unknown = rules.undecided_value(node)
    built = rules.built_reason(node, unknown)
    return FunctionValue(built[0], None, built[1]) if built is not None else OtherValue(unknown)


class CommonJsRules(WalkRules):
    """What both backends' CommonJS walks decide the same way, over the node views each supplies: what a
    value assigned to module.exports is (`value`), what a `require(…)` imports, a top-level helper call."""

    __slots__ = ()
    exports: CommonJsExports[Any]

    # --- what the backend supplies ---------------------------------------------------------------------

    def is_void(self, node: Any) -> bool:
        """`void …` (a transpiler's `exports.X = void 0` preamble)."""
        raise NotImplementedError

    def named_member(self, node: Any) -> tuple[str, str] | None:
        """(owner, key) of `owner.key` where owner is a plain name, else None."""
        raise NotImplementedError

    def literal_name(self, function: Any) -> str | None:
        """The name a function literal gives itself (`function f () {}`), else None."""
        raise NotImplementedError

    def object_members(self, node: Any) -> list[Any] | None:
        """The properties of an object literal, else None."""
        raise NotImplementedError

    def property_parts(self, member: Any) -> tuple[str, Any] | None:
        """(key, value node) of an object literal's `key: value` or `"key": value`, (key, None) of `key`
        written alone (where the node has no value of its own), else None."""
        raise NotImplementedError

    def spread_argument(self, member: Any) -> Any:
        """What `...x` in an object literal spreads, else None."""
        raise NotImplementedError

    def called_with(self, node: Any) -> tuple[str | None, list[Any], str | None] | None:
        """(the called name when the callee is an identifier, the arguments, the property read: None for the
        call itself) of `f(…)` or `f(…).key`, else None."""
        raise NotImplementedError

    def string_value(self, node: Any) -> str | None:
        """The value of a string literal, else None."""
        raise NotImplementedError

    def returned_expression(self, function: Any) -> Any:
        """The expression of a function body that is one `return x;` statement, else None."""
        raise NotImplementedError

    def define_property(self, args: list[Any], statement: int) -> None:
        raise NotImplementedError

    # --- the rules ---------------------------------------------------------------------------------------

    def value(self, node: Any) -> CommonJsValue | None:
        """What an assigned value is; None for `void 0`."""
        node = self.unwrapped(node)
        if self.is_void(node):
            return None
        required = self.required(node)
        if required is not None:
            return required
        if self.is_plain_name(node):
            return LocalName(self.name(node))
        member = self.named_member(node)
        if member is not None:
            return LocalMember(*member)
        if self.is_function_literal(node):
            return FunctionValue(node, self.literal_name(node))
        members = self.object_members(node)
        if members is not None:
            return ObjectValue(tuple(self.member(m) for m in members))
        return built_or_other(self, node)

    def member(self, node: Any) -> tuple[str | None, CommonJsValue]:
        """One property of an object literal, as ObjectValue.members has it."""
        parts = self.property_parts(node)
        if parts is not None:
            key, value = parts
            if value is None:  # `{ a }`
                return key, LocalName(key)
            return key, self.value(value) or OtherValue()
        argument = self.spread_argument(node)
        required = self.required(argument) if argument is not None else None
        if required is not None:
            return None, required
        return None, OtherValue()

    def getter(self, function: Any) -> CommonJsValue:
        """A getter's value: the name it returns (`get: function () { return x; }`), else undecided."""
        returned = self.returned_expression(function) if function is not None else None
        value = self.value(returned) if returned is not None else None
        if isinstance(value, (LocalName, LocalMember)):
            return value
        return OtherValue("the value of a getter")

    def required(self, value: Any) -> Required | None:
        """`require("spec")` → its module.exports, `require("spec").name` → that property, also through an
        interop helper (INTEROP_HELPERS); else None."""
        call = self.called_with(value)
        if call is None:
            return None
        called, args, key = call
        imported = DEFAULT if key is None else property_name(key)
        if called in INTEROP_HELPERS and imported == DEFAULT:
            return self.required(args[0]) if len(args) == 1 else None
        if called != "require" or len(args) != 1:
            return None
        specifier = self.string_value(args[0])
        return Required(specifier, imported) if specifier is not None else None

    def helper_call(self, called: str | None, callee: Any, args: list[Any], statement: int) -> None:
        """`__exportStar(require("m"), exports)` (`called`: the function's or method's name) re-exports m;
        `Object.defineProperty(exports, "x", …)` defines x."""
        if called in EXPORT_STAR_HELPERS and args:
            required = self.required(args[0])
            if required is not None and required.imported == "default":
                self.exports.star(required.specifier)
        elif self.text(callee) == "Object.defineProperty" and len(args) == 3:
            self.define_property(args, statement)


@dataclass(slots=True)
class _Assignment:
    value: CommonJsValue
    offset: int
    statement: int


@dataclass(slots=True)
class CommonJsExports(Generic[FunctionNode]):
    """The assignments one file makes to module.exports, reported to its collector when all are seen."""

    collector: ExportCollector[FunctionNode]
    _named: dict[str, list[_Assignment]] = field(default_factory=dict)
    _whole: list[_Assignment] = field(default_factory=list)
    _stars: list[str] = field(default_factory=list)

    def assign(self, name: str | None, value: CommonJsValue, offset: int, statement: int) -> None:
        """`module.exports = value` (name None) or `exports.name = value` / `module.exports.name = value`."""
        if name is None:
            self._whole.append(_Assignment(value, offset, statement))
        else:
            self._named.setdefault(property_name(name), []).append(_Assignment(value, offset, statement))

    def assign_chain(
        self,
        targets: Sequence[tuple[int, str | None | bool]],
        value: Callable[[], CommonJsValue | None],
        statement: int,
    ) -> None:
        """`a = b = value`: each (offset, target) of the chain that is an export (a name, or None for
        module.exports; False: not an export) gets the value, classified only then; `void 0` (value() None,
        a transpiler's preamble assigned again later) assigns nothing."""
        exported = [(offset, name) for offset, name in targets if name is not False]
        classified = value() if exported else None
        if classified is None:
            return
        for offset, name in exported:
            assert name is not True
            self.assign(name, classified, offset, statement)

    def star(self, specifier: str) -> None:
        """`__exportStar(require("spec"), exports)`: every name of spec is a name of this module."""
        self._stars.append(specifier)

    def result(self) -> ModuleSyntax:
        """The file's CommonJS exports (ModuleLinks.commonjs set), or no module when it assigns none."""
        if not (self._whole or self._named or self._stars):
            return ModuleSyntax(is_module=False, exports=())
        if self.collector.is_bound("exports") or self.collector.is_bound("module"):
            # `var exports = {}` in an IIFE: its `exports.a = …` are no module's (Node's lexer still lists `a`,
            # whose value is then undefined): nothing is read rather than a false function.
            return ModuleSyntax(is_module=False, exports=())
        alternatives = self._alternatives()
        if alternatives:
            self.collector.is_module = True  # the names are the alternatives' (ModuleLinks.alternatives)
        lost = self._replaced_names() if not alternatives else {}
        for whole in self._whole[-1:] if not alternatives else ():
            self._report_whole(whole, undecided=len(self._whole) > 1)
        for name, offset in lost.items():
            if name not in self._named:  # not given again by `module.exports = { name }`
                reason = "assigned to the object module.exports is replaced by afterwards"
                self.collector.export_name(name, offset, unknown=reason)
        for name, assignments in self._named.items():
            if len(assignments) > 1:
                first = assignments[0]
                self.collector.export_name(name, first.offset, unknown=f"module.exports.{name} is assigned twice")
            else:
                self._report(name, assignments[0])
        for specifier in dict.fromkeys(self._stars):
            self.collector.star_export(specifier)
        syntax = self.collector.result()
        if syntax.links is None:
            return syntax
        links = replace(syntax.links, commonjs=True, alternatives=alternatives)
        return replace(syntax, is_module=False, links=links)

    def _replaced_names(self) -> dict[str, int]:
        """`exports.a = f; module.exports = other;`: names assigned only before module.exports is replaced
        (Node's lexer still lists them; the object they were set on is gone), taken out of the names."""
        if not self._whole:
            return {}
        last = self._whole[-1].offset
        lost = {name: a[0].offset for name, a in self._named.items() if all(x.offset < last for x in a)}
        for name in lost:
            del self._named[name]
        return lost

    def _alternatives(self) -> tuple[str, ...]:
        """React's `if (production) module.exports = require("./a"); else module.exports = require("./b");`:
        module.exports is one of several required modules (only so, each assigned once)."""
        if len(self._whole) < 2:
            return ()
        values = [w.value for w in self._whole]
        if not all(isinstance(v, Required) and v.imported == DEFAULT for v in values):
            return ()
        specifiers = tuple(dict.fromkeys(v.specifier for v in values if isinstance(v, Required)))
        return specifiers if len(specifiers) == len(values) else ()

    def _report_whole(self, whole: _Assignment, *, undecided: bool) -> None:
        collector, value = self.collector, whole.value
        if undecided:
            collector.export_name(DEFAULT, whole.offset, unknown="module.exports is assigned twice")
            return
        if isinstance(value, Required):
            collector.re_export(DEFAULT, value.imported, value.specifier, whole.offset)
            if value.imported == DEFAULT:
                self._stars.append(value.specifier)  # the lexer's reexport: x's names are this module's
        elif isinstance(value, ObjectValue):
            collector.export_name(DEFAULT, whole.offset)  # an object is no function
            self._literal_names(value, whole)
        else:
            self._report(DEFAULT, whole)

    def _literal_names(self, literal: ObjectValue, whole: _Assignment) -> None:
        """The lexer's names of `module.exports = {…}`: keys whose value is a name (`a`, `b: c`, `"d": e`) and
        reexports `...require("./x")`, up to the first property of any other form, where it stops."""
        for key, member in literal.members:
            if key is not None and isinstance(member, LocalName):
                if property_name(key) not in self._named:
                    self._named[property_name(key)] = [_Assignment(member, whole.offset, whole.statement)]
            elif key is None and isinstance(member, Required) and member.imported == DEFAULT:
                self._stars.append(member.specifier)
            else:
                return

    def _report(self, name: str, assignment: _Assignment) -> None:
        collector, value = self.collector, assignment.value
        if isinstance(value, LocalMember):
            binding = collector.imported(value.name)
            if binding is not None and binding.imported == DEFAULT:
                value = Required(binding.specifier, property_name(value.key))
            else:
                value = OtherValue(f"a property of '{value.name}'")
        export_type = DEFAULT if name == DEFAULT else NAMED
        if isinstance(value, Required):
            collector.re_export(name, value.imported, value.specifier, assignment.offset)
        elif isinstance(value, LocalName):
            collector.export_local(
                name, value.name, export_type, assignment.offset, assignment.statement, in_clause=False
            )
        elif isinstance(value, FunctionValue):
            local = value.name if name == DEFAULT else name
            collector.export_function(
                name, local, export_type, value.function, assignment.offset, assignment.statement, built=value.built
            )
        elif isinstance(value, ObjectValue):
            collector.export_name(name, assignment.offset)
        else:
            collector.export_name(name, assignment.offset, unknown=value.unknown)
