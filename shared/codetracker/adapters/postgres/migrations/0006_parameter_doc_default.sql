-- A default written only in JSDoc (`@param {number} [wait=10]`) is kept apart from the code's default:
-- default_value is the code's alone. Rows stored before this migration may hold a JSDoc default in
-- default_value (NULL here); the extractor version and the function-row digest changed with this column,
-- so the next scan of each snapshot rewrites its functions.
ALTER TABLE parameters ADD COLUMN doc_default text;
