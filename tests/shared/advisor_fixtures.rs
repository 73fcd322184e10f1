// The index advisor on its own fixtures (`migrations/9003_test_advisor.sql` of each backend):
// a view over a join, an aggregating view, a composite index led by another column, a partial
// index, a non-unique `key` column, a hand-written multi-parameter join loader, a statement on
// a missing table, and (per backend, from the including file) partitioned and inheritance
// tables. Every loader has one exact expected classification. Included by
// tests/<backend>/tests/advisor.rs after it defines `backend_fixture_loaders()`,
// `hand_written()`, `expected_backend()`, `not_indexable_posts()`, `prepare_what_if(&pool)`
// and `FIXTURE_DATA` (its `advisor_data.sql`: the rows, inserted by the fixture test only).

use batchload::advisor::{LoaderStatement, Verification};

/// A row of `adv_posts`: loaders on the primary key, an unindexed column, a column indexed
/// only second, a non-unique indexed column (as a `key`), a column with a partial index only.
#[derive(Debug, Clone, PartialEq, batchload::Batched)]
#[batched(table = "adv_posts")]
pub struct AdvPost {
    /// Primary key: indexed.
    #[batched(key)]
    pub id: i64,
    /// No index: a full scan.
    #[batched(group)]
    pub author_id: i64,
    /// Only second in `adv_posts_kind_editor`: a full scan.
    #[batched(group)]
    pub editor_id: i64,
    /// A non-unique index (read as a `key` through [`AdvPostSlug`]).
    pub slug: String,
    /// Only a partial index (none on MySQL): a full scan.
    #[batched(group)]
    pub reviewer_id: i64,
}

/// `adv_posts` again, read by its non-unique `slug` as a `key`: indexed, but a `key` on it is
/// a finding. A struct of its own, since two `key` fields in one struct are a compile error
/// (they would be two one-to-one loaders, not a composite key); the same columns, so the
/// loader is still `AdvPostBySlug` with the same statement.
#[derive(Debug, Clone, PartialEq, batchload::Batched)]
#[batched(table = "adv_posts", loader = "AdvPost")]
pub struct AdvPostSlug {
    /// Primary key.
    pub id: i64,
    /// As in [`AdvPost`].
    pub author_id: i64,
    /// As in [`AdvPost`].
    pub editor_id: i64,
    /// A non-unique index.
    #[batched(key)]
    pub slug: String,
    /// As in [`AdvPost`].
    pub reviewer_id: i64,
}

/// A statement of the derive's form on a view: `SELECT t.key FROM view AS t WHERE <key filter>
/// [ORDER BY t.order]`. (Views' columns are nullable to PostgreSQL's describe and the computed
/// ones untyped to SQLite's, so the view loaders are described rather than derived; the advisor
/// reads the statement either way.)
fn view_loader(name: &str, view: &str, key: &str, order: Option<&str>) -> LoaderStatement {
    let column = format!("t.{}", q(key));
    let filter = match database() {
        "PostgreSQL" => format!("{column} = ANY($1)"),
        "SQLite" => format!("{column} IN (SELECT value FROM json_each(?1))"),
        _ => format!("{column} IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k)"),
    };
    let order_by = order.map(|order| format!(" ORDER BY t.{}", q(order))).unwrap_or_default();
    let statement = LoaderStatement::new(name, view, key, format!("SELECT {column} FROM {} AS t WHERE {filter}{order_by}", q(view)));
    if order.is_some() { statement } else { statement.unique() }
}

/// The loaders on the view over a join (`adv_post_authors`) and the aggregating view
/// (`adv_author_counts`), in name order.
fn view_loaders() -> Vec<LoaderStatement> {
    vec![
        view_loader("AdvAuthorCountByAuthorId", "adv_author_counts", "author_id", None),
        view_loader("AdvAuthorCountByPosts", "adv_author_counts", "posts", Some("author_id")),
        view_loader("AdvPostAuthorByAuthorId", "adv_post_authors", "author_id", Some("id")),
        view_loader("AdvPostAuthorByAuthorName", "adv_post_authors", "author_name", Some("id")),
        view_loader("AdvPostAuthorById", "adv_post_authors", "id", None),
    ]
}

