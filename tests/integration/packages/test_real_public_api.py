"""Issue 20's acceptance: each real package's `public_functions` against Node's own answer. Skipped with the
reason when Node, npm or the registry is absent. Recall is below the bar where values are not shown to be
functions (see SHORT_OF_RECALL): those cases are strict xfails, so reaching it is noticed."""

from __future__ import annotations

import pytest

from tests.support import node_packages
from tests.support.public_api_accuracy import measure

pytestmark = pytest.mark.slow

# Recall still below 0.95: none of these packages now; precision and fn.length hold for all.
SHORT_OF_RECALL: set[str] = set()
PACKAGES = ["ramda@0.30.1", "d3-array@3.2.4", "lodash-es@4.17.21", "date-fns@4.1.0", "preact@10.25.4", "svelte@5.16.0"]
PACKAGES += ["chalk@5.4.1", "nanoid@5.0.9", "lit-html@3.2.1", "d3-scale@4.0.2"]
PACKAGES += ["ms@2.1.3", "semver@7.6.3", "yaml@2.6.1", "commander@12.1.0", "react@18.3.1"]  # CommonJS


def _same_worker(spec: str):
    """Both tests of a package in one pytest-xdist worker: `measure` is cached per process."""
    return pytest.mark.xdist_group("public-api-" + spec.replace("@", "-"))  # `@` ends a node id's group name


def _measured(spec: str):
    reason = node_packages.unavailable()
    if reason:
        pytest.skip(reason)
    return measure(spec)


@pytest.mark.parametrize("spec", [pytest.param(s, marks=_same_worker(s)) for s in PACKAGES])
def test_no_false_functions_and_arities_agree(spec: str) -> None:
    accuracy = _measured(spec)
    assert accuracy.precision >= 0.99, accuracy.line()
    assert accuracy.length_agreement >= 0.90, accuracy.line()


_SHORT = pytest.mark.xfail(strict=True, reason="values not shown to be functions")


@pytest.mark.parametrize(
    "spec", [pytest.param(s, marks=[_same_worker(s), *([_SHORT] if s in SHORT_OF_RECALL else [])]) for s in PACKAGES]
)
def test_recall(spec: str) -> None:
    accuracy = _measured(spec)
    assert accuracy.recall >= 0.95, accuracy.line()
