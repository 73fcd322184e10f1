-- Test-only fixture for the index advisor (tests/*/tests/advisor.rs): each loader over these
-- tables has one exact expected classification. The rows and statistics the what-if checks
-- need are inserted by the advisor test itself (tests/sqlite/tests/advisor_data.sql), so other
-- tests' databases stay quick to create. SQLite has no partitioned or inheritance
-- tables.
CREATE TABLE adv_authors (
    id   INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE adv_posts (
    id          INTEGER PRIMARY KEY NOT NULL,
    author_id   INTEGER NOT NULL,   -- no index: full scan
    kind        INTEGER NOT NULL,
    editor_id   INTEGER NOT NULL,   -- only in an index led by kind: full scan
    slug        TEXT NOT NULL,      -- non-unique index: indexed, but not unique for a `key`
    reviewer_id INTEGER NOT NULL,   -- only a partial index: full scan
    live        BOOLEAN NOT NULL
);
CREATE INDEX adv_posts_kind_editor ON adv_posts (kind, editor_id);
CREATE INDEX adv_posts_slug ON adv_posts (slug);
CREATE INDEX adv_posts_live_reviewer ON adv_posts (reviewer_id) WHERE live;
CREATE TABLE adv_tags (
    id   INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind INTEGER NOT NULL
);
CREATE TABLE adv_post_tags (
    post_id INTEGER NOT NULL,
    tag_id  INTEGER NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);
-- A view over a join (key columns from either table) and an aggregating view.
CREATE VIEW adv_post_authors AS
    SELECT p.id, p.author_id, a.name AS author_name FROM adv_posts AS p JOIN adv_authors AS a ON a.id = p.author_id;
CREATE VIEW adv_author_counts AS
    SELECT author_id, COUNT(*) AS posts FROM adv_posts GROUP BY author_id;
