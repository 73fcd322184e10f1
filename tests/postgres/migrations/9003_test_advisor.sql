-- Test-only fixture for the index advisor (tests/*/tests/advisor.rs): each loader over these
-- tables has one exact expected classification. The rows and statistics the what-if checks
-- need are inserted by the advisor test itself (tests/postgres/tests/advisor_data.sql), so other
-- tests' databases stay quick to create.
CREATE TABLE adv_authors (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE adv_posts (
    id          BIGINT PRIMARY KEY,
    author_id   BIGINT NOT NULL,   -- no index: full scan
    kind        INTEGER NOT NULL,
    editor_id   BIGINT NOT NULL,   -- only in an index led by kind: full scan
    slug        TEXT NOT NULL,     -- non-unique index: indexed, but not unique for a `key`
    reviewer_id BIGINT NOT NULL,   -- only a partial index: full scan
    live        BOOLEAN NOT NULL
);
CREATE INDEX adv_posts_kind_editor ON adv_posts (kind, editor_id);
CREATE INDEX adv_posts_slug ON adv_posts (slug);
CREATE INDEX adv_posts_live_reviewer ON adv_posts (reviewer_id) WHERE live;
CREATE TABLE adv_tags (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    kind INTEGER NOT NULL
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
-- A declaratively partitioned table: the index on chat_id is created on every partition.
CREATE TABLE adv_events (
    id      BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    bot_id  BIGINT NOT NULL,
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE TABLE adv_events_1 PARTITION OF adv_events FOR VALUES FROM (1) TO (2001);
CREATE TABLE adv_events_2 PARTITION OF adv_events FOR VALUES FROM (2001) TO (4001);
CREATE INDEX adv_events_chat_id ON adv_events (chat_id);
-- An inheritance parent with two children: primary keys per table, an index on level in one
-- child only.
CREATE TABLE adv_logs (
    id    BIGINT PRIMARY KEY,
    level INTEGER NOT NULL,
    body  TEXT NOT NULL
);
CREATE TABLE adv_logs_2025 (PRIMARY KEY (id)) INHERITS (adv_logs);
CREATE TABLE adv_logs_2026 (PRIMARY KEY (id)) INHERITS (adv_logs);
CREATE INDEX adv_logs_2026_level ON adv_logs_2026 (level);
