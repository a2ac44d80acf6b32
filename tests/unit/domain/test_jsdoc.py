"""parse_jsdoc: description, @param, @returns and text rules, on hand-written JSDoc blocks."""

from __future__ import annotations

import dataclasses

import pytest

from codetracker.domain.jsdoc import JsDoc, JsDocParam, JsDocReturn, JsDocTag, parse_jsdoc


def doc(*lines: str) -> str:
    """A JSDoc block in the usual layout: one ` * ` line per argument."""
    return "/**\n" + "".join(f" * {line}".rstrip() + "\n" for line in lines) + " */"


def only_param(raw: str) -> JsDocParam:
    parsed = parse_jsdoc(raw)
    assert len(parsed.params) == 1, parsed.params
    return parsed.params[0]


# --- description ----------------------------------------------------------------------------------


def test_description_is_the_text_before_the_first_tag():
    parsed = parse_jsdoc(doc("Adds two numbers.", "", "Second paragraph.", "@param {number} a"))
    assert parsed.description == "Adds two numbers.\n\nSecond paragraph."


def test_single_line_block():
    parsed = parse_jsdoc("/** Returns the answer. */")
    assert parsed == JsDoc(description="Returns the answer.")


def test_text_on_the_opening_line_joins_the_following_lines():
    parsed = parse_jsdoc("/** First line\n * second line\n */")
    assert parsed.description == "First line\nsecond line"


def test_leading_and_trailing_blank_lines_are_trimmed_and_lines_right_stripped():
    parsed = parse_jsdoc("/**\n *\n *   \n * Text.   \n * More.\t\n *\n *\n */")
    assert parsed.description == "Text.\nMore."


def test_relative_indentation_survives_common_indentation_does_not():
    parsed = parse_jsdoc(doc("  Example:", "", "      run(1)", "        nested"))
    assert parsed.description == "Example:\n\n    run(1)\n      nested"


def test_lines_without_a_star_prefix_are_dedented_together():
    raw = "/**\n    Plain block\n      indented\n    @param x the x\n*/"
    parsed = parse_jsdoc(raw)
    assert parsed.description == "Plain block\n  indented"
    assert parsed.params[0].name == "x"
    assert parsed.params[0].description == "the x"


def test_crlf_and_javascript_line_separators_split_lines():
    assert parse_jsdoc("/**\r\n * One\r\n * Two\r\n */").description == "One\nTwo"
    assert parse_jsdoc("/**\r * One\u2028 * Two\u2029 */").description == "One\nTwo"


def test_closing_with_double_star_leaves_no_star():
    assert parse_jsdoc("/**\n * Text.\n **/").description == "Text."


def test_empty_description_is_none():
    assert parse_jsdoc("/** */").description is None
    assert parse_jsdoc("/**\n *\n */").description is None
    assert parse_jsdoc(doc("@returns {number}")).description is None


def test_description_tag_is_the_fallback_for_an_empty_leading_text():
    parsed = parse_jsdoc(doc("@param a first", "@description Does things", "  over two lines."))
    assert parsed.description == "Does things\nover two lines."
    assert parse_jsdoc(doc("@desc Short.")).description == "Short."


def test_leading_text_wins_over_a_description_tag():
    parsed = parse_jsdoc(doc("Leading.", "@description Tagged."))
    assert parsed.description == "Leading."


def test_inline_link_is_text_not_a_tag():
    raw = doc("See {@link Foo} and", "{@link Bar|bar} too.", "@returns {string} a {@link Baz}")
    parsed = parse_jsdoc(raw)
    assert parsed.description == "See {@link Foo} and\n{@link Bar|bar} too."
    assert parsed.returns == (JsDocReturn(type="string", description="a {@link Baz}"),)
    assert [t.name for t in parsed.tags] == ["returns"]


def test_unicode_text_is_kept():
    parsed = parse_jsdoc(doc("Grüße, 世界 — ✓", "@param {string} naïve Ünïcödé ☃"))
    assert parsed.description == "Grüße, 世界 — ✓"
    assert parsed.params[0].name == "naïve"
    assert parsed.params[0].description == "Ünïcödé ☃"


