"""The blob cache as extraction uses it: each read and each write in a short unit of work of its own, so no
transaction stays open while files are fetched and parsed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from codetracker.domain.model import FileExtraction
from codetracker.ports.unit_of_work import UnitOfWorkFactory


class UnitOfWorkBlobCache:
    """ParsedBlobCache over a UnitOfWorkFactory. Empty requests never reach the database."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    def get_many(self, shas: Iterable[str], extractor_version: str) -> Mapping[str, FileExtraction]:
        wanted = list(shas)
        if not wanted:
            return {}
        with self._unit_of_work(read_only=True) as uow:
            return uow.blob_cache.get_many(wanted, extractor_version)

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        if not results:
            return
        with self._unit_of_work() as uow:
            uow.blob_cache.put_many(results, extractor_version)
            uow.commit()
