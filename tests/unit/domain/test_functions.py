"""build_functions: parser syntax facts plus JSDoc become ExportedFunction values (hand-built syntax)."""

from __future__ import annotations

from codetracker.domain.functions import build_functions, function_name
from codetracker.domain.model import (
    ExportedFunction,
    FunctionExportSyntax,
    ModuleSyntax,
    Parameter,
    ParamSyntax,
    ReturnValue,
)


def ident(name: str, default: str | None = None, *, rest: bool = False) -> ParamSyntax:
    return ParamSyntax(source=name, identifier=name, default_source=default, is_rest=rest)


def pattern(source: str, default: str | None = None, *, rest: bool = False) -> ParamSyntax:
    return ParamSyntax(source=source, identifier=None, default_source=default, is_rest=rest)


def export(
    name: str = "f",
    *params: ParamSyntax,
    jsdoc: str | None = None,
    offset: int = 0,
    local: str | None = "",
    export_type: str = "named",
    is_async: bool = False,
) -> FunctionExportSyntax:
    return FunctionExportSyntax(
        exported_name=name,
        local_name=name if local == "" else local,
        export_type=export_type,
        is_async=is_async,
        is_generator=False,
        params=params,
        jsdoc_raw=jsdoc,
        offset=offset,
    )


def doc(*lines: str) -> str:
    return "/**\n" + "".join(f" * {line}".rstrip() + "\n" for line in lines) + " */"


def build_one(fn: FunctionExportSyntax, path: str = "src/a.js") -> ExportedFunction:
    (built,) = build_functions(ModuleSyntax(is_module=True, exports=(fn,)), path)
    return built


def params_of(fn: FunctionExportSyntax) -> tuple[Parameter, ...]:
    return build_one(fn).parameters


# --- functions ------------------------------------------------------------------------------------


def test_full_function():
    raw = doc(
        "Adds numbers.",
        "",
        "Second line.",
        "@param {number} a - first",
        "@param {number} [b=0] second",
        "@returns {number} the sum",
    )
    fn = export("add", ident("a"), ident("b"), jsdoc=raw, offset=12, is_async=True)
    built = build_one(fn, "lib/math.js")
    assert built == ExportedFunction(
        name="add",
        file_path="lib/math.js",
        export_type="named",
        is_async=True,
        description="Adds numbers.\n\nSecond line.",
        jsdoc_raw=raw,
        order_in_file=0,
        parameters=(
            Parameter("a", 0, "number", False, False, None, None, "first", type_source="jsdoc"),
            Parameter("b", 1, "number", True, False, None, "0", "second", type_source="jsdoc"),
        ),
        return_values=(ReturnValue("number", "the sum", type_source="jsdoc"),),
    )


def test_functions_are_ordered_by_offset():
    syntax = ModuleSyntax(
        is_module=True,
        exports=(export("c", offset=300), export("a", offset=10), export("b", offset=120)),
    )
    built = build_functions(syntax, "x.js")
    assert [(f.name, f.order_in_file, f.file_path) for f in built] == [
        ("a", 0, "x.js"),
        ("b", 1, "x.js"),
        ("c", 2, "x.js"),
    ]


def test_same_offset_keeps_parser_order():
    # `export { a, b }` may report both specifiers at the statement's offset
    syntax = ModuleSyntax(is_module=True, exports=(export("b", offset=5), export("a", offset=5)))
    assert [f.name for f in build_functions(syntax, "x.js")] == ["b", "a"]


def test_no_exports():
    assert build_functions(ModuleSyntax(is_module=True, exports=()), "x.js") == ()


def test_without_jsdoc():
    built = build_one(export("f", ident("a", "1"), pattern("{ b }")))
    assert built.description is None
    assert built.jsdoc_raw is None
    assert built.return_values == ()
    assert built.parameters == (
        Parameter("a", 0, None, True, False, "1", None, None),
        Parameter("{ b }", 1, None, False, False, None, None, None, keys=("b",)),
    )


