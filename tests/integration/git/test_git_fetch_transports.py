"""Fetching refs over every transport: http-backend, dulwich's HTTP server, git daemon, local path, file:."""

from __future__ import annotations

import pytest

from codetracker.adapters.git.commit_tree import SIZE_UNKNOWN
from codetracker.domain.model import EntryKind
from codetracker.errors import RefNotFound, RepositoryNotFound
from tests.support.git_repos import BINARY_CONTENT, NON_UTF8_JS, SUBMODULE_SHA, expected_entries
from codetracker.ports.git import RepositoryAccess


def assert_tree_matches(tree, files) -> None:
    """Entries (path, kind, sha, size once read) and every file's bytes equal what the repo was built from."""
    expected = expected_entries(files)
    entries = list(tree.entries())
    assert [(e.path, e.kind.value, e.sha) for e in entries] == [(x.path, x.kind, x.sha) for x in expected]
    contents = dict((entry.path, content) for entry, content in tree.read_many(entries))
    expected_files = {x.path: x.content for x in expected if x.kind == "file"}
    assert contents == expected_files
    # after reading, every file and symlink size that is known is right; files are all known now
    by_path = {x.path: x for x in expected}
    for entry in tree.entries():
        if entry.kind is EntryKind.FILE:
            assert entry.size == by_path[entry.path].size
        elif entry.kind is EntryKind.SYMLINK:
            assert entry.size in (SIZE_UNKNOWN, by_path[entry.path].size)
        else:
            assert entry.size == 0


def test_branch(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "main") as tree:
        assert tree.ref.kind == "branch"
        assert tree.ref.name == "main"
        assert tree.ref.requested == "main"
        assert tree.ref.commit_sha == sample.main_commit
        assert tree.ref.default_branch == "main"
        assert tree.repository_name == "sample"
        assert_tree_matches(tree, sample.main_files)


def test_other_branch(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "feature") as tree:
        assert (tree.ref.kind, tree.ref.name) == ("branch", "feature")
        assert tree.ref.commit_sha == sample.feature_commit
        assert_tree_matches(tree, sample.feature_files)


def test_lightweight_tag(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "v0.9.0") as tree:
        assert (tree.ref.kind, tree.ref.name, tree.ref.commit_sha) == ("tag", "v0.9.0", sample.first_commit)
        assert_tree_matches(tree, sample.first_files)


def test_annotated_tag_is_peeled_to_its_commit(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "v1.0.0") as tree:
        assert tree.ref.kind == "tag"
        assert tree.ref.name == "v1.0.0"
        assert tree.ref.commit_sha == sample.main_commit
        assert tree.ref.commit_sha != sample.annotated_tag_object
        assert_tree_matches(tree, sample.main_files)


def test_commit_sha_that_no_ref_points_at(fetcher, transport, sample):
    # first_commit is only reachable as main's parent and through tags; fetch it by its full SHA
    with fetcher.open(RepositoryAccess(transport.url), sample.first_commit) as tree:
        assert (tree.ref.kind, tree.ref.name, tree.ref.commit_sha) == ("commit", "", sample.first_commit)
        assert tree.ref.default_branch == "main"
        assert_tree_matches(tree, sample.first_files)


def test_abbreviated_sha_of_a_branch_tip(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), sample.feature_commit[:10]) as tree:
        assert (tree.ref.kind, tree.ref.commit_sha) == ("commit", sample.feature_commit)


def test_upper_case_full_sha_of_a_commit_no_ref_points_at(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), sample.first_commit.upper()) as tree:
        assert (tree.ref.kind, tree.ref.commit_sha) == ("commit", sample.first_commit)  # full, lower case
        assert tree.ref.requested == sample.first_commit.upper()
        assert_tree_matches(tree, sample.first_files)


