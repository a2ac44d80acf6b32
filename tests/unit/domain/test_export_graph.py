"""The export graph: every re-export form of the module spec, cycles, conflicting stars, unknowns."""

from __future__ import annotations

from codetracker.domain.export_graph import (
    PROPERTY_DEFAULT,
    ExportGraph,
    ImportBinding,
    ModuleLinks,
    Outcome,
    ReExport,
    resolve_specifier,
)


def _graph(**modules: ModuleLinks) -> ExportGraph:
    return ExportGraph({name.replace("__", "/").replace("_", "."): links for name, links in modules.items()})


def _where(graph: ExportGraph, file_path: str, name: str):
    resolved = graph.resolve(file_path, name)
    return (resolved.outcome, resolved.file_path, resolved.name)


def test_specifiers_resolve_inside_the_package_with_bundler_and_typescript_rules():
    files = {"src/a.ts", "src/b.js", "src/dir/index.js", "src/c.mts", "index.js"}
    assert resolve_specifier("src/x.js", "./a.js", files) == "src/a.ts"  # TypeScript's './a.js' → a.ts
    assert resolve_specifier("src/x.js", "./b", files) == "src/b.js"
    assert resolve_specifier("src/x.js", "./dir", files) == "src/dir/index.js"
    assert resolve_specifier("src/x.js", "./c.mjs", files) == "src/c.mts"
    assert resolve_specifier("src/x.js", "../index.js", files) == "index.js"
    assert resolve_specifier("src/x.js", "lodash", files) is None
    assert resolve_specifier("index.js", "../outside.js", files) is None


def test_named_and_renamed_re_exports_point_at_the_defining_file():
    graph = _graph(
        index_js=ModuleLinks(re_exports=(ReExport("bisect", "default", "./bisect.js"), ReExport("r", "right", "./b"))),
        bisect_js=ModuleLinks(functions=frozenset({"default", "right"})),
        b_js=ModuleLinks(functions=frozenset({"right"})),
    )
    assert _where(graph, "index.js", "bisect") == (Outcome.FUNCTION, "bisect.js", "default")
    assert _where(graph, "index.js", "r") == (Outcome.FUNCTION, "b.js", "right")
    assert graph.export_names("index.js") == ["bisect", "r"]


def test_an_imported_binding_exported_again_and_export_default_of_an_import():
    graph = _graph(
        index_js=ModuleLinks(
            imports={"x": ImportBinding("x", "default", "./y.js"), "z": ImportBinding("z", "zed", "./y.js")},
            local_exports={"x": "x", "default": "z", "alias": "x"},
        ),
        y_js=ModuleLinks(functions=frozenset({"default", "zed"})),
    )
    assert _where(graph, "index.js", "x") == (Outcome.FUNCTION, "y.js", "default")
    assert _where(graph, "index.js", "alias") == (Outcome.FUNCTION, "y.js", "default")
    assert _where(graph, "index.js", "default") == (Outcome.FUNCTION, "y.js", "zed")


def test_export_star_skips_default_and_drops_conflicting_names_but_explicit_names_win():
    graph = _graph(
        index_js=ModuleLinks(
            star_specifiers=("./a.js", "./b.js", "./c.js"), re_exports=(ReExport("clash2", "clash2", "./a.js"),)
        ),
        a_js=ModuleLinks(functions=frozenset({"default", "onlyA", "clash", "clash2", "same"})),
        b_js=ModuleLinks(functions=frozenset({"clash", "clash2"}), re_exports=(ReExport("same", "same", "./a.js"),)),
        c_js=ModuleLinks(functions=frozenset({"onlyC"})),
    )
    # `clash` comes from two bindings: dropped. `same` is one binding reached twice: kept. `clash2` is explicit.
    assert graph.export_names("index.js") == ["clash2", "onlyA", "onlyC", "same"]
    assert _where(graph, "index.js", "same") == (Outcome.FUNCTION, "a.js", "same")
    assert _where(graph, "index.js", "clash2") == (Outcome.FUNCTION, "a.js", "clash2")
    assert graph.resolve("index.js", "clash").outcome is Outcome.UNKNOWN
    assert graph.resolve("index.js", "default").outcome is Outcome.UNKNOWN


def test_namespaces_are_not_functions_and_bare_specifiers_are_unknown():
    graph = _graph(
        index_js=ModuleLinks(
            re_exports=(ReExport("ns", "*", "./a.js"), ReExport("ext", "thing", "other-package")),
            imports={"all": ImportBinding("all", "*", "./a.js")},
            local_exports={"all": "all"},
        ),
        a_js=ModuleLinks(functions=frozenset({"f"})),
    )
    assert graph.resolve("index.js", "ns").outcome is Outcome.NOT_FUNCTION
    assert graph.resolve("index.js", "all").outcome is Outcome.NOT_FUNCTION
    unknown = graph.resolve("index.js", "ext")
    assert unknown.outcome is Outcome.UNKNOWN and "other-package" in (unknown.reason or "")


def test_cycles_terminate():
    graph = _graph(
        a_js=ModuleLinks(star_specifiers=("./b.js",), re_exports=(ReExport("loop", "loop", "./b.js"),)),
        b_js=ModuleLinks(
            star_specifiers=("./a.js",), functions=frozenset({"f"}), re_exports=(ReExport("loop", "loop", "./a.js"),)
        ),
    )
    assert graph.export_names("a.js") == ["f", "loop"]
    assert _where(graph, "a.js", "f") == (Outcome.FUNCTION, "b.js", "f")
    assert graph.resolve("a.js", "loop").outcome is Outcome.UNKNOWN


