"""PostgresBlobCache against a real Postgres: get/put, first result wins, versions apart, one query per get."""

from __future__ import annotations

import re
import tempfile

import psycopg
import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
from tests.support.stores import blob_cache
from codetracker.domain.model import ExportedFunction, FileExtraction, Parameter, ProblemKind, ReturnValue
from psycopg import pq

EXTRACTED = FileExtraction(
    functions=(
        ExportedFunction(
            name="parse",
            file_path="",
            export_type="named",
            is_async=True,
            description="Parses «text».",
            jsdoc_raw="/** Parses text.\n * @param {string} text */",
            order_in_file=0,
            parameters=(
                Parameter("text", 0, "string", False, False, None, None, None),
                Parameter("options", 1, None, True, False, "{}", None, "how"),
            ),
            return_values=(ReturnValue("Promise<Ast>", None),),
        ),
        ExportedFunction("default", "", "default", False, None, None, 1),
    )
)
BROKEN = FileExtraction(
    problem_kind=ProblemKind.PARSE_ERROR, problem_reason="Unexpected token", problem_line=3, problem_column=7
)
EMPTY = FileExtraction()


def sha(n: int) -> str:
    return f"{n:040x}"


@pytest.fixture
def cache(postgres_database: PostgresDatabase) -> UnitOfWorkBlobCache:
    return blob_cache(postgres_database)


def test_put_then_get_returns_equal_results(cache: UnitOfWorkBlobCache) -> None:
    cache.put_many({sha(1): EXTRACTED, sha(2): BROKEN, sha(3): EMPTY}, "v1")

    got = cache.get_many([sha(1), sha(2), sha(3), sha(4), sha(1)], "v1")
    assert got == {sha(1): EXTRACTED, sha(2): BROKEN, sha(3): EMPTY}  # sha(4) was never cached


def test_first_result_for_a_sha_wins(cache: UnitOfWorkBlobCache) -> None:
    cache.put_many({sha(1): EXTRACTED}, "v1")
    cache.put_many({sha(1): BROKEN, sha(2): BROKEN}, "v1")  # no error on the conflict

    assert cache.get_many([sha(1), sha(2)], "v1") == {sha(1): EXTRACTED, sha(2): BROKEN}


def test_extractor_versions_are_kept_apart(cache: UnitOfWorkBlobCache) -> None:
    cache.put_many({sha(1): EXTRACTED}, "v1")
    assert cache.get_many([sha(1)], "v2") == {}

    cache.put_many({sha(1): BROKEN}, "v2")
    assert cache.get_many([sha(1)], "v1") == {sha(1): EXTRACTED}
    assert cache.get_many([sha(1)], "v2") == {sha(1): BROKEN}


def test_text_not_encodable_as_utf8_is_skipped_and_the_rest_cached(cache: UnitOfWorkBlobCache) -> None:
    lone_surrogate = FileExtraction(functions=(ExportedFunction("f", "", "named", False, "a\ud800b", None, 0),))
    # A NUL is written as the escape \u0000, which a text column keeps (jsonb, before version 14, refused it).
    with_nul = FileExtraction(functions=(ExportedFunction("g", "", "named", False, "a\x00b", None, 0),))
    cache.put_many({sha(1): lone_surrogate, sha(2): EXTRACTED, sha(3): with_nul}, "v1")

    assert cache.get_many([sha(1), sha(2), sha(3)], "v1") == {sha(2): EXTRACTED, sha(3): with_nul}


def test_rows_of_the_jsonb_cache_stay_and_are_not_read(cache: UnitOfWorkBlobCache, migrated_database_url: str) -> None:
    """Rows an older scanner writes during a deploy (jsonb `result`, migration 0017) neither break nor answer."""
    with psycopg.connect(migrated_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO parsed_blobs (blob_sha, extractor_version, result) VALUES (%s, 'v0', '[[]]'::jsonb)", [sha(9)]
        )
    cache.put_many({sha(9): EXTRACTED}, "v1")
    assert cache.get_many([sha(9)], "v0") == {}
    assert cache.get_many([sha(9)], "v1") == {sha(9): EXTRACTED}


def test_awkward_text_survives_the_batch(cache: UnitOfWorkBlobCache) -> None:
    """put_many sends the documents as lines of one text: line breaks inside them must not split them."""
    awkward = [
        "two\nlines",
        "crlf\r\nend",
        "tab\tand\fform feed",
        "a literal backslash-n: \\n, and \\",
        'quotes " and \' and {"braces": [1]}',
        "separators \u2028 \u2029 \x85 and emoji \U0001f600",
        "",
    ]
    results = {
        sha(n): FileExtraction(functions=(ExportedFunction(text, "", "named", False, text, text, 0),))
        for n, text in enumerate(awkward)
    }
    cache.put_many(results, "v1")
    assert cache.get_many(list(results), "v1") == results


def test_empty_requests_do_not_touch_the_database() -> None:
    # Nothing listens on port 1: any connection attempt would raise StoreUnavailable.
    unreachable = blob_cache(PostgresDatabase("host=127.0.0.1 port=1 dbname=none connect_timeout=2"))
    assert unreachable.get_many([], "v1") == {}
    unreachable.put_many({}, "v1")


_TRANSACTION_CONTROL = re.compile(r'\s*(?:"" )?"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)')


def _statements_sent(trace: str) -> list[str]:
    """The SQL statements a libpq trace shows the client sending, transaction control left out."""
    statements = []
    for line in trace.splitlines():
        fields = line.split("\t")
        sent = len(fields) >= 4 and fields[0] == "F" and fields[2] in ("Parse", "Query")
        if sent and not _TRANSACTION_CONTROL.match(fields[3]):
            statements.append(fields[3])
    return statements


def test_ten_thousand_shas_take_one_statement_each_way(
    cache: UnitOfWorkBlobCache, postgres_database: PostgresDatabase, migrated_database_url: str
) -> None:
    many = {sha(n): (EXTRACTED if n % 2 else BROKEN) for n in range(10_000)}
    connection = postgres_database.connection()

    with tempfile.TemporaryFile() as trace:
        connection.pgconn.trace(trace.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            cache.put_many(many, "v1")
            got = cache.get_many(list(many) + [sha(10_000_001)], "v1")
        finally:
            connection.pgconn.untrace()
        trace.seek(0)
        traced = trace.read().decode("utf-8", errors="replace")

    assert got == many
    statements = _statements_sent(traced)
    assert len(statements) == 2, statements  # one INSERT, one SELECT
    assert "INSERT INTO parsed_blobs" in statements[0] and "SELECT" in statements[1]
    with psycopg.connect(migrated_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM parsed_blobs").fetchone() == (10_000,)
