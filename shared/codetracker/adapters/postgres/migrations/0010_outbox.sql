-- The transactional outbox: a scan job's queue message is written in the job's own transaction, so no message
-- names a job that is not committed, and a committed job always has its message. A relay sends unsent rows (the
-- api right after its commit, the reconciler's schedule for leftovers) and marks them sent: at least once.
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,  -- retention deletes it with its job
    queue text NOT NULL CHECK (queue IN ('scan')),
    body text NOT NULL,  -- the message as it is sent (contracts.scan_requested_to_json)
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    -- A relay claims a row until this moment (another relay leaves it alone); a failed send sets it to when the
    -- next attempt may be made.
    claimed_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_job_id_idx ON outbox (job_id);
-- The reconciler fails jobs left active past a bound (their message was dead-lettered or lost).
CREATE INDEX jobs_active_updated_at_idx ON jobs (updated_at) WHERE status IN ('queued', 'scanning', 'persisting');

-- Operations: what waits in the outbox (a growing count or an old `oldest` means the scan queue refuses sends).
CREATE VIEW ops_outbox_unsent AS
SELECT queue,
       count(*) AS messages,
       min(created_at) AS oldest,
       max(attempts) AS most_attempts,
       (array_agg(last_error ORDER BY id DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS latest_error
FROM outbox
WHERE sent_at IS NULL
GROUP BY queue;
