-- Scoped snapshot identity: a snapshot belongs to an owner scope (a registration of the service, or the
-- CLI's default scope 'local'), so two repositories or two apps whose names slugify alike never overwrite
-- each other. Existing snapshots were stored by the CLI: they keep their key in the default scope.
ALTER TABLE modules ADD COLUMN scope text COLLATE "C" NOT NULL DEFAULT 'local';
ALTER TABLE modules DROP CONSTRAINT modules_snapshot_key;
ALTER TABLE modules ADD CONSTRAINT modules_snapshot_key UNIQUE (scope, module_slug, branch_name, release_tag);
