"""ParsedBlobCache on Postgres: extraction results as texts (contracts/cache_encoding.py), by (blob sha, extractor
version). Content-addressed, so shared by every scope, branch, tag and repository. Runs on the connection of a
unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.contracts.cache_encoding import extraction_from_cache_text, extraction_to_cache_text
from codetracker.domain.model import FileExtraction


class PostgresBlobCache(ConnectionStore):
    def get_many(self, shas: Iterable[str], extractor_version: str) -> dict[str, FileExtraction]:
        """The cached results among shas, in one query however many shas are asked for."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        # `encoded IS NOT NULL`: a row of the jsonb cache (migration 0017) is a miss, whatever its version.
        rows = self._connection.execute(
            "SELECT blob_sha, encoded FROM parsed_blobs "
            "WHERE extractor_version = %s AND blob_sha = ANY(%s) AND encoded IS NOT NULL",
            [extractor_version, wanted],
        ).fetchall()
        return {sha: extraction_from_cache_text(document) for sha, document in rows}

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        """Cache results in one statement; a sha already cached for this version keeps its first result."""
        shas: list[str] = []
        documents: list[str] = []
        # Sorted: concurrent writers of overlapping batches then wait on each other instead of deadlocking.
        for sha in sorted(results):
            document = extraction_to_cache_text(results[sha])
            if not _storable(document):
                continue  # not cached: that blob is simply extracted again next time
            shas.append(sha)
            documents.append(document)
        if not shas:
            return
        # The documents travel as one text, a line each (JSON escapes every newline inside strings), split by
        # the server: psycopg builds a text[] literal of thousands of large documents slowly, in Python. No
        # COPY into a temporary table either: that costs more here, and RDS Proxy pins sessions that create one.
        self._connection.execute(
            "INSERT INTO parsed_blobs (blob_sha, extractor_version, encoded) "
            "SELECT sha, %s, document "
            "FROM unnest(%s::text[], string_to_array(%s, E'\\n')) AS batch(sha, document) "
            "ON CONFLICT DO NOTHING",
            [extractor_version, shas, "\n".join(documents)],
        )


def _storable(document: str) -> bool:
    # Text with lone surrogates (JSON written with ensure_ascii=False keeps them) cannot be encoded to UTF-8.
    try:
        document.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
