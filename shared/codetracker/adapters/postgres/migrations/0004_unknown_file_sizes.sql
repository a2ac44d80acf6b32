-- A trees-first (blob:none) fetch knows a file's size only when it downloads the blob: the manifest
-- records the sizes it learned and NULL for the others, rather than a made-up number.
ALTER TABLE snapshot_files ALTER COLUMN size DROP NOT NULL;
