//! The index advisor on sqlite: the shared bodies in `tests/shared/advisor.rs` (demo schema)
//! and `tests/shared/advisor_fixtures.rs` (the advisor's fixtures; SQLite has no partitioned
//! or inheritance tables), with the what-if proof on an in-memory copy of the schema.

use batchload_tests_sqlite as backend;

include!("../../shared/advisor.rs");

include!("../../shared/advisor_fixtures.rs");

/// The fixture's rows and statistics (inserted by the fixture test only).
const FIXTURE_DATA: &str = include_str!("advisor_data.sql");

fn backend_fixture_loaders() -> Vec<LoaderStatement> {
    Vec::new()
}

/// A hand-written join loader with a second parameter, and a statement on a missing table.
fn hand_written() -> Vec<LoaderStatement> {
    vec![
        LoaderStatement::new(
            "PostTagsByPostIdAndKind",
            "adv_post_tags",
            "post_id",
            "SELECT pt.post_id, g.name FROM adv_post_tags AS pt JOIN adv_tags AS g ON g.id = pt.tag_id \
             WHERE pt.post_id IN (SELECT value FROM json_each(?1)) AND g.kind = ?2 ORDER BY pt.post_id, g.id",
        ),
        LoaderStatement::new(
            "MissingById",
            "adv_missing",
            "id",
            "SELECT t.id FROM adv_missing AS t WHERE t.id IN (SELECT value FROM json_each(?1))",
        ),
    ]
}

fn expected_backend(_verified: &'static str) -> Vec<Expect> {
    vec![
        expect("PostTagsByPostIdAndKind", Access::Indexed, Some("sqlite_autoindex_adv_post_tags_1")),
        expect("MissingById", Access::NotAnalyzed, None).because("no table or view named adv_missing in this database"),
    ]
}

fn not_indexable_posts() -> String {
    "the view computes posts as `COUNT ( * )`: no index on a column can serve it".to_owned()
}

/// Nothing to install: the copy is made by the advisor.
async fn prepare_what_if(_pool: &sqlx::SqlitePool) -> &'static str {
    "verified"
}
