"""How far a package's `public_functions` agree with Node's own answer (the import of each public subpath,
its function-valued exports): for the acceptance test and bench/public_api_accuracy.py."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from codetracker.adapters.source_folder import FolderSource
from codetracker.parsing import get_parser
from codetracker.parsing.extractor import ParserExtractor
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree
from tests.support import node_packages


@dataclass(frozen=True)
class Accuracy:
    spec: str
    node: int  # function-valued exports Node lists over the public subpaths
    ours: int  # public_functions
    matched: int
    lengths_agree: int  # matched functions whose params before the first rest/default == fn.length
    unknown: int  # exports recorded as undecided

    @property
    def recall(self) -> float:
        return self.matched / self.node if self.node else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.ours if self.ours else 1.0

    @property
    def length_agreement(self) -> float:
        return self.lengths_agree / self.matched if self.matched else 1.0

    def line(self) -> str:
        return (
            f"{self.spec:<22} node {self.node:>5}  ours {self.ours:>5}  recall {self.recall:.3f}  "
            f"precision {self.precision:.3f}  fn.length {self.length_agreement:.3f}  unknown {self.unknown}"
        )


# Measured once per package and process: the acceptance tests ask twice (precision and arity, then recall).
@functools.cache
def measure(spec: str) -> Accuracy:
    """Extract the installed package folder itself and compare with Node (the caller checks availability)."""
    name = spec.rsplit("@", 1)[0]
    folder = node_packages.installed(spec)
    package = node_packages.package_dir(folder, name)
    result = extract_tree(
        ExtractTreeRequest(FolderSource(str(package)), "p", package_names=()),
        ExtractionPorts(ParserExtractor(get_parser("auto"))),
    )
    info = next(p for p in result.descriptor.packages if p.path == "")
    subpaths = sorted({e.subpath for e in info.entry_points if e.file_path})
    node = node_packages.node_function_exports(folder, name, subpaths)
    theirs = {(s, k): n for s, exported in node.items() for k, n in exported.items() if k != "__error__"}
    ours = {(f.subpath, f.export_name): f for f in info.public_functions}
    records = {(f.file_path, f.name): f for f in result.descriptor.functions}
    matched = set(ours) & set(theirs)
    agree = 0
    for key in matched:
        record = records.get((ours[key].file_path, ours[key].name))
        required = 0
        for parameter in record.parameters if record else ():
            if parameter.is_rest or parameter.default_value is not None:
                break
            required += 1
        agree += required == theirs[key]
    return Accuracy(spec, len(theirs), len(ours), len(matched), agree, len(info.unknown_exports))
