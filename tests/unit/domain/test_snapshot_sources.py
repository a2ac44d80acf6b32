"""Snapshot sources: one repository is one location however it is spelled; a folder of a checkout is the
checkout's location and a sub-path; unknown sources never block."""

from __future__ import annotations

import pytest

from codetracker.domain.snapshot_sources import (
    describe_source,
    folder_source,
    replaces_source,
    repository_location,
    tree_folder,
)
from codetracker.errors import InvalidInput


def test_a_repository_is_one_location_however_it_is_spelled():
    spellings = [
        "https://GitHub.com/Leaflet/Leaflet.git",
        "https://github.com:443/Leaflet/Leaflet/",
        "https://github.com/Leaflet/Leaflet",
    ]
    assert {repository_location(u) for u in spellings} == {"https://github.com/Leaflet/Leaflet"}
    assert repository_location("https://github.com/d3/d3-array") != repository_location(
        "https://github.com/Leaflet/Leaflet"
    )
    # a local repository: its path, its file:// URL, its .git folder and a bare x.git are the same place
    assert repository_location("/src/leaflet") == repository_location("file:///src/leaflet/") == "file:///src/leaflet"
    assert repository_location("/src/leaflet/.git") == repository_location("/src/leaflet.git") == "file:///src/leaflet"


def test_a_folder_in_a_checkout_is_the_checkouts_location_and_a_sub_path():
    assert folder_source("/src/svelte", "/src/svelte") == ("file:///src/svelte", "")
    assert folder_source("/src/svelte/packages/svelte", "/src/svelte") == ("file:///src/svelte", "packages/svelte")
    assert folder_source("/src/svelte-other", "/src/svelte") == ("file:///src/svelte-other", "")  # not inside it
    assert folder_source("/tmp/lib") == ("file:///tmp/lib", "")
    # the checkout scanned as a folder and as a local repository is one source
    assert folder_source("/src/svelte", "/src/svelte")[0] == repository_location("/src/svelte")


def test_descriptions_and_the_replace_rule():
    assert describe_source("file:///src/svelte", "packages/svelte") == "/src/svelte (folder packages/svelte)"
    assert describe_source("https://github.com/d3/d3-array") == "https://github.com/d3/d3-array"
    assert describe_source(None) == "an unrecorded source"
    leaflet, d3 = ("https://github.com/Leaflet/Leaflet", ""), ("https://github.com/d3/d3-array", "")
    assert replaces_source(leaflet, leaflet) and not replaces_source(leaflet, d3)
    assert not replaces_source(("file:///s", ""), ("file:///s", "packages/a"))
    assert replaces_source((None, ""), d3) and replaces_source(leaflet, (None, ""))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("packages/a", "packages/a"),
        ("./packages/a/", "packages/a"),
        ("a//b/../c", "a/c"),
        ("", ""),
        (".", ""),
        ("packages\\win", "packages/win"),
        ("...", "..."),
    ],
)
def test_tree_folder_normalises_a_sub_path(given, expected):
    assert tree_folder(given) == expected


@pytest.mark.parametrize("given", ["/etc", "..", "../x", "a/../../x", "a\nb"])
def test_tree_folder_refuses_a_path_leaving_the_tree(given):
    with pytest.raises(InvalidInput) as raised:
        tree_folder(given)
    assert raised.value.field == "subpath"
