"""`codetracker show --public` as a user runs it (a subprocess) against real Postgres: a package scanned with
--packages keeps its public API with its snapshot, and `show` lists only that API, by subpath, each export
with its function's parameters; deep imports are not listed."""

from __future__ import annotations

import json

from tests.integration.cli.test_cli_sources import _cli, _ok, db  # noqa: F401 (db: a fixture)
from tests.support.git_repos import RepoBuilder

CALC = {
    "package.json": json.dumps(
        {"name": "calc", "version": "1.0.0", "exports": {".": "./src/index.js", "./fp": {"import": "./src/fp.js"}}}
    ).encode(),
    "src/index.js": b"export { add } from './add.js';\nexport * from './math.js';\n"
    b"export default function main(x) {}\n",
    "src/add.js": b"export function add(a, b) {}\n",
    "src/math.js": b"export function mul(a, b) {}\nexport const table = {};\n",
    "src/internal.js": b"export function deep(x) {}\n",
    "src/fp.js": b"export { add as plus } from './add.js';\n",
}


def test_show_public_lists_the_public_api_by_subpath(tmp_path, db):  # noqa: F811
    with RepoBuilder.create(tmp_path / "calc.git") as builder:
        builder.commit(CALC)
        builder.set_head("main")
    _ok("scan", tmp_path / "calc.git", "--ref", "main", "--packages", database_url=db)

    listed = json.loads(_ok("show", "calc", "--tag", "HEAD", "--public", "--json", database_url=db))
    assert listed["snapshot"]["module_slug"] == "calc"
    api = {s["subpath"]: s for s in listed["public_api"]}
    assert list(api) == [".", "./fp"]
    assert (api["."]["file_path"], api["./fp"]["conditions"]) == ("src/index.js", ["import"])
    assert [(e["export_name"], e["file_path"], e["name"]) for e in api["."]["exports"]] == [
        ("add", "src/add.js", "add"),
        ("default", "src/index.js", "main"),
        ("mul", "src/math.js", "mul"),
    ]
    assert [p["name"] for p in api["."]["exports"][0]["functions"][0]["parameters"]] == ["a", "b"]
    assert [(e["export_name"], e["name"]) for e in api["./fp"]["exports"]] == [("plus", "add")]
    assert "deep" not in json.dumps(listed) and "table" not in json.dumps(listed)

    # The whole snapshot still has the deep import, marked not public.
    whole = json.loads(_ok("show", "calc", "--tag", "HEAD", "--json", database_url=db))
    assert {f["name"]: f["public"] for f in whole["functions"]} == {
        "add": True,
        "deep": False,
        "main": True,
        "mul": True,
    }
    assert whole["public_api"]["public_functions"][0]["export_name"] == "add"

    text = _ok("show", "calc", "--tag", "HEAD", "--public", database_url=db)
    assert "entry point ./fp: src/fp.js (import)" in text and "(a, b)" in text and "plus" in text
    assert "deep" not in text and text.rstrip().endswith("4 public functions in 2 subpaths")


def test_show_public_needs_one_snapshot_and_says_when_none_is_stored(tmp_path, db):  # noqa: F811
    refused = _cli("show", "calc", "--public", database_url=db)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "--tag" in refused.stderr
    with RepoBuilder.create(tmp_path / "plain.git") as builder:
        builder.commit({"src/a.js": b"export function a() {}\n"})
        builder.set_head("main")
    _ok("scan", tmp_path / "plain.git", "--ref", "main", database_url=db)  # no package.json: no public API
    text = _ok("show", "plain", "--tag", "HEAD", "--public", database_url=db)
    assert "no public API stored" in text
    assert (
        json.loads(_ok("show", "plain", "--tag", "HEAD", "--public", "--json", database_url=db))["public_api"] is None
    )
