"""Both parser backends give the same descriptor, through the whole extract use case."""

from __future__ import annotations

from pathlib import Path

import pytest

from codetracker.contracts.descriptor import descriptor_to_dict
from codetracker.parsing import get_parser
from codetracker.adapters.source_folder import FolderSource
from codetracker.usecases.extract import ExtractionPorts, extract_folder
from codetracker.usecases.scan_requests import ExtractFolderRequest
from codetracker.parsing.extractor import ParserExtractor

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [ROOT / "tests" / "fixtures" / "js", ROOT / "examples" / "sample-package"]


@pytest.mark.parametrize("folder", CORPORA, ids=lambda p: p.name)
def test_tree_sitter_and_esprima_descriptors_are_identical(folder):
    by_backend = {
        name: descriptor_to_dict(
            extract_folder(
                ExtractFolderRequest(folder),
                open_folder=FolderSource,
                extraction=ExtractionPorts(ParserExtractor(get_parser(name))),
            ).descriptor
        )
        for name in ("tree-sitter", "esprima", "auto")
    }
    functions = by_backend["esprima"]["functions"]
    assert len(functions) >= 5  # the corpus really exercises extraction
    for name in ("tree-sitter", "auto"):
        # parse errors may be worded differently by each backend; everything else must match
        for descriptor in (by_backend[name], by_backend["esprima"]):
            for problem in descriptor["problems"]:
                if problem["kind"] == "parse_error":
                    problem["reason"] = problem["line"] = problem["column"] = "<backend specific>"
        assert by_backend[name] == by_backend["esprima"], name
