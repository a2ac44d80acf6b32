-- The blob cache's rows are texts from extractor version 14 on (contracts/cache_encoding.py: a JSON document,
-- then the module's value expressions as records a rescan parses only when asked for). Stored as jsonb, every
-- read paid the server's jsonb-to-text conversion and every write its parse. Rows of older versions keep their
-- `result` and are never read again (their version is not the current one); an older scanner still running while
-- this deploys keeps writing `result`, which the new one ignores. Nothing is rewritten.
ALTER TABLE parsed_blobs ALTER COLUMN result DROP NOT NULL, ADD COLUMN encoded text;
