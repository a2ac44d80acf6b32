"""TypeScript's own compiler as the reference for what codetracker reads from TypeScript sources.

- `typescript_modules()`: typescript, pinned by tests/support/node/package-lock.json, installed with `npm ci`
  into tests/support/node/.cache/ (ignored by git) on first use;
- `package_folder(spec)`: an npm package's tarball (`npm pack`), unpacked into the same cache;
- `compare(folder, files)`: our extraction of the TypeScript sources against what
  `tsc --declaration --emitDeclarationOnly` emits for them (read back with our own declaration reader),
  as F1 scores for functions, parameters and annotation types (see Scores);
- `node_parse_seconds(folder, files)`: Node running TypeScript's parser over the same files (the bench).
Every step raises ReferenceUnavailable (tests skip with its reason) when Node, npm or the registry is absent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parent / "node"
CACHE = NODE_DIR / ".cache"

# npm packages that publish their TypeScript sources (src/): overloads (rxjs, redux), generics (immer,
# query-core), arrow consts (mobx, signals-core), default exports and .tsx (react-query).
PACKAGES = (
    "rxjs@7.8.1",
    "immer@10.1.1",
    "mobx@6.13.5",
    "redux@5.0.1",
    "@preact/signals-core@1.8.0",
    "@tanstack/query-core@5.59.0",
    "@tanstack/react-query@5.59.0",
)
_TESTS = re.compile(r"(^|/)(__tests__|tests?|__mocks__)/|\.(test|spec|bench)\.[cm]?tsx?$")


class ReferenceUnavailable(Exception):
    """Node, npm or the registry is missing: the reference cannot run here."""


def _run(command: list[str], *, cwd: Path | None = None, stdin: str | None = None, timeout: int = 600) -> str:
    if shutil.which(command[0]) is None:
        raise ReferenceUnavailable(f"{command[0]} is not installed")
    try:
        done = subprocess.run(
            command, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise ReferenceUnavailable(f"{' '.join(command[:3])} timed out") from None
    if done.returncode != 0 and command[0] == "npm":
        raise ReferenceUnavailable(f"{' '.join(command[:3])} failed: {done.stderr.strip()[-300:]}")
    return done.stdout


def typescript_modules() -> Path:
    """node_modules holding the pinned typescript."""
    target = CACHE / "tools"
    modules = target / "node_modules"
    marker = target / "installed.ok"
    lock = (NODE_DIR / "package-lock.json").read_text()
    if not marker.exists() or marker.read_text() != lock:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NODE_DIR / name, target / name)
        _run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=target)
        marker.write_text(lock)
    return modules


def package_folder(spec: str) -> Path:
    """The unpacked `package/` folder of an npm package version."""
    name = spec.lstrip("@").replace("/", "-").replace("@", "-")
    folder = CACHE / "packages" / name
    marker = CACHE / "packages" / f"{name}.ok"
    if marker.exists():
        return folder
    tarballs = CACHE / "npm"
    tarballs.mkdir(parents=True, exist_ok=True)
    packed = _run(["npm", "pack", spec, "--silent"], cwd=tarballs).strip().splitlines()
    if not packed:
        raise ReferenceUnavailable(f"npm pack {spec} gave no tarball")
    if folder.exists():
        shutil.rmtree(folder)
    with tarfile.open(tarballs / packed[-1]) as archive:
        archive.extractall(folder.parent / f"{name}.tmp", filter="data")
    (folder.parent / f"{name}.tmp" / "package").rename(folder)
    shutil.rmtree(folder.parent / f"{name}.tmp")
    marker.write_text(spec)
    return folder


def typescript_sources(folder: Path) -> list[str]:
    """The package's TypeScript sources under src/ (declaration files and tests left out), sorted."""
    found = []
    for path in sorted((folder / "src").rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.suffix in (".ts", ".tsx", ".mts", ".cts") and not relative.endswith((".d.ts", ".d.mts", ".d.cts")):
            if not _TESTS.search(relative):
                found.append(relative)
    return found


def emit_declarations(folder: Path, files: list[str]) -> Path:
    """Run tsc over `files` (declarations only, imports not resolved: annotations are emitted as written);
    returns the folder of the emitted .d.ts files, laid out as the sources."""
    out = CACHE / "emitted" / folder.name
    if out.exists():
        shutil.rmtree(out)
    tsc = typescript_modules() / "typescript" / "bin" / "tsc"
    command = ["node", str(tsc), "--declaration", "--emitDeclarationOnly", "--noResolve", "--skipLibCheck"]
    command += ["--jsx", "preserve", "--target", "esnext", "--module", "esnext", "--moduleResolution", "bundler"]
    command += ["--experimentalDecorators", "--rootDir", str(folder), "--outDir", str(out), "--pretty", "false"]
    _run(command + [str(folder / f) for f in files], timeout=900)  # type errors are expected: imports unresolved
    return out


def _reference_script(mode: str, folder: Path, files: list[str], *extra: str) -> dict:
    env_modules = str(typescript_modules())
    os.environ["CODETRACKER_TS_MODULES"] = env_modules
    output = _run(["node", str(NODE_DIR / "ts_reference.mjs"), mode, str(folder), *extra], stdin=json.dumps(files))
    return json.loads(output)


def annotations(folder: Path, files: list[str]) -> dict:
    """TypeScript's parser on the sources: per file, per function name, per declaration (overloads and
    implementation in order), which parameters and whether the return carry a written annotation."""
    return _reference_script("annotations", folder, files)


def node_parse_seconds(folder: Path, files: list[str], repeat: int = 3) -> float:
    """Best time of Node parsing every file with TypeScript's parser (ts.createSourceFile)."""
    return float(_reference_script("parse", folder, files, str(repeat))["seconds"])


# --- the comparison -------------------------------------------------------------------------------------


@dataclass
class Counts:
    """True positives, ours only, reference only; F1 of ours against the reference."""

    tp: int = 0
    ours_only: int = 0
    reference_only: int = 0
    examples: list = field(default_factory=list)

    def add(self, ours: set, reference: set) -> None:
        self.tp += len(ours & reference)
        self.ours_only += len(ours - reference)
        self.reference_only += len(reference - ours)
        self.examples += sorted(map(str, ours ^ reference))[: max(0, 20 - len(self.examples))]

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.ours_only + self.reference_only
        return 1.0 if total == 0 else 2 * self.tp / total


@dataclass
class Scores:
    """Functions: (file, export name or "default", overload number). Parameters: a function's
    (position, name, optional, rest); a destructured one is named by its kind (`{}`/`[]`), as tsc drops
    its defaults. Types: the annotation of each parameter and return that the source annotates (as
    TypeScript's parser sees it), compared on a canonical text (whitespace, `;`/`,` member separators and
    quote style are tsc's printing, not the type); tsc's inferred types for unannotated slots are not ours
    to match (codetracker does not infer) and are left out."""

    files: int = 0
    functions: Counts = field(default_factory=Counts)
    parameters: Counts = field(default_factory=Counts)
    types: Counts = field(default_factory=Counts)

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            **{
                name: {"f1": round(c.f1, 4), "tp": c.tp, "ours_only": c.ours_only, "reference_only": c.reference_only}
                for name, c in (("functions", self.functions), ("parameters", self.parameters), ("types", self.types))
            },
        }


