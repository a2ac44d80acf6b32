"""A repository registration's bodies: registering, changing, reading, listing and deleting one."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from codetracker.api.models.common import Listing, RequestBody, ValueOut
from codetracker.api.models.patterns import BRANCH_PATTERN, SLUG_PATTERN, TOKEN_PATTERN, URL_PATTERN, documented
from codetracker.domain.registry import Registration


class RegisterRepositoryBody(RequestBody):
    url: str = Field(
        description="https URL of the git repository (no credentials in it)", json_schema_extra=documented(URL_PATTERN)
    )
    branch: str | None = Field(
        default=None,
        description="branch to watch; default: the repository's default branch",
        json_schema_extra=documented(BRANCH_PATTERN),
    )
    branches: list[str] | None = Field(
        default=None, description="more branches to watch: globs (`release/*`; `*` stops at `/`, `**` does not)"
    )
    tags: list[str] | None = Field(
        default=None, description="tags to watch: globs (`v*`, `*@*`) or `:semver`; default: [`:semver`]"
    )
    packages: list[str] | None = Field(
        default=None, description="npm packages to track, by package.json name; default: every package of the tree"
    )
    ignore: list[str] | None = Field(
        default=None, description="more files to leave out: gitignore patterns, applied like .codetrackerignore"
    )
    callback_url: str | None = Field(
        default=None, description="overrides the app's callback URL", json_schema_extra=documented(URL_PATTERN)
    )
    slug: str | None = Field(
        default=None,
        description="module slug, with a letter or digit; default: the repository's name, slugified",
        json_schema_extra=documented(SLUG_PATTERN),
    )
    # repr=False: Powertools logs route arguments at debug level; a token must not be in them.
    access_token: str | None = Field(
        default=None,
        repr=False,
        description="token for a private repository; never returned",
        json_schema_extra=documented(TOKEN_PATTERN),
    )


class UpdateRepositoryBody(RequestBody):
    callback_url: str | None = Field(
        default=None, description="null removes the override", json_schema_extra=documented(URL_PATTERN)
    )
    branch: str | None = Field(
        default=None, description="null: follow the default branch", json_schema_extra=documented(BRANCH_PATTERN)
    )
    branches: list[str] | None = Field(default=None, description="branch patterns; null: none")
    tags: list[str] | None = Field(default=None, description="tag patterns; null: the default, [`:semver`]")
    packages: list[str] | None = Field(default=None, description="package names; null: every package")
    ignore: list[str] | None = Field(default=None, description="gitignore patterns; null: none")
    access_token: str | None = Field(
        default=None, repr=False, description="null removes the token", json_schema_extra=documented(TOKEN_PATTERN)
    )


class RepositoryOut(ValueOut):
    id: str
    url: str = Field(description="the normalised URL: what registrations and webhooks are matched on")
    display_url: str
    module_slug: str
    branch: str | None = Field(description="the watched branch; null: the default branch")
    branches: list[str] = Field(description="patterns of further watched branches")
    tags: list[str] = Field(description="patterns of watched tags (`:semver`: every tag naming a version)")
    packages: list[str] = Field(default=[], description="the npm packages tracked (empty: every package)")
    ignore: list[str] = Field(default=[], description="its own ignore patterns (gitignore syntax)")
    default_branch: str | None
    callback_url: str | None
    has_access_token: bool
    status: str
    last_error: str | None
    last_scanned_commit: str | None
    last_scanned_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Registration) -> RepositoryOut:
        return cls.filled_from(
            r,
            branch=r.watched_branch,
            branches=list(r.branch_patterns),
            tags=list(r.tag_patterns),
            packages=list(r.packages),
            ignore=list(r.ignore_patterns),
            status=str(r.status),
        )


class WebhookOut(BaseModel):
    url: str = Field(description="the registration's own GitHub webhook URL (payload URL of the hook)")
    secret: str | None = Field(
        repr=False, description="the hook's secret; shown only when the registration is made or rotated, else null"
    )


class RepositoryRegistered(RepositoryOut):
    job_id: str
    webhook: WebhookOut


class RepositoryList(Listing[RepositoryOut]):
    pass


class RepositoryDeleted(BaseModel):
    id: str
    deleted: bool
    snapshots_deleted: int
