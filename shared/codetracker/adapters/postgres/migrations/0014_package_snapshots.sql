-- Packages stored together (usecases/package_scan.py): each package's snapshot names the module slug of the
-- scan it came from (the repository's), so a later scan of that branch and release can tell which of its
-- packages are gone from the tree. A package gone at a version is marked removed (when, at which commit);
-- nothing is deleted, and storing it again clears the mark. Existing snapshots are whole-tree modules (NULL).
ALTER TABLE modules ADD COLUMN package_of text;
ALTER TABLE modules ADD COLUMN removed_from_tree_at timestamptz;
ALTER TABLE modules ADD COLUMN removed_from_tree_commit text;
-- The packages a registration tracks (by package.json name; empty: every package of its tree).
ALTER TABLE repositories ADD COLUMN packages text[] NOT NULL DEFAULT '{}';
-- Its own ignore patterns (gitignore syntax), applied like the tree's .codetrackerignore.
ALTER TABLE repositories ADD COLUMN ignore_patterns text[] NOT NULL DEFAULT '{}';
CREATE INDEX modules_package_of ON modules (scope, package_of, branch_name, release_tag) WHERE package_of IS NOT NULL;