def test_jsdoc_raw_is_kept_unchanged():
    raw = "/**   odd   spacing\r\n   *  kept  \r\n*/"
    built = build_one(export("f", jsdoc=raw))
    assert built.jsdoc_raw == raw
    assert built.description == "odd   spacing\n kept"


def test_description_tag_fallback():
    assert build_one(export("f", jsdoc=doc("@description From the tag."))).description == "From the tag."


def test_return_values_one_per_tag_in_order():
    raw = doc("@returns {string} text", "@return {null} when missing", "@returns")
    assert build_one(export("f", jsdoc=raw)).return_values == (
        ReturnValue("string", "text", type_source="jsdoc"),
        ReturnValue("null", "when missing", type_source="jsdoc"),
        ReturnValue(None, None),
    )


# --- names of default exports ---------------------------------------------------------------------


def test_named_export_uses_the_exported_name():
    # export { impl as publicName }
    assert build_one(export("publicName", local="impl")).name == "publicName"


def test_default_export_with_a_local_name_uses_it():
    # export default function f() {} / export { f as default } / export default f
    built = build_one(export("default", local="f", export_type="default"))
    assert (built.name, built.export_type) == ("f", "default")


def test_anonymous_default_export_is_called_default():
    built = build_one(export("default", local=None, export_type="default"))
    assert (built.name, built.export_type) == ("default", "default")


def test_function_name_directly():
    assert function_name(export("default", local="g", export_type="default")) == "g"
    assert function_name(export("default", local=None, export_type="default")) == "default"
    assert function_name(export("x", local="y")) == "x"


# --- parameters -----------------------------------------------------------------------------------


def test_parameters_come_from_the_code_not_the_docs():
    raw = doc("@param {string} a", "@param {number} b", "@param {boolean} extra not in code")
    assert [(p.name, p.position) for p in params_of(export("f", ident("a"), ident("b"), jsdoc=raw))] == [
        ("a", 0),
        ("b", 1),
    ]
    # and a code parameter without any @param still appears
    fn = export("f", ident("a"), ident("b"), ident("c"), jsdoc=doc("@param a"))
    assert [p.name for p in params_of(fn)] == ["a", "b", "c"]


def test_docs_match_by_name_whatever_their_order():
    raw = doc("@param {number} b bee", "@param {string} a ay")
    params = params_of(export("f", ident("a"), ident("b"), jsdoc=raw))
    assert [(p.name, p.type, p.description) for p in params] == [
        ("a", "string", "ay"),
        ("b", "number", "bee"),
    ]


def test_renamed_param_takes_the_doc_at_its_position():
    raw = doc("@param {string} a ay", "@param {number} oldName renamed since")
    params = params_of(export("f", ident("a"), ident("newName"), jsdoc=raw))
    assert (params[1].name, params[1].type, params[1].description) == ("newName", "number", "renamed since")


def test_positional_doc_named_after_another_code_param_is_not_borrowed():
    # `a` is undocumented; the @param at its position documents `b` and must stay with `b`
    raw = doc("@param {number} b bee")
    params = params_of(export("f", ident("a"), ident("b"), jsdoc=raw))
    assert (params[0].type, params[0].description) == (None, None)
    assert (params[1].type, params[1].description) == ("number", "bee")


def test_destructured_param_takes_the_top_level_doc_at_its_position():
    raw = doc(
        "@param {string} id the id",
        "@param {Object} options the options",
        "@param {number} options.limit max items",
        "@param {string} [options.sort=asc] order",
        "@param {Function} callback done",
    )
    fn = export("f", ident("id"), pattern("{ limit, sort = 'asc' }"), ident("callback"), jsdoc=raw)
    params = params_of(fn)
    assert [(p.name, p.position, p.type, p.description) for p in params] == [
        ("id", 0, "string", "the id"),
        ("options", 1, "Object", "the options"),
        ("callback", 2, "Function", "done"),
    ]


