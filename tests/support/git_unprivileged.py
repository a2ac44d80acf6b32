"""Open local repositories as a user that permissions apply to, for tests of unreadable repositories.

Tests (and CI) run as root, for whom chmod 000 denies nothing. `open_as_unprivileged` therefore runs a fresh
Python (as the current user), which imports everything it needs and then, per repository, forks a child
that drops to uid/gid 65534 (nobody) before opening and reading the repository. The interpreter itself
(under /root) is not readable by nobody, hence fork after import rather than `subprocess(user=...)`.
When not root, the child keeps the current user, for whom chmod 000 does deny reads.

`readable_copy` copies a repository into a fresh folder under the system temp dir that everybody may read,
so that only the damage a test applies is unreadable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

NOBODY = 65534
ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
    import io, json, os, sys
    import dulwich.errors, dulwich.object_store, dulwich.objects, dulwich.pack, dulwich.refs, dulwich.repo
    import codetracker.cli
    from codetracker.adapters.git.fetcher import DulwichFetcher
    from codetracker.ports.git import RepositoryAccess

    def attempt(path, ref, via_cli):
        if via_cli:
            out, err = io.StringIO(), io.StringIO()
            code = codetracker.cli.main(["scan", path, "--ref", ref], out=out, err=err)
            return {"exit": code, "stderr": err.getvalue()}
        try:
            with DulwichFetcher().open(RepositoryAccess(path), ref) as tree:
                for _entry, _content in tree.read_many(tree.entries()):
                    pass
            return {"error": None}
        except Exception as error:
            return {"error": type(error).__name__, "message": str(error),
                    "retryable": getattr(error, "retryable", None)}

    # Every lazy import happens here, as root: the interpreter's files are not readable after the drop.
    for warm_up_ref, warm_up_cli in (("main", False), ("no-such-ref", False), ("main", True)):
        attempt(sys.argv[2], warm_up_ref, warm_up_cli)
    attempt(os.path.join(sys.argv[2], "no-such-folder"), "main", False)

    results = []
    for path, ref, via_cli in json.loads(sys.argv[1]):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                if os.geteuid() == 0:
                    os.setgroups([])
                    os.setgid(%(nobody)d)
                    os.setuid(%(nobody)d)
                result = attempt(path, ref, via_cli)
            except BaseException as error:
                result = {"crash": repr(error)}
            os.write(write_end, json.dumps(result).encode())
            os._exit(0)
        os.close(write_end)
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.close(read_end)
        os.waitpid(pid, 0)
        results.append(json.loads(b"".join(chunks) or b'{"crash": "no result"}'))
    print(json.dumps(results))
""" % {"nobody": NOBODY}


def permissions_apply() -> bool:
    """Can a test make a file unreadable (root: by dropping to nobody; others: chmod)?"""
    if os.geteuid() == 0:
        return hasattr(os, "fork") and hasattr(os, "setuid")
    with tempfile.NamedTemporaryFile() as probe:
        os.chmod(probe.name, 0)
        return not os.access(probe.name, os.R_OK)


def readable_copy(repository: Path) -> Path:
    """A copy of the repository in a new folder that every user may read; the caller removes `.parent`."""
    root = Path(tempfile.mkdtemp(prefix="codetracker-perm-"))
    os.chmod(root, 0o755)
    copy = root / repository.name
    shutil.copytree(repository, copy, symlinks=True)
    for folder, _dirs, files in os.walk(copy):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return copy


def remove_copy(copy: Path) -> None:
    for folder, _dirs, _files in os.walk(copy.parent):
        os.chmod(folder, 0o755)
    for folder, _dirs, files in os.walk(copy.parent):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    shutil.rmtree(copy.parent)


def open_as_unprivileged(
    cases: list[tuple[str, str, bool]], *, warm_up: Path, env: dict[str, str] | None = None
) -> list[dict]:
    """For each (repository path, ref, via_cli): the outcome of opening and reading it as nobody.

    `warm_up` is an intact repository with a `main` branch, scanned first (as the current user) so that
    every module the scan needs is imported before privileges are dropped.

    Without via_cli: {"error": None} or {"error": class name, "message", "retryable"}; with via_cli
    (`codetracker scan PATH --ref REF`): {"exit", "stderr"}. Without `env`, the CLI's database is a closed
    port: the warm-up's scan would otherwise start (and leave running) the embedded Postgres in the user's
    home, one data directory for every test process."""
    if env is None:
        from tests.support.git_servers import closed_port

        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_"))}
        env["DATABASE_URL"] = f"postgresql://codetracker@127.0.0.1:{closed_port()}/none"
    child_env = dict(env)
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "shared"), str(ROOT), child_env.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD), json.dumps(cases), str(warm_up)],
        capture_output=True,
        text=True,
        env=child_env,
        cwd="/",
        timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the unprivileged opener failed: {done.stderr}")
    return json.loads(done.stdout)