# --- code fences ----------------------------------------------------------------------------------


def test_at_lines_inside_a_fence_in_the_description_are_not_tags():
    parsed = parse_jsdoc(doc("Usage:", "```js", "@Component()", "class A {}", "```", "@param a the a"))
    assert parsed.description == "Usage:\n```js\n@Component()\nclass A {}\n```"
    assert [t.name for t in parsed.tags] == ["param"]


def test_at_lines_inside_a_fence_in_a_tag_belong_to_that_tag():
    parsed = parse_jsdoc(doc("@example", "~~~", "@decorate", "  run()", "~~~", "@returns {void}"))
    assert parsed.tags == (
        JsDocTag(name="example", text="~~~\n@decorate\n  run()\n~~~"),
        JsDocTag(name="returns", text="{void}"),
    )


def test_an_unclosed_fence_does_not_swallow_the_tags_after_it():
    parsed = parse_jsdoc(doc("Text", "```js", "code", "@param a the a", "@returns {number} n"))
    assert parsed.description == "Text\n```js\ncode"
    assert [p.name for p in parsed.params] == ["a"]
    assert parsed.returns == (JsDocReturn(type="number", description="n"),)


def test_inline_triple_backticks_do_not_open_a_fence():
    parsed = parse_jsdoc(doc("```inline``` code", "@param a the a"))
    assert parsed.description == "```inline``` code"
    assert [p.name for p in parsed.params] == ["a"]


def test_a_longer_fence_needs_a_closing_fence_at_least_as_long():
    parsed = parse_jsdoc(doc("````", "```", "@not-a-tag", "````", "@param a"))
    assert parsed.description == "````\n```\n@not-a-tag\n````"
    assert [t.name for t in parsed.tags] == ["param"]


# --- @param ---------------------------------------------------------------------------------------


def test_param_with_type_name_and_description():
    assert only_param(doc("@param {string} name The user's name")) == JsDocParam(
        name="name",
        type="string",
        description="The user's name",
        is_optional=False,
        default_value=None,
        is_nested=False,
        is_rest=False,
    )


def test_param_dash_before_description_is_stripped_once():
    assert only_param(doc("@param {string} name - the name")).description == "the name"
    assert only_param(doc("@param {string} name - - odd")).description == "- odd"
    assert only_param(doc("@param {string} name -")).description is None
    assert only_param(doc("@param {number} n -1 means none")).description == "-1 means none"


def test_param_without_type():
    param = only_param(doc("@param name the name"))
    assert (param.name, param.type, param.description) == ("name", None, "the name")


def test_param_without_description():
    param = only_param(doc("@param {number} count"))
    assert (param.name, param.type, param.description) == ("count", "number", None)


@pytest.mark.parametrize("tag", ["param", "arg", "argument"])
def test_param_synonyms(tag):
    param = only_param(doc(f"@{tag} {{number}} x the x"))
    assert (param.name, param.type, param.description) == ("x", "number", "the x")


def test_optional_param_in_brackets():
    param = only_param(doc("@param {string} [name] optional name"))
    assert (param.name, param.is_optional, param.default_value, param.description) == (
        "name",
        True,
        None,
        "optional name",
    )


@pytest.mark.parametrize(
    ("written", "name", "default"),
    [
        ("[name=default value]", "name", "default value"),
        ("[opts={a: 1}]", "opts", "{a: 1}"),
        ("[sep=', ']", "sep", "', '"),
        ('[close="]"]', "close", '"]"'),
        ("[list=[1, [2]]]", "list", "[1, [2]]"),
        ("[eq=a == b]", "eq", "a == b"),
        ("[fn=(x) => x]", "fn", "(x) => x"),
        ("[ spaced = 3 ]", "spaced", "3"),
        ("[empty=]", "empty", None),
        ("[options.timeout=1000]", "options.timeout", "1000"),
    ],
)
def test_optional_param_with_default(written, name, default):
    param = only_param(doc(f"@param {{*}} {written} the description"))
    assert param.name == name
    assert param.default_value == default
    assert param.is_optional
    assert param.description == "the description"


