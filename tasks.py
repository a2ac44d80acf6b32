#!/usr/bin/env python3
"""Developer tasks that work on a fresh machine with Python 3.11+ and git and nothing else.

    python3 tasks.py demo     the whole system locally: register a sample repository over HTTP, get its
                              signed notifications, push a change, see what changed
    python3 tasks.py test     run the whole test suite (what CI runs), one pytest-xdist worker per core;
                              extra arguments go to pytest (`-n 0`: in one process, e.g. for --pdb)
    python3 tasks.py bench    run the benchmarks in bench/

Each task first makes sure `.venv` exists with the project installed (`pip install -e .[dev]`); the
install is redone only when pyproject.toml changes.

`test` also makes sure of what the deploy tests (tests/deploy) need: aws-sam-cli in its own `.venv-sam`
(its pins clash with the project's), and, when this machine has a CPython 3.13 (the Lambda runtime's
version), `.venv-py313` with the project and pytest, where the unit tests run a second time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".codetracker-install-stamp"

# aws-sam-cli, pinned: `sam validate --lint` and `sam build` run in tests/deploy.
SAM_CLI = "aws-sam-cli==1.170.0"
SAM_VENV = ROOT / ".venv-sam"
SAM_BIN = SAM_VENV / ("Scripts" if os.name == "nt" else "bin")
# The Lambda runtime's Python (template.yaml: python3.13); pgserver has no wheel for it, so the main .venv
# stays on the host's Python and the unit tests run again in this one.
LAYER_PYTHON = (3, 13)
PY313_VENV = ROOT / ".venv-py313"


# uv installs the three venvs' packages in seconds where pip takes minutes (CI starts from a fresh clone each
# time); pinned, bootstrapped into .venv with pip, and pip stays the fallback whenever uv is missing or fails.
UV = "uv==0.13.9"


def _install(python: str | os.PathLike, *args: str | os.PathLike) -> None:
    """pip install ARGS into the venv of `python`, through uv when it is there."""
    uv = BIN / ("uv.exe" if os.name == "nt" else "uv")
    if uv.exists():
        done = subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(python), *map(str, args)])
        if done.returncode == 0:
            return
        print("uv failed; installing with pip instead ...", flush=True)
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args)


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
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", UV])
    _install(PYTHON, "-e", f"{ROOT}[dev]")
    STAMP.write_text(wanted)


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_sam() -> Path:
    """aws-sam-cli in .venv-sam (created with this Python; redone when SAM_CLI changes)."""
    stamp = SAM_VENV / ".codetracker-install-stamp"
    sam = SAM_BIN / "sam"
    if stamp.exists() and stamp.read_text() == SAM_CLI and sam.exists():
        return sam
    if not (SAM_BIN / "python").exists():
        print("creating .venv-sam ...", flush=True)
        _run(sys.executable, "-m", "venv", SAM_VENV)
    print(f"installing {SAM_CLI} into .venv-sam (once) ...", flush=True)
    _install(SAM_BIN / "python", SAM_CLI)
    stamp.write_text(SAM_CLI)
    return sam


def _runs_as(python: str | os.PathLike, version: tuple[int, int]) -> bool:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys, venv, ensurepip; print(*sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.split() == [str(part) for part in version]


def find_layer_python() -> str | None:
    """A working CPython 3.13: CODETRACKER_PYTHON313, python3.13 on PATH, or a pyenv version. A pyenv shim
    that is on PATH but not selected fails to run and is passed over."""
    name = "python{}.{}".format(*LAYER_PYTHON)
    candidates = [os.environ.get("CODETRACKER_PYTHON313"), shutil.which(name)]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{LAYER_PYTHON[0]}.{LAYER_PYTHON[1]}.*/bin/{name}"))
    return next((c for c in candidates if c and _runs_as(c, LAYER_PYTHON)), None)


def ensure_layer_python_venv() -> Path | None:
    """.venv-py313 with the project and its dev extras but pgserver (no 3.13 wheel), or None when this
    machine has no CPython 3.13."""
    python = find_layer_python()
    if python is None:
        return None
    venv_python = _bin(PY313_VENV, "python")
    stamp = PY313_VENV / ".codetracker-install-stamp"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + python.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and venv_python.exists():
        return venv_python
    if not venv_python.exists():
        print(f"creating .venv-py313 with {python} ...", flush=True)
        _run(python, "-m", "venv", PY313_VENV)
    # The dev extras without the embedded Postgres (the `embedded` extra: no 3.13 wheel).
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    test_requirements = [r for r in extras.get("dev", []) if r not in extras.get("embedded", [])]
    print("installing codetracker and its test tools into .venv-py313 ...", flush=True)
    _install(venv_python, "-e", ROOT, *test_requirements)
    stamp.write_text(wanted)
    return venv_python


def demo() -> None:
    """The product end to end, through HTTP (codetracker/local/demo.py): `codetracker dev`, the sample package
    committed into a git repository served on 127.0.0.1, an app with a local callback receiver, register →
    scan → signed notification, a pushed change and its signed GitHub webhook → rescan, then the snapshot,
    its functions, what changed and the activity timeline."""
    if shutil.which("git") is None:
        sys.exit("git is required for the demo")
    _run(PYTHON, "-m", "codetracker.local.demo", cwd=ROOT)


def _parallel_options(extra: list[str]) -> list[str]:
    """pytest-xdist's options: one worker per available core, at least two (much of the suite waits on
    servers, queues and child processes), tests grouped with `xdist_group` kept on one worker; none when the
    arguments choose themselves (-n, --numprocesses, --dist, -p no:xdist)."""
    chosen = ("-n", "--numprocesses", "--dist", "no:xdist", "-pno:xdist")
    if any(arg.startswith(chosen) for arg in extra):
        return []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return ["-n", str(max(2, cores)), "--dist", "loadgroup"]


def test(extra: list[str]) -> None:
    extra = [*_parallel_options(extra), *extra]
    env = dict(os.environ)
    # tests/deploy: sam is required here (a missing one fails, it is not skipped); no AWS account is used.
    env["CODETRACKER_SAM"] = str(ensure_sam())
    env["CODETRACKER_REQUIRE_SAM"] = "1"
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["SAM_CLI_TELEMETRY"] = "0"
    layer_python = ensure_layer_python_venv()
    if layer_python is not None:
        env["CODETRACKER_PY313_VENV_PYTHON"] = str(layer_python)
        env.setdefault("CODETRACKER_PYC_PYTHON", str(find_layer_python()))  # the layers' byte code
    # A fresh temporary root per run, removed afterwards without recursion: some tests build trees 3,000
    # directories deep, and pytest's own clean-up of its numbered folders recurses on them.
    if any(arg == "--basetemp" or arg.startswith("--basetemp=") for arg in extra):
        _run(PYTHON, "-m", "pytest", *extra, cwd=ROOT, env=env)
        return
    basetemp = Path(tempfile.mkdtemp(prefix="codetracker-pytest-"))
    try:
        _run(PYTHON, "-m", "pytest", f"--basetemp={basetemp}", *extra, cwd=ROOT, env=env)
    finally:
        sys.path.insert(0, str(ROOT))
        from tests.support.deep_trees import remove_tree

        remove_tree(basetemp)


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
