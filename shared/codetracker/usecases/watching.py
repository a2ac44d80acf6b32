"""What a registration watches, as the use cases change and follow it: registering a URL again with another
watch, describing a watch for the timeline, marking the snapshots of a ref deleted on the remote (told by a
webhook, or found gone by the reconciler), and which scan under way covers the registration's branch.

Registering a URL the app has registered already states the watch it wants: the fields it gives (`branch`,
`branches`, `tags`, `packages`, `ignore`) replace the stored ones (the scan it queues uses them) and the
answer (200) shows what is now watched; fields it leaves out stay as they are. An update rather than a 409:
the caller owns the registration and said plainly what it wants watched, and a 409 would only make it send
the same thing again as a PATCH. A different `slug` is a 409 naming `slug`: the snapshots are stored under
the slug, so changing it is not a change of watch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from codetracker.domain.github import RefDeleted
from codetracker.domain.model import SnapshotSummary
from codetracker.domain.job import Job
from codetracker.domain.registry import ActivityStatus, ActivityType, Registration
from codetracker.domain.snapshot_keys import HEAD_TAG
from codetracker.domain.watch import Watch
from codetracker.errors import Conflict
from codetracker.ports.clock import Clock
from codetracker.ports.git import RemoteRefs
from codetracker.ports.metrics import Metrics
from codetracker.ports.unit_of_work import UnitOfWork
from codetracker.ports.snapshot_store import SnapshotSelection
from codetracker.usecases.activity import RegistrationActivity, record_registration_activity
from codetracker.usecases.app_requests import RegisterRepositoryRequest


def describe_watch(registration: Registration) -> str:
    watch = registration.watch()
    described = f"watching {watch.describe('branch')} and {watch.describe('tag')}"
    if registration.packages:
        described += f", packages {', '.join(registration.packages)}"
    if registration.ignore_patterns:
        described += f", {len(registration.ignore_patterns)} ignore patterns of its own"
    return described


def watch_restated(
    uow: UnitOfWork,
    registration: Registration,
    request: RegisterRepositoryRequest,
    *,
    clock: Clock,
    metrics: Metrics,
) -> Registration:
    """The registration with the watch a repeated registration states (see the module's docstring)."""
    if request.slug is not None and request.slug != registration.module_slug:
        raise Conflict(
            f"the repository is registered with slug {registration.module_slug!r}; a slug cannot change "
            "(delete the registration and register it again to use another)",
            field="slug",
        )
    changes: dict[str, object] = {}
    if request.branch is not None and request.branch != registration.watched_branch:
        changes["watched_branch"] = request.branch
    if request.branches is not None and request.branches != registration.branch_patterns:
        changes["branch_patterns"] = request.branches
    if request.tags is not None and request.tags != registration.tag_patterns:
        changes["tag_patterns"] = request.tags
    if request.packages is not None and request.packages != registration.packages:
        changes["packages"] = request.packages
    if request.ignore is not None and request.ignore != registration.ignore_patterns:
        changes["ignore_patterns"] = request.ignore
    if not changes:
        return registration
    before = describe_watch(registration)
    changed = replace(registration, **changes, updated_at=clock())  # type: ignore[arg-type]
    uow.registrations.update(changed)
    again = f"registered again: was {before}; now {describe_watch(changed)}"
    record_registration_activity(
        uow,
        RegistrationActivity(registration, ActivityType.REPOSITORY_REGISTERED, again, changed.updated_at),
        metrics=metrics,
    )
    return changed


def mark_ref_removed(uow: UnitOfWork, registration: Registration, kind: str, name: str, *, clock: Clock) -> int:
    """Mark the snapshots of a branch (its latest state) or a tag (under whatever branch) as removed from the
    remote; their history stays. Returns how many were marked."""
    at = clock()
    slugs = {registration.module_slug} | {
        s.module_slug
        for s in uow.snapshots.list_snapshots(SnapshotSelection(scope=registration.scope))
        if of_registration(registration, s)
    }
    return sum(
        uow.snapshots.mark_removed_from_remote(
            registration.scope,
            slug,
            branch_name=name if kind == "branch" else None,
            release_tag=HEAD_TAG if kind == "branch" else name,
            at=at,
        )
        for slug in sorted(slugs)
    )


def of_registration(registration: Registration, summary: SnapshotSummary) -> bool:
    """Whether a snapshot of the registration's scope is its module's, or one of the packages of its tree."""
    return registration.module_slug in (summary.module_slug, summary.package_of)


def ref_deleted(
    uow: UnitOfWork, registration: Registration, deleted: RefDeleted, *, about: str, clock: Clock
) -> tuple[ActivityStatus, str]:
    """Follow a ref deleted on the remote; the timeline entry (status, details) it makes."""
    kind, name = deleted.kind, deleted.name
    marked = mark_ref_removed(uow, registration, kind, name, clock=clock)
    if marked:
        return ActivityStatus.OK, (
            f"{about}: {kind} {name} was deleted on the remote; {marked} snapshot(s) marked removed, history kept"
        )
    return ActivityStatus.IGNORED, f"{about}: {kind} {name} was deleted on the remote; no snapshot of it is stored"


def unwatched_reason(watch: Watch, kind: str, name: str, *, about: str) -> str:
    return f"{about}: {kind} {name} is not watched (watching {watch.describe(kind)}); nothing queued"


# A snapshot of a scan of a commit is filed under the commit sha as its tag: no ref of the remote names it.
_COMMIT_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def gone_from_remote(
    registration: Registration, remote: RemoteRefs, snapshots: Iterable[SnapshotSummary]
) -> list[tuple[str, str]]:
    """(kind, name) of the refs the registration has unmarked snapshots of and the remote no longer has: what
    the reconciler marks when the deletion's webhook was lost."""
    gone: set[tuple[str, str]] = set()
    for s in snapshots:
        if not of_registration(registration, s) or s.removed_from_remote_at is not None:
            continue
        if s.release_tag == HEAD_TAG:
            if s.branch_name not in remote.branches:
                gone.add(("branch", s.branch_name))
        elif s.release_tag not in remote.tags and not _COMMIT_SHA.fullmatch(s.release_tag):
            gone.add(("tag", s.release_tag))
    return sorted(gone)


def active_scan(uow: UnitOfWork, registration: Registration, ref: str, *, branch: str) -> Job | None:
    """A scan of `ref` under way; for the registration's branch, its scan as `HEAD` counts too (a registration
    following the default branch queues its first scan as `HEAD`)."""
    active = uow.jobs.find_active(registration.id, ref)
    if active is None and ref == f"refs/heads/{branch}" and not registration.watched_branch:
        active = uow.jobs.find_active(registration.id, "HEAD")
    return active
