#!/usr/bin/env python3
"""Write layers/deps/requirements.txt from pyproject.toml's [project] dependencies (the source of truth).

    python3 layers/deps/generate.py           rewrite requirements.txt
    python3 layers/deps/generate.py --check   exit 1 (and show the difference) when it is out of date

The file is the dependency layer's input (layers/deps/Makefile); tests/deploy checks that it matches.
"""

from __future__ import annotations

import difflib
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = HERE / "requirements.txt"

HEADER = (
    "# GENERATED from pyproject.toml [project] dependencies by layers/deps/generate.py: do not edit.\n"
    "# Regenerate with: python3 layers/deps/generate.py\n"
)


def render(pyproject: Path = PYPROJECT) -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return HEADER + "".join(f"{requirement}\n" for requirement in project.get("dependencies", []))


def main(argv: list[str]) -> int:
    wanted = render()
    if argv == ["--check"]:
        current = REQUIREMENTS.read_text(encoding="utf-8") if REQUIREMENTS.exists() else ""
        if current == wanted:
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                current.splitlines(keepends=True), wanted.splitlines(keepends=True), str(REQUIREMENTS), "wanted"
            )
        )
        print(f"{REQUIREMENTS.relative_to(ROOT)} is out of date: run python3 layers/deps/generate.py")
        return 1
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    REQUIREMENTS.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
