"""The one composition root: adapters built from settings, lazily and once per process (Lambda containers and
CLI runs reuse them). Any of them can be given instead, typed with its port, which is how tests and the local
runtime pass their own; nothing else in the package builds an adapter.

Lambda handlers take `services=None` and fall back to `default_services()`, built from the environment on
first use (never at import time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from codetracker.settings import Settings

if TYPE_CHECKING:
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.parsing.workers import ParallelOptions
    from codetracker.ports import (
        Clock,
        FolderTree,
        HostResolver,
        Metrics,
        ModuleParser,
        RepositoryFetcher,
        ScanQueue,
        SecretSource,
        TokenCipher,
        UnitOfWorkFactory,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


class Services:
    """Adapters for one process, each built on first use unless given."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        unit_of_work: UnitOfWorkFactory | None = None,
        fetcher: RepositoryFetcher | None = None,
        clock: Clock | None = None,
        scan_queue: ScanQueue | None = None,
        secrets: SecretSource | None = None,
        cipher: TokenCipher | None = None,
        resolver: HostResolver | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        given = {
            "unit_of_work": unit_of_work,
            "fetcher": fetcher,
            "scan_queue": scan_queue,
            "secrets": secrets,
            "cipher": cipher,
            "resolver": resolver,
            "metrics": metrics,
        }
        for name, adapter in given.items():
            if adapter is not None:
                self.__dict__[name] = adapter
        self.clock: Clock = clock or utc_now

    @cached_property
    def parallel_options(self) -> ParallelOptions:
        from codetracker.parsing.workers import ParallelOptions

        return ParallelOptions(workers=self.settings.extract_workers)

    def parser(self, name: str = "auto") -> ModuleParser:
        from codetracker.parsing import get_parser

        return get_parser(name)

    def open_folder(self, path: str, *, walk_progress: Callable[[int, int], None] | None = None) -> FolderTree:
        from codetracker.adapters.source_folder import FolderSource

        return FolderSource(
            path,
            keep_bytes_up_to=self.settings.selection.max_file_bytes,
            hash_bytes_up_to=self.settings.max_hash_bytes,
            walk_progress=walk_progress,
        )

    @cached_property
    def database(self) -> PostgresDatabase:
        from codetracker.adapters.postgres.database import PostgresDatabase

        return PostgresDatabase(self.settings.database.conninfo_source())

    @cached_property
    def unit_of_work(self) -> UnitOfWorkFactory:
        from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

        return PostgresUnitOfWorkFactory(self.database)

    @cached_property
    def fetcher(self) -> RepositoryFetcher:
        from codetracker.adapters.git.fetcher import DulwichFetcher

        return DulwichFetcher()

    @cached_property
    def scan_queue(self) -> ScanQueue:
        from codetracker.adapters.sqs import SqsScanQueue

        return SqsScanQueue(self.settings.api.scan_queue_url)

    @cached_property
    def secrets(self) -> SecretSource:
        from codetracker.adapters.secrets import SettingsSecretSource

        return SettingsSecretSource(self.settings.api.secrets, max_age_s=self.settings.api.secret_max_age_s)

    @cached_property
    def cipher(self) -> TokenCipher:
        from codetracker.adapters.cipher import AesGcmTokenCipher

        return AesGcmTokenCipher(self.secrets)

    @cached_property
    def resolver(self) -> HostResolver:
        from codetracker.adapters.dns import SystemResolver

        return SystemResolver()

    @cached_property
    def metrics(self) -> Metrics:
        from codetracker.adapters.metrics_powertools import PowertoolsMetrics

        return PowertoolsMetrics()

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.close()


_default: Services | None = None


def default_services() -> Services:
    """The process's services from its environment (Lambda: once per container)."""
    global _default
    if _default is None:
        _default = Services(Settings.from_env())
    return _default
