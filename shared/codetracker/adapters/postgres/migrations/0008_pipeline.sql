-- The queue pipeline (scanner → persister → notifier): what a job keeps of its processing, the indexes the
-- reconciler and retention need, and views for operations (read them with any SQL client; nothing writes them).

-- The last log lines of a failed job (a JSON array of strings), returned by GET /jobs/{id}.
ALTER TABLE jobs ADD COLUMN log_tail jsonb;
-- Its notification: the webhook-id (one per job), when its notify message was sent, how many delivery
-- attempts were made, when it was delivered (set once: a duplicate message delivers nothing).
ALTER TABLE jobs ADD COLUMN notification_id text;
ALTER TABLE jobs ADD COLUMN notification_queued_at timestamptz;
ALTER TABLE jobs ADD COLUMN notification_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN notification_delivered_at timestamptz;

-- The reconciler asks, per watched ref, whether a scan of it is already under way.
CREATE INDEX jobs_active_idx ON jobs (repository_id, ref) WHERE status IN ('queued', 'scanning', 'persisting');
-- Retention: old cache rows, and whether any stored snapshot still lists a blob.
CREATE INDEX parsed_blobs_created_at_idx ON parsed_blobs (created_at);
CREATE INDEX snapshot_files_sha_idx ON snapshot_files (sha) WHERE sha IS NOT NULL;

-- Scans per day (by the day the job was created): how many ended done, failed, or are still under way.
CREATE VIEW ops_scan_success_daily AS
SELECT date_trunc('day', created_at) AS day,
       count(*) AS jobs,
       count(*) FILTER (WHERE status = 'done') AS done,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status NOT IN ('done', 'failed')) AS in_progress,
       round(count(*) FILTER (WHERE status = 'done')::numeric
             / nullif(count(*) FILTER (WHERE status IN ('done', 'failed')), 0), 4) AS success_rate
FROM jobs
GROUP BY 1;

-- Stage durations per day, in seconds: median and 95th percentile of each stage that ended.
CREATE VIEW ops_stage_durations_daily AS
WITH stages AS (
    SELECT created_at, 'scan' AS stage, extract(epoch FROM scan_ended_at - scan_started_at) AS seconds
    FROM jobs WHERE scan_started_at IS NOT NULL AND scan_ended_at IS NOT NULL
    UNION ALL
    SELECT created_at, 'persist', extract(epoch FROM persist_ended_at - persist_started_at)
    FROM jobs WHERE persist_started_at IS NOT NULL AND persist_ended_at IS NOT NULL
    UNION ALL
    SELECT created_at, 'notify', extract(epoch FROM notify_ended_at - notify_started_at)
    FROM jobs WHERE notify_started_at IS NOT NULL AND notify_ended_at IS NOT NULL
    UNION ALL
    SELECT created_at, 'total', extract(epoch FROM updated_at - created_at)
    FROM jobs WHERE status IN ('done', 'failed')
)
SELECT date_trunc('day', created_at) AS day,
       stage,
       count(*) AS jobs,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) AS p95_s,
       max(seconds) AS max_s
FROM stages
GROUP BY 1, 2;

-- Why jobs failed, per day: the typed error code, how often, and the latest message of that code.
CREATE VIEW ops_failure_reasons AS
SELECT date_trunc('day', created_at) AS day,
       error_code,
       count(*) AS jobs,
       (array_agg(error_message ORDER BY updated_at DESC))[1] AS latest_message
FROM jobs
WHERE status = 'failed'
GROUP BY 1, 2;

-- Notifications per day: sent to the notify queue, delivered, failed for good, the attempts they took and the
-- time from queueing to delivery.
CREATE VIEW ops_notification_delivery_daily AS
SELECT date_trunc('day', j.notification_queued_at) AS day,
       count(*) AS notifications,
       count(*) FILTER (WHERE j.notification_delivered_at IS NOT NULL) AS delivered,
       count(*) FILTER (WHERE j.notification_delivered_at IS NULL AND j.notify_ended_at IS NOT NULL) AS failed,
       round(count(*) FILTER (WHERE j.notification_delivered_at IS NOT NULL)::numeric
             / nullif(count(*) FILTER (WHERE j.notify_ended_at IS NOT NULL), 0), 4) AS delivery_rate,
       round(avg(j.notification_attempts) FILTER (WHERE j.notify_ended_at IS NOT NULL), 2) AS mean_attempts,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM j.notification_delivered_at - j.notification_queued_at)
       ) AS p50_latency_s,
       percentile_cont(0.95) WITHIN GROUP (
           ORDER BY extract(epoch FROM j.notification_delivered_at - j.notification_queued_at)
       ) AS p95_latency_s
FROM jobs j
WHERE j.notification_queued_at IS NOT NULL
GROUP BY 1;
