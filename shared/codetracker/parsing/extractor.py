"""The Extractor port over one parser: files parsed in this process, or in worker processes when the scan is
big enough (codetracker.parsing.workers decides, from the ParallelOptions)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from codetracker.domain.model import FileExtraction, ScanProblem, TreeEntry
from codetracker.parsing.workers import ParallelOptions, WorkerPool, shared_pool
from codetracker.ports.parsing import ExtractionPlan, ModuleParser


class ParserExtractor:
    def __init__(
        self, parser: ModuleParser, parallel: ParallelOptions | None = None, pool: WorkerPool | None = None
    ) -> None:
        self.parser = parser
        self.parallel = parallel  # None: the defaults (one worker per available CPU, when that pays)
        self.pool = pool  # None: the process's shared pool

    @property
    def name(self) -> str:
        return self.parser.name

    def extract(
        self, contents: Iterable[tuple[TreeEntry, bytes]], plan: ExtractionPlan
    ) -> Iterator[tuple[TreeEntry, FileExtraction | ScanProblem]]:
        return (self.pool or shared_pool()).extract(
            contents,
            self.parser,
            planned=plan.planned,
            max_file_bytes=plan.max_file_bytes,
            options=self.parallel,
            checkpoint=plan.checkpoint,
        )