def test_default_may_span_lines():
    param = only_param(doc("@param {Object} [opts={", "  a: 1", "}] options"))
    assert (param.name, param.default_value, param.description) == ("opts", "{\n  a: 1\n}", "options")


def test_closure_optional_type():
    param = only_param(doc("@param {string=} name"))
    assert (param.type, param.is_optional) == ("string=", True)


def test_variadic_type_stays_and_a_leading_ellipsis_leaves_the_name():
    param = only_param(doc("@param {...string} ...names all names"))
    assert (param.name, param.type, param.is_optional) == ("names", "...string", False)
    assert only_param(doc("@param {...*} args")).type == "...*"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("@param {string[]} ...paths", ("paths", "string[]", True)),
        ("@param {...string} paths", ("paths", "...string", True)),
        ("@param {...string} ...paths", ("paths", "...string", True)),
        ("@param ...paths", ("paths", None, True)),
        ("@param {string[]} [...paths]", ("paths", "string[]", True)),
        ("@param {string[]} paths", ("paths", "string[]", False)),
        ("@param {string} pa...ths", ("pa...ths", "string", False)),
        ("@param {Array<...string>} paths", ("paths", "Array<...string>", False)),
    ],
)
def test_rest_tags_are_marked_by_an_ellipsis_name_or_a_variadic_type(tag, expected):
    param = only_param(doc(tag))
    assert (param.name, param.type, param.is_rest) == expected


def test_nested_types_keep_inner_whitespace_and_drop_outer_braces():
    param = only_param(doc("@param {{a: number, b: {c: string}}} opts the options"))
    assert (param.name, param.type) == ("opts", "{a: number, b: {c: string}}")
    assert param.description == "the options"
    assert only_param(doc("@param {  Array<string>  } xs")).type == "Array<string>"
    assert only_param(doc("@param {'}' | '{'} brace")).type == "'}' | '{'"
    assert only_param(doc("@param {`${string}px`} size")).type == "`${string}px`"


def test_type_may_span_lines():
    raw = doc("@param {{", "  a: number,", "  b: string", "}} opts - the options", "  continued")
    param = only_param(raw)
    assert param.type == "{\n  a: number,\n  b: string\n}"
    assert param.name == "opts"
    assert param.description == "the options\ncontinued"


def test_description_continues_until_the_next_tag():
    parsed = parse_jsdoc(
        doc("@param {string} a first line", "  second line", "", "  after a blank", "@param {number} b bee")
    )
    assert parsed.params[0].description == "first line\nsecond line\n\nafter a blank"
    assert parsed.params[1].description == "bee"


def test_description_may_start_on_the_next_line():
    param = only_param(doc("@param {Object} options", "    The options.", "      Indented more."))
    assert param.description == "The options.\n  Indented more."


def test_nested_params():
    parsed = parse_jsdoc(
        doc(
            "@param {Object} options",
            "@param {number} options.x the x",
            "@param {Object[]} items",
            "@param {string} items[].id the id",
            "@param {boolean} [options.flag=false]",
        )
    )
    assert [(p.name, p.is_nested) for p in parsed.params] == [
        ("options", False),
        ("options.x", True),
        ("items", False),
        ("items[].id", True),
        ("options.flag", True),
    ]
    assert parsed.params[4].default_value == "false"


def test_name_punctuation_and_old_style_type_after_name():
    assert only_param(doc("@param {string} name: the name")).name == "name"
    param = only_param(doc("@param callback {Function} called when done"))
    assert (param.name, param.type, param.description) == ("callback", "Function", "called when done")
    param = only_param(doc("@param x {@link Foo} instance"))
    assert (param.name, param.type, param.description) == ("x", None, "{@link Foo} instance")


def test_no_space_between_type_and_name():
    param = only_param(doc("@param{string}name the name"))
    assert (param.name, param.type, param.description) == ("name", "string", "the name")


def test_tag_on_the_first_line_of_the_comment():
    parsed = parse_jsdoc("/** @param {number} n the count */")
    assert parsed.description is None
    assert parsed.params == (JsDocParam("n", "number", "the count", False, None, False, False),)


