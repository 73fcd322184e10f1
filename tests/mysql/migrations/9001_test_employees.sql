-- Test-only fixture (not part of the demo schema): a self-referencing table for nested,
-- recursive and cyclic loads (manager of manager of ...).
CREATE TABLE employees (
    id         BIGINT NOT NULL PRIMARY KEY,
    name       VARCHAR(255) NOT NULL,
    reports_to BIGINT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