def test_values_and_undecided_exports_keep_their_verdicts():
    graph = _graph(
        index_js=ModuleLinks(
            not_functions=frozenset({"VERSION"}),
            unknown={"default": "the value of a call of an imported factory"},
            local_exports={"local": "someConst"},
        )
    )
    assert graph.resolve("index.js", "VERSION").outcome is Outcome.NOT_FUNCTION
    assert graph.resolve("index.js", "local").outcome is Outcome.NOT_FUNCTION
    assert graph.resolve("index.js", "default").reason == "the value of a call of an imported factory"
    public = graph.public_exports([(".", "index.js")])
    assert [(p.subpath, p.export_name, p.resolved.outcome) for p in public] == [
        (".", "VERSION", Outcome.NOT_FUNCTION),
        (".", "default", Outcome.UNKNOWN),
        (".", "local", Outcome.NOT_FUNCTION),
    ]


def test_a_property_of_an_import_follows_a_namespace_or_a_commonjs_default() -> None:
    graph = _graph(
        wrapper_mjs=ModuleLinks(
            local_exports={"v1": "v1", "f": "f", "p": "p"},
            imports={
                "v1": ImportBinding("v1", "default", "./cjs.js", "v1"),
                "f": ImportBinding("f", "*", "./esm.js", "f"),
                "p": ImportBinding("p", "default", "./esm.js", "f"),
            },
        ),
        cjs_js=ModuleLinks(functions=frozenset({"v1"}), commonjs=True),
        esm_js=ModuleLinks(functions=frozenset({"f", "default"})),
    )
    assert _where(graph, "wrapper.mjs", "v1") == (Outcome.FUNCTION, "cjs.js", "v1")  # module.exports.v1
    assert _where(graph, "wrapper.mjs", "f") == (Outcome.FUNCTION, "esm.js", "f")  # ns.f
    assert graph.resolve("wrapper.mjs", "p").outcome is Outcome.UNKNOWN  # a property of an ES default: unknown


def test_a_commonjs_module_that_is_one_of_several_has_what_all_of_them_agree_on() -> None:
    graph = _graph(
        index_js=ModuleLinks(commonjs=True, alternatives=("./prod.js", "./dev.js")),
        prod_js=ModuleLinks(
            functions=frozenset({"useState", "act"}), not_functions=frozenset({"version"}), commonjs=True
        ),
        dev_js=ModuleLinks(
            functions=frozenset({"useState"}), not_functions=frozenset({"version", "act"}), commonjs=True
        ),
    )
    assert graph.export_names("index.js") == ["act", "default", "useState", "version"]
    assert _where(graph, "index.js", "useState") == (Outcome.FUNCTION, "dev.js", "useState")  # the fallback's record
    assert graph.resolve("index.js", "version").outcome is Outcome.NOT_FUNCTION
    assert graph.resolve("index.js", "act").outcome is Outcome.UNKNOWN  # a function in one only
    assert graph.resolve("index.js", "default").outcome is Outcome.UNKNOWN


def test_alternatives_that_require_each_other_terminate() -> None:
    graph = _graph(
        a_js=ModuleLinks(commonjs=True, alternatives=("./b.js", "./c.js")),
        b_js=ModuleLinks(commonjs=True, alternatives=("./a.js", "./c.js")),
        c_js=ModuleLinks(functions=frozenset({"f"}), commonjs=True, star_specifiers=("./d.js",)),
        d_js=ModuleLinks(functions=frozenset({"g"}), commonjs=True),
    )
    assert graph.export_names("a.js") == ["default", "f", "g"]
    assert graph.resolve("a.js", "f").outcome is Outcome.UNKNOWN  # b.js's f ends in a cycle: not shown


def test_the_default_property_of_a_commonjs_default_is_its_exports_default() -> None:
    graph = _graph(
        wrapper_mjs=ModuleLinks(
            local_exports={"v4": "v4", "whole": "whole"},
            imports={
                "v4": ImportBinding("v4", "default", "./v4.js", "default"),  # `const v4 = m.default`
                "whole": ImportBinding("whole", "*", "./v4.js", "default"),  # `ns.default`: module.exports
            },
        ),
        v4_js=ModuleLinks(functions=frozenset({PROPERTY_DEFAULT}), not_functions=frozenset({"default"}), commonjs=True),
    )
    assert _where(graph, "wrapper.mjs", "v4") == (Outcome.FUNCTION, "v4.js", PROPERTY_DEFAULT)
    assert graph.resolve("wrapper.mjs", "whole").outcome is Outcome.NOT_FUNCTION
    assert graph.export_names("v4.js") == ["default"]  # the property is no export Node gives


def test_a_barrel_of_export_stars_resolves_each_specifier_once(monkeypatch) -> None:
    """three.js's Three.js re-exports 400 modules with `export *`: every name it exports looks through every
    star. Each (file, specifier) is resolved once per graph, not once per name (235k times, 8 s, before)."""
    from codetracker.domain import export_graph

    leaves = {f"m{i}.js": ModuleLinks(functions=frozenset({f"f{i}_{j}" for j in range(5)})) for i in range(30)}
    barrel = ModuleLinks(star_specifiers=tuple(f"./{path}" for path in leaves))
    graph = ExportGraph({"index.js": barrel, **leaves})
    resolved: list[tuple[str, str]] = []
    real = export_graph.resolve_specifier

    def counting(from_file: str, specifier: str, files):  # type: ignore[no-untyped-def]
        resolved.append((from_file, specifier))
        return real(from_file, specifier, files)

    monkeypatch.setattr(export_graph, "resolve_specifier", counting)
    public = graph.public_exports([(".", "index.js")])
    assert len(public) == 150 and all(p.resolved.outcome is Outcome.FUNCTION for p in public)
    assert public[0].resolved.file_path == "m0.js"
    assert len(resolved) == len(set(resolved)) == 30
