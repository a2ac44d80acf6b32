"""The requests an app makes through the API (create an app, register or update a repository, queue a scan
job, a page of a listing), validated in one place.

Like scan_requests.py, messages name the request's fields (`url`, `branch`, `callback_url`, `slug`,
`access_token`, `ref`, `name`, `limit`, `cursor`), never an HTTP parameter. Text that Postgres cannot hold
(NUL) or that has no business in a name (control characters) is refused here, so a store never sees it.
URLs are checked for syntax here and against the address policy (DNS) by url_policy.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from codetracker.domain.refnames import check_ref_name
from codetracker.domain.watch import DEFAULT_TAG_PATTERNS, MAX_PATTERNS, pattern_problem
from codetracker.errors import InvalidInput, NotFound
from codetracker.usecases.scan_requests import module_slug

MAX_APP_NAME = 200
MAX_TOKEN_LENGTH = 4096
DEFAULT_PAGE = 50
MAX_PAGE = 200
DEFAULT_FUNCTION_PAGE = 500
MAX_FUNCTION_PAGE = 2000


def _set(request: object, name: str, value: object) -> None:
    object.__setattr__(request, name, value)


def printable(value: str | None, field_name: str, *, max_length: int, spaces: bool = True) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"{field_name} is longer than {max_length} characters", field=field_name)
    for ch in value:
        if ord(ch) < 0x20 or ord(ch) == 0x7F or (not spaces and ch.isspace()) or 0xD800 <= ord(ch) <= 0xDFFF:
            what = "spaces or control characters" if not spaces else "control characters"
            raise InvalidInput(f"{field_name} must not contain {what}", field=field_name)
    return value


def ref_name(value: str | None, field_name: str) -> str:
    """A branch, tag, full ref or commit sha by the rules the scanner and the CLI apply (git's ref-name rules,
    domain/refnames.py): what is accepted here is never refused later by the scanner."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    return check_ref_name(value, what=field_name)


def branch_name(value: str | None, field_name: str = "branch") -> str:
    value = ref_name(value, field_name)
    if value.startswith("refs/"):
        if not value.startswith("refs/heads/") or len(value) == len("refs/heads/"):
            raise InvalidInput(f"{field_name} must be a branch name", field=field_name)
        value = value[len("refs/heads/") :]
    if value == "HEAD":
        raise InvalidInput(
            f"{field_name} must name a branch (leave it out to follow the default branch)", field=field_name
        )
    return value


MAX_PACKAGES = 1000
MAX_PACKAGE_NAME = 214  # npm's limit


def package_names(value: object) -> tuple[str, ...]:
    """The package.json names a registration tracks (`packages`), duplicates dropped; a tree without one of
    them fails its scan naming the packages it has."""
    if not isinstance(value, (list, tuple)) or len(value) > MAX_PACKAGES:
        raise InvalidInput(f"packages must be a list of at most {MAX_PACKAGES} package names", field="packages")
    names = [printable(name, "packages", max_length=MAX_PACKAGE_NAME, spaces=False) for name in value]
    return tuple(dict.fromkeys(names))


MAX_IGNORE_PATTERNS = 1000
MAX_IGNORE_PATTERN = 4096


def ignore_patterns(value: object) -> tuple[str, ...]:
    """A registration's own ignore patterns (`ignore`): gitignore lines, one per item (no line breaks)."""
    if not isinstance(value, (list, tuple)) or len(value) > MAX_IGNORE_PATTERNS:
        raise InvalidInput(f"ignore must be a list of at most {MAX_IGNORE_PATTERNS} patterns", field="ignore")
    lines = [printable(line, "ignore", max_length=MAX_IGNORE_PATTERN) for line in value]
    return tuple(dict.fromkeys(lines))


def watch_patterns(value: object, field_name: str, *, tags: bool) -> tuple[str, ...]:
    """A list of branch (`branches`) or tag (`tags`) patterns (domain/watch.py), duplicates dropped."""
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(f"{field_name} must be a list of patterns", field=field_name)
    if len(value) > MAX_PATTERNS:
        raise InvalidInput(f"{field_name} has more than {MAX_PATTERNS} patterns", field=field_name)
    for index, pattern in enumerate(value):
        problem = pattern_problem(pattern, tags=tags)
        if problem is not None:
            raise InvalidInput(f"{field_name}[{index}]: {problem}", field=field_name)
    return tuple(dict.fromkeys(value))


def entity_id(value: str, what: str) -> str:
    """An id of the service (a uuid). Anything else names nothing: NotFound, like another app's id."""
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) and len(value) == 36 else _missing(what)
    except ValueError:
        return _missing(what)


