-- TypeScript and declaration files (issue 21): where each type comes from, the JSDoc type kept beside an
-- annotation that won over it, a destructured parameter's keys, a function's type parameters and overload
-- number, and how many type-only exports a file has. Rows stored before hold NULL/empty here; the extractor
-- version and the function-row digest changed with these columns, so the next scan rewrites them.
ALTER TABLE functions ADD COLUMN type_parameters text, ADD COLUMN overload integer;
ALTER TABLE parameters
    ADD COLUMN type_source text,
    ADD COLUMN jsdoc_type text,
    ADD COLUMN keys text[] NOT NULL DEFAULT '{}';
ALTER TABLE return_values ADD COLUMN type_source text, ADD COLUMN jsdoc_type text;
ALTER TABLE snapshot_files ADD COLUMN type_exports integer NOT NULL DEFAULT 0;
