"""An in-memory unit of work: the snapshot store, blob cache and service tables in dicts, with the same
transaction semantics as Postgres (nothing is visible to others before commit; leaving without commit
discards everything).

It lives beside the Postgres adapter, not under tests/, and the same contract suite runs against both
(tests/contract/), so the two cannot drift. Use it where a test needs the use cases, not Postgres."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Self

from codetracker.domain.model import (
    DEFAULT_SCOPE,
    Descriptor,
    ExportedFunction,
    FileExtraction,
    PackageApi,
    SnapshotKey,
    SnapshotSource,
    SnapshotSummary,
)
from codetracker.domain.service import (
    DEPLOYMENT_HOOK,
    Activity,
    App,
    Job,
    JobStatus,
    OutboxMessage,
    Registration,
    WebhookDelivery,
)
from codetracker.domain.snapshot_rules import check_same_source, check_storable, describe_key, row_counts
from codetracker.errors import Conflict, InvalidInput, SnapshotNotFound, StaleSnapshot
from codetracker.ports import Clock, FunctionCursor, SnapshotCursor, SnapshotOutline


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _StoredSnapshot:
    summary: SnapshotSummary
    scanned_at: datetime
    descriptor: Descriptor


@dataclass
class MemoryState:
    """What a database would hold: shared by every unit of work made by one MemoryUnitOfWorkFactory."""

    snapshots: dict[SnapshotKey, _StoredSnapshot] = field(default_factory=dict)
    blobs: dict[tuple[str, str], FileExtraction] = field(default_factory=dict)
    last_snapshot_id: int = 0
    apps: dict[str, App] = field(default_factory=dict)
    registrations: dict[str, Registration] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    deliveries: dict[tuple[str, str], WebhookDelivery] = field(default_factory=dict)  # by (hook, delivery id)
    last_activity_id: int = 0
    blob_cached_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    outbox_claimed_until: dict[int, datetime] = field(default_factory=dict)
    last_outbox_id: int = 0

    def copy(self) -> MemoryState:
        # Shallow: stored values are never mutated, only replaced.
        return MemoryState(
            dict(self.snapshots),
            dict(self.blobs),
            self.last_snapshot_id,
            dict(self.apps),
            dict(self.registrations),
            dict(self.jobs),
            list(self.activities),
            dict(self.deliveries),
            self.last_activity_id,
            dict(self.blob_cached_at),
            dict(self.outbox),
            dict(self.outbox_claimed_until),
            self.last_outbox_id,
        )

    def new_snapshot_id(self) -> int:
        self.last_snapshot_id += 1
        return self.last_snapshot_id


class MemorySnapshotStore:
    def __init__(self, state: MemoryState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    def store_snapshot(
        self,
        key: SnapshotKey,
        descriptor: Descriptor,
        source: SnapshotSource,
        *,
        scanned_at: datetime | None = None,
        replace_source: bool = False,
        package_of: str | None = None,
    ) -> SnapshotSummary:
        check_storable(key, descriptor)
        _refuse_text_postgres_refuses(descriptor, source)
        stored = self._state.snapshots.get(key)
        recorded = (stored.summary.source_location, stored.summary.source_subpath) if stored else (None, "")
        if not replace_source:
            check_same_source(key, recorded, source)
        moment = scanned_at or self._clock()
        if scanned_at is None and stored is not None:
            moment = max(moment, stored.scanned_at)  # the store's own moment is never stale
        if stored is not None and stored.scanned_at > moment:
            raise StaleSnapshot(f"a newer scan of {describe_key(key)} is stored", stored=stored.summary)
        functions = descriptor.functions
        rows = row_counts(descriptor)
        summary = SnapshotSummary(
            module_slug=key.module_slug,
            snapshot_id=stored.summary.snapshot_id if stored else self._state.new_snapshot_id(),
            branch_name=key.branch_name,
            release_tag=key.release_tag,
            commit_sha=source.commit_sha,
            functions_count=rows.functions,
            parameters_count=rows.parameters,
            return_values_count=rows.return_values,
            files_count=rows.files,
            problems_count=rows.problems,
            last_scanned_at=moment.astimezone(UTC).isoformat(),
            scope=key.scope,
            # A scan whose source is not known keeps the recorded one.
            source_location=recorded[0] if source.location is None else source.location,
            source_subpath=recorded[1] if source.location is None else source.subpath,
            package_of=package_of,
            package_name=source.name if package_of is not None else None,
        )
        # As Postgres returns it: functions by (file, order in file), files and problems by path.
        ordered = Descriptor(
            module_slug=descriptor.module_slug,
            functions=tuple(sorted(functions, key=lambda f: (f.file_path, f.order_in_file))),
            files=tuple(sorted(descriptor.files, key=lambda e: e.path)),
            problems=tuple(sorted(descriptor.problems, key=lambda p: p.path)),
            public_api=descriptor.public_api,
        )
        self._state.snapshots[key] = _StoredSnapshot(summary, moment, ordered)
        return summary

    def list_snapshots(
        self,
        module_slug: str | None = None,
        branch_name: str | None = None,
        release_tag: str | None = None,
        *,
        scope: str = DEFAULT_SCOPE,
        limit: int | None = None,
        after: SnapshotCursor | None = None,
    ) -> list[SnapshotSummary]:
        def wanted(key: SnapshotKey) -> bool:
            return (
                key.scope == scope
                and module_slug in (None, key.module_slug)
                and branch_name in (None, key.branch_name)
                and release_tag in (None, key.release_tag)
                and (after is None or (key.module_slug, key.branch_name, key.release_tag) > _cursor_tuple(after))
            )

        keys = sorted(
            (k for k in self._state.snapshots if wanted(k)), key=lambda k: (k.module_slug, k.branch_name, k.release_tag)
        )
        return [self._state.snapshots[k].summary for k in keys[:limit]]

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        stored = self._state.snapshots.get(key)
        if stored is None:
            raise SnapshotNotFound(f"no snapshot of {describe_key(key)}")
        return stored.descriptor

    def _by_id(self, snapshot_id: int) -> _StoredSnapshot | None:
        return next((s for s in self._state.snapshots.values() if s.summary.snapshot_id == snapshot_id), None)

    def summary_by_id(self, snapshot_id: int) -> SnapshotSummary | None:
        stored = self._by_id(snapshot_id)
        return stored.summary if stored else None

    def load_functions(
        self,
        snapshot_id: int,
        *,
        limit: int,
        after: FunctionCursor | None = None,
        file_path: str | None = None,
        name: str | None = None,
    ) -> list[ExportedFunction]:
        stored = self._by_id(snapshot_id)
        if stored is None:
            return []

        def of_file(path: str) -> bool:
            if file_path is None:
                return True
            return path.startswith(file_path) if file_path.endswith("/") else path == file_path

        functions = [
            f
            for f in stored.descriptor.functions
            if (after is None or (f.file_path, f.order_in_file) > (after.file_path, after.order_in_file))
            and of_file(f.file_path)
            and name in (None, f.name)
        ]
        return functions[:limit]

    def load_outline(self, snapshot_id: int) -> SnapshotOutline:
        stored = self._by_id(snapshot_id)
        if stored is None:
            return SnapshotOutline((), ())
        counts: dict[str, int] = {}
        for f in stored.descriptor.functions:
            counts[f.file_path] = counts.get(f.file_path, 0) + 1
        return SnapshotOutline(tuple(sorted(counts.items())), stored.descriptor.problems)

    def load_public_api(self, snapshot_id: int) -> tuple[PackageApi, tuple[ExportedFunction, ...]] | None:
        stored = self._by_id(snapshot_id)
        api = stored.descriptor.public_api if stored is not None else None
        if stored is None or api is None:
            return None
        named = {(f.file_path, f.name) for f in api.public_functions}
        return api, tuple(f for f in stored.descriptor.functions if (f.file_path, f.name) in named)

    def mark_removed_from_remote(
        self, scope: str, module_slug: str, *, branch_name: str | None, release_tag: str, at: datetime
    ) -> int:
        marked = 0
        for key, stored in list(self._state.snapshots.items()):
            if (
                (key.scope, key.module_slug, key.release_tag) == (scope, module_slug, release_tag)
                and branch_name in (None, key.branch_name)
                and stored.summary.removed_from_remote_at is None
            ):
                summary = replace(stored.summary, removed_from_remote_at=at.astimezone(UTC).isoformat())
                self._state.snapshots[key] = replace(stored, summary=summary)
                marked += 1
        return marked

    def mark_packages_removed(
        self,
        scope: str,
        package_of: str,
        *,
        branch_name: str,
        release_tag: str,
        present: Collection[str],
        commit_sha: str | None,
        at: datetime,
    ) -> list[SnapshotSummary]:
        marked = []
        for key, stored in sorted(self._state.snapshots.items(), key=lambda item: item[0].module_slug):
            summary = stored.summary
            if (
                (key.scope, key.branch_name, key.release_tag) == (scope, branch_name, release_tag)
                and summary.package_of == package_of
                and key.module_slug not in present
                and summary.removed_from_tree_at is None
            ):
                summary = replace(
                    summary, removed_from_tree_at=at.astimezone(UTC).isoformat(), removed_from_tree_commit=commit_sha
                )
                self._state.snapshots[key] = replace(stored, summary=summary)
                marked.append(summary)
        return marked

    def delete_scope(self, scope: str) -> int:
        doomed = [k for k in self._state.snapshots if k.scope == scope]
        for k in doomed:
            del self._state.snapshots[k]
        return len(doomed)


def _cursor_tuple(cursor: SnapshotCursor) -> tuple[str, str, str]:
    return cursor.module_slug, cursor.branch_name, cursor.release_tag


def _refuse_text_postgres_refuses(descriptor: Descriptor, source: SnapshotSource) -> None:
    texts: list[str | None] = [source.name, source.folder_path, source.commit_sha, source.location, source.subpath]
    for f in descriptor.functions:
        texts += [f.name, f.file_path, f.description, f.jsdoc_raw]
        for p in f.parameters:
            texts += [p.name, p.type, p.default_value, p.description, p.doc_default, p.jsdoc_type]
        texts += [t for r in f.return_values for t in (r.type, r.description)]
    texts += [e.path for e in descriptor.files] + [p.reason for p in descriptor.problems]
    api = descriptor.public_api
    if api is not None:
        texts += [t for e in api.entry_points for t in (e.subpath, e.file_path, *e.conditions)]
        texts += [t for f in api.public_functions for t in (f.subpath, f.export_name, f.file_path, f.name)]
        texts += [t for u in api.unknown_exports for t in (u.subpath, u.export_name, u.reason)]
    for text in texts:
        if text is None:
            continue
        if "\x00" in text:
            raise InvalidInput("the snapshot cannot be stored: text contains a NUL character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            raise InvalidInput(f"the snapshot cannot be stored: {err}") from err


class MemoryBlobCacheStore:
    def __init__(self, state: MemoryState, clock: Clock = _utc_now) -> None:
        self._state = state
        self._clock = clock

    def get_many(self, shas: Iterable[str], extractor_version: str) -> dict[str, FileExtraction]:
        found = {}
        for sha in shas:
            hit = self._state.blobs.get((sha, extractor_version))
            if hit is not None:
                found[sha] = hit
        return found

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        for sha, result in results.items():
            if (sha, extractor_version) not in self._state.blobs:
                self._state.blobs[(sha, extractor_version)] = result
                self._state.blob_cached_at[(sha, extractor_version)] = self._clock()


class MemoryAppStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, app: App) -> None:
        if app.id in self._state.apps or any(a.token_sha256 == app.token_sha256 for a in self._state.apps.values()):
            raise Conflict("an app with this id or token exists")
        self._state.apps[app.id] = app

    def by_token_sha256(self, token_sha256: bytes, *, now: datetime | None = None) -> App | None:
        found = next((a for a in self._state.apps.values() if a.token_sha256 == token_sha256), None)
        if found is None and now is not None:
            found = next(
                (
                    a
                    for a in self._state.apps.values()
                    if a.previous_token_sha256 == token_sha256
                    and a.previous_token_expires_at is not None
                    and now < a.previous_token_expires_at
                ),
                None,
            )
        return found

    def get(self, app_id: str) -> App | None:
        return self._state.apps.get(app_id)

    def lock(self, app_id: str) -> App | None:
        return self.get(app_id)  # a unit of work of the fake runs alone: nothing to wait for

    def update(self, app: App) -> None:
        if app.id in self._state.apps:
            self._state.apps[app.id] = app


class MemoryRegistrationStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _live(self) -> list[Registration]:
        return sorted(
            (r for r in self._state.registrations.values() if r.deleted_at is None), key=lambda r: (r.created_at, r.id)
        )

    def add(self, registration: Registration) -> None:
        if self.by_url(registration.app_id, registration.url) is not None:
            raise Conflict(f"the app already has a registration of {registration.url}")
        self._state.registrations[registration.id] = registration

    def get(self, app_id: str, registration_id: str) -> Registration | None:
        found = self._state.registrations.get(registration_id)
        return found if found and found.app_id == app_id and found.deleted_at is None else None

    def by_url(self, app_id: str, url: str) -> Registration | None:
        return next((r for r in self._live() if r.app_id == app_id and r.url == url), None)

    def list(self, app_id: str, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Registration]:
        mine = [r for r in self._live() if r.app_id == app_id and (after is None or (r.created_at, r.id) > after)]
        return mine[:limit]

    def update(self, registration: Registration) -> None:
        stored = self.get(registration.app_id, registration.id)
        if stored is not None:
            # As in Postgres, the webhook secrets change only through set_webhook_secrets.
            self._state.registrations[registration.id] = replace(
                registration,
                webhook_secret_encrypted=stored.webhook_secret_encrypted,
                previous_webhook_secret_encrypted=stored.previous_webhook_secret_encrypted,
                previous_webhook_secret_expires_at=stored.previous_webhook_secret_expires_at,
            )

    def set_webhook_secrets(self, registration: Registration, *, expected: bytes | None) -> bool:
        stored = self.get(registration.app_id, registration.id)
        if stored is None or stored.webhook_secret_encrypted != expected:
            return False
        self._state.registrations[registration.id] = replace(
            stored,
            webhook_secret_encrypted=registration.webhook_secret_encrypted,
            previous_webhook_secret_encrypted=registration.previous_webhook_secret_encrypted,
            previous_webhook_secret_expires_at=registration.previous_webhook_secret_expires_at,
            updated_at=registration.updated_at,
        )
        return True

    def watching(self, urls: Iterable[str]) -> list[Registration]:
        wanted = set(urls)
        return [r for r in self._live() if r.url in wanted]

    def find(self, registration_id: str) -> Registration | None:
        return self._state.registrations.get(registration_id)

    def list_live(self, *, limit: int, after: str | None = None) -> list[Registration]:
        live = sorted((r for r in self._live() if after is None or r.id > after), key=lambda r: r.id)
        return live[:limit]


class MemoryJobStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, job: Job) -> None:
        if job.repository_id not in self._state.registrations:
            raise InvalidInput("a job needs an existing registration", field="repository_id")
        self._state.jobs[job.id] = job

    def get(self, app_id: str, job_id: str) -> Job | None:
        job = self._state.jobs.get(job_id)
        if job is None:
            return None
        owner = self._state.registrations.get(job.repository_id)
        return job if owner is not None and owner.app_id == app_id else None

    def _newest_first(self, repository_id: str) -> list[Job]:
        return sorted(
            (j for j in self._state.jobs.values() if j.repository_id == repository_id),
            key=lambda j: (j.created_at, j.id),
            reverse=True,
        )

    def list_for_repository(
        self, repository_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        jobs = [j for j in self._newest_first(repository_id) if before is None or (j.created_at, j.id) < before]
        return jobs[:limit]

    def find_pending(self, repository_id: str, ref: str) -> Job | None:
        return next(
            (j for j in self._newest_first(repository_id) if j.ref == ref and j.status == JobStatus.QUEUED), None
        )

    def find_active(self, repository_id: str, ref: str) -> Job | None:
        active = (JobStatus.QUEUED, JobStatus.SCANNING, JobStatus.PERSISTING)
        return next((j for j in self._newest_first(repository_id) if j.ref == ref and j.status in active), None)

    def set_status(self, job_id: str, status: JobStatus, *, at: datetime) -> None:
        job = self._state.jobs.get(job_id)
        if job is not None:
            self._state.jobs[job_id] = replace(job, status=status, updated_at=at)

    def find(self, job_id: str) -> Job | None:
        return self._state.jobs.get(job_id)

    def lock(self, job_id: str) -> Job | None:
        return self._state.jobs.get(job_id)  # units of work are serialised already

    def save(self, job: Job) -> None:
        stored = self._state.jobs.get(job.id)
        if stored is not None:
            # The fixed fields stay as stored, as the Postgres UPDATE leaves them.
            self._state.jobs[job.id] = replace(
                job,
                repository_id=stored.repository_id,
                trigger=stored.trigger,
                ref=stored.ref,
                created_at=stored.created_at,
            )

    def list_stale(self, *, before: datetime, limit: int) -> list[Job]:
        active = (JobStatus.QUEUED, JobStatus.SCANNING, JobStatus.PERSISTING)
        stale = [j for j in self._state.jobs.values() if j.status in active and j.updated_at < before]
        return sorted(stale, key=lambda j: (j.updated_at, j.id))[:limit]


class MemoryOutboxStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, message: OutboxMessage) -> OutboxMessage:
        if message.job_id not in self._state.jobs:
            raise InvalidInput("an outbox message needs an existing job", field="job_id")
        self._state.last_outbox_id += 1
        stored = replace(message, id=self._state.last_outbox_id, sent_at=None, attempts=0, last_error=None)
        self._state.outbox[stored.id] = stored  # type: ignore[index]
        return stored

    def claim(
        self, *, at: datetime, until: datetime, limit: int, job_ids: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        claims = self._state.outbox_claimed_until
        free = [
            m
            for m in self.unsent(limit=len(self._state.outbox))
            if (m.id not in claims or claims[m.id] <= at) and (job_ids is None or m.job_id in job_ids)  # type: ignore[operator]
        ][:limit]
        claimed = []
        for message in free:
            message = replace(message, attempts=message.attempts + 1)
            self._state.outbox[message.id] = message  # type: ignore[index]
            claims[message.id] = until  # type: ignore[index]
            claimed.append(message)
        return claimed

    def mark_sent(self, ids: Sequence[int], *, at: datetime) -> None:
        for message_id in ids:
            message = self._state.outbox.get(message_id)
            if message is not None and message.sent_at is None:
                self._state.outbox[message_id] = replace(message, sent_at=at)
                self._state.outbox_claimed_until.pop(message_id, None)

    def release(self, message_id: int, *, retry_at: datetime, error: str | None) -> None:
        message = self._state.outbox.get(message_id)
        if message is None or message.sent_at is not None:
            return
        if error is None:
            message = replace(message, attempts=max(message.attempts - 1, 0))
        else:
            message = replace(message, last_error=error)
        self._state.outbox[message_id] = message
        self._state.outbox_claimed_until[message_id] = retry_at

    def unsent(self, *, limit: int) -> list[OutboxMessage]:
        return sorted((m for m in self._state.outbox.values() if m.sent_at is None), key=lambda m: m.id or 0)[:limit]


class MemoryRetentionStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def delete_activities(self, *, before: datetime, limit: int) -> int:
        doomed = sorted((a for a in self._state.activities if a.created_at < before), key=lambda a: a.created_at)
        ids = {a.id for a in doomed[:limit]}
        self._state.activities = [a for a in self._state.activities if a.id not in ids]
        return len(ids)

    def delete_jobs(self, *, before: datetime, limit: int) -> int:
        doomed = sorted((j for j in self._state.jobs.values() if j.created_at < before), key=lambda j: j.created_at)
        ids = {j.id for j in doomed[:limit]}
        for job_id in ids:
            del self._state.jobs[job_id]
        # As ON DELETE CASCADE does.
        for message in [m for m in self._state.outbox.values() if m.job_id in ids]:
            del self._state.outbox[message.id]  # type: ignore[arg-type]
            self._state.outbox_claimed_until.pop(message.id, None)  # type: ignore[arg-type]
        # As ON DELETE SET NULL does.
        self._state.activities = [replace(a, job_id=None) if a.job_id in ids else a for a in self._state.activities]
        return len(ids)

    def delete_webhook_deliveries(self, *, before: datetime, limit: int) -> int:
        doomed = sorted(
            (d for d in self._state.deliveries.values() if d.received_at < before), key=lambda d: d.received_at
        )[:limit]
        for d in doomed:
            del self._state.deliveries[(d.hook, d.delivery_id)]
        return len(doomed)

    def delete_unreferenced_blobs(self, *, before: datetime, limit: int) -> int:
        listed = {e.sha for s in self._state.snapshots.values() for e in s.descriptor.files if e.sha}
        doomed = sorted(
            (k for k, at in self._state.blob_cached_at.items() if at < before and k[0] not in listed),
            key=lambda k: self._state.blob_cached_at[k],
        )[:limit]
        for k in doomed:
            del self._state.blobs[k]
            del self._state.blob_cached_at[k]
        return len(doomed)


class MemoryActivityStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, activity: Activity) -> None:
        if activity.repository_id not in self._state.registrations or activity.app_id not in self._state.apps:
            raise InvalidInput("an activity needs an existing registration and app", field="repository_id")
        self._state.last_activity_id += 1
        self._state.activities.append(replace(activity, id=self._state.last_activity_id))

    def list_for_repository(self, repository_id: str, *, limit: int, before: int | None = None) -> list[Activity]:
        found = [
            a
            for a in reversed(self._state.activities)
            if a.repository_id == repository_id and (before is None or (a.id or 0) < before)
        ]
        return found[:limit]


class MemoryWebhookDeliveryStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def claim(self, delivery: WebhookDelivery) -> bool:
        key = (delivery.hook, delivery.delivery_id)
        if key in self._state.deliveries:
            return False
        self._state.deliveries[key] = delivery
        return True

    def get(self, delivery_id: str, hook: str = DEPLOYMENT_HOOK) -> WebhookDelivery | None:
        return self._state.deliveries.get((hook, delivery_id))


class MemoryUnitOfWork:
    snapshots: MemorySnapshotStore
    blob_cache: MemoryBlobCacheStore
    apps: MemoryAppStore
    registrations: MemoryRegistrationStore
    jobs: MemoryJobStore
    activities: MemoryActivityStore
    webhook_deliveries: MemoryWebhookDeliveryStore
    retention: MemoryRetentionStore
    outbox: MemoryOutboxStore

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self._factory = factory
        self._working: MemoryState | None = None

    def __enter__(self) -> Self:
        # Serialised like units on one Postgres connection; each works on a copy, published at commit.
        self._factory.lock.acquire()
        self._working = self._factory.state.copy()
        self.snapshots = MemorySnapshotStore(self._working, self._factory.clock)
        self.blob_cache = MemoryBlobCacheStore(self._working, self._factory.clock)
        self.apps = MemoryAppStore(self._working)
        self.registrations = MemoryRegistrationStore(self._working)
        self.jobs = MemoryJobStore(self._working)
        self.activities = MemoryActivityStore(self._working)
        self.webhook_deliveries = MemoryWebhookDeliveryStore(self._working)
        self.retention = MemoryRetentionStore(self._working)
        self.outbox = MemoryOutboxStore(self._working)
        return self

    def commit(self) -> None:
        if self._working is not None:
            self._factory.state = self._working
            self._working = None

    def rollback(self) -> None:
        self._working = None

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.rollback()
        finally:
            self._factory.lock.release()


class MemoryUnitOfWorkFactory:
    def __init__(self, *, clock: Clock = _utc_now) -> None:
        self.state = MemoryState()
        self.clock = clock
        self.lock = threading.RLock()

    def __call__(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)
