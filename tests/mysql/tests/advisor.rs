//! The index advisor on mysql: the shared bodies in `tests/shared/advisor.rs` (demo schema)
//! and `tests/shared/advisor_fixtures.rs` (the advisor's fixtures; MariaDB has no partial
//! indexes and no inheritance), plus a partitioned table and the what-if proof in a scratch
//! database.

use batchload_tests_mysql as backend;

include!("../../shared/advisor.rs");

include!("../../shared/advisor_fixtures.rs");

/// The fixture's rows and statistics (inserted by the fixture test only).
const FIXTURE_DATA: &str = include_str!("advisor_data.sql");

/// A row of the partitioned table `adv_events` (two range partitions).
#[derive(Debug, Clone, PartialEq, batchload::Batched)]
#[batched(table = "adv_events")]
pub struct AdvEvent {
    /// Primary key (partition key).
    #[batched(key)]
    pub id: i64,
    /// Indexed on the parent, so on every partition.
    #[batched(group)]
    pub chat_id: i64,
    /// No index: one suggestion on the parent.
    #[batched(group)]
    pub bot_id: i64,
}

fn backend_fixture_loaders() -> Vec<LoaderStatement> {
    let names = [AdvEventByBotId::LOADER, AdvEventByChatId::LOADER, AdvEventById::LOADER];
    let loaders: Vec<LoaderStatement> =
        registered_for::<Db>().iter().filter(|info| names.contains(&info.loader)).map(LoaderStatement::from).collect();
    assert_eq!(loaders.len(), names.len());
    loaders
}

/// A hand-written join loader with a second parameter, and a statement on a missing table.
fn hand_written() -> Vec<LoaderStatement> {
    vec![
        LoaderStatement::new(
            "PostTagsByPostIdAndKind",
            "adv_post_tags",
            "post_id",
            "SELECT pt.post_id, g.name FROM adv_post_tags AS pt JOIN adv_tags AS g ON g.id = pt.tag_id \
             WHERE pt.post_id IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) \
             AND g.kind = ? ORDER BY pt.post_id, g.id",
        ),
        LoaderStatement::new(
            "MissingById",
            "adv_missing",
            "id",
            "SELECT t.id FROM adv_missing AS t WHERE t.id IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k)",
        ),
    ]
}

fn expected_backend(verified: &'static str) -> Vec<Expect> {
    vec![
        expect("AdvEventByBotId", Access::FullScan, None)
            .fix(create_index("idx_adv_events_bot_id", "adv_events", &["bot_id"]), verified),
        expect("AdvEventByChatId", Access::Indexed, Some("adv_events_chat_id")),
        expect("AdvEventById", Access::Indexed, Some("PRIMARY")),
        expect("PostTagsByPostIdAndKind", Access::Indexed, Some("PRIMARY")),
        expect("MissingById", Access::NotAnalyzed, None).because("no table or view named adv_missing in this database"),
    ]
}

fn not_indexable_posts() -> String {
    "the view computes posts as `count ( 0 )`: no index on a column can serve it".to_owned()
}

/// Nothing to install: the scratch database is made by the advisor.
async fn prepare_what_if(_pool: &sqlx::MySqlPool) -> &'static str {
    "verified"
}