def test_nested_params_do_not_shift_positions_for_array_patterns_either():
    raw = doc("@param {Object[]} items", "@param {string} items[].id", "@param {number} [limit]")
    params = params_of(export("f", pattern("[first, second]"), pattern("{ n }"), jsdoc=raw))
    assert [(p.name, p.type, p.is_optional) for p in params] == [
        ("items", "Object[]", False),
        ("limit", "number", True),
    ]


def test_destructured_param_without_docs_is_named_by_its_source():
    params = params_of(export("f", ident("a"), pattern("{ x, y }"), jsdoc=doc("@param {number} a")))
    assert (params[1].name, params[1].type, params[1].description) == ("{ x, y }", None, None)


def test_destructured_param_with_a_nameless_doc_keeps_the_doc_and_its_source_name():
    params = params_of(export("f", pattern("{ x }"), jsdoc=doc("@param {Object}", "  Options.")))
    assert (params[0].name, params[0].type, params[0].description) == ("{ x }", "Object", "Options.")


def test_destructured_param_does_not_take_a_doc_named_after_a_code_param():
    raw = doc("@param {number} a", "@param {number} c see")
    params = params_of(export("f", ident("a"), pattern("{ b }"), ident("c"), jsdoc=raw))
    assert (params[1].name, params[1].type) == ("{ b }", None)
    assert (params[2].name, params[2].type, params[2].description) == ("c", "number", "see")


def test_destructured_param_with_a_default():
    raw = doc("@param {Object} [opts] the options")
    (param,) = params_of(export("f", pattern("{ a = 1 }", "{}"), jsdoc=raw))
    assert param == Parameter(
        "opts", 0, "Object", True, False, "{}", None, "the options", type_source="jsdoc", keys=("a",)
    )


def test_each_doc_describes_at_most_one_param_even_with_duplicates():
    raw = doc("@param {number} x first", "@param {string} x second")
    params = params_of(export("f", ident("x"), ident("y"), jsdoc=raw))
    assert (params[0].type, params[0].description) == ("number", "first")
    assert (params[1].type, params[1].description) == (None, None)


# --- optional, defaults, rest ---------------------------------------------------------------------


def test_optional_from_code_default():
    (param,) = params_of(export("f", ident("n", "10"), jsdoc=doc("@param {number} n")))
    assert (param.is_optional, param.default_value) == (True, "10")


def test_optional_from_jsdoc_brackets_and_default():
    raw = doc("@param {string} [a]", "@param {string} [b=x y] bee")
    a, b = params_of(export("f", ident("a"), ident("b"), jsdoc=raw))
    assert (a.is_optional, a.default_value, a.doc_default) == (True, None, None)
    # default_value is the code's alone: a default written only in JSDoc goes to doc_default
    assert (b.is_optional, b.default_value, b.doc_default, b.description) == (True, None, "x y", "bee")


def test_optional_from_closure_type():
    (param,) = params_of(export("f", ident("a"), jsdoc=doc("@param {number=} a")))
    assert (param.is_optional, param.type) == (True, "number=")


def test_code_and_documented_defaults_each_keep_their_own():
    (param,) = params_of(export("f", ident("a", "'code'"), jsdoc=doc("@param {string} [a='docs']")))
    assert (param.default_value, param.doc_default, param.is_optional) == ("'code'", "'docs'", True)


def test_code_default_without_a_documented_one():
    (param,) = params_of(export("f", ident("a", "1"), jsdoc=doc("@param {number} [a]")))
    assert (param.default_value, param.doc_default) == ("1", None)


def test_documented_default_of_a_destructured_parameter():
    raw = doc("@param {object} [options={}]", "@param {number} [options.x=1]")
    (param,) = params_of(export("f", pattern("{ x }"), jsdoc=raw))
    assert (param.name, param.default_value, param.doc_default, param.is_optional) == ("options", None, "{}", True)


def test_required_without_default_or_optional_marker():
    (param,) = params_of(export("f", ident("a"), jsdoc=doc("@param {string|undefined} a")))
    assert (param.is_optional, param.default_value) == (False, None)


