-- Test-only fixture: a key column under a case- and accent-insensitive collation
-- (utf8mb4_general_ci), so the statement returns rows whose key differs in case or accents
-- from the requested one.
CREATE TABLE ci_tags (
    id   BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(64) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_general_ci;
