"""Small interfaces between the use cases and the outside world. One real adapter each, in adapters/; an
in-memory fake beside it where one is useful, held to the same contract tests."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from codetracker.domain.service import (
    Activity,
    App,
    Job,
    JobStatus,
    NotifyRequested,
    OutboxMessage,
    PersistRequested,
    Registration,
    ScanRequested,
    WebhookDelivery,
)
from codetracker.domain.model import (
    DEFAULT_SCOPE,
    Checkpoint,
    Descriptor,
    ExportedFunction,
    FileExtraction,
    ScanProblem,
    ModuleSyntax,
    PackageApi,
    SnapshotKey,
    SnapshotSource,
    SnapshotSummary,
    TreeEntry,
)
from codetracker.domain.urls import refused_address_reason


class ModuleParser(Protocol):
    """A JavaScript parser backend. Pure: source text in, syntax facts out."""

    name: str

    def parse(self, source: str, dialect: str = "javascript") -> ModuleSyntax:
        """Raise codetracker.domain.model.ParseFailure when the source cannot be parsed. `dialect`:
        "javascript", "typescript" or "tsx" (domain.selection); a backend that cannot read one fails."""
        ...


class Extractor(Protocol):
    """A parser applied to the module files of a scan, in worker processes when that pays for itself
    (parsing/extractor.py). The composition root builds it; use cases never start processes."""

    @property
    def name(self) -> str:
        """The parser's name: extractions are cached under it."""
        ...

    def extract(
        self,
        contents: Iterable[tuple[TreeEntry, bytes]],
        *,
        planned: Sequence[TreeEntry],
        max_file_bytes: int,
        checkpoint: Checkpoint | None = None,
    ) -> Iterator[tuple[TreeEntry, FileExtraction | ScanProblem]]:
        """Each (entry, bytes) of `contents`, in that order → (entry, FileExtraction), or (entry, ScanProblem)
        for a file not extracted in this run (not to cache). `planned`: the entries `contents` will give.
        What `checkpoint` raises stops the extraction."""
        ...


class SourceTree(Protocol):
    """A tree of files to scan: a folder on disk, or one commit of a git repository."""

    def entries(self) -> Sequence[TreeEntry]:
        """Every entry of the tree, sorted by path (the file manifest)."""
        ...

    def read(self, path: str) -> bytes | None:
        """Content of one regular file, or None when the tree has no such file."""
        ...

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        """Contents of several files; a remote tree fetches the missing blobs in one round trip."""
        ...


class FolderTree(SourceTree, Protocol):
    """A folder on disk as a tree."""

    @property
    def name(self) -> str:
        """The folder's own name (of its resolved path: `.` is the current folder's name)."""
        ...

    @property
    def location(self) -> str:
        """The resolved path, recorded beside a snapshot."""
        ...

    def problems(self) -> Sequence[ScanProblem]:
        """What the walk could not read (an unreadable subfolder, file), to be recorded in the descriptor."""
        ...


@dataclass(frozen=True, slots=True)
class FetchedRef:
    """A repository ref resolved by a fetcher."""

    requested: str  # the ref as the caller gave it
    kind: str  # "branch" | "tag" | "commit"
    name: str  # the short branch or tag name ("" for a commit)
    commit_sha: str
    default_branch: str | None  # the remote's default branch, when it advertises one


@dataclass(frozen=True, slots=True)
class FetchStats:
    bytes_received: int
    used_filter: bool  # True when trees were fetched first and blobs on demand (protocol v2 filter)
    blobs_fetched: int = 0
    # What happened: "local" (read in place from a local repository, nothing fetched), "filtered" (trees
    # first, then the blobs needed) or "full" (the whole depth-1 pack).
    transport: str = "full"


class FetchedTree(SourceTree, Protocol):
    ref: FetchedRef
    repository_name: str
    display_url: str  # the repository's URL or path without credentials: safe to store and show

    def stats(self) -> FetchStats: ...

    def close(self) -> None:
        """Remove every temporary file the fetch made."""
        ...


@dataclass(frozen=True, slots=True)
class Checkout:
    """The git checkout a folder is in, as its HEAD says: what a folder scan records by default."""

    root: str  # the working tree's resolved path
    branch: str | None  # the checked-out branch; None: a detached HEAD
    commit_sha: str | None  # HEAD's commit; None: no commit yet


