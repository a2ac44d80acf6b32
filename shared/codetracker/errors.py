"""Typed errors. Every error has a stable `code` (API bodies, a job's failure reason) and says whether retrying
can help; callers decide by type, never by message.

Who is at fault decides the family: `InvalidInput` is the caller's (a bad path, flag, URL or value: a 4xx),
`ConfigurationError` the operator's (a bad setting, a missing secret: a 500 with a logged reason),
`RetryableError` the world's (network, a busy database: try again later). One table, `http_status`, maps them
to HTTP statuses; queue consumers treat any exception that is not a `PermanentError` as retryable, so what
nobody foresaw ends in a dead-letter queue instead of being dropped.
"""

from __future__ import annotations

from typing import ClassVar


class CodetrackerError(Exception):
    """Base of every error the project raises on purpose. A subclass names its code in its header,
    `class NotFound(PermanentError, code="not_found")`, and no two classes may name the same one (a job, a log
    line or an API body records the code, never the class); a subclass that names none shares its parent's."""

    code: ClassVar[str] = "internal_error"
    retryable: ClassVar[bool] = False

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        own = cls.__dict__.get("code")  # named in the header or, as some adapters do, in the body
        if own is not None:
            _claim_code(own, cls)


# Which class named each code: two classes with one code could not be told apart where the code is recorded.
_CODE_OWNERS: dict[str, str] = {}


def _claim_code(code: str, kind: type) -> None:
    owner = f"{kind.__module__}.{kind.__qualname__}"
    if _CODE_OWNERS.setdefault(code, owner) != owner:
        raise TypeError(f"error code {code!r} of {owner} is already {_CODE_OWNERS[code]}'s")


_claim_code(CodetrackerError.code, CodetrackerError)


class PermanentError(CodetrackerError, code="permanent_error"):
    """Retrying the same request cannot succeed."""

    retryable = False


class RetryableError(CodetrackerError, code="retryable_error"):
    """A later retry may succeed (network, timeouts, a busy server)."""

    retryable = True


# --- the caller's mistakes ------------------------------------------------------------------------------


class InvalidInput(PermanentError, code="invalid_input"):
    """The caller asked for something malformed: a bad path, flag, URL or value. `field` names the input."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SourceNotFound(InvalidInput, code="source_not_found"):
    """A folder or file to scan does not exist."""


class SourceUnreadable(InvalidInput, code="source_unreadable"):
    """A folder to scan (or a file that decides what is scanned) exists but cannot be read."""


class SourceIsGitRepository(InvalidInput, code="source_is_git_repository"):
    """A folder given to scan is a git repository's own directory (bare, or a `.git` folder), not source files."""


class MalformedBody(InvalidInput, code="malformed_body"):
    """A request body that is not JSON (or not the JSON object expected)."""


class UrlRefused(InvalidInput, code="url_refused"):
    """A repository or callback URL the URL policy refuses: a scheme other than https, credentials in it, or a
    host that resolves to a loopback, private, link-local, CGNAT, multicast or metadata address."""


class PayloadTooLarge(InvalidInput, code="payload_too_large"):
    """A request body above the size the service accepts."""


class Unauthorized(PermanentError, code="unauthorized"):
    """Missing or wrong credentials (a bearer token, a webhook signature). Says nothing of what exists."""


class Conflict(PermanentError, code="conflict"):
    """The request contradicts what is stored (a duplicate that must not be created twice). `field` names the
    input that contradicts it, when one does."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SnapshotSourceConflict(Conflict, code="snapshot_source_conflict"):
    """A scan would replace a snapshot scanned from another source (another repository, or another folder of
    one): refused unless the caller says to replace it. The message names both sources."""


class NotFound(PermanentError, code="not_found"):
    """The thing asked for does not exist (or belongs to someone else: existence is not leaked)."""


class SnapshotNotFound(NotFound, code="snapshot_not_found"):
    """No snapshot stored under the requested key."""


class AmbiguousSnapshot(InvalidInput, code="ambiguous_snapshot"):
    """A query names several snapshots where one was meant."""


class StaleSnapshot(PermanentError, code="stale_snapshot"):
    """A snapshot older than the one stored under its key: it must not replace it (SQS delivers at least once
    and out of order). `stored` is the summary of the newer snapshot that stays."""

    def __init__(self, message: str, *, stored: object) -> None:
        super().__init__(message)
        self.stored = stored


class InvalidMessage(PermanentError, code="invalid_message"):
    """A queue message that is not a known version of its contract: never retried (retrying garbage only
    fills the dead-letter queue)."""


# --- the operator's mistakes ----------------------------------------------------------------------------


class ConfigurationError(PermanentError, code="configuration_error"):
    """A setting is malformed or missing, a secret cannot be read: the deployment is wrong, not the request.
    `setting` names the variable or parameter to fix."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class StoreConfigurationError(ConfigurationError, code="store_configuration_error"):
    """Database settings are incomplete or contradictory."""


# --- the world's -----------------------------------------------------------------------------------------


class StoreUnavailable(RetryableError, code="store_unavailable"):
    """The database cannot be reached, refused the connection, or broke off a unit of work."""


