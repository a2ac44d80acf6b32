-- Rotation of app tokens and signing secrets, and a GitHub webhook secret per registration (issue 17: 8, 11).

-- A rotated token or signing secret may stay valid for a grace period: the one it replaced is kept (hashed,
-- resp. encrypted like the current one) with the moment it stops being accepted. NULL: no grace.
ALTER TABLE apps ADD COLUMN previous_token_sha256 bytea;
ALTER TABLE apps ADD COLUMN previous_token_expires_at timestamptz;
ALTER TABLE apps ADD COLUMN previous_signing_secret_encrypted bytea;
ALTER TABLE apps ADD COLUMN previous_signing_secret_expires_at timestamptz;
CREATE UNIQUE INDEX apps_previous_token_sha256_key ON apps (previous_token_sha256)
    WHERE previous_token_sha256 IS NOT NULL;

-- The secret of the registration's own webhook URL (POST /webhooks/github/{id}), AES-GCM like the access
-- token. NULL for registrations made before this migration until their secret is rotated (created) once.
ALTER TABLE repositories ADD COLUMN webhook_secret_encrypted bytea;
ALTER TABLE repositories ADD COLUMN previous_webhook_secret_encrypted bytea;
ALTER TABLE repositories ADD COLUMN previous_webhook_secret_expires_at timestamptz;

-- A delivery id is claimed per hook: 'deployment' (POST /webhooks/github) or 'repository:<id>' (that
-- registration's URL), so a delivery to one registration's URL claims nothing another hook could receive.
ALTER TABLE webhook_deliveries ADD COLUMN hook text NOT NULL DEFAULT 'deployment';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_pkey;
ALTER TABLE webhook_deliveries ADD PRIMARY KEY (hook, delivery_id);
