-- Where each snapshot was scanned from (domain/snapshot_sources.py): a scan of another source does not replace
-- it unless told to. Snapshots stored before this have no source recorded (NULL): the next store records its own.
ALTER TABLE modules ADD COLUMN source_location text;
ALTER TABLE modules ADD COLUMN source_subpath text NOT NULL DEFAULT '';
