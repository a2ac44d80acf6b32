-- Each package's public API stored with its snapshot (issue 20): what an `import` of each subpath resolves
-- to, the functions it exports, each naming the function record where it is defined by (file_path, name)
-- (not by id: a rescan rewrites only the function rows of changed files), and the exports whose value could
-- not be decided. Replaced with the snapshot in its transaction. Children cascade from `modules`; each
-- primary key leads with module_id, the index the cascade uses.
-- public_api_known: whether the snapshot knows its public API (false: a tree without package.json, or a
-- snapshot stored before this migration; every existing one).
ALTER TABLE modules ADD COLUMN public_api_known boolean NOT NULL DEFAULT false;

CREATE TABLE snapshot_entry_points (
    module_id bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    position integer NOT NULL,
    subpath text COLLATE "C" NOT NULL,
    conditions text[] NOT NULL,
    file_path text COLLATE "C",
    PRIMARY KEY (module_id, position)
);

CREATE TABLE snapshot_public_functions (
    module_id bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    position integer NOT NULL,
    subpath text COLLATE "C" NOT NULL,
    export_name text COLLATE "C" NOT NULL,
    file_path text COLLATE "C" NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (module_id, position)
);

CREATE TABLE snapshot_unknown_exports (
    module_id bigint NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    position integer NOT NULL,
    subpath text COLLATE "C" NOT NULL,
    export_name text COLLATE "C" NOT NULL,
    reason text NOT NULL,
    PRIMARY KEY (module_id, position)
);
