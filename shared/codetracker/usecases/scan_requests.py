"""The requests about a source tree and its snapshots (extract, scan a folder or a repository now, show
snapshots: what the CLI asks), validated in one place: a request that exists is well formed. An app's requests
through the API (its repositories, scan jobs, pages) are in app_requests.py.

Messages name the request's fields (`branch`, `tag`, `slug`, …), never a CLI flag or an API parameter: each
entry point maps `InvalidInput.field` to its own spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codetracker.domain.model import DEFAULT_SCOPE
from codetracker.domain.refnames import check_ref_name, normalize_commit_sha
from codetracker.domain.selection import SelectionOptions, slugify
from codetracker.domain.snapshot_keys import FALLBACK_BRANCH, HEAD_TAG
from codetracker.domain.snapshot_sources import tree_folder
from codetracker.errors import InvalidInput
from codetracker.ports.git import Credentials

MAX_NAME_LENGTH = 255
MAX_PAGE_SIZE = 1000


def required_name(value: str | None, field_name: str) -> str:
    """A non-empty name of at most MAX_NAME_LENGTH characters, stripped."""
    if value is None or not value.strip():
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{field_name} is longer than {MAX_NAME_LENGTH} characters", field=field_name)
    return value.strip()


def optional_name(value: str | None, field_name: str) -> str | None:
    return None if value is None else required_name(value, field_name)


def ref_name(value: str | None, field_name: str) -> str:
    """A branch, tag or ref, by git's ref-name rules (`git check-ref-format`): no control characters, no
    `..`, `~^:?*[\\`, … — so a stored name can never split a table row or colour a terminal."""
    return check_ref_name(value if value is not None else "", what=field_name)


def optional_ref_name(value: str | None, field_name: str) -> str | None:
    return None if value is None else ref_name(value, field_name)


def module_slug(value: str | None) -> str | None:
    """A slug given by the caller, slugified; None: the use case derives it from the source's name."""
    return None if value is None else slugify(required_name(value, "slug"))


def commit_sha(value: str | None) -> str | None:
    """A recorded commit is a full sha, lower-cased (abbreviated shas are refs to fetch, not records)."""
    return None if value is None else normalize_commit_sha(value)


def _set(request: object, name: str, value: object) -> None:
    object.__setattr__(request, name, value)  # normalising a frozen dataclass in __post_init__


@dataclass(frozen=True, slots=True)
class ExtractFolderRequest:
    """Extract a folder as it is on disk; `package_names` (empty: every package) extracts it package by
    package."""

    path: str | Path
    module_slug: str | None = None
    options: SelectionOptions = SelectionOptions()
    package_names: Sequence[str] | None = None

    def __post_init__(self) -> None:
        _set(self, "module_slug", module_slug(self.module_slug))


@dataclass(frozen=True, slots=True)
class ScanFolderRequest:
    """Scan a folder as it is on disk, stored under (scope, slug, branch, tag)."""

    path: str | Path
    branch_name: str
    release_tag: str = HEAD_TAG
    commit_sha: str | None = None
    module_slug: str | None = None
    scope: str = DEFAULT_SCOPE
    checkout_root: str | None = None  # the git checkout holding the folder (resolved): the source's location
    options: SelectionOptions = SelectionOptions()
    # Empty: every package; the folder is extracted package by package (usecases.package_scan splits the
    # result into one snapshot per package).
    package_names: Sequence[str] | None = None

    def __post_init__(self) -> None:
        _set(self, "branch_name", ref_name(self.branch_name, "branch"))
        _set(self, "release_tag", ref_name(self.release_tag, "tag"))
        _set(self, "commit_sha", commit_sha(self.commit_sha))
        _set(self, "module_slug", module_slug(self.module_slug))
        _set(self, "scope", required_name(self.scope, "scope"))


@dataclass(frozen=True, slots=True)
class ScanRepositoryRequest:
    """Scan one ref of a git repository. branch_name / release_tag override the key the ref names
    (domain/snapshot_keys.py); fallback_branch names the branch when the repository advertises none."""

    url: str
    ref: str
    branch_name: str | None = None
    release_tag: str | None = None
    module_slug: str | None = None
    scope: str = DEFAULT_SCOPE
    credentials: Credentials | None = field(default=None, repr=False)
    fallback_branch: str = FALLBACK_BRANCH
    # The source recorded with the snapshot (a registration's normal URL); None: the fetched URL's.
    source_location: str | None = None
    options: SelectionOptions = SelectionOptions()
    package_names: Sequence[str] | None = None  # as for ScanFolderRequest
    subpath: str = ""  # one folder of the repository scanned as a module of its own ("": all of it)

    def __post_init__(self) -> None:
        if not self.url or not self.url.strip():
            raise InvalidInput("url must not be empty", field="url")
        _set(self, "ref", ref_name(self.ref, "ref"))
        _set(self, "branch_name", optional_ref_name(self.branch_name, "branch"))
        _set(self, "release_tag", optional_ref_name(self.release_tag, "tag"))
        _set(self, "module_slug", module_slug(self.module_slug))
        _set(self, "scope", required_name(self.scope, "scope"))
        _set(self, "subpath", tree_folder(self.subpath))


@dataclass(frozen=True, slots=True)
class SnapshotQuery:
    """Stored snapshots of one scope: of one module (optionally one branch and/or tag), or all of them.
    Pages of `limit` items; `cursor` is the `next_cursor` of the page before."""

    module_slug: str | None = None
    branch_name: str | None = None
    release_tag: str | None = None
    scope: str = DEFAULT_SCOPE
    limit: int = 100
    cursor: str | None = None

    def __post_init__(self) -> None:
        _set(self, "module_slug", module_slug(self.module_slug))
        _set(self, "branch_name", optional_ref_name(self.branch_name, "branch"))
        _set(self, "release_tag", optional_ref_name(self.release_tag, "tag"))
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}", field="limit")
