-- Every branch and release watched: a registration watches its branch plus the branches and tags matching its
-- patterns (domain/watch.py). Existing registrations keep their branch (watched_branch, or the default
-- branch) and get the default tag pattern, as a registration made today without patterns does.
ALTER TABLE repositories ADD COLUMN branch_patterns text[] NOT NULL DEFAULT '{}';
ALTER TABLE repositories ADD COLUMN tag_patterns text[] NOT NULL DEFAULT '{:semver}';

-- A branch or tag deleted on the remote marks its snapshots (history is kept); storing a new scan clears it.
ALTER TABLE modules ADD COLUMN removed_from_remote_at timestamptz;
