-- Test-only fixture (not part of the demo schema): a self-referencing table for nested,
-- recursive and cyclic loads (manager of manager of ...).
CREATE TABLE employees (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    reports_to BIGINT REFERENCES employees (id)
);
