"""A package's public API from its manifest and its files' links (domain/public_api.py)."""

from __future__ import annotations

from codetracker.domain.export_graph import ImportBinding, ModuleLinks, ReExport
from codetracker.domain.model import PackageEntryPoint, ProblemKind, PublicFunction, UnknownExport
import pytest

from codetracker.domain.public_api import node_reads_as, package_public_api

MANIFEST = {"name": "lib", "exports": {".": "./src/index.js", "./extra": "./dist/extra.js"}}
FILES = ("lib/package.json", "lib/src/index.js", "lib/src/bisect.js", "lib/src/shuffle.js", "lib/src/cycle.js")
LINKS = {
    "lib/src/index.js": ModuleLinks(
        re_exports=(ReExport("bisect", "bisectRight", "./bisect.js"), ReExport("shuffle", "default", "./shuffle.js")),
        star_specifiers=("./cycle.js",),
        local_exports={"left": "left"},
        imports={"left": ImportBinding("left", "bisectLeft", "./bisect.js")},
    ),
    "lib/src/bisect.js": ModuleLinks(
        functions=frozenset({"bisectRight", "bisectLeft"}), not_functions=frozenset({"N"})
    ),
    "lib/src/shuffle.js": ModuleLinks(unknown={"default": "the value of a call: shuffler(…)"}),
    # a cycle: cycle.js re-exports itself, and the names it brings terminate
    "lib/src/cycle.js": ModuleLinks(functions=frozenset({"default", "loop"}), star_specifiers=("./cycle.js",)),
}


def test_public_functions_point_at_their_records() -> None:
    api = package_public_api("lib", MANIFEST, FILES, LINKS, {"lib/src/cycle.js": "named"})

    assert api.entry_points == (
        PackageEntryPoint(".", (), "lib/src/index.js"),
        PackageEntryPoint("./extra", (), None),
    )
    assert sorted(api.public_functions, key=lambda f: f.export_name) == [
        PublicFunction(".", "bisect", "lib/src/bisect.js", "bisectRight"),
        PublicFunction(".", "left", "lib/src/bisect.js", "bisectLeft"),
        PublicFunction(".", "loop", "lib/src/cycle.js", "loop"),  # `export *` brings no `default`
    ]
    assert api.unknown_exports == (UnknownExport(".", "shuffle", "the value of a call: shuffler(…)"),)
    kinds = sorted(p.kind for p in api.problems)
    assert kinds == [ProblemKind.ENTRY_POINT, ProblemKind.UNKNOWN_EXPORT]
    assert all(p.path == "lib/package.json" for p in api.problems)


def test_a_self_reference_by_the_package_name_resolves_through_its_exports() -> None:
    # preact/compat: `export * from 'preact/hooks'` and `import { h } from 'preact'` inside preact itself
    manifest = {"name": "preact", "exports": {".": "./src/index.js", "./hooks": "./hooks/index.js"}}
    files = ("package.json", "src/index.js", "hooks/index.js", "compat/index.js")
    links = {
        "src/index.js": ModuleLinks(functions=frozenset({"h"})),
        "hooks/index.js": ModuleLinks(functions=frozenset({"useState"})),
        "compat/index.js": ModuleLinks(
            star_specifiers=("preact/hooks",),
            local_exports={"createElement": "h", "other": "o"},
            imports={"h": ImportBinding("h", "h", "preact"), "o": ImportBinding("o", "o", "preact-other")},
        ),
    }
    manifest["exports"]["./compat"] = "./compat/index.js"

    api = package_public_api("", manifest, files, links, {})

    compat = sorted((f.export_name, f.file_path, f.name) for f in api.public_functions if f.subpath == "./compat")
    assert compat == [("createElement", "src/index.js", "h"), ("useState", "hooks/index.js", "useState")]
    assert [u.export_name for u in api.unknown_exports if u.subpath == "./compat"] == ["other"]


@pytest.mark.parametrize(
    ("path", "commonjs", "package_type", "loads"),
    [
        ("a.cjs", True, "module", True),  # .cjs is CommonJS whatever the type
        ("a.cjs", False, "", False),  # `export` in a .cjs file: a syntax error for Node
        ("a.mjs", False, "commonjs", True),
        ("a.mjs", True, "", False),  # `module` is not defined in an ES module
        ("a.js", True, "module", False),  # "type": "module": .js is an ES module
        ("a.js", False, "module", True),
        ("a.js", False, "commonjs", False),  # "type": "commonjs": `export` is a SyntaxError (checked on Node 20.20)
        ("a.js", True, "commonjs", True),
        ("a.js", True, "", True),  # no type: CommonJS, or an ES module by its syntax (Node's detection)
        ("a.js", False, "", True),
    ],
)
def test_node_loads_a_file_in_the_form_it_was_read_in(
    path: str, commonjs: bool, package_type: str, loads: bool
) -> None:
    assert node_reads_as(path, commonjs, package_type) is loads


def test_a_commonjs_file_under_a_nested_module_type_exports_nothing() -> None:
    manifest = {"name": "r", "exports": {"./a": "./a.js", "./es/b": "./es/b.js"}}
    links = {
        "a.js": ModuleLinks(functions=frozenset({"default"}), commonjs=True),
        "es/b.js": ModuleLinks(functions=frozenset({"default"}), commonjs=True),
    }
    api = package_public_api(
        "", manifest, ("package.json", "a.js", "es/package.json", "es/b.js"), links, {}, folder_types={"es": "module"}
    )
    assert [(f.subpath, f.file_path) for f in api.public_functions] == [("./a", "a.js")]
