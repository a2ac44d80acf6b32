"""Per-package release tags: `name@1.2.3`, `name-v1.2.3`, and tags that apply to every package."""

from __future__ import annotations

import pytest

from codetracker.domain.package_tags import TagRelease, package_of_tag, release_of_tag

PACKAGES = ("svelte", "@lit/reactive-element", "lit", "preact-hooks")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("svelte@5.1.0", ("svelte", "5.1.0")),
        ("@lit/reactive-element@2.0.0", ("@lit/reactive-element", "2.0.0")),
        ("lit@3.0.0-pre.1", ("lit", "3.0.0-pre.1")),
        ("preact-hooks-v10.5.0", ("preact-hooks", "10.5.0")),
        ("a-b-v1.2.3+build.7", ("a-b", "1.2.3+build.7")),
        ("v1.2.3", None),
        ("1.2.3", None),
        ("svelte@next", None),
        ("svelte@1.2", None),
        ("@scope@1.0.0", None),
        ("-v1.0.0", None),
    ],
)
def test_package_of_tag(tag, expected):
    assert package_of_tag(tag) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("svelte@5.1.0", TagRelease(("svelte",), "5.1.0")),
        ("@lit/reactive-element@2.0.0", TagRelease(("@lit/reactive-element",), "2.0.0")),
        ("preact-hooks-v10.5.0", TagRelease(("preact-hooks",), "10.5.0")),
        ("v1.2.3", TagRelease(None, "v1.2.3")),  # every package, under the tag's name
        ("kit@1.0.0", TagRelease(None, "kit@1.0.0")),  # no package `kit` in this tree
    ],
)
def test_release_of_tag(tag, expected):
    assert release_of_tag(tag, PACKAGES) == expected