@dataclass(frozen=True, slots=True)
class Credentials:
    """A token for a private repository. repr() never shows it."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_pack_bytes: int = 512 * 1024 * 1024
    max_files: int = 200_000
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # Per-socket timeouts do not stop a server that keeps sending a few bytes at a time: the whole
    # fetch session (refs, pack, later blob batches) gets a deadline too.
    total_timeout: float = 600.0

    # The variable that sets each limit: settings.py reads them, limit errors name them.
    SETTINGS: ClassVar[Mapping[str, str]] = {
        "max_pack_bytes": "CODE_TRACKER_MAX_PACK_BYTES",
        "max_files": "CODE_TRACKER_MAX_FILES",
        "connect_timeout": "CODE_TRACKER_GIT_CONNECT_TIMEOUT",
        "read_timeout": "CODE_TRACKER_GIT_READ_TIMEOUT",
        "total_timeout": "CODE_TRACKER_GIT_TOTAL_TIMEOUT",
    }


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Where a fetch for the service may connect (private URLs not allowed; the CLI and the local runtime pass
    none): only `schemes`; every host, the URL's and each redirect's, is resolved once by `resolver`, every
    address it resolves to must be admitted by `refused_reason`, and the connection goes to one of those checked
    addresses (nothing resolves the name again: DNS rebinding) while TLS still checks the host name.

    Tests tell the policy that their own servers count as public (`refused_reason`, `schemes`)."""

    resolver: HostResolver
    refused_reason: Callable[[str], str | None] = refused_address_reason
    schemes: frozenset[str] = frozenset({"https"})


class RepositoryFetcher(Protocol):
    def open(
        self,
        url: str,
        ref: str,
        *,
        credentials: Credentials | None = None,
        limits: FetchLimits = FetchLimits(),
        progress: Callable[[int], None] | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> FetchedTree:
        """Fetch one ref at depth 1. Raises the typed FetchError subclasses of codetracker.errors
        (AddressRefused, RedirectRefused: what `address_policy` refuses).

        progress, when given, is called with the bytes received so far, a few times per second at most
        while data arrives (and once at the end of each transfer); never for a local repository."""
        ...


class ParsedBlobCache(Protocol):
    """Extraction results by blob sha, shared by every branch, tag and repository."""

    def get_many(self, shas: Iterable[str], extractor_version: str) -> Mapping[str, FileExtraction]: ...

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        """A sha already cached for this version keeps its first result."""
        ...


@dataclass(frozen=True, slots=True)
class SnapshotCursor:
    """Where a listing stopped: the key of its last item (keyset pagination, stable under inserts)."""

    module_slug: str
    branch_name: str
    release_tag: str


class SnapshotStore(Protocol):
    """The stored snapshots, inside one unit of work (see UnitOfWork)."""

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
        """Replace the snapshot under key; every other key stays untouched. `package_of`: the module slug
        of the scan a package's snapshot comes from (recorded; None for a whole-tree module).

        A snapshot scanned from another source (SnapshotSource.location and subpath) is not replaced unless
        replace_source says to: SnapshotSourceConflict naming both. A snapshot or a scan whose source is not
        known is replaced (and the scan's source recorded).

        scanned_at is when the scan read its source. A snapshot stored with a later scanned_at is not
        replaced: StaleSnapshot, carrying the stored summary. Without it the store's own moment is used, taken
        once the key is its turn (never before the stored one's), so such stores replace in commit order and
        are never refused.
        """
        ...

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
        """Summaries of one scope, ordered by (module_slug, branch_name, release_tag), after the cursor."""
        ...

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        """Raise codetracker.errors.SnapshotNotFound when absent."""
        ...

    def summary_by_id(self, snapshot_id: int) -> SnapshotSummary | None:
        """The summary of the snapshot with this id (`module_id`), in whatever scope; the caller checks the
        scope is one it may read."""
        ...

    def load_functions(
        self,
        snapshot_id: int,
        *,
        limit: int,
        after: FunctionCursor | None = None,
        file_path: str | None = None,
        name: str | None = None,
    ) -> list[ExportedFunction]:
        """A page of one snapshot's functions, with parameters and return values, ordered by (file_path,
        order_in_file), after the cursor; only those of file_path (a folder's when it ends with `/`) and of
        that name, when given."""
        ...

    def load_outline(self, snapshot_id: int) -> SnapshotOutline:
        """The files holding the snapshot's functions, with how many each, and its scan problems (by path)."""
        ...

    def load_public_api(self, snapshot_id: int) -> tuple[PackageApi, tuple[ExportedFunction, ...]] | None:
        """The snapshot's public API and the function records its public functions name (with parameters
        and return values, in load_functions' order); None when the snapshot has no public API (a tree
        without package.json, a snapshot stored before public APIs were) or no such snapshot."""
        ...

    def mark_removed_from_remote(
        self, scope: str, module_slug: str, *, branch_name: str | None, release_tag: str, at: datetime
    ) -> int:
        """Mark the snapshots of a ref deleted on the remote (`branch_name` None: under any branch) as removed
        at `at`, unless marked already; nothing is deleted. Storing a snapshot under a key clears its mark.
        Returns how many were marked."""
        ...

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
        """Mark the package snapshots of `package_of` under this branch and release whose slug is not in
        `present` as removed from the tree at `at` (at `commit_sha`), unless marked already; nothing is
        deleted. Returns the ones marked."""
        ...

    def delete_scope(self, scope: str) -> int:
        """Delete every snapshot of a scope; returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class SnapshotOutline:
    function_files: tuple[tuple[str, int], ...]  # (file path, functions in it), by path
    problems: tuple[ScanProblem, ...]


@dataclass(frozen=True, slots=True)
class FunctionCursor:
    file_path: str
    order_in_file: int


# --- service data (the api, then the queue consumers) ---------------------------------------------------
# Every read of tenant data takes the app id: a store cannot be asked for another app's registration, job or
# activity without naming that app, so isolation does not depend on each caller remembering a filter.


class AppStore(Protocol):
    def add(self, app: App) -> None: ...

    def by_token_sha256(self, token_sha256: bytes, *, now: datetime | None = None) -> App | None:
        """The app whose current token has this hash; with `now`, also one whose previous token has it and
        is still in its grace period (expires after now)."""
        ...

    def get(self, app_id: str) -> App | None: ...

    def lock(self, app_id: str) -> App | None:
        """get, and hold the app's row until the unit of work ends (a rotation's read-modify-write)."""
        ...

    def update(self, app: App) -> None:
        """Write the app's name, callback URL and credentials (current and previous)."""
        ...


