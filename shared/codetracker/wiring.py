"""The one place where adapters are built from settings. Lazily, once per process (Lambda containers
and CLI runs reuse them); tests build adapters themselves or pass an environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES, SelectionOptions
from codetracker.errors import InvalidInput
from codetracker.ports import FetchLimits

T = TypeVar("T", int, float)


def _positive_setting(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise InvalidInput(f"{name} must be {what}, got {raw!r}", field=name) from None
    if value <= 0:
        raise InvalidInput(f"{name} must be positive, got {value}", field=name)
    return value


@dataclass
class Services:
    """Adapters for one process, each built on first use."""

    env: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @cached_property
    def selection_options(self) -> SelectionOptions:
        return SelectionOptions(
            max_file_bytes=_positive_setting(self.env, "CODE_TRACKER_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES, int)
        )

    @cached_property
    def fetch_limits(self) -> FetchLimits:
        base = FetchLimits()
        return FetchLimits(
            max_pack_bytes=_positive_setting(self.env, "CODE_TRACKER_MAX_PACK_BYTES", base.max_pack_bytes, int),
            max_files=_positive_setting(self.env, "CODE_TRACKER_MAX_FILES", base.max_files, int),
            connect_timeout=_positive_setting(
                self.env, "CODE_TRACKER_GIT_CONNECT_TIMEOUT", base.connect_timeout, float
            ),
            read_timeout=_positive_setting(self.env, "CODE_TRACKER_GIT_READ_TIMEOUT", base.read_timeout, float),
            total_timeout=_positive_setting(self.env, "CODE_TRACKER_GIT_TOTAL_TIMEOUT", base.total_timeout, float),
        )

    @cached_property
    def parallel_options(self) -> Any:
        """CODE_TRACKER_EXTRACT_WORKERS: parser worker processes of an extraction; unset: one per CPU
        when the scan is big enough; 0 or 1: parse in this process."""
        from codetracker.parsing.workers import ParallelOptions

        raw = self.env.get("CODE_TRACKER_EXTRACT_WORKERS", "").strip()
        if not raw:
            return ParallelOptions()
        name = "CODE_TRACKER_EXTRACT_WORKERS"
        try:
            workers = int(raw)
        except ValueError:
            raise InvalidInput(f"{name} must be a whole number, got {raw!r}", field=name) from None
        if workers < 0:
            raise InvalidInput(f"{name} must be 0 or more, got {workers}", field=name)
        return ParallelOptions(workers=workers)

    def parser(self, name: str = "auto") -> Any:
        from codetracker.parsing import get_parser

        return get_parser(name)

    @cached_property
    def database(self) -> Any:
        from codetracker.adapters.store_postgres import PostgresDatabase

        return PostgresDatabase.from_environment(self.env)

    @cached_property
    def store(self) -> Any:
        from codetracker.adapters.store_postgres import PostgresSnapshotStore

        return PostgresSnapshotStore(self.database)

    @cached_property
    def blob_cache(self) -> Any:
        from codetracker.adapters.store_postgres import PostgresBlobCache

        return PostgresBlobCache(self.database)

    @cached_property
    def fetcher(self) -> Any:
        from codetracker.adapters.git_dulwich import DulwichFetcher

        return DulwichFetcher()

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.close()
