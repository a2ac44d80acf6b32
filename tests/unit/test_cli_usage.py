"""The CLI's answers to bad input: one line on stderr, exit 2, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from codetracker.cli import main


@pytest.fixture
def unused_tcp_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(argv, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["extract"],
        ["extract", "/definitely/not/here"],
        ["extract", ".", "--parser", "acorn"],
        ["scan", "{tmp}"],  # a folder outside a git checkout needs --branch
        ["scan", "https://example.invalid/x.git"],  # a URL needs --ref
        ["scan", ".", "--branch", "main", "--token-env", "X"],
        ["scan", "https://[::1/x", "--ref", "main"],
        ["scan", ".", "--branch", "main", "--commit", "not-a-sha"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, tmp_path):
    code, out, err = _run([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2
    assert err.startswith("codetracker: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "codetracker.cli", "extract", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == f"codetracker: error: folder not found: {tmp_path / 'missing'}\n"


def test_unreachable_database_is_a_clear_error(tmp_path, monkeypatch, unused_tcp_port):
    (tmp_path / "m.mjs").write_text("export function f() {}\n")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://user:s3cret-pw@127.0.0.1:{unused_tcp_port}/db")
    code, out, err = _run(["scan", str(tmp_path), "--branch", "main"])
    assert code == 2
    assert err.startswith("codetracker: error: ") and err.count("\n") == 1
    assert "s3cret-pw" not in err and out == ""


def test_extract_json_has_exactly_the_documented_keys(tmp_path):
    (tmp_path / "m.mjs").write_text(
        "/**\n * Hi.\n * @param {string} a x\n * @returns {number} y\n */\nexport function f(a) {}\n"
    )
    code, out, err = _run(["extract", str(tmp_path), "--json", "--slug", "My Mod"])
    assert code == 0, err
    data = json.loads(out)
    assert data["module_slug"] == "my-mod"
    (f,) = data["functions"]
    assert set(f) == {
        "name",
        "file_path",
        "export_type",
        "is_async",
        "description",
        "jsdoc_raw",
        "order_in_file",
        "parameters",
        "return_values",
        "type_parameters",
        "overload",
        "params_from_doc",
    }
    assert set(data) == {"module_slug", "functions", "problems", "files", "type_exports"}
    assert set(f["parameters"][0]) == {
        "name",
        "position",
        "type",
        "is_optional",
        "is_rest",
        "default_value",
        "doc_default",
        "description",
        "type_source",
        "jsdoc_type",
        "keys",
    }
    assert set(f["return_values"][0]) == {"type", "description", "type_source", "jsdoc_type"}
    assert (f["name"], f["description"], f["parameters"][0]["type"]) == ("f", "Hi.", "string")


def test_extract_table_lists_functions_and_problems(tmp_path):
    (tmp_path / "m.mjs").write_text("export async function f(a, ...rest) {}\nexport default () => 1;\n")
    (tmp_path / "bad.mjs").write_text("export function (\n")
    code, out, err = _run(["extract", str(tmp_path)])
    assert code == 0, err
    assert "f" in out and "async" in out and "(a, ...rest)" in out
    assert "parse_error bad.mjs:1:" in out


def test_malformed_database_url_never_echoes_the_password(tmp_path, monkeypatch):
    (tmp_path / "m.mjs").write_text("export function f() {}\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bob:pw5ecret@[::1/db")
    code, out, err = _run(["scan", str(tmp_path), "--branch", "main"])
    assert code == 2 and err.startswith("codetracker: error: ") and err.count("\n") == 1
    assert "pw5ecret" not in err + out


def test_bad_input_is_refused_before_any_database_is_started(tmp_path, monkeypatch):
    """Argument errors found by a use case come before the first database work: no embedded Postgres."""
    for name in ("DATABASE_URL", "CODE_TRACKER_PG_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CODE_TRACKER_PG_DATA", str(tmp_path / "pgdata"))
    (tmp_path / "src").mkdir()
    code, _, err = _run(["scan", str(tmp_path / "src"), "--branch", "main", "--commit", "not-a-sha"])
    assert code == 2 and "--commit" in err
    code, _, err = _run(["show", "   "])
    assert code == 2 and "slug" in err
    assert not (tmp_path / "pgdata").exists()
