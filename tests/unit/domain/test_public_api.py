"""A package's public API from its manifest and its files' links (domain/public_api.py)."""

from __future__ import annotations

from codetracker.domain.export_graph import ImportBinding, ModuleLinks, ReExport
from codetracker.domain.model import PackageEntryPoint, ProblemKind, PublicFunction, UnknownExport
from codetracker.domain.public_api import package_public_api

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