def _missing(what: str) -> str:
    raise NotFound(f"no such {what}")


def _url_text(value: str | None, field_name: str) -> str | None:
    if value is None:
        return None
    return printable(value, field_name, max_length=2048, spaces=False)


def _access_token(token: str | None) -> str | None:
    """A repository's access token as given (printable, no spaces, bounded); None: none given."""
    return None if token is None else printable(token, "access_token", max_length=MAX_TOKEN_LENGTH, spaces=False)


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_PAGE
    cursor: str | None = None
    max_limit: int = MAX_PAGE

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or not 1 <= self.limit <= self.max_limit:
            raise InvalidInput(f"limit must be between 1 and {self.max_limit}", field="limit")
        if self.cursor is not None and (not self.cursor or len(self.cursor) > 1024):
            raise InvalidInput("cursor is not one this service handed out", field="cursor")


@dataclass(frozen=True, slots=True)
class CreateAppRequest:
    name: str
    callback_url: str | None = None

    def __post_init__(self) -> None:
        _set(self, "name", printable(self.name, "name", max_length=MAX_APP_NAME))
        _set(self, "callback_url", _url_text(self.callback_url, "callback_url"))


@dataclass(frozen=True, slots=True)
class RegisterRepositoryRequest:
    url: str
    branch: str | None = None  # None: follow the repository's default branch
    callback_url: str | None = None
    slug: str | None = None
    access_token: str | None = field(default=None, repr=False)
    branches: tuple[str, ...] | None = None  # None: not given (a new registration watches its branch only)
    tags: tuple[str, ...] | None = None  # None: not given (a new registration watches domain/watch's default)
    packages: tuple[str, ...] | None = None  # None: not given (every package of the tree)
    ignore: tuple[str, ...] | None = None  # None: not given (no patterns of its own)

    def __post_init__(self) -> None:
        _set(self, "url", _url_text(self.url, "url"))
        if self.packages is not None:
            _set(self, "packages", package_names(self.packages))
        if self.ignore is not None:
            _set(self, "ignore", ignore_patterns(self.ignore))
        _set(self, "branch", None if self.branch is None else branch_name(self.branch))
        if self.branches is not None:
            _set(self, "branches", watch_patterns(self.branches, "branches", tags=False))
        if self.tags is not None:
            _set(self, "tags", watch_patterns(self.tags, "tags", tags=True))
        _set(self, "callback_url", _url_text(self.callback_url, "callback_url"))
        if self.slug is not None:
            _set(self, "slug", module_slug(printable(self.slug, "slug", max_length=255)))
        _set(self, "access_token", _access_token(self.access_token))


@dataclass(frozen=True, slots=True)
class UpdateRepositoryRequest:
    """PATCH: only the fields named in `changed` change; a changed field set to None clears it (the callback
    override, the access token, the watched branch: back to the default branch)."""

    repository_id: str
    changed: frozenset[str]
    callback_url: str | None = None
    branch: str | None = None
    access_token: str | None = field(default=None, repr=False)
    branches: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    packages: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        unknown = self.changed - {"callback_url", "branch", "access_token", "branches", "tags", "packages", "ignore"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"{name} cannot be changed", field=name)
        _set(self, "repository_id", entity_id(self.repository_id, "repository"))
        if self.branch is not None:
            _set(self, "branch", branch_name(self.branch))
        # null puts a list back to its default, as it does the branch: no further branches, the default tags.
        for name, tags, default in (("branches", False, ()), ("tags", True, DEFAULT_TAG_PATTERNS)):
            if name in self.changed:
                given = getattr(self, name)
                _set(self, name, default if given is None else watch_patterns(given, name, tags=tags))
        _set(self, "callback_url", _url_text(self.callback_url, "callback_url"))
        if "packages" in self.changed:  # null: every package again
            _set(self, "packages", () if self.packages is None else package_names(self.packages))
        if "ignore" in self.changed:  # null: none of its own
            _set(self, "ignore", () if self.ignore is None else ignore_patterns(self.ignore))
        _set(self, "access_token", _access_token(self.access_token))


@dataclass(frozen=True, slots=True)
class ScanJobRequest:
    """Queue a scan of a registered repository (a job; the scanner does it): jobs.request_scan's request."""

    repository_id: str
    ref: str | None = None  # None: the watched branch (or the default branch)

    def __post_init__(self) -> None:
        _set(self, "repository_id", entity_id(self.repository_id, "repository"))
        if self.ref is not None:
            _set(self, "ref", ref_name(self.ref, "ref"))