/// What one loader's entry must be: access, index, suggestions (DDL and whether verified),
/// `key` uniqueness finding, findings.
#[derive(Debug, Clone, PartialEq)]
struct Expect {
    loader: String,
    access: Access,
    index: Option<String>,
    suggestions: Vec<(String, &'static str)>,
    key_not_unique: bool,
    findings: Vec<String>,
    /// Compared for entries that are not indexed and not scans (their reason is the answer).
    reason: Option<String>,
}

fn expect(loader: &str, access: Access, index: Option<&str>) -> Expect {
    Expect {
        loader: loader.to_owned(),
        access,
        index: index.map(str::to_owned),
        suggestions: Vec::new(),
        key_not_unique: false,
        findings: Vec::new(),
        reason: None,
    }
}

impl Expect {
    fn fix(mut self, ddl: String, verification: &'static str) -> Self {
        self.suggestions.push((ddl, verification));
        self
    }
    fn not_unique(mut self, table_column: &str) -> Self {
        self.key_not_unique = true;
        self.findings.push(format!(
            "`key` on a non-unique column ({table_column}) returns one of several rows: use `group` or add a unique index"
        ));
        self
    }
    fn because(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }
    fn finding(mut self, finding: &str) -> Self {
        self.findings.push(finding.to_owned());
        self
    }
}

fn verification_label(verification: &Verification) -> &'static str {
    match verification {
        Verification::Verified { .. } => "verified",
        Verification::NotVerified { .. } => "not verified",
        Verification::Rejected { .. } => "rejected",
        _ => "other",
    }
}

fn actual(report: &IndexReport) -> Vec<Expect> {
    report
        .plans()
        .iter()
        .map(|plan| Expect {
            loader: plan.loader().to_owned(),
            access: plan.access(),
            index: plan.index().map(str::to_owned),
            suggestions: plan
                .suggestions()
                .iter()
                .map(|suggestion| (suggestion.ddl().to_owned(), verification_label(suggestion.verification())))
                .collect(),
            key_not_unique: plan.key_not_unique(),
            findings: plan.findings().to_vec(),
            reason: match plan.access() {
                Access::NotIndexable | Access::NotAnalyzed => plan.reason().map(str::to_owned),
                _ => None,
            },
        })
        .collect()
}

/// `CREATE INDEX` of `name` on `table (columns)` quoted as this backend.
fn create_index(name: &str, table: &str, columns: &[&str]) -> String {
    let columns = columns.iter().map(|column| q(column)).collect::<Vec<_>>().join(", ");
    format!("CREATE INDEX {} ON {} ({columns})", q(name), q(table))
}

/// The fixture loaders shared by every backend, in name order, then the backend's own.
fn fixture_loaders() -> Vec<LoaderStatement> {
    let names = [
        AdvPostByAuthorId::LOADER,
        AdvPostByEditorId::LOADER,
        AdvPostById::LOADER,
        AdvPostByReviewerId::LOADER,
        AdvPostBySlug::LOADER,
    ];
    let mut loaders: Vec<LoaderStatement> = registered_for::<Db>()
        .iter()
        .filter(|info| names.contains(&info.loader))
        .map(LoaderStatement::from)
        .collect();
    assert_eq!(loaders.iter().map(LoaderStatement::name).collect::<Vec<_>>(), names);
    loaders.splice(0..0, view_loaders());
    loaders.extend(backend_fixture_loaders());
    loaders.extend(hand_written());
    loaders
}

