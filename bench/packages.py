"""The real npm packages the benchmarks read: pinned, fetched once with `npm pack`, unpacked with tarfile.

Cached in bench/.cache/npm/<name>-<version>.tgz and bench/.cache/packages/<name>-<version>/ (the tarball's
`package/` folder). A `<dir>.ok` marker beside a folder says its unpacking finished.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from common import CACHE, BenchUnavailable, log


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    note: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def dirname(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


# ~32 MB of .js/.mjs in ~5,000 candidate files; every package has real ESM (counted per package in the
# extraction benchmark). `quick` marks the subset used by --quick (~3.5 MB).
PACKAGES: tuple[Package, ...] = (
    Package("lodash-es", "4.17.21", "600+ small ESM files, JSDoc on every function"),
    Package("date-fns", "3.6.0", "ESM .js beside .cjs; many locale files"),
    Package("rxjs", "7.8.1", "dist/esm + esm5 + cjs (.js without export)"),
    Package("zod", "3.23.8", "one lib/index.mjs, CJS lib/*.js"),
    Package("svelte", "4.2.19", "ESM source with JSDoc types"),
    Package("preact", "10.24.3", "small ESM builds (.mjs/.module.js)"),
    Package("three", "0.160.0", "big: build/three.module.js + examples/jsm"),
    Package("d3-array", "3.2.4", "small ESM source"),
    Package("immer", "10.1.1", "ESM builds"),
    Package("vue", "3.4.38", "esm-bundler/esm-browser builds + IIFE globals"),
    Package("@vue/runtime-core", "3.4.38", "one esm-bundler file"),
    Package("@vue/compiler-core", "3.4.38", "one esm-bundler file"),
)
QUICK = ("lodash-es", "d3-array", "preact", "immer", "svelte", "zod")

NPM_DIR = CACHE / "npm"
PACKAGES_DIR = CACHE / "packages"


def selected(quick: bool) -> list[Package]:
    return [p for p in PACKAGES if p.name in QUICK] if quick else list(PACKAGES)


def ensure_packages(packages: list[Package]) -> dict[str, Path]:
    """name -> unpacked package folder; fetches what the cache lacks."""
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    PACKAGES_DIR.mkdir(parents=True, exist_ok=True)
    folders: dict[str, Path] = {}
    for package in packages:
        target = PACKAGES_DIR / package.dirname
        marker = PACKAGES_DIR / f"{package.dirname}.ok"
        if not marker.exists():
            tarball = _tarball(package)
            if target.exists():
                shutil.rmtree(target)
            _unpack(tarball, target)
            marker.write_text(package.spec + "\n")
        folders[package.name] = target
    return folders


def _tarball(package: Package) -> Path:
    expected = NPM_DIR / f"{package.dirname}.tgz"  # npm's own name: scope without "@", "/" as "-"
    if expected.exists():
        return expected
    npm = shutil.which("npm")
    if npm is None:
        raise BenchUnavailable(f"npm is not installed and {package.spec} is not cached in {NPM_DIR}")
    log(f"$ npm pack {package.spec} --pack-destination {NPM_DIR}")
    result = subprocess.run(
        [npm, "pack", package.spec, "--pack-destination", str(NPM_DIR), "--silent", "--json"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BenchUnavailable(f"npm pack {package.spec} failed: {result.stderr.strip()[-500:]}")
    if not expected.exists():
        candidates = sorted(NPM_DIR.glob(f"*{package.version}.tgz"), key=lambda p: p.stat().st_mtime)
        if not candidates:
            raise BenchUnavailable(f"npm pack {package.spec} produced no tarball in {NPM_DIR}")
        candidates[-1].rename(expected)
    return expected


def _unpack(tarball: Path, target: Path) -> None:
    """Extract the tarball's package/ folder into target (regular files and directories only)."""
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as archive:
        members = []
        for member in archive.getmembers():
            if not (member.isfile() or member.isdir()):
                continue
            parts = member.name.split("/", 1)
            if len(parts) != 2 or not parts[1]:
                continue
            member.name = parts[1]  # drop the top folder ("package/" for nearly every package)
            members.append(member)
        archive.extractall(tmp, members=members, filter="data")
    tmp.rename(target)


def js_bytes(folder: Path) -> tuple[int, int]:
    """(files, bytes) of .js/.mjs files outside node_modules/.git: the corpus size the MB/s figures use
    is the bytes the extractors read, reported by the workers; this is only for the set-up log."""
    files = size = 0
    for path in folder.rglob("*"):
        if path.suffix in (".js", ".mjs") and path.is_file() and "node_modules" not in path.parts:
            files += 1
            size += path.stat().st_size
    return files, size
