"""Logging of the queue pipeline: every line written while a job is processed carries its job id and
repository id, and the last lines of a job are kept for it (a failed job stores them; GET /jobs/{id} shows
them). Standard logging only (no I/O of its own), so use cases and handlers share it.

- `job_scope(job_id, repository_id)` marks the job being processed (a context variable: threads and
  handlers processing other records do not see it) and collects its lines;
- `install(*loggers)` puts the filter that stamps the ids on every record reaching those loggers' handlers,
  and the collector on them: handlers call it on each invocation (cheap, idempotent), since configuring
  Powertools loggers replaces the handlers of the loggers it copies its configuration to.
"""

from __future__ import annotations

import contextvars
import logging
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

LINE_CHARS = 400
DEFAULT_LINES = 20


@dataclass
class JobLog:
    job_id: str
    repository_id: str | None
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=DEFAULT_LINES))

    def tail(self) -> tuple[str, ...]:
        return tuple(self.lines)


_current: contextvars.ContextVar[JobLog | None] = contextvars.ContextVar("codetracker_job_log", default=None)


def current_job() -> JobLog | None:
    return _current.get()


@contextmanager
def job_scope(job_id: str, repository_id: str | None, *, lines: int = DEFAULT_LINES) -> Iterator[JobLog]:
    """The job being processed: its lines carry its ids (where install() put the filter) and are collected
    (from every `codetracker` logger, whoever runs the use case)."""
    _collect_from(logging.getLogger("codetracker"))
    log = JobLog(job_id, repository_id, deque(maxlen=lines))
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


class JobContextFilter(logging.Filter):
    """Adds job_id and repository_id to a record written inside a job scope (Powertools' JSON formatter prints
    a record's extra attributes as keys)."""

    def filter(self, record: logging.LogRecord) -> bool:
        log = _current.get()
        if log is not None:
            if not hasattr(record, "job_id"):
                record.job_id = log.job_id
            if log.repository_id and not hasattr(record, "repository_id"):
                record.repository_id = log.repository_id
        return True


class JobLogCollector(logging.Handler):
    """Keeps the lines of the current job (INFO and above) in its scope, one short line each."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        log = _current.get()
        if log is None:
            return
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            message = str(record.msg)
        extra = []
        for key in ("code", "error", "reason", "status", "attempt"):
            value = record.__dict__.get(key)
            if value is not None:
                extra.append(f"{key}={value}")
        moment = self.formatTime(record, "%Y-%m-%dT%H:%M:%S") if hasattr(self, "formatTime") else ""
        line = f"{moment} {record.levelname} {record.name}: {message}" + (f" ({', '.join(extra)})" if extra else "")
        log.lines.append(line[:LINE_CHARS])

    def formatTime(self, record: logging.LogRecord, datefmt: str) -> str:  # noqa: N802 - logging's spelling
        import time

        return time.strftime(datefmt, time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


_FILTER = JobContextFilter()
_COLLECTOR = JobLogCollector()


def _collect_from(logger: logging.Logger) -> None:
    if _COLLECTOR not in logger.handlers:
        logger.addHandler(_COLLECTOR)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def install(*loggers: logging.Logger) -> None:
    """Stamp job ids on every handler of these loggers and collect job lines from them."""
    for logger in loggers:
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
        _collect_from(logger)
