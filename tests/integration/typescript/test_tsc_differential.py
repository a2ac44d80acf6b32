"""Differential test: what codetracker reads from TypeScript sources of real npm packages against what
TypeScript's compiler emits for them (`tsc --declaration --emitDeclarationOnly`, typescript pinned in
tests/support/node). Scores per package and the rules of the comparison: tests/support/typescript_reference.py;
the per-package figures of the last run are in bench/typescript.md."""

from __future__ import annotations

import pytest

from tests.support import typescript_reference as reference

# One pytest-xdist worker runs them all: they read one module fixture (the scores, a minute of tsc), and the
# reference's cache folder (tests/support/node/.cache) is filled by one process at a time.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800), pytest.mark.xdist_group("tsc-reference")]

FUNCTIONS_F1 = 0.98
PARAMETERS_F1 = 0.97
TYPES_F1 = 0.95


@pytest.fixture(scope="module")
def scores() -> dict[str, reference.Scores]:
    try:
        reference.typescript_modules()
        return {spec: _score(spec) for spec in reference.PACKAGES}
    except reference.ReferenceUnavailable as missing:
        pytest.skip(f"TypeScript reference unavailable: {missing}")


def _score(spec: str) -> reference.Scores:
    folder = reference.package_folder(spec)
    return reference.compare(folder, reference.typescript_sources(folder))


def _total(scores: dict[str, reference.Scores], name: str) -> reference.Counts:
    total = reference.Counts()
    for score in scores.values():
        counts = getattr(score, name)
        total.tp += counts.tp
        total.ours_only += counts.ours_only
        total.reference_only += counts.reference_only
        total.examples += counts.examples[:5]
    return total


@pytest.mark.parametrize(
    ("name", "threshold"), [("functions", FUNCTIONS_F1), ("parameters", PARAMETERS_F1), ("types", TYPES_F1)]
)
def test_extraction_matches_tsc_declarations(scores, name, threshold):
    total = _total(scores, name)
    per_package = {spec: round(getattr(score, name).f1, 4) for spec, score in scores.items()}
    assert total.f1 >= threshold, (total.f1, per_package, total.examples)


def test_every_package_was_read(scores):
    assert all(score.files > 0 and score.functions.tp > 0 for score in scores.values()), {
        spec: score.as_dict() for spec, score in scores.items()
    }
