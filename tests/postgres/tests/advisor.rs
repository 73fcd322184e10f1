//! The index advisor on postgres: the shared bodies in `tests/shared/advisor.rs` (demo schema)
//! and `tests/shared/advisor_fixtures.rs` (the advisor's fixtures), plus the partitioned and
//! inheritance tables and HypoPG's what-if proof.

use batchload_tests_postgres as backend;

include!("../../shared/advisor.rs");

include!("../../shared/advisor_fixtures.rs");

/// The fixture's rows and statistics (inserted by the fixture test only).
const FIXTURE_DATA: &str = include_str!("advisor_data.sql");

/// A row of the declaratively partitioned table `adv_events` (two partitions; the index on
/// `chat_id` is created on the parent, so on each partition).
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

/// A row of the inheritance parent `adv_logs` (rows in the parent and two children).
#[derive(Debug, Clone, PartialEq, batchload::Batched)]
#[batched(table = "adv_logs")]
pub struct AdvLog {
    /// Primary key of the parent and of each child.
    #[batched(key)]
    pub id: i64,
    /// Indexed in one child only.
    #[batched(group)]
    pub level: i32,
}

fn backend_fixture_loaders() -> Vec<LoaderStatement> {
    let names = [
        AdvEventByBotId::LOADER,
        AdvEventByChatId::LOADER,
        AdvEventById::LOADER,
        AdvLogById::LOADER,
        AdvLogByLevel::LOADER,
    ];
    let loaders: Vec<LoaderStatement> =
        registered_for::<Db>().iter().filter(|info| names.contains(&info.loader)).map(LoaderStatement::from).collect();
    assert_eq!(loaders.len(), names.len());
    loaders
}

/// A hand-written join loader with a second parameter, a statement on a missing table, and one
/// whose second parameter has no type PostgreSQL can infer.
fn hand_written() -> Vec<LoaderStatement> {
    vec![
        LoaderStatement::new(
            "PostTagsByPostIdAndKind",
            "adv_post_tags",
            "post_id",
            "SELECT pt.post_id, g.name FROM adv_post_tags AS pt JOIN adv_tags AS g ON g.id = pt.tag_id \
             WHERE pt.post_id = ANY($1) AND g.kind = $2 ORDER BY pt.post_id, g.id",
        ),
        LoaderStatement::new(
            "MissingById",
            "adv_missing",
            "id",
            "SELECT t.id FROM adv_missing AS t WHERE t.id = ANY($1)",
        ),
        LoaderStatement::new(
            "UntypedParameter",
            "adv_posts",
            "id",
            "SELECT t.id FROM adv_posts AS t WHERE t.id = ANY($1) AND $2 IS NULL",
        ),
    ]
}

fn expected_backend(verified: &'static str) -> Vec<Expect> {
    vec![
        expect("AdvEventByBotId", Access::FullScan, None)
            .fix(create_index("idx_adv_events_bot_id", "adv_events", &["bot_id"]), verified),
        expect("AdvEventByChatId", Access::Indexed, Some("adv_events_1_chat_id_idx, adv_events_2_chat_id_idx")),
        expect("AdvEventById", Access::Indexed, Some("adv_events_1_pkey, adv_events_2_pkey")),
        expect("AdvLogById", Access::Indexed, Some("adv_logs_pkey, adv_logs_2025_pkey, adv_logs_2026_pkey"))
            .not_unique_with(
                "adv_logs.id",
                " (unique index adv_logs_pkey does not cover the inheritance children's rows)",
            ),
        expect("AdvLogByLevel", Access::FullScan, None)
            .fix(create_index("idx_adv_logs_level", "adv_logs", &["level"]), verified)
            .fix(create_index("idx_adv_logs_2025_level", "adv_logs_2025", &["level"]), verified),
        expect("PostTagsByPostIdAndKind", Access::Indexed, Some("adv_post_tags_pkey")),
        expect("MissingById", Access::NotAnalyzed, None).because("relation \"adv_missing\" does not exist"),
        expect("UntypedParameter", Access::NotAnalyzed, None).because(
            "could not determine data type of parameter $2 (give the parameter a cast in the SQL, e.g. `$2::bigint`)",
        ),
    ]
}

fn not_indexable_posts() -> String {
    "the key filter runs in the plan's Aggregate node, after the rows are computed (a view's aggregate or expression): no index can serve it".to_owned()
}

/// HypoPG in this test's own database: every suggestion is then verified.
async fn prepare_what_if(pool: &sqlx::PgPool) -> &'static str {
    pool.execute("CREATE EXTENSION IF NOT EXISTS hypopg").await.unwrap_or_else(|error| {
        panic!("HypoPG is needed for the what-if proof (Debian: apt-get install postgresql-15-hypopg): {error}")
    });
    "verified"
}

impl Expect {
    fn not_unique_with(mut self, table_column: &str, detail: &str) -> Self {
        self.key_not_unique = true;
        self.findings.push(format!(
            "`key` on a non-unique column ({table_column}) returns one of several rows: use `group` or add a unique index{detail}"
        ));
        self
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_hypopg_suggestions_are_not_verified_and_not_written() {
    within(async {
        let Some(db) = TestDb::connect(2).await else { return };
        let loaders: Vec<LoaderStatement> = registered_for::<Db>()
            .iter()
            .filter(|info| info.loader == AdvPostByAuthorId::LOADER)
            .map(LoaderStatement::from)
            .collect();
        let report = analyze(&db.pool, &loaders).await.unwrap();
        let plan = &report.plans()[0];
        assert_eq!(plan.access(), Access::FullScan);
        assert_eq!(plan.reason(), Some("Seq Scan on adv_posts"));
        let suggestion = &plan.suggestions()[0];
        assert_eq!(
            suggestion.verification(),
            &Verification::NotVerified {
                reason: "HypoPG is not installed in this database (CREATE EXTENSION hypopg; Debian package \
                         postgresql-15-hypopg), so no hypothetical index could be planned"
                    .to_owned()
            }
        );
        assert!(report.to_string().contains("suggestion not verified: HypoPG is not installed"), "{report}");
        let folder = tempfile::tempdir().unwrap();
        assert_eq!(report.write_migration(folder.path(), "loader_indexes").unwrap(), Vec::<std::path::PathBuf>::new());
    })
    .await;
}
