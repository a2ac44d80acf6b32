"""Snapshot sources across the entry points: the pipeline records its registration's URL, is never refused by
a snapshot the CLI made (another scope) from another source, and the CLI's own scope still refuses one."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.api_events import bearer, http_event


def _cli(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "codetracker.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_cli_snapshot_of_another_source_never_blocks_the_pipeline(pipeline, app, http_repo, tmp_path):
    slug = http_repo.path.name.removesuffix(".git").lower().replace("_", "-")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.mjs").write_text("export function unrelated() {}\n")
    made = _cli(
        "scan", str(tmp_path / "elsewhere"), "--branch", "main", "--slug", slug, database_url=pipeline.database_url
    )
    assert made.returncode == 0, made.stderr

    registered = pipeline.register(app["token"], http_repo.url)
    assert registered["module_slug"] == slug
    pipeline.drain()
    assert pipeline.get(app["token"], f"/jobs/{registered['job_id']}")["status"] == "done"
    rows = dict(pipeline.rows("SELECT scope, source_location FROM modules WHERE module_slug = %s", slug))
    assert rows["local"] == f"file://{tmp_path / 'elsewhere'}"
    assert rows[f"repository:{registered['id']}"] == registered["url"]  # the registration's normal URL

    # the same registration scanned again is the same source: stored, never refused
    http_repo.commit({"a.mjs": b"export function again() {}\n"})
    status, _ = pipeline.api(
        http_event("POST", f"/repositories/{registered['id']}/scans", body="{}", headers=bearer(app["token"]))
    )
    assert status == 202
    pipeline.drain()
    jobs = pipeline.get(app["token"], f"/repositories/{registered['id']}/jobs")["items"]
    assert [j["status"] for j in jobs] == ["done", "done"]

    # the CLI's scope still refuses a scan of the repository over the folder's snapshot, naming both
    refused = _cli("scan", http_repo.url, "--ref", "main", database_url=pipeline.database_url)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert str(tmp_path / "elsewhere") in refused.stderr and http_repo.url.removesuffix(".git") in refused.stderr
