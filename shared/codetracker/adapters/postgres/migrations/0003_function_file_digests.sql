-- Incremental replace: a digest of everything stored for the functions of one file of one snapshot.
-- Storing a snapshot again rewrites only the files whose digest changed; the rows of the others stay.

CREATE TABLE function_file_digests (
    module_id bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    file_path text COLLATE "C" NOT NULL,
    digest bytea NOT NULL,
    PRIMARY KEY (module_id, file_path)
);

-- The last_scanned_at of the store that wrote the digests. A writer that does not keep digests (code from
-- before this migration, still running during a deploy) moves last_scanned_at but not this column: the
-- digests then no longer describe the rows, and the next store replaces every function.
ALTER TABLE modules ADD COLUMN function_digests_at timestamptz;
