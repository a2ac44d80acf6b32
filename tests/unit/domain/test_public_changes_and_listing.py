"""A package's public API as users see it: which records are public, the API grouped by subpath, and public
functions counted apart among a snapshot's changes."""

from __future__ import annotations

from codetracker.domain.changes import diff_snapshots
from codetracker.domain.model import (
    Descriptor,
    ExportedFunction,
    PackageApi,
    PackageEntryPoint,
    PackageInfo,
    Parameter,
    PublicFunction,
    UnknownExport,
)
from codetracker.domain.public_listing import group_by_subpath, public_keys


def f(name: str, path: str = "src/a.js", *params: str) -> ExportedFunction:
    return ExportedFunction(
        name,
        path,
        "named",
        False,
        None,
        None,
        0,
        tuple(Parameter(p, i, None, False, False, None, None, None) for i, p in enumerate(params)),
    )


def snapshot(functions, public: list[PublicFunction] | None) -> Descriptor:
    api = (
        PackageApi((PackageEntryPoint(".", ("import",), "src/index.js"),), tuple(public))
        if public is not None
        else None
    )
    return Descriptor("pkg", tuple(functions), public_api=api)


def test_public_keys_come_from_the_packages_or_the_snapshots_own_api():
    p = PublicFunction(".", "add", "src/a.js", "add")
    assert public_keys(Descriptor("t", (f("add"),))) is None  # no package.json: nothing known
    assert public_keys(snapshot([f("add"), f("deep")], [p])) == {("src/a.js", "add")}
    two = Descriptor(
        "t",
        (),
        packages=(
            PackageInfo("a", None, "a", "a", False, (), public_functions=(PublicFunction(".", "x", "a/x.js", "x"),)),
            PackageInfo("b", None, "b", "b", False, (), public_functions=(PublicFunction(".", "y", "b/y.js", "y"),)),
        ),
    )
    assert public_keys(two) == {("a/x.js", "x"), ("b/y.js", "y")}


def test_group_by_subpath_in_entry_point_order_with_each_function_and_the_unknown_exports():
    api = PackageApi(
        entry_points=(
            PackageEntryPoint(".", ("import",), "src/index.js"),
            PackageEntryPoint("./fp", ("default",), "src/fp.js"),
            PackageEntryPoint("./dist", ("import",), None),
        ),
        public_functions=(
            PublicFunction(".", "subtract", "src/a.js", "sub"),
            PublicFunction(".", "add", "src/a.js", "add"),
            PublicFunction("./fp", "add", "src/a.js", "add"),
            PublicFunction(".", "lost", "src/gone.js", "lost"),  # a record the snapshot lacks: listed, no function
        ),
        unknown_exports=(UnknownExport(".", "shuffle", "the value of a call"),),
    )
    groups = group_by_subpath(api, [f("add", "src/a.js", "a", "b"), f("sub", "src/a.js", "a"), f("deep", "x.js")])
    assert [(g.subpath, g.file_path, g.conditions) for g in groups] == [
        (".", "src/index.js", ("import",)),
        ("./fp", "src/fp.js", ("default",)),
        ("./dist", None, ("import",)),
    ]
    root = groups[0]
    assert [(e.export_name, e.name, [p.name for fn in e.functions for p in fn.parameters]) for e in root.exports] == [
        ("add", "add", ["a", "b"]),
        ("lost", "lost", []),
        ("subtract", "sub", ["a"]),
    ]
    assert [u.export_name for u in root.unknown] == ["shuffle"]
    assert [e.export_name for e in groups[1].exports] == ["add"] and groups[2].exports == ()


def test_public_functions_are_counted_apart_from_all_functions():
    before = snapshot(
        [f("add", "src/a.js", "a"), f("old"), f("deep"), f("sub", "src/a.js", "a")],
        [
            PublicFunction(".", "add", "src/a.js", "add"),
            PublicFunction(".", "old", "src/a.js", "old"),
            PublicFunction(".", "minus", "src/a.js", "sub"),
        ],
    )
    after = snapshot(
        [f("add", "src/a.js", "a", "b"), f("deep", "src/a.js", "x"), f("sub", "src/a.js", "a"), f("new")],
        [
            PublicFunction(".", "add", "src/a.js", "add"),  # its function changed
            PublicFunction(".", "minus", "src/a.js", "sub"),  # unchanged
            PublicFunction("./fp", "add", "src/a.js", "add"),  # a new subpath's export
        ],
    )
    changes = diff_snapshots(before, after).summary()
    # All functions: new added; old removed; add and deep (not public) changed.
    assert (changes["added_count"], changes["removed_count"], changes["changed_count"]) == (1, 1, 2)
    public = changes["public"]
    assert (public["count"], public["added_count"], public["removed_count"], public["changed_count"]) == (3, 1, 1, 1)
    assert public["added"] == [{"subpath": "./fp", "export_name": "add", "file_path": "src/a.js", "name": "add"}]
    assert [x["export_name"] for x in public["removed"]] == ["old"]
    assert [x["export_name"] for x in public["changed"]] == ["add"]


def test_an_export_now_naming_another_record_is_changed_and_a_first_snapshot_adds_every_public_function():
    before = snapshot([f("a"), f("b")], [PublicFunction(".", "x", "src/a.js", "a")])
    after = snapshot([f("a"), f("b")], [PublicFunction(".", "x", "src/a.js", "b")])
    assert diff_snapshots(before, after).summary()["public"]["changed_count"] == 1
    assert diff_snapshots(None, after).summary()["public"]["added_count"] == 1
    # A snapshot stored before public APIs were: every public function of the new one is added.
    assert diff_snapshots(snapshot([f("a"), f("b")], None), after).summary()["public"]["added_count"] == 1


def test_without_a_public_api_the_changes_say_nothing_of_public_functions():
    assert diff_snapshots(None, snapshot([f("a")], None)).summary()["public"] is None
