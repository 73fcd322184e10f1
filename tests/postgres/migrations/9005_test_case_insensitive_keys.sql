-- Test-only fixture: a case-insensitive key column (citext), so the statement returns rows
-- whose key differs in case from the requested one.
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE ci_tags (
    id   BIGINT PRIMARY KEY,
    name CITEXT NOT NULL
);
