"""Real npm packages and Node's own answers about them, for differential tests and the accuracy bench.

`installed(spec)` installs a package with its dependencies (no install scripts) into a cache folder kept
between runs (`.cache/npm-packages/`, ignored by git; one process installs a package while the others, such as
the other pytest-xdist workers, wait for it); `node_resolve` asks Node where each subpath of a package
resolves for an `import`; `node_function_exports` imports each subpath and lists its function-valued exports
with `fn.length`. Callers skip (with the reason `unavailable()` gives) when Node, npm or the registry is absent.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import uuid
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("CODETRACKER_NPM_CACHE", ROOT / ".cache" / "npm-packages"))

_RESOLVE = """
const [name, subpaths] = [process.argv[2], JSON.parse(process.argv[3])];
const out = {};
for (const sub of subpaths) {
  const spec = sub === "." ? name : name + sub.slice(1);
  try { out[sub] = new URL(import.meta.resolve(spec)).pathname; } catch (e) { out[sub] = null; }
}
console.log(JSON.stringify(out));
"""

_EXPORTS = """
const [name, subpaths] = [process.argv[2], JSON.parse(process.argv[3])];
const out = {};
for (const sub of subpaths) {
  const spec = sub === "." ? name : name + sub.slice(1);
  try {
    const ns = await import(spec);
    const fns = {};
    for (const key of Object.keys(ns)) {
      let value;
      try { value = ns[key]; } catch { continue; }
      if (typeof value === "function" && !/^class[\\s{]/.test(Function.prototype.toString.call(value))) {
        fns[key] = value.length;
      }
    }
    out[sub] = fns;
  } catch (e) { out[sub] = {"__error__": String(e && e.code || e)}; }
}
console.log(JSON.stringify(out));
"""


@cache
def unavailable() -> str | None:
    """Why the Node differential tests cannot run here, or None when they can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not installed"
    try:
        subprocess.run(["npm", "ping"], capture_output=True, timeout=30, check=True)
    except (subprocess.SubprocessError, OSError):
        return "the npm registry is not reachable"
    return None


def installed(spec: str) -> Path:
    """The folder holding node_modules/<name> for `name@version`, installed once per cache."""
    folder = CACHE / spec.replace("/", "+")
    done = folder / ".installed"
    if done.exists():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when its process dies
        if not done.exists():  # not installed meanwhile by the process that held the lock
            folder.mkdir(exist_ok=True)
            (folder / "package.json").write_text('{"private": true}\n')
            subprocess.run(
                ["npm", "install", "--prefix", str(folder), spec, "--ignore-scripts", "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            done.write_text(spec)
    return folder


def package_dir(folder: Path, name: str) -> Path:
    return folder / "node_modules" / name


def _run(script: str, folder: Path, name: str, subpaths: list[str]) -> dict:
    # In the package's folder (imports resolve from its node_modules), named for this call: other processes
    # probe the same folder at the same time.
    probe = folder / f"probe-{uuid.uuid4().hex}.mjs"
    probe.write_text(script)
    try:
        answer = subprocess.run(
            ["node", str(probe), name, json.dumps(subpaths)],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    finally:
        probe.unlink()
    return json.loads(answer.stdout)


def node_resolve(folder: Path, name: str, subpaths: list[str]) -> dict[str, str | None]:
    """subpath → the file (relative to the package folder) Node's import resolves it to, or None."""
    root = package_dir(folder, name).resolve()
    out: dict[str, str | None] = {}
    for subpath, resolved in _run(_RESOLVE, folder, name, subpaths).items():
        path = Path(resolved).resolve() if resolved else None
        out[subpath] = str(path.relative_to(root)) if path and path.is_file() and path.is_relative_to(root) else None
    return out


def node_function_exports(folder: Path, name: str, subpaths: list[str]) -> dict[str, dict[str, int]]:
    """subpath → {export name: fn.length} of the function-valued exports an `import` of it gives."""
    return _run(_EXPORTS, folder, name, subpaths)
