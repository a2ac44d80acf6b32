"""Semantic versions: strict parsing, precedence as semver.org §11 orders it, the tags that name a version, and
tags ordered newest release first."""

from __future__ import annotations

import random

import pytest

from codetracker.domain.semver import Version, newest_first, tag_version


def v(text: str) -> Version:
    found = Version.parse(text)
    assert found is not None, text
    return found


def test_precedence_follows_the_chain_of_section_11():
    chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "1.10.0",
        "2.0.0",
        "10.0.0",
    ]
    shuffled = chain[:]
    random.Random(7).shuffle(shuffled)
    assert [str(x) for x in sorted(v(t) for t in shuffled)] == chain
    for lower, higher in zip(chain, chain[1:], strict=False):
        assert v(lower) < v(higher) and v(higher) > v(lower) and not v(higher) <= v(lower)


def test_build_metadata_never_counts_but_is_kept():
    a, b = v("1.2.3+build.5"), v("1.2.3+other")
    assert a != b and not a < b and not b < a and a <= b and b <= a
    assert a.build == ("build", "5") and str(a) == "1.2.3+build.5"
    assert v("1.2.3-rc.1+x") < v("1.2.3") and v("1.2.3-rc.1+x").is_prerelease


@pytest.mark.parametrize(
    "text",
    [
        "1.2",
        "1.2.3.4",
        "01.2.3",
        "1.02.3",
        "1.2.3-01",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-a..b",
        "v1.2.3",
        "",
        "1.2.3 ",
        "١.٢.٣",
        "1.2.3-ä",
    ],
)
def test_what_is_not_a_version(text):
    assert Version.parse(text) is None


@pytest.mark.parametrize(
    ("tag", "package", "version"),
    [
        ("1.2.3", None, "1.2.3"),
        ("v1.2.3", None, "1.2.3"),
        ("V2.0.0-rc.1", None, "2.0.0-rc.1"),
        ("leaflet@1.9.4", "leaflet", "1.9.4"),
        ("@scope/pkg@0.1.0-beta.2", "@scope/pkg", "0.1.0-beta.2"),
    ],
)
def test_tags_that_name_a_version(tag, package, version):
    found = tag_version(tag)
    assert found is not None and (found.tag, found.package, str(found.version)) == (tag, package, version)


@pytest.mark.parametrize("tag", ["v1.2", "release-1.2.3", "@1.2.3", "@@1.2.3", "pkg@", "vv1.2.3", "latest", "1.2.3@"])
def test_tags_that_name_none(tag):
    assert tag_version(tag) is None


def test_tags_newest_release_first_where_names_would_mislead():
    tags = ["v1.9.4", "v1.10.0", "v2.0.0-rc.1", "v2.0.0", "v1.9.10", "nightly", "latest", "v0.7.7", "a@3.0.0"]
    assert newest_first(tags) == [
        "a@3.0.0",
        "v2.0.0",
        "v2.0.0-rc.1",
        "v1.10.0",
        "v1.9.10",
        "v1.9.4",
        "v0.7.7",
        "nightly",
        "latest",
    ]
    assert newest_first([]) == []
