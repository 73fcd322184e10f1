-- Rows and planner statistics of the advisor fixture (migrations/9003_test_advisor.sql), so the
-- what-if checks plan real tables, not empty ones. Run by tests/shared/advisor_fixtures.rs.
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
INSERT INTO adv_posts SELECT n, n % 200 + 1, n % 7, n % 100, 'post-' || (n % 2500), n % 50, n % 2 = 0 FROM g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
INSERT INTO adv_authors SELECT n, 'author ' || n FROM g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 50)
INSERT INTO adv_tags SELECT n, 'tag ' || n, n % 5 FROM g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
INSERT INTO adv_post_tags SELECT n, n % 50 + 1 FROM g UNION ALL SELECT n, (n + 7) % 50 + 1 FROM g;
ANALYZE;