/// The expected entry of every shared fixture loader, given how this backend verifies
/// (`verified`: the label of a proven suggestion).
fn expected_shared(verified: &'static str) -> Vec<Expect> {
    let pk = primary_key_index("adv_posts");
    let author_index = create_index("idx_adv_posts_author_id", "adv_posts", &["author_id"]);
    let view_unchecked = "uniqueness of a view's key column is not checked";
    let partial = database() != "MySQL";
    let mut reviewer = expect("AdvPostByReviewerId", Access::FullScan, None)
        .fix(create_index("idx_adv_posts_reviewer_id", "adv_posts", &["reviewer_id"]), verified);
    if partial {
        reviewer = reviewer.finding(&format!(
            "partial index adv_posts_live_reviewer{} cannot serve this statement: its WHERE does not imply {}",
            if database() == "PostgreSQL" { " (WHERE live)" } else { "" },
            if database() == "PostgreSQL" { "the predicate" } else { "the index's predicate" }
        ));
    }
    let count_by_author = match database() {
        "SQLite" => expect("AdvAuthorCountByAuthorId", Access::NotIndexable, None).because(
            "SQLite computes the view adv_author_counts whole before the key filter (it is not flattened into the statement): no index can serve it",
        ),
        _ => expect("AdvAuthorCountByAuthorId", Access::FullScan, None).fix(author_index.clone(), verified),
    };
    vec![
        count_by_author.finding(view_unchecked),
        expect("AdvAuthorCountByPosts", Access::NotIndexable, None).because(&not_indexable_posts()),
        expect("AdvPostAuthorByAuthorId", Access::FullScan, None).fix(author_index.clone(), verified),
        expect("AdvPostAuthorByAuthorName", Access::FullScan, None).fix(
            create_index("idx_adv_authors_name", "adv_authors", &["name"]),
            // MariaDB joins the posts first whatever the index on the authors' name.
            if database() == "MySQL" { "rejected" } else { verified },
        ),
        expect("AdvPostAuthorById", Access::Indexed, Some(&pk)).finding(view_unchecked),
        expect("AdvPostByAuthorId", Access::FullScan, None).fix(author_index, verified),
        expect("AdvPostByEditorId", Access::FullScan, None)
            .fix(create_index("idx_adv_posts_editor_id", "adv_posts", &["editor_id"]), verified),
        expect("AdvPostById", Access::Indexed, Some(&pk)),
        reviewer,
        expect("AdvPostBySlug", Access::Indexed, Some("adv_posts_slug")).not_unique("adv_posts.slug"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_are_classified_exactly_and_the_written_migration_indexes_them() {
    within(async {
        let Some(db) = TestDb::connect(2).await else { return };
        sqlx::raw_sql(FIXTURE_DATA).execute(&db.pool).await.unwrap();
        let verified = prepare_what_if(&db.pool).await;
        let loaders = fixture_loaders();
        let report = analyze(&db.pool, &loaders).await.unwrap();
        eprintln!("{report}");
        let mut expected = expected_shared(verified);
        expected.extend(expected_backend(verified));
        let actual = actual(&report);
        assert_eq!(actual.len(), expected.len(), "{report}");
        for (actual, expected) in actual.iter().zip(&expected) {
            assert_eq!(actual, expected, "\n{report}");
        }
        // Every entry is there, whatever happened to the others.
        assert_eq!(report.plans().len(), loaders.len());

        // No suggestion is a duplicate, and on PostgreSQL each verified one reports its cost
        // falling (MySQL's `Last_query_cost` prices the outer join only; SQLite has no costs).
        let suggestions = report.suggestions();
        let mut unique = suggestions.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), suggestions.len(), "{suggestions:?}");
        for plan in report.plans() {
            for suggestion in plan.suggestions() {
                match suggestion.verification() {
                    Verification::Verified { cost_before: Some(before), cost_after: Some(after), .. }
                        if database() == "PostgreSQL" =>
                    {
                        assert!(after < before, "{}: {before} -> {after}", suggestion.ddl());
                    }
                    Verification::Verified { cost_before, cost_after, .. } if database() == "SQLite" => {
                        assert_eq!((cost_before, cost_after), (&None, &None));
                    }
                    _ => {}
                }
            }
        }

        // The migration of the verified suggestions makes every scanning loader indexed.
        let folder = tempfile::tempdir().unwrap();
        let files = report.write_migration(folder.path(), "loader_indexes").unwrap();
        assert!(!files.is_empty());
        for file in &files {
            eprintln!("{}:\n{}", file.display(), std::fs::read_to_string(file).unwrap());
        }
        let mut migrator = sqlx::migrate::Migrator::new(folder.path()).await.unwrap();
        migrator.set_ignore_missing(true);
        migrator.run(&db.pool).await.unwrap();
        // Indexed before, or scanning with every suggestion verified: indexed now. A scan
        // whose suggestion the planner rejected keeps scanning (nothing was written for it).
        let fixable = |plan: &batchload::advisor::LoaderPlan| match plan.access() {
            Access::Indexed => true,
            Access::FullScan => plan.suggestions().iter().all(|suggestion| suggestion.is_verified()),
            _ => false,
        };
        let fixed: Vec<LoaderStatement> = loaders
            .iter()
            .zip(report.plans())
            .filter(|(_, plan)| fixable(plan))
            .map(|(loader, _)| loader.clone())
            .collect();
        let unfixed: Vec<LoaderStatement> = loaders
            .iter()
            .zip(report.plans())
            .filter(|(_, plan)| plan.access() == Access::FullScan && !fixable(plan))
            .map(|(loader, _)| loader.clone())
            .collect();
        let still = analyze(&db.pool, &unfixed).await.unwrap();
        assert!(still.plans().iter().all(|plan| plan.access() == Access::FullScan), "{still}");
        let after = analyze(&db.pool, &fixed).await.unwrap();
        eprintln!("{after}");
        assert_indexed(&db.pool, &fixed).await.unwrap();
    })
    .await;
}