_CANONICAL_SEPARATORS = re.compile(r"[;,]\s*([}\])>])")


def canonical_type(text: str) -> str:
    text = _CANONICAL_SEPARATORS.sub(r"\1", text.replace("'", '"'))
    return re.sub(r"\s+", "", text).replace(";", ",")


def _declaration_path(source: str) -> str:
    for suffix, declared in ((".tsx", ".d.ts"), (".mts", ".d.mts"), (".cts", ".d.cts"), (".ts", ".d.ts")):
        if source.endswith(suffix):
            return source[: -len(suffix)] + declared
    raise ValueError(source)


def compare(folder: Path, files: list[str]) -> Scores:
    from codetracker.domain.built_functions import settle_built_functions
    from codetracker.domain.extraction import extract_blob
    from codetracker.domain.selection import source_dialect
    from codetracker.parsing import get_parser

    parser = get_parser("auto")
    emitted = emit_declarations(folder, files)
    annotated = annotations(folder, files)
    scores = Scores(files=len(files))
    # As a scan reads them: values built by calls decided across the package's files.
    extracted = {file: extract_blob((folder / file).read_bytes(), parser, source_dialect(file)) for file in files}
    settled = settle_built_functions(extracted)
    for file in files:
        ours = settled[file].functions
        declaration = emitted / _declaration_path(file)
        theirs = extract_blob(declaration.read_bytes(), parser, "typescript").functions if declaration.exists() else ()
        written = annotated.get(file, {})
        scores.functions.add({_key(file, f) for f in ours}, {_key(file, f) for f in theirs})
        scores.parameters.add(_parameters(file, ours), _parameters(file, theirs))
        slots = _annotated_slots(file, ours, written)
        scores.types.add(_types(file, ours, slots), _types(file, theirs, slots))
    return scores


def _key(file: str, f) -> tuple:
    return (file, "default" if f.export_type == "default" else f.name, f.overload)


def _parameters(file: str, functions) -> set:
    found = set()
    for f in functions:
        for p in f.parameters:
            name = p.name if p.name[:1] not in "{[" else p.name[:1] + p.name[-1:]
            found.add((*_key(file, f), p.position, name, p.is_optional, p.is_rest))
    return found


def _annotated_slots(file: str, functions, written: dict) -> set:
    """(function key, slot) of the parameters and returns the source annotates (slot: position or "return").
    A function's declarations: the overload's own, else the last (the implementation, or the only one)."""
    slots = set()
    for f in functions:
        declarations = written.get(f.name) or []
        if not declarations:
            continue
        index = f.overload - 1 if f.overload is not None and f.overload <= len(declarations) else -1
        declaration = declarations[index]
        key = _key(file, f)
        slots.update((key, position) for position, has in enumerate(declaration["params"]) if has)
        if declaration["returns"]:
            slots.add((key, "return"))
    return slots


def _types(file: str, functions, slots: set) -> set:
    found = set()
    for f in functions:
        key = _key(file, f)
        for p in f.parameters:
            if (key, p.position) in slots and p.type is not None:
                found.add((*key, p.position, canonical_type(p.type)))
        if (key, "return") in slots and f.return_values and f.return_values[0].type is not None:
            found.add((*key, "return", canonical_type(f.return_values[0].type)))
    return found
