"""The one composition root: adapters built from settings, lazily and once per process (Lambda containers and
CLI runs reuse them), and each use case's collaborators built from them (the Extractor, the UrlPolicy, the
pipeline's and notifier's ports, the schedules' use cases; a `…Ports` field is the adapter of the same name
unless its builder states otherwise). Any adapter can be given instead, typed with its
port, which is how tests and the local runtime pass their own; nothing else in the package builds an adapter.

Lambda handlers take `services=None` and fall back to `default_services()` (handler_edge), built from the
environment on first use (never at import time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from dataclasses import fields
from functools import cached_property
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from codetracker.settings import Settings

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.sqs import SqsMessageQueue
    from codetracker.parsing.workers import ParallelOptions
    from codetracker.ports.clock import Clock
    from codetracker.ports.git import RefLister, RepositoryFetcher
    from codetracker.ports.metrics import Metrics
    from codetracker.ports.network import HostResolver
    from codetracker.ports.notifier import WebhookSender
    from codetracker.ports.parsing import Extractor, ModuleParser
    from codetracker.ports.payloads import PayloadStore
    from codetracker.ports.queues import DeadLetterMover, MessageVisibility, NotifyQueue, PersistQueue, ScanQueue
    from codetracker.ports.secrets import SecretSource, TokenCipher
    from codetracker.ports.source_trees import Checkout, FolderTree
    from codetracker.ports.unit_of_work import UnitOfWorkFactory
    from codetracker.usecases.jobs import JobPorts
    from codetracker.usecases.notify import NotifierPorts
    from codetracker.usecases.pipeline import PipelinePorts
    from codetracker.usecases.reconcile import ReconcileReport
    from codetracker.usecases.registry import RegistryPorts
    from codetracker.usecases.retention import RetentionReport
    from codetracker.usecases.scanner import ScannerPorts
    from codetracker.usecases.url_policy import UrlPolicy
    from codetracker.usecases.webhooks import WebhookPorts

TimeLeft = Callable[[], float]  # seconds left in the invocation (handler_edge.time_left)
PortsT = TypeVar("PortsT", bound="DataclassInstance")


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
        persist_queue: PersistQueue | None = None,
        notify_queue: NotifyQueue | None = None,
        payloads: PayloadStore | None = None,
        notify_visibility: MessageVisibility | None = None,
        scan_visibility: MessageVisibility | None = None,
        webhook_sender: WebhookSender | None = None,
        ref_lister: RefLister | None = None,
        dead_letters: DeadLetterMover | None = None,
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
            "persist_queue": persist_queue,
            "notify_queue": notify_queue,
            "payloads": payloads,
            "notify_visibility": notify_visibility,
            "scan_visibility": scan_visibility,
            "webhook_sender": webhook_sender,
            "ref_lister": ref_lister,
            "dead_letters": dead_letters,
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

    def extractor(self, parser_name: str = "auto") -> Extractor:
        """The parser called `parser_name` over the scan's files, in worker processes when that pays."""
        from codetracker.parsing.extractor import ParserExtractor

        return ParserExtractor(self.parser(parser_name), self.parallel_options)

    def open_folder(self, path: str, *, walk_progress: Callable[[int, int], None] | None = None) -> FolderTree:
        from codetracker.adapters.source_folder import FolderSource

        return FolderSource(
            path,
            keep_bytes_up_to=self.settings.selection.max_file_bytes,
            hash_bytes_up_to=self.settings.max_hash_bytes,
            walk_progress=walk_progress,
        )

    def find_checkout(self, path: str) -> Checkout | None:
        from codetracker.adapters.git.checkout import find_checkout

        return find_checkout(path)

    @cached_property
    def database(self) -> PostgresDatabase:
        from codetracker.adapters.postgres.database import PostgresDatabase

        database = self.settings.database
        if database.password_secret_id is None:
            return PostgresDatabase(database.conninfo_source())
        import boto3

        from codetracker.adapters.secrets import DatabasePasswordSource

        secrets_manager = boto3.client("secretsmanager")
        return PostgresDatabase(
            DatabasePasswordSource(database.conninfo or "", database.password_secret_id, secrets_manager)
        )

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

        return SqsScanQueue(
            self.settings.api.scan_queue_url,
            payloads=self.payloads,
            claim_check_bytes=self.settings.pipeline.claim_check_bytes,
        )

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
    def url_policy(self) -> UrlPolicy:
        """Which repository and callback URLs the service accepts (CODE_TRACKER_ALLOW_PRIVATE_URLS)."""
        from codetracker.usecases.url_policy import UrlPolicy

        return UrlPolicy(self.resolver, allow_private=self.settings.api.allow_private_urls)

    @cached_property
    def metrics(self) -> Metrics:
        from codetracker.adapters.metrics_powertools import PowertoolsMetrics

        return PowertoolsMetrics()

    # --- the queue pipeline ---------------------------------------------------------------------------------

    @cached_property
    def payloads(self) -> PayloadStore:
        from codetracker.adapters.payload_s3 import S3PayloadStore

        return S3PayloadStore(self.settings.pipeline.payload_bucket)

    def _queue(self, name: str) -> SqsMessageQueue:
        from codetracker.adapters.sqs import SqsMessageQueue

        pipeline = self.settings.pipeline
        return SqsMessageQueue(
            pipeline.queue(name).url,
            setting=f"CODE_TRACKER_{name.upper()}_QUEUE_URL",
            payloads=self.payloads,
            claim_check_bytes=pipeline.claim_check_bytes,
        )

    @cached_property
    def persist_queue(self) -> PersistQueue:
        return self._queue("persist")

    @cached_property
    def notify_queue(self) -> NotifyQueue:
        return self._queue("notify")

    @cached_property
    def notify_visibility(self) -> MessageVisibility:
        from codetracker.adapters.sqs import SqsVisibility

        return SqsVisibility(self.settings.pipeline.queue("notify").url, setting="CODE_TRACKER_NOTIFY_QUEUE_URL")

    @cached_property
    def scan_visibility(self) -> MessageVisibility:
        from codetracker.adapters.sqs import SqsVisibility

        return SqsVisibility(self.settings.api.scan_queue_url, setting="CODE_TRACKER_SCAN_QUEUE_URL")

    @cached_property
    def webhook_sender(self) -> WebhookSender:
        from codetracker.adapters.notify_httpx import HttpxWebhookSender

        pipeline = self.settings.pipeline
        return HttpxWebhookSender(
            self.resolver,
            allow_private=self.settings.api.allow_private_urls,
            connect_timeout_s=pipeline.notify_connect_timeout_s,
            read_timeout_s=pipeline.notify_read_timeout_s,
            total_timeout_s=pipeline.notify_total_timeout_s,
        )

    @cached_property
    def ref_lister(self) -> RefLister:
        from codetracker.adapters.git.ls_remote import DulwichRefLister

        return DulwichRefLister()

    @cached_property
    def dead_letters(self) -> DeadLetterMover:
        from codetracker.adapters.sqs_redrive import SqsDeadLetterMover

        return SqsDeadLetterMover()

    def _ports(self, ports: type[PortsT], **given: object) -> PortsT:
        """A use case's collaborators (`ports`, a dataclass): each field as `given`, else this process's adapter of
        the same name (built on first use, like any other)."""
        return ports(**{f.name: given[f.name] if f.name in given else getattr(self, f.name) for f in fields(ports)})

    def pipeline_ports(self) -> PipelinePorts:
        """What every pipeline stage needs: the persister's whole (it never builds the fetcher or the parser:
        dulwich and tree-sitter stay out of its cold start)."""
        from codetracker.usecases.pipeline import PipelinePorts

        pipeline = self.settings.pipeline
        return self._ports(PipelinePorts, public_api_url=pipeline.public_api_url, log_lines=pipeline.log_tail_lines)

    def scanner_ports(self) -> ScannerPorts:
        """What the scanner needs: the pipeline's ports and its own fetcher, parser and queues."""
        from codetracker.usecases.scanner import ScannerPorts

        return self._ports(
            ScannerPorts,
            pipeline=self.pipeline_ports(),
            extractor=self.extractor(),
            limits=self.settings.fetch_limits,
            selection=self.settings.selection,
            scan_reserve_s=self.settings.pipeline.scan_reserve_s,
        )

    def notifier_ports(self) -> NotifierPorts:
        from codetracker.usecases.notify import NotifierPorts

        pipeline = self.settings.pipeline
        return self._ports(
            NotifierPorts,
            sender=self.webhook_sender,
            visibility=self.notify_visibility,
            max_attempts=pipeline.notify_max_attempts,
            backoff_base_s=pipeline.notify_backoff_base_s,
            backoff_cap_s=pipeline.notify_backoff_cap_s,
            log_lines=pipeline.log_tail_lines,
        )

    # --- the api's use cases' collaborators ----------------------------------------------------------------------

    def registry_ports(self) -> RegistryPorts:
        from codetracker.usecases.registry import RegistryPorts

        return self._ports(RegistryPorts)

    def job_ports(self) -> JobPorts:
        from codetracker.usecases.jobs import JobPorts

        return self._ports(JobPorts)

    def webhook_ports(self) -> WebhookPorts:
        from codetracker.usecases.webhooks import WebhookPorts

        return self._ports(WebhookPorts)

    # --- the schedules' use cases, with their collaborators -----------------------------------------------------

    def reconciler(self, *, time_left: TimeLeft | None) -> Callable[[], ReconcileReport]:
        """One reconciler run (outbox, abandoned jobs, watched refs) with this process's collaborators."""
        from codetracker.usecases.reconcile import ReconcilePorts, ReconcileRequest, reconcile

        pipeline = self.settings.pipeline
        return partial(
            reconcile,
            ReconcileRequest(
                limits=self.settings.fetch_limits,
                concurrency=pipeline.reconcile_concurrency,
                max_scans=pipeline.reconcile_max_scans,
                time_left=time_left,
                abandon_after_s=pipeline.abandon_after_s,
            ),
            self._ports(ReconcilePorts, pipeline=self.pipeline_ports()),
        )

    def retention_cleaner(self, *, time_left: TimeLeft | None) -> Callable[[], RetentionReport]:
        """One retention run (old jobs, activities, deliveries, unlisted parsed blobs) with its collaborators."""
        from codetracker.usecases.retention import RetentionRequest, clean_up

        pipeline = self.settings.pipeline
        return partial(
            clean_up,
            RetentionRequest(
                retention_days=pipeline.retention_days, batch=pipeline.retention_batch, time_left=time_left
            ),
            unit_of_work=self.unit_of_work,
            clock=self.clock,
            metrics=self.metrics,
        )

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.close()
        if "webhook_sender" in self.__dict__:
            close = getattr(self.webhook_sender, "close", None)
            if close is not None:
                close()


_default: Services | None = None


def default_services() -> Services:
    """The process's services from its environment (Lambda: once per container)."""
    global _default
    if _default is None:
        _default = Services(Settings.from_env())
    return _default
