"""The codetracker side of the fetch and rescan benchmarks (its own process).

    python scan_codetracker.py fetch --url URL --ref REF
        DulwichFetcher().open(RepositoryAccess(url), ref), then every entry listed and every regular file read
        (read_many over all of them): the fetch alone.
    python scan_codetracker.py scan --url URL --ref REF --conninfo CONNINFO [--parser auto] [--packages]
        usecases.scan.scan_repository + usecases.persist.persist_scan with DulwichFetcher and the Postgres unit of work
        (fetch + extract + store), the database connected and migrated beforehand (untimed). --packages: package by
        package, each package's snapshot stored (usecases.package_scan), as a registration's pipeline does.
Prints one JSON line: the in-process seconds of that call and what it reported.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from peak import vmhwm_kb  # noqa: E402

from codetracker.adapters.git.fetcher import DulwichFetcher  # noqa: E402
from codetracker.domain.model import EntryKind  # noqa: E402
from codetracker.parsing.extractor import ParserExtractor  # noqa: E402
from codetracker.ports.git import RepositoryAccess  # noqa: E402


def _profiler(args: argparse.Namespace):
    if not args.profile:
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def _dump(profiler, args: argparse.Namespace) -> None:
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)


def fetch(args: argparse.Namespace) -> dict:
    loaded = time.perf_counter()
    profiler = _profiler(args)
    started = time.perf_counter()
    with DulwichFetcher().open(RepositoryAccess(args.url), args.ref) as tree:
        entries = tree.entries()
        files = [e for e in entries if e.kind is EntryKind.FILE]
        listed = time.perf_counter()
        read = 0
        content_bytes = 0
        for _entry, content in tree.read_many(files):
            read += 1
            content_bytes += len(content)
        stats = tree.stats()
        ref = tree.ref
    elapsed = time.perf_counter() - started
    _dump(profiler, args)
    return {
        "mode": "fetch",
        "load_seconds": loaded - STARTED,
        "seconds": elapsed,
        "list_seconds": listed - started,
        "entries": len(entries),
        "files_read": read,
        "content_bytes": content_bytes,
        "bytes_received": stats.bytes_received,
        "used_filter": stats.used_filter,
        "blobs_fetched": stats.blobs_fetched,
        "ref_kind": ref.kind,
        "commit": ref.commit_sha,
    }


def scan(args: argparse.Namespace) -> dict:
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
    from codetracker.parsing import get_parser
    from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
    from codetracker.usecases.persist import persist_scan
    from codetracker.usecases.scan_requests import ScanRepositoryRequest
    from codetracker.usecases.extract import ExtractionPorts
    from codetracker.usecases.scan import FetchPorts, scan_repository
    from codetracker.wiring import utc_now

    database = PostgresDatabase(args.conninfo)
    database.connection()  # connect + migrate: not part of the scan
    parser = get_parser(args.parser)
    loaded = time.perf_counter()
    profiler = _profiler(args)
    started = time.perf_counter()
    unit_of_work = PostgresUnitOfWorkFactory(database)
    result = scan_repository(
        ScanRepositoryRequest(args.url, args.ref, package_names=() if args.packages else None),
        fetching=FetchPorts(DulwichFetcher()),
        clock=utc_now,
        extraction=ExtractionPorts(ParserExtractor(parser), cache=UnitOfWorkBlobCache(unit_of_work)),
    )
    if args.packages:  # as a registration's pipeline stores it: a snapshot per package
        from codetracker.usecases.package_scan import persist_package_scans, split_by_package

        stored = persist_package_scans(split_by_package(result), unit_of_work=unit_of_work).persisted
        summaries = [p.summary for p in stored]
    else:
        summaries = [persist_scan(result, unit_of_work=unit_of_work).summary]
    elapsed = time.perf_counter() - started
    s = summaries[0]
    _dump(profiler, args)
    database.close()
    x = result.extraction
    f = result.fetch
    return {
        "mode": "scan",
        "load_seconds": loaded - STARTED,
        "seconds": elapsed,
        "snapshots": len(summaries),
        "functions": sum(x.functions_count for x in summaries),
        "parameters": sum(x.parameters_count for x in summaries),
        "files": sum(x.files_count for x in summaries),
        "problems": sum(x.problems_count for x in summaries),
        "candidates": x.candidates,
        "parsed": x.parsed,
        "cache_hits": x.cache_hits,
        "bytes_received": f.bytes_received if f else None,
        "used_filter": f.used_filter if f else None,
        "blobs_fetched": f.blobs_fetched if f else None,
        "key": [s.module_slug, s.branch_name, s.release_tag],
        "commit": s.commit_sha,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("fetch", "scan"))
    ap.add_argument("--url", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--conninfo")
    ap.add_argument("--parser", default="auto")
    ap.add_argument("--profile")
    ap.add_argument("--packages", action="store_true", help="scan: package by package, a snapshot each")
    args = ap.parse_args()
    report = fetch(args) if args.mode == "fetch" else scan(args)
    report["vmhwm_kb"] = vmhwm_kb()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
