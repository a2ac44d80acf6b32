"""The Postgres adapters, one concern per module.

- `database`: the connection owner (one lazily opened connection per process, schema migrated on first use);
- `migrations` (+ `migrations/*.sql`): versioned schema changes, applied automatically under a lock;
- `unit_of_work`: one transaction on that connection, giving the stores below;
- `snapshots` (+ `snapshot_rows`): the snapshot store, with incremental replace by per-file digests;
- `blob_cache`: the parse cache by blob sha.
psycopg is imported lazily, on the paths that use it.
"""
