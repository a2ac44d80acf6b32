#!/usr/bin/env python3
"""Developer tasks that work on a fresh machine with Python 3.11+ and git and nothing else.

    python3 tasks.py demo     scan a sample repository into the embedded Postgres and print the summary
    python3 tasks.py test     run the whole test suite (what CI runs)
    python3 tasks.py bench    run the benchmarks in bench/

Each task first makes sure `.venv` exists with the project installed (`pip install -e .[dev]`); the
install is redone only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".codetracker-install-stamp"


def _run(*cmd: str | os.PathLike, **kwargs) -> None:
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is required (this is {sys.version.split()[0]})")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        _run(sys.executable, "-m", "venv", VENV)
    print("installing codetracker and its dependencies into .venv ...", flush=True)
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[dev]")
    STAMP.write_text(wanted)


def demo() -> None:
    """Make a git repository from examples/sample-package (two releases and a branch), then scan it
    through the same fetch → extract → store path a remote repository takes."""
    if shutil.which("git") is None:
        sys.exit("git is required for the demo")
    codetracker = BIN / "codetracker"
    with tempfile.TemporaryDirectory(prefix="codetracker-demo-") as tmp:
        repo = Path(tmp) / "sample-package"
        shutil.copytree(ROOT / "examples" / "sample-package", repo)
        git = ["git", "-C", str(repo), "-c", "user.name=Demo", "-c", "user.email=demo@example.invalid"]
        quiet = {"stdout": subprocess.DEVNULL}
        _run(*git[:3], "init", "--quiet", "--initial-branch=main", **quiet)
        _run(*git, "add", "-A", **quiet)
        _run(*git, "commit", "--quiet", "-m", "sample package 1.0.0", **quiet)
        _run(*git, "tag", "-a", "v1.0.0", "-m", "release 1.0.0", **quiet)
        print(f"$ codetracker scan {repo} --ref v1.0.0", flush=True)
        _run(codetracker, "scan", repo, "--ref", "v1.0.0")
        print(f"\n$ codetracker scan {repo} --ref main", flush=True)
        _run(codetracker, "scan", repo, "--ref", "main")
        print("\n$ codetracker show sample-package", flush=True)
        _run(codetracker, "show", "sample-package")
        print("\n$ codetracker show sample-package --branch main --tag v1.0.0", flush=True)
        _run(codetracker, "show", "sample-package", "--branch", "main", "--tag", "v1.0.0")


def test(extra: list[str]) -> None:
    _run(PYTHON, "-m", "pytest", *extra, cwd=ROOT)


def bench(extra: list[str]) -> None:
    _run(PYTHON, ROOT / "bench" / "run.py", *extra, cwd=ROOT)


def main() -> None:
    task, extra = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if task not in {"demo", "test", "bench"}:
        sys.exit(__doc__)
    ensure_venv()
    if task == "demo":
        demo()
    elif task == "test":
        test(extra)
    else:
        bench(extra)


if __name__ == "__main__":
    main()
