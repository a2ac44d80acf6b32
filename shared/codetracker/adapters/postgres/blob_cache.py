"""ParsedBlobCache on Postgres: extraction results as jsonb, by (blob sha, extractor version). Content-addressed,
so shared by every scope, branch, tag and repository. Runs on the connection of a unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.contracts.cache_encoding import extraction_from_cache_json, extraction_to_cache_json
from codetracker.domain.model import FileExtraction


class PostgresBlobCache(ConnectionStore):
    def get_many(self, shas: Iterable[str], extractor_version: str) -> dict[str, FileExtraction]:
        """The cached results among shas, in one query however many shas are asked for."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        # As text, decoded one at a time: psycopg's jsonb loader would hold every decoded document at once,
        # and the garbage collector then walks all of them again and again while the results are built.
        rows = self._connection.execute(
            "SELECT blob_sha, result::text FROM parsed_blobs WHERE extractor_version = %s AND blob_sha = ANY(%s)",
            [extractor_version, wanted],
        ).fetchall()
        return {sha: extraction_from_cache_json(document) for sha, document in rows}

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        """Cache results in one statement; a sha already cached for this version keeps its first result."""
        shas: list[str] = []
        documents: list[str] = []
        # Sorted: concurrent writers of overlapping batches then wait on each other instead of deadlocking.
        for sha in sorted(results):
            document = extraction_to_cache_json(results[sha])
            if not _storable_as_jsonb(document):
                continue  # not cached: that blob is simply extracted again next time
            shas.append(sha)
            documents.append(document)
        if not shas:
            return
        # The documents travel as one text, a line each (JSON escapes every newline inside strings), split by
        # the server: psycopg builds a text[] literal of thousands of large documents slowly, in Python. No
        # COPY into a temporary table either: that costs more here, and RDS Proxy pins sessions that create one.
        self._connection.execute(
            "INSERT INTO parsed_blobs (blob_sha, extractor_version, result) "
            "SELECT sha, %s, document::jsonb "
            "FROM unnest(%s::text[], string_to_array(%s, E'\\n')) AS batch(sha, document) "
            "ON CONFLICT DO NOTHING",
            [extractor_version, shas, "\n".join(documents)],
        )


def _storable_as_jsonb(document: str) -> bool:
    # jsonb rejects the \u0000 escape, and text with lone surrogates cannot be encoded to UTF-8.
    if "\\u0000" in document:
        return False
    try:
        document.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