# --- @returns -------------------------------------------------------------------------------------


def test_returns_and_return():
    parsed = parse_jsdoc(
        doc(
            "@returns {Promise<string>} - the body",
            "@return {number} a count",
            "  over lines",
            "@returns nothing typed",
        )
    )
    assert parsed.returns == (
        JsDocReturn(type="Promise<string>", description="the body"),
        JsDocReturn(type="number", description="a count\nover lines"),
        JsDocReturn(type=None, description="nothing typed"),
    )


def test_returns_with_a_multiline_type_and_no_description():
    parsed = parse_jsdoc(doc("@returns {{", "  ok: boolean", "}}"))
    assert parsed.returns == (JsDocReturn(type="{\n  ok: boolean\n}", description=None),)


def test_bare_returns():
    assert parse_jsdoc(doc("@returns")).returns == (JsDocReturn(type=None, description=None),)


# --- other tags -----------------------------------------------------------------------------------


def test_every_tag_is_kept_in_order():
    raw = doc("Text.", "@deprecated use other()", "@since 1.2", "@example", "  f(1)", "    g(2)")
    parsed = parse_jsdoc(raw)
    assert parsed.tags == (
        JsDocTag("deprecated", "use other()"),
        JsDocTag("since", "1.2"),
        JsDocTag("example", "f(1)\n  g(2)"),
    )
    assert parsed.tags_named("since") == (JsDocTag("since", "1.2"),)
    assert parsed.tags_named("param") == ()


def test_at_sign_in_the_middle_of_a_line_is_text():
    parsed = parse_jsdoc(doc("Mail me at someone@example.com", "@param a uses @b inside"))
    assert parsed.description == "Mail me at someone@example.com"
    assert parsed.params[0].description == "uses @b inside"


# --- malformed input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "/**",
        "*/",
        "/***/",
        "/** @param",
        "/** @param { */",
        "/** @param {{{ a */",
        "/** @param [ */",
        "/** @param [x=' */",
        "/** @param {'} x */",
        "/** @returns { */",
        "/** @ */",
        "/** @@@ */",
        "/** ``` */",
        "not a comment at all",
        "/**\n * @param {string\n * @param {number} b\n */",
        "/**\n * @param {Object} [opts={a: 1\n * @returns {x\n */",
        "\x00\ufeff/**\u200b*/",
    ],
)
def test_malformed_input_never_raises(raw):
    parsed = parse_jsdoc(raw)
    assert isinstance(parsed, JsDoc)


def test_unterminated_type_takes_one_token():
    parsed = parse_jsdoc(doc("@param {string name the name", "@param {number} b"))
    assert [(p.name, p.type, p.description) for p in parsed.params] == [
        ("name", "string", "the name"),
        ("b", "number", None),
    ]


def test_apostrophe_in_an_unterminated_looking_type_falls_back_to_plain_braces():
    assert only_param(doc("@param {don't} x")).type == "don't"


def test_unterminated_brackets_take_one_token():
    param = only_param(doc("@param {string} [name=a the description"))
    assert (param.name, param.default_value, param.is_optional, param.description) == (
        "name",
        "a",
        True,
        "the description",
    )


def test_missing_name():
    param = only_param(doc("@param {Object}", "  Options for the call."))
    assert (param.name, param.type, param.description) == ("", "Object", "Options for the call.")
    param = only_param(doc("@param {Object} - options"))
    assert (param.name, param.description) == ("", "options")
    assert only_param(doc("@param")) == JsDocParam("", None, None, False, None, False, False)


def test_empty_type_is_none():
    assert only_param(doc("@param {} x")).type is None


def test_values_are_frozen():
    parsed = parse_jsdoc(doc("Text.", "@param a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.description = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.params[0].name = "b"  # type: ignore[misc]


def test_large_malformed_input_stays_linear():
    # quotes, brackets and backslashes that never close: a backtracking scanner would take ages here
    hostile = "/**\n * @param {" + "'\\" * 20_000 + "[" * 20_000 + " x\n * @param [" + "'{" * 20_000 + "\n */"
    parsed = parse_jsdoc(hostile)
    assert len(parsed.params) == 2
