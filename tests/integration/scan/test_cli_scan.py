"""The `codetracker` command against a real Postgres and a real git server, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.scan.conftest import V1_FILES

ROOT = Path(__file__).resolve().parents[3]


def _cli(*args: str, env_extra: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_"))}
    env.update(env_extra)
    result = subprocess.run(
        [sys.executable, "-m", "codetracker.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def db_env(migrated_database_url):
    return {"DATABASE_URL": migrated_database_url}


def test_scan_url_then_show(widgets, db_env):
    result = _cli("scan", widgets.url, "--ref", "v1.0.0", "--json", env_extra=db_env)
    summary = json.loads(result.stdout)
    assert summary["module_slug"] == "widgets"
    assert (summary["branch_name"], summary["release_tag"], summary["commit_sha"]) == ("main", "v1.0.0", widgets.v1)
    assert summary["functions_count"] == 3 and summary["parameters_count"] == 4
    assert summary["return_values_count"] == 1 and summary["files_count"] == len(V1_FILES)
    assert summary["fetch"]["bytes_received"] > 0

    table = _cli("scan", widgets.url, "--ref", "main", env_extra=db_env).stdout
    header, row = table.splitlines()[:2]
    assert header.split()[:4] == ["module_slug", "snapshot_id", "branch_name", "release_tag"]
    assert row.split()[2:4] == ["main", "HEAD"]
    # v1.0.0 and main share every module blob but src/index.mjs and src/new.mjs
    assert "5 module files: 2 extracted, 3 from the cache; fetched" in table
    assert "(trees first, then the blobs needed)" in table

    listing = json.loads(_cli("show", "Widgets", "--json", env_extra=db_env).stdout)  # names are slugified
    assert sorted(s["release_tag"] for s in listing) == ["HEAD", "v1.0.0"]
    one = json.loads(_cli("show", "widgets", "--branch", "main", "--tag", "v1.0.0", "--json", env_extra=db_env).stdout)
    assert [f["name"] for f in one["functions"]] == ["make", "twice", "default"]
    assert one["snapshot"]["commit_sha"] == widgets.v1


def test_scan_folder_and_show_table(tmp_path, db_env):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.mjs").write_text("export function alpha(x, { y } = {}) {}\n")
    result = _cli(
        "scan",
        str(tmp_path),
        "--branch",
        "dev",
        "--tag",
        "v0.1",
        "--slug",
        "Lib A",
        "--commit",
        "ABC123" + "0" * 34,  # a recorded commit is a full sha, stored lower-case
        env_extra=db_env,
    )
    assert "lib-a" in result.stdout and "abc123" + "0" * 34 in result.stdout
    shown = _cli("show", "lib-a", "--branch", "dev", "--tag", "v0.1", env_extra=db_env).stdout
    assert "alpha" in shown and "(x, { y }?)" in shown


def test_missing_ref_and_unknown_repository_are_one_line_errors(widgets, db_env, served):
    server, _ = served
    missing_ref = _cli("scan", widgets.url, "--ref", "nope", env_extra=db_env, check=False)
    assert missing_ref.returncode == 2
    assert missing_ref.stderr.startswith("codetracker: error: ") and missing_ref.stderr.count("\n") == 1
    no_repo = _cli("scan", server.url("does-not-exist.git"), "--ref", "main", env_extra=db_env, check=False)
    assert no_repo.returncode == 2 and no_repo.stderr.count("\n") == 1 and "Traceback" not in no_repo.stderr
    nothing = _cli("show", "widgets", env_extra=db_env, check=False)
    assert nothing.returncode == 2 and nothing.stderr == "codetracker: error: no snapshots stored for 'widgets'\n"
    wrong_branch = _cli("show", "widgets", "--branch", "dev", "--json", env_extra=db_env, check=False)
    assert wrong_branch.returncode == 2 and "with branch 'dev'" in wrong_branch.stderr


def test_token_from_environment_is_never_printed(widgets, db_env):
    secret = "ghp_SuperSecretToken123"
    result = _cli(
        "scan",
        widgets.url,
        "--ref",
        "main",
        "--token-env",
        "MY_TOKEN",
        "--json",
        env_extra={**db_env, "MY_TOKEN": secret},
    )
    assert secret not in result.stdout + result.stderr
    unset = _cli("scan", widgets.url, "--ref", "main", "--token-env", "UNSET_VAR", env_extra=db_env, check=False)
    assert unset.returncode == 2 and "UNSET_VAR" in unset.stderr
