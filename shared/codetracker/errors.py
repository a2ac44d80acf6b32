"""Typed errors. Every error says whether retrying can help; callers decide by type, never by message."""

from __future__ import annotations


class CodetrackerError(Exception):
    """Base of every error the project raises on purpose."""

    retryable: bool = False


class PermanentError(CodetrackerError):
    """Retrying the same request cannot succeed."""

    retryable = False


class RetryableError(CodetrackerError):
    """A later retry may succeed (network, timeouts, a busy server)."""

    retryable = True


class InvalidInput(PermanentError):
    """The caller asked for something malformed: a bad path, flag, URL or value."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SourceNotFound(InvalidInput):
    """A folder or file to scan does not exist."""


class SnapshotNotFound(PermanentError):
    """No snapshot stored under the requested key."""


class StoreUnavailable(RetryableError):
    """The database cannot be reached or refused the connection."""


class StoreConfigurationError(PermanentError):
    """Database settings are incomplete or contradictory."""


# --- git fetching ---------------------------------------------------------------------------------


class FetchError(CodetrackerError):
    """Fetching a repository failed."""


class RepositoryNotFound(FetchError, PermanentError):
    pass


class AuthenticationFailed(FetchError, PermanentError):
    pass


class RepositoryUnreadable(FetchError, PermanentError):
    """A local repository exists but a part of it cannot be read (permissions); the message names the part."""


class RefNotFound(FetchError, PermanentError):
    pass


class FetchLimitExceeded(FetchError, PermanentError):
    """The repository is larger than the configured limits allow (pack size, file count)."""


class HostUnreachable(FetchError, RetryableError):
    pass


class FetchTimeout(FetchError, RetryableError):
    pass


class GitServerError(FetchError, RetryableError):
    """The server answered with a 5xx or broke off the protocol."""
