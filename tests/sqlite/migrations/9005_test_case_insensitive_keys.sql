-- Test-only fixture: a key column compared case-insensitively (COLLATE NOCASE), so the
-- statement returns rows whose key differs in case from the requested one.
CREATE TABLE ci_tags (
    id   INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE
);