@pytest.mark.parametrize("case", [str.upper, lambda sha: sha[:3].upper() + sha[3:]], ids=["upper", "mixed"])
def test_abbreviated_sha_in_any_case(fetcher, transport, sample, case):
    for length in (4, 10, 39):
        with fetcher.open(RepositoryAccess(transport.url), case(sample.feature_commit[:length])) as tree:
            assert (tree.ref.kind, tree.ref.commit_sha) == ("commit", sample.feature_commit)
    with fetcher.open(RepositoryAccess(transport.url), sample.main_commit.upper()) as tree:
        assert (tree.ref.kind, tree.ref.commit_sha) == ("commit", sample.main_commit)


def test_head_is_the_default_branch(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "HEAD") as tree:
        assert (tree.ref.kind, tree.ref.name, tree.ref.commit_sha) == ("branch", "main", sample.main_commit)


def test_name_of_a_branch_and_a_tag_resolves_to_the_branch(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "both") as tree:
        assert (tree.ref.kind, tree.ref.commit_sha) == ("branch", sample.same_name_branch_commit)
        assert [entry.path for entry in tree.entries()] == ["both.js"]
    with fetcher.open(RepositoryAccess(transport.url), "refs/tags/both") as tree:
        assert (tree.ref.kind, tree.ref.name, tree.ref.commit_sha) == ("tag", "both", sample.first_commit)
    with fetcher.open(RepositoryAccess(transport.url), "refs/heads/both") as tree:
        assert (tree.ref.kind, tree.ref.name) == ("branch", "both")


def test_symlinks_and_submodules_are_recorded_not_followed(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "main") as tree:
        by_path = {entry.path: entry for entry in tree.entries()}
        link = by_path["link-to-index.js"]
        assert link.kind is EntryKind.SYMLINK
        assert by_path["dangling"].kind is EntryKind.SYMLINK
        submodule = by_path["vendor/dependency"]
        assert (submodule.kind, submodule.sha, submodule.size) == (EntryKind.SUBMODULE, SUBMODULE_SHA, 0)
        assert not any(path.startswith("vendor/dependency/") for path in by_path)
        # read() gives regular files only: a symlink's target is not followed, a submodule has no content
        assert tree.read("link-to-index.js") is None
        assert tree.read("dangling") is None
        assert tree.read("vendor/dependency") is None
        assert tree.read("src") is None
        assert tree.read("no/such/file.js") is None
        assert [entry.path for entry, _ in tree.read_many([link, submodule, by_path["src/index.js"]])] == [
            "src/index.js"
        ]


def test_binary_and_non_utf8_contents_are_byte_exact(fetcher, transport, sample):
    with fetcher.open(RepositoryAccess(transport.url), "main") as tree:
        assert tree.read("assets/logo.bin") == BINARY_CONTENT
        assert tree.read("src/latin1.js") == NON_UTF8_JS
        assert tree.read("empty.js") == b""
        assert tree.read(".codetrackerignore") == b"dist/\n*.min.js\n"
        by_path = {entry.path: entry for entry in tree.entries()}
        assert by_path["bin/cli.js"].kind is EntryKind.FILE  # executable files are files


def test_missing_ref_is_ref_not_found(fetcher, transport):
    with pytest.raises(RefNotFound) as raised:
        fetcher.open(RepositoryAccess(transport.url), "no-such-branch")
    assert "no-such-branch" in str(raised.value)
    assert raised.value.retryable is False


def test_unknown_full_sha_is_ref_not_found(fetcher, transport):
    with pytest.raises(RefNotFound):
        fetcher.open(RepositoryAccess(transport.url), "0123456789abcdef0123456789abcdef01234567")


def test_abbreviated_sha_that_is_no_tip_is_ref_not_found(fetcher, transport, sample):
    with pytest.raises(RefNotFound) as raised:
        fetcher.open(RepositoryAccess(transport.url), sample.first_commit[:12])
    assert "40-character" in str(raised.value)


def test_missing_repository(fetcher, transport, sample):
    missing_url = transport.url.replace(sample.name, "missing.git")
    with pytest.raises(RepositoryNotFound) as raised:
        fetcher.open(RepositoryAccess(missing_url), "main")
    assert raised.value.retryable is False
