-- Test-only fixture (not part of the demo schema): a self-referencing table for nested,
-- recursive and cyclic loads (manager of manager of ...).
CREATE TABLE employees (
    id         INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    reports_to INTEGER REFERENCES employees (id)
);
