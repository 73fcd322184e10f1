-- Rows and planner statistics of the advisor fixture (migrations/9003_test_advisor.sql), so the
-- what-if checks plan real tables, not empty ones. Run by tests/shared/advisor_fixtures.rs.
INSERT INTO adv_authors SELECT g, 'author ' || g FROM generate_series(1, 5000) AS g;
INSERT INTO adv_posts
    SELECT g, g % 200 + 1, g % 7, g % 100, 'post-' || (g % 2500), g % 50, g % 2 = 0 FROM generate_series(1, 5000) AS g;
INSERT INTO adv_tags SELECT g, 'tag ' || g, g % 5 FROM generate_series(1, 50) AS g;
INSERT INTO adv_post_tags SELECT g, g % 50 + 1 FROM generate_series(1, 5000) AS g;
INSERT INTO adv_post_tags SELECT g, (g + 7) % 50 + 1 FROM generate_series(1, 5000) AS g;
INSERT INTO adv_events SELECT g, g % 100, g % 40 FROM generate_series(1, 4000) AS g;
INSERT INTO adv_logs SELECT g, g % 100, 'parent' FROM generate_series(1, 1000) AS g;
INSERT INTO adv_logs_2025 SELECT g, g % 100, 'log' FROM generate_series(1001, 4000) AS g;
INSERT INTO adv_logs_2026 SELECT g, g % 100, 'log' FROM generate_series(4001, 7000) AS g;
ANALYZE adv_authors, adv_posts, adv_tags, adv_post_tags, adv_events, adv_logs, adv_logs_2025, adv_logs_2026;