class JobNotReady(RetryableError, code="job_not_ready"):
    """A queue message names a job the store does not have: the outbox sends a scan message only after its job
    commits, so this is a deleted job (retention) or a message from elsewhere. Retried a few seconds later
    until the queue gives up (then the dead-letter queue)."""


class ScanAbandoned(PermanentError, code="scan_abandoned"):
    """A job stayed queued, scanning or persisting past the bound of its queue's retries: its message went to a
    dead-letter queue or was lost. The reconciler fails it with this code (a redriven copy then does nothing;
    the reconciler or a new request queues a fresh scan)."""


class ScanTimeBudgetExceeded(RetryableError, code="time_budget_exceeded"):
    """The scanner stopped before the function's time limit would have killed it (a slow remote, a large
    repository): retried later, when the remote may be faster (the blob cache keeps what was parsed)."""


class PayloadUnavailable(RetryableError, code="payload_unavailable"):
    """A claim-checked payload could not be read from (or written to) the payload store."""


# --- notification delivery (the notifier's backoff is chosen by these types) -------------------------------


class DeliveryFailed(CodetrackerError, code="delivery_failed"):
    """A notification was not delivered. `status` is the HTTP status when the callback answered."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DeliveryRejected(DeliveryFailed, PermanentError, code="delivery_rejected"):
    """The callback answered a status that retrying cannot change (4xx other than 408/429, a redirect)."""


class DeliveryRetryable(DeliveryFailed, RetryableError, code="delivery_retryable"):
    """Worth another attempt, after the exponential backoff (or what `retry_after_s` asks for)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after_s = retry_after_s


class DeliveryServerError(DeliveryRetryable, code="delivery_server_error"):
    """The callback answered 5xx or 408."""


class DeliveryThrottled(DeliveryRetryable, code="delivery_throttled"):
    """The callback answered 429 (Retry-After honoured)."""


class DeliveryTimeout(DeliveryRetryable, code="delivery_timeout"):
    """Connecting, sending or reading took longer than its timeout, or the whole request longer than the total."""


class DeliveryConnectionFailed(DeliveryRetryable, code="delivery_connection_failed"):
    """The callback's host could not be reached (refused, reset, no route, does not resolve)."""


class DeliveryAddressRefused(DeliveryFailed, PermanentError, code="delivery_address_refused"):
    """At connect time the callback's host resolved to an address the URL policy refuses (DNS rebinding)."""


# --- git fetching ---------------------------------------------------------------------------------------


class FetchError(CodetrackerError, code="fetch_failed"):
    """Fetching a repository failed."""


class RepositoryNotFound(FetchError, PermanentError, code="repository_not_found"): ...


class AuthenticationFailed(FetchError, PermanentError, code="authentication_failed"): ...


class RepositoryUnreadable(FetchError, PermanentError, code="repository_unreadable"):
    """A local repository exists but a part of it cannot be read (permissions); the message names the part."""


class RefNotFound(FetchError, PermanentError, code="ref_not_found"): ...


class FetchLimitExceeded(FetchError, PermanentError, code="limit_exceeded"):
    """The repository is larger than the configured limits allow (pack size, file count). `setting` names the
    variable that sets the limit (FetchLimits.SETTINGS)."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class HostUnreachable(FetchError, RetryableError, code="host_unreachable"): ...


class FetchTimeout(FetchError, RetryableError, code="timeout"): ...


class AddressRefused(FetchError, PermanentError, code="address_refused"):
    """The URL policy refused where a fetch was about to connect: the host (the repository's or a redirect's)
    resolved to an address it refuses (DNS rebinding, a redirect inwards). Nothing was sent there, so the code
    is the same whatever that address would have answered."""


class RedirectRefused(FetchError, PermanentError, code="redirect_refused"):
    """A redirect the fetcher does not follow: of anything but the ref advertisement, to a scheme the policy
    refuses, with credentials, one too many, or one that drops the advertisement's path."""


class GitServerError(FetchError, RetryableError, code="git_server_error"):
    """The server answered with a 5xx or broke off the protocol."""


# --- HTTP ------------------------------------------------------------------------------------------------

# Most specific first: the first class an error is an instance of decides. Anything unlisted is a 500.
_HTTP_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (MalformedBody, 400),
    (PayloadTooLarge, 413),
    (SourceNotFound, 422),
    (AmbiguousSnapshot, 409),
    (InvalidInput, 422),
    (Unauthorized, 401),
    (NotFound, 404),
    (StaleSnapshot, 409),
    (Conflict, 409),
    (ConfigurationError, 500),
    (RetryableError, 503),
    (PermanentError, 422),
)


def http_status(error: BaseException) -> int:
    """The HTTP status an API answers for this error."""
    for kind, status in _HTTP_STATUS:
        if isinstance(error, kind):
            return status
    return 500


def error_code(error: BaseException) -> str:
    """The code a job, a log line or a metric records for an error: its own when it is one of ours, else
    `internal_error` (a RecursionError, a KeyError…): codes are the documented set, never a class name."""
    return error.code if isinstance(error, CodetrackerError) else CodetrackerError.code


def is_retryable(error: BaseException) -> bool:
    """What a queue consumer does with an error: retry unless it is known to be permanent."""
    return not isinstance(error, PermanentError)
