"""The floor of tree-sitter extraction (run as its own process by bench/bench_extract.py).

    python parse_floor.py FOLDER...

Selects the files codetracker would parse (its walk, file rules and export pre-filter), then times
tree-sitter's C parser alone over their bytes, in one process, best of 3: no Python walk of the tree, no
JSDoc, no descriptor. No extraction built on tree-sitter can take less CPU than this, so this time divided by
the CPUs available bounds how fast `auto` can ever be. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

import tree_sitter
import tree_sitter_javascript

from codetracker.domain.extraction import decode_source
from codetracker.domain.selection import is_binary, may_export, select_modules
from codetracker.parsing.workers import available_cpus
from codetracker.settings import Settings
from codetracker.usecases.extract import read_tree
from codetracker.wiring import Services


def main() -> int:
    services = Services(Settings.from_env())
    blobs: list[bytes] = []
    for folder in sys.argv[1:]:
        source = services.open_folder(folder)
        entries, rules = read_tree(source, services.settings.selection)
        selection = select_modules(entries, rules, services.settings.selection)
        for _entry, content in source.read_many(selection.candidates):
            if not is_binary(content) and may_export(content):  # what extract_blob parses
                blobs.append(decode_source(content).encode("utf-8", "surrogatepass"))  # what the backend parses
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for data in blobs:
            parser.parse(data)  # the tree is freed right away, as in extraction: freeing is part of the cost
        best = min(best, time.perf_counter() - started)
    report = {"files": len(blobs), "bytes": sum(map(len, blobs)), "parse_seconds": best, "cpus": available_cpus()}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
