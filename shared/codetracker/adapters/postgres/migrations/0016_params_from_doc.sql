-- Functions whose parameters are the JSDoc's, not the code's (issue 20): the code's are unknown (a value built
-- by a call) or its body reads `arguments`. Rows stored before are false; the extractor version and the
-- function-row digest changed with this column, so the next scan rewrites them.
ALTER TABLE functions ADD COLUMN params_from_doc boolean NOT NULL DEFAULT false;