def test_rest_param_from_code():
    raw = doc("@param {string} sep", "@param {...string} parts the parts")
    sep, parts = params_of(export("join", ident("sep"), ident("parts", rest=True), jsdoc=raw))
    assert parts == Parameter("parts", 1, "...string", False, True, None, None, "the parts", type_source="jsdoc")
    assert sep.is_rest is False


def test_variadic_doc_does_not_make_a_param_rest():
    (param,) = params_of(export("f", ident("xs"), jsdoc=doc("@param {...number} xs")))
    assert (param.is_rest, param.type) == (False, "...number")


def test_rest_param_documented_with_an_ellipsis_name():
    (param,) = params_of(export("f", ident("args", rest=True), jsdoc=doc("@param {...*} ...args all")))
    assert (param.name, param.is_rest, param.description) == ("args", True, "all")


def test_destructured_rest_param():
    (param,) = params_of(export("f", pattern("[a, b]", rest=True), jsdoc=doc("@param {...Array} pairs")))
    assert (param.name, param.is_rest, param.type) == ("pairs", True, "...Array")


def test_a_rest_tag_never_documents_a_parameter_that_is_not_rest_by_position():
    # Only the rest parameter is documented: positional matching must not give its type to `base`.
    raw = doc("@param {string[]} ...paths the parts")
    code = (ident("base"), ident("sub"), ident("rest", rest=True))
    base, sub, rest = params_of(export("mergePath", *code, jsdoc=raw))
    assert (base.type, base.description) == (None, None)
    assert (sub.type, sub.description) == (None, None)
    # At position 0, the tag is not the rest parameter's either (positions decide when names drift).
    assert (rest.type, rest.description) == (None, None)


def test_a_variadic_type_marks_a_rest_tag_too():
    raw = doc("@param {...string} paths the parts")
    base, rest = params_of(export("mergePath", ident("base"), ident("rest", rest=True), jsdoc=raw))
    assert base.type is None and rest.type is None


def test_a_rest_tag_documents_the_rest_parameter_by_name_or_at_its_position():
    raw = doc("@param {string} root", "@param {string} sub", "@param {string[]} ...paths the parts")
    code = (ident("base"), ident("sub"), ident("rest", rest=True))
    base, sub, rest = params_of(export("mergePath", *code, jsdoc=raw))
    assert (base.type, sub.type) == ("string", "string")
    assert (rest.name, rest.type, rest.description) == ("rest", "string[]", "the parts")

    raw = doc("@param {...number} ...rest", "@param {number} base")
    base, rest = params_of(export("f", ident("base"), ident("rest", rest=True), jsdoc=raw))
    assert (base.type, rest.type) == ("number", "...number")

    raw = doc("@param {...Array} pairs")
    (pairs,) = params_of(export("f", pattern("[a, b]", rest=True), jsdoc=raw))
    assert (pairs.name, pairs.type) == ("pairs", "...Array")


def test_a_rest_tag_leaves_the_next_positions_alone():
    raw = doc("@param {...string} ...names", "@param {number} count")
    a, b = params_of(export("f", ident("a"), ident("b"), jsdoc=raw))
    assert (a.type, b.type) == (None, "number")


def test_unicode_identifiers():
    raw = doc("Grüße.", "@param {string} ñame Ünïcode ✓")
    built = build_one(export("grüß", ident("ñame"), jsdoc=raw))
    assert (built.name, built.description) == ("grüß", "Grüße.")
    assert (built.parameters[0].name, built.parameters[0].description) == ("ñame", "Ünïcode ✓")


def test_malformed_jsdoc_still_builds():
    raw = "/** @param {string name\n * @param [b='\n * @returns {"
    a, b = params_of(export("f", ident("name"), ident("b"), jsdoc=raw))
    assert (a.name, a.type) == ("name", "string")
    assert (b.name, b.is_optional) == ("b", True)
