-- The incremental cache: what extracting one git blob produced, by blob sha and extractor version.
-- Shared by every branch, tag and repository; a new extractor version simply misses and fills anew.

CREATE TABLE parsed_blobs (
    blob_sha text COLLATE "C" NOT NULL,
    extractor_version text COLLATE "C" NOT NULL,
    result jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blob_sha, extractor_version)
);