class RegistrationStore(Protocol):
    def add(self, registration: Registration) -> None:
        """Raise codetracker.errors.Conflict when the app has a live registration of the same URL."""
        ...

    def get(self, app_id: str, registration_id: str) -> Registration | None:
        """A live (not deleted) registration of that app; None for any other."""
        ...

    def by_url(self, app_id: str, url: str) -> Registration | None: ...

    def list(self, app_id: str, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Registration]:
        """Live registrations of the app by (created_at, id)."""
        ...

    def update(self, registration: Registration) -> None:
        """Write every mutable field of a live registration (same id and app) but its webhook secrets: a
        caller holding an older copy must not undo a rotation (set_webhook_secrets writes those)."""
        ...

    def set_webhook_secrets(self, registration: Registration, *, expected: bytes | None) -> bool:
        """Write the webhook secrets (current, previous, its expiry) of a live registration of that app, if
        its stored current secret is still `expected`; False otherwise (gone, or a concurrent rotation won)."""
        ...

    def watching(self, urls: Iterable[str]) -> list[Registration]:
        """Live registrations of any app whose normalised URL is one of urls (webhook fan-out)."""
        ...

    # The queue consumers act for no app: they find a registration by the id their message names.

    def find(self, registration_id: str) -> Registration | None:
        """The registration with this id, of whatever app, deleted ones included (deleted_at says so)."""
        ...

    def list_live(self, *, limit: int, after: str | None = None) -> list[Registration]:
        """Live registrations of every app, by id, after the cursor id (the reconciler's walk)."""
        ...


