-- Service data of the api and the queue consumers: client apps, their repository registrations, scan jobs,
-- the activity timeline, and the GitHub webhook deliveries seen. Every foreign-key column leads an index.
-- A registration owns its snapshots through the snapshot scope 'repository:<id>' (modules.scope): nothing
-- here references modules, so the snapshot tables stay as the CLI knows them.

CREATE TABLE apps (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    -- sha256 of the bearer token (32 random bytes); the token itself is shown once, at creation.
    token_sha256 bytea NOT NULL UNIQUE,
    -- The Standard Webhooks `whsec_` secret the notifier signs with, encrypted (AES-GCM, see adapters/cipher.py).
    signing_secret_encrypted bytea NOT NULL,
    callback_url text,
    created_at timestamptz NOT NULL
);

CREATE TABLE repositories (
    id uuid PRIMARY KEY,
    app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    url text COLLATE "C" NOT NULL,  -- normalised (domain/urls.py)
    display_url text NOT NULL,
    module_slug text COLLATE "C" NOT NULL,
    default_branch text,
    watched_branch text,  -- NULL: the repository's default branch (learnt by the first scan)
    callback_url text,
    access_token_encrypted bytea,  -- AES-GCM, bound to 'repository:<id>:access_token'; never returned
    status text NOT NULL CHECK (status IN ('pending_snapshot', 'scanning', 'synced', 'failed')),
    last_error text,
    last_scanned_commit text,
    last_scanned_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- DELETE /repositories/{id} stops watching: the row stays (its jobs and activity remain the history),
    -- its snapshots and access token are removed, and the URL may be registered again.
    deleted_at timestamptz
);
-- unique (app_id, url) among live registrations; leads with app_id, so it indexes the foreign key too.
CREATE UNIQUE INDEX repositories_app_url_key ON repositories (app_id, url) WHERE deleted_at IS NULL;
CREATE INDEX repositories_app_id_idx ON repositories (app_id, created_at, id);
CREATE INDEX repositories_url_idx ON repositories (url) WHERE deleted_at IS NULL;  -- webhook fan-out

CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    repository_id uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    trigger text NOT NULL CHECK (trigger IN ('api', 'webhook', 'schedule', 'redrive')),
    ref text NOT NULL,
    commit_sha text,
    module_slug text,
    branch_name text,
    release_tag text,
    status text NOT NULL CHECK (status IN ('queued', 'scanning', 'persisting', 'notifying', 'done', 'failed')),
    scan_started_at timestamptz,
    scan_ended_at timestamptz,
    persist_started_at timestamptz,
    persist_ended_at timestamptz,
    notify_started_at timestamptz,
    notify_ended_at timestamptz,
    result jsonb,
    error_code text,
    error_message text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX jobs_repository_id_idx ON jobs (repository_id, created_at DESC, id DESC);
CREATE INDEX jobs_created_at_idx ON jobs (created_at);  -- retention

CREATE TABLE activities (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    job_id uuid REFERENCES jobs (id) ON DELETE SET NULL,
    action_type text NOT NULL CHECK (action_type IN (
        'repository_registered', 'scan_requested', 'webhook_received', 'scan_started', 'scan_completed',
        'scan_failed', 'snapshot_stored', 'notification_delivered', 'notification_failed', 'repository_deleted'
    )),
    details text,
    status text NOT NULL CHECK (status IN ('ok', 'failed', 'ignored')),
    created_at timestamptz NOT NULL
);
CREATE INDEX activities_repository_id_idx ON activities (repository_id, id DESC);
CREATE INDEX activities_app_id_idx ON activities (app_id);
CREATE INDEX activities_job_id_idx ON activities (job_id);
CREATE INDEX activities_created_at_idx ON activities (created_at);  -- retention

CREATE TABLE webhook_deliveries (
    delivery_id text PRIMARY KEY,  -- X-GitHub-Delivery
    event text NOT NULL,
    received_at timestamptz NOT NULL,
    outcome text NOT NULL
);
CREATE INDEX webhook_deliveries_received_at_idx ON webhook_deliveries (received_at);  -- retention
