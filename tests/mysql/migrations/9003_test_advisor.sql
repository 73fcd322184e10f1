-- Test-only fixture for the index advisor (tests/*/tests/advisor.rs): each loader over these
-- tables has one exact expected classification. The rows and statistics the what-if checks
-- need are inserted by the advisor test itself (tests/mysql/tests/advisor_data.sql), so other
-- tests' databases stay quick to create. MariaDB has no partial indexes (the
-- reviewer_id column has no index here) and no table inheritance; adv_events is partitioned.
CREATE TABLE adv_authors (
    id   BIGINT PRIMARY KEY,
    name VARCHAR(64) NOT NULL
);
CREATE TABLE adv_posts (
    id          BIGINT PRIMARY KEY,
    author_id   BIGINT NOT NULL,       -- no index: full scan
    kind        INT NOT NULL,
    editor_id   BIGINT NOT NULL,       -- only in an index led by kind: full scan
    slug        VARCHAR(64) NOT NULL,  -- non-unique index: indexed, but not unique for a `key`
    reviewer_id BIGINT NOT NULL,       -- no index: full scan
    live        BOOLEAN NOT NULL,
    INDEX adv_posts_kind_editor (kind, editor_id),
    INDEX adv_posts_slug (slug)
);
CREATE TABLE adv_tags (
    id   BIGINT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    kind INT NOT NULL
);
CREATE TABLE adv_post_tags (
    post_id BIGINT NOT NULL,
    tag_id  BIGINT NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);
-- A view over a join (key columns from either table) and an aggregating view.
CREATE VIEW adv_post_authors AS
    SELECT p.id, p.author_id, a.name AS author_name FROM adv_posts AS p JOIN adv_authors AS a ON a.id = p.author_id;
CREATE VIEW adv_author_counts AS
    SELECT author_id, COUNT(*) AS posts FROM adv_posts GROUP BY author_id;
-- A partitioned table: indexes are per table, as in the catalog.
CREATE TABLE adv_events (
    id      BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    bot_id  BIGINT NOT NULL,
    PRIMARY KEY (id),
    INDEX adv_events_chat_id (chat_id)
) PARTITION BY RANGE (id) (PARTITION p1 VALUES LESS THAN (2001), PARTITION p2 VALUES LESS THAN MAXVALUE);