class JobStore(Protocol):
    def add(self, job: Job) -> None: ...

    def get(self, app_id: str, job_id: str) -> Job | None:
        """A job of one of the app's registrations (deleted ones included: history stays readable by id)."""
        ...

    def list_for_repository(
        self, repository_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        """Newest first, by (created_at, id) descending."""
        ...

    def find_pending(self, repository_id: str, ref: str) -> Job | None:
        """A job of that ref still `queued` (not picked up yet): a new request for it would scan the same."""
        ...

    def find_active(self, repository_id: str, ref: str) -> Job | None:
        """A job of that ref still queued, scanning or persisting (the reconciler queues no second one)."""
        ...

    def set_status(self, job_id: str, status: JobStatus, *, at: datetime) -> None: ...

    # The queue consumers act for no app: they read and write the job their message names.

    def find(self, job_id: str) -> Job | None: ...

    def lock(self, job_id: str) -> Job | None:
        """The job, locked until the unit of work ends (a concurrent lock waits): its consumer decides on the
        state it read, and a duplicate delivery waits, then sees the decision."""
        ...

    def save(self, job: Job) -> None:
        """Write every mutable field of the job (status, commit, key, stage times, result, error, log tail,
        notification)."""
        ...

    def list_stale(self, *, before: datetime, limit: int) -> list[Job]:
        """Jobs still queued, scanning or persisting whose last change is older than `before`, oldest first."""
        ...


class OutboxStore(Protocol):
    """Messages committed with their jobs, waiting to be sent (the transactional outbox)."""

    def add(self, message: OutboxMessage) -> OutboxMessage:
        """Record a message in the caller's transaction; returns it with its id."""
        ...

    def claim(
        self, *, at: datetime, until: datetime, limit: int, job_ids: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        """Unsent messages nobody else holds (oldest first; only those of `job_ids` when given), held until
        `until` and counted as an attempt: a concurrent claim skips them, a relay that dies lets them go then."""
        ...

    def mark_sent(self, ids: Sequence[int], *, at: datetime) -> None: ...

    def release(self, message_id: int, *, retry_at: datetime, error: str | None) -> None:
        """A message not sent: claimable again from `retry_at`, with the reason (None: not tried)."""
        ...

    def unsent(self, *, limit: int) -> list[OutboxMessage]:
        """Messages not sent yet, oldest first (claimed or not)."""
        ...


class ActivityStore(Protocol):
    def add(self, activity: Activity) -> None:
        """Record one activity. A failure raises, and leaves the unit of work usable (a savepoint): recording
        an activity never fails the operation it records (usecases/activity.py)."""
        ...

    def list_for_repository(self, repository_id: str, *, limit: int, before: int | None = None) -> list[Activity]:
        """Newest first (by id descending), before the cursor id."""
        ...


class WebhookDeliveryStore(Protocol):
    def claim(self, delivery: WebhookDelivery) -> bool:
        """Mark a delivery id seen at its hook; False when it was already (a redelivery). Inside the unit of
        work: until it commits, a concurrent claim of the same (hook, id) waits, then answers False."""
        ...

    def get(self, delivery_id: str, hook: str = ...) -> WebhookDelivery | None:
        """The delivery seen at that hook (default: the deployment's)."""
        ...


class RetentionStore(Protocol):
    """Deleting old rows in small batches (each call at most `limit` rows), oldest first."""

    def delete_activities(self, *, before: datetime, limit: int) -> int: ...

    def delete_jobs(self, *, before: datetime, limit: int) -> int: ...

    def delete_webhook_deliveries(self, *, before: datetime, limit: int) -> int: ...

    def delete_unreferenced_blobs(self, *, before: datetime, limit: int) -> int:
        """parsed_blobs rows cached before `before` whose blob no stored snapshot lists."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the stores: everything done through it is committed together or not at all.

    Used as a context manager; leaving the block without commit() rolls back. A failure of the database
    inside the unit raises StoreUnavailable and nothing is re-run: the caller (or the queue) retries the
    whole unit.
    """

    snapshots: SnapshotStore
    blob_cache: ParsedBlobCache
    apps: AppStore
    registrations: RegistrationStore
    jobs: JobStore
    activities: ActivityStore
    webhook_deliveries: WebhookDeliveryStore
    retention: RetentionStore
    outbox: OutboxStore

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work. read_only: every read sees one consistent state of the database."""
        ...


Clock = Callable[[], datetime]  # now, timezone-aware


# --- the api's other ports ------------------------------------------------------------------------------


class ScanQueue(Protocol):
    """Where scan requests go (SQS in AWS; adapters/sqs.py). Only the outbox relay sends (usecases/outbox.py),
    after the message's job is committed."""

    def send(self, message: ScanRequested) -> str:
        """Send one message; returns the queue's message id. Raises RetryableError when the queue is
        unavailable."""
        ...


class SecretSource(Protocol):
    """Named deployment secrets (the admin token, the GitHub webhook secret, the encryption key): an
    environment variable locally, Secrets Manager in AWS, cached for a while. Never logged."""

    def get(self, name: str) -> str:
        """Raise codetracker.errors.ConfigurationError naming the setting when the secret is not configured."""
        ...


class TokenCipher(Protocol):
    """Encryption at rest of secrets the service must read back (access tokens, signing secrets).

    `context` binds a ciphertext to where it is stored (e.g. "repository:<id>:access_token"): a ciphertext
    copied to another row does not decrypt."""

    def encrypt(self, plaintext: str, *, context: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes, *, context: str) -> str: ...


class HostResolver(Protocol):
    def addresses(self, host: str, port: int | None) -> list[str]:
        """Every address the host resolves to (IPv4 and IPv6). Raises codetracker.errors.UrlRefused when
        it does not resolve."""
        ...


class Metrics(Protocol):
    """Counters and durations the use cases report (Powertools Metrics in Lambda; nothing in the CLI).
    `dimensions` split a metric (a failure by its reason): keep their values few (error codes, not messages)."""

    def count(self, name: str, value: int = 1, *, dimensions: Mapping[str, str] | None = None) -> None: ...

    def seconds(self, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None: ...


class NoMetrics:
    def count(self, name: str, value: int = 1, *, dimensions: Mapping[str, str] | None = None) -> None:
        return None

    def seconds(self, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None:
        return None


# --- the queue pipeline's ports ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueRecord:
    """One received queue message, as a consumer sees it."""

    message_id: str
    body: str
    receive_count: int  # SQS ApproximateReceiveCount: 1 on the first delivery (a redriven copy starts again)
    receipt_handle: str = field(default="", repr=False)


class PersistQueue(Protocol):
    def send(self, message: PersistRequested) -> str:
        """Send one message (a claim check when large); the queue's message id. RetryableError when the
        queue or the payload store is unavailable."""
        ...


class NotifyQueue(Protocol):
    def send(self, message: NotifyRequested) -> str: ...


class MessageVisibility(Protocol):
    """When a received message of one queue is delivered again (SQS ChangeMessageVisibility)."""

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Raise RetryableError when the queue cannot be reached."""
        ...


class PayloadStore(Protocol):
    """Where claim-checked message bodies are kept (S3 in AWS). Locations are the store's own URLs."""

    def put(self, name: str, data: bytes) -> str:
        """Store data under a new name; its location. PayloadUnavailable when the store cannot take it."""
        ...

    def get(self, location: str) -> bytes:
        """PayloadUnavailable when it cannot be read (gone, or the store is away)."""
        ...

    def delete(self, location: str) -> None:
        """Deleting what is already gone is not an error."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryResponse:
    status: int
    headers: Mapping[str, str]  # lower-case names
    excerpt: str = ""  # the start of the answer's body, for a failure's reason


class WebhookSender(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> DeliveryResponse:
        """POST once, following no redirect. Any HTTP answer is returned; no answer raises DeliveryTimeout,
        DeliveryConnectionFailed, or DeliveryAddressRefused (the host resolved to a refused address when
        connecting)."""
        ...


@dataclass(frozen=True, slots=True)
class RemoteRefs:
    """What a repository advertises, listed without fetching objects."""

    default_branch: str | None
    branches: Mapping[str, str]  # short name → commit sha
    tags: Mapping[str, str]  # short name → commit sha (annotated tags peeled)


class RefLister(Protocol):
    def list_refs(
        self,
        url: str,
        *,
        credentials: Credentials | None = None,
        limits: FetchLimits = FetchLimits(),
        address_policy: AddressPolicy | None = None,
    ) -> RemoteRefs:
        """Raises the typed FetchError subclasses, like a fetch (and under the same `address_policy`)."""
        ...


@dataclass(frozen=True, slots=True)
class RedriveOutcome:
    moved: int | None  # None: a move task was started and moves them on its own (SQS StartMessageMoveTask)
    method: str  # "move_task" | "copy"
    task_handle: str | None = None


class DeadLetterMover(Protocol):
    def redrive(self, dead_letter_url: str, destination_url: str) -> RedriveOutcome:
        """Move every message of a dead-letter queue back to its source queue, losing and duplicating none."""
        ...
