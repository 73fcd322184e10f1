-- Rows and planner statistics of the advisor fixture (migrations/9003_test_advisor.sql), so the
-- what-if checks plan real tables, not empty ones. Run by tests/shared/advisor_fixtures.rs.
INSERT INTO adv_posts
    WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9),
         g(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d AS a, d AS b, d AS c, d AS e)
    SELECT n, n % 200 + 1, n % 7, n % 100, CONCAT('post-', n % 2500), n % 50, n % 2 = 0 FROM g WHERE n <= 5000;
INSERT INTO adv_authors
    WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9),
         g(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d AS a, d AS b, d AS c, d AS e)
    SELECT n, CONCAT('author ', n) FROM g WHERE n <= 5000;
INSERT INTO adv_tags
    WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9),
         g(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d AS a, d AS b, d AS c, d AS e)
    SELECT n, CONCAT('tag ', n), n % 5 FROM g WHERE n <= 50;
INSERT INTO adv_post_tags
    WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9),
         g(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d AS a, d AS b, d AS c, d AS e)
    SELECT n, n % 50 + 1 FROM g WHERE n <= 5000 UNION ALL SELECT n, (n + 7) % 50 + 1 FROM g WHERE n <= 5000;
INSERT INTO adv_events
    WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9),
         g(n) AS (SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 1 FROM d AS a, d AS b, d AS c, d AS e)
    SELECT n, n % 100, n % 40 FROM g WHERE n <= 4000;
ANALYZE TABLE adv_authors, adv_posts, adv_tags, adv_post_tags, adv_events;
