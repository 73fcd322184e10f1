//! `#[timed]` against a real, migrated SQLite database, through sqlx's own statement events.
//!
//! All tests of this binary share one global subscriber holding the instrumentation layer in
//! deny mode with threshold 2 (what a project's test setup would install), installed once by
//! [`install`]. A global subscriber, not one per test: sqlx runs SQLite statements on its own
//! worker thread, whose events only a global subscriber receives. Tests never read global
//! counters: each checks the report of its own operation (through `observe`) or the profile
//! entry of a `#[timed]` function that no other test runs, which
//! `each_timed_function_is_run_by_one_test` checks on this file's source (two tests running
//! one operation read each other's calls: a race that failed 1 run in 20).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use batchload::instrument::{self, CheckError, Mode, NotObserved, OperationProfile, ProfileHandle, StatementKind};
use batchload::timed;
use batchload_tests_sqlite::{BotStanceByBotId, TestDb, seed};
use futures_util::FutureExt;
use futures_util::future::join_all;
use sqlx::{Row, SqlitePool};
use tracing_subscriber::prelude::*;

/// Set in the environment of the child process that checks the helper with nothing installed.
const CHILD: &str = "BATCHLOAD_TIMED_TEST_CHILD";

/// Installs the test subscriber once (deny mode, threshold 2) and returns its profile.
fn install() -> ProfileHandle {
    static PROFILE: OnceLock<ProfileHandle> = OnceLock::new();
    PROFILE
        .get_or_init(|| {
            let layer = instrument::builder().n_plus_one(Mode::Deny).budget(Mode::Deny).threshold(2).build();
            let profile = layer.inner().profile();
            tracing_subscriber::registry().with(layer).init();
            profile
        })
        .clone()
}

/// The profile entry of operation `name` (each test runs its own operations).
fn profiled(name: &str) -> OperationProfile {
    install().report().operation(name).cloned().unwrap_or_else(|| panic!("operation `{name}` was not profiled"))
}

/// A fresh database with bots `1..=20` and their stances, over a pool of 5 connections.
async fn seeded() -> TestDb {
    seeded_with(5).await
}

/// [`seeded`] over a pool of `connections`. With one connection, no connection is ever opened
/// inside an operation, so its statement list is exact (a new SQLite connection runs its
/// `PRAGMA`s, listed as session statements).
async fn seeded_with(connections: u32) -> TestDb {
    let db = TestDb::new(connections).await;
    seed::bots(&db.pool, 20).await.expect("seed bots");
    seed::stances(&db.pool, 20).await.expect("seed stances");
    db
}

/// The panic message of `future`, which must panic.
async fn panic_message(future: impl Future<Output = ()>) -> String {
    let payload = AssertUnwindSafe(future).catch_unwind().await.expect_err("the operation should fail in deny mode");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&str>().map(|message| (*message).to_owned()).unwrap_or_default(),
    }
}

/// `file:line (name)`: a line of `#[timed]` function `name` (the line of an `.await`, where its
/// statements are reported).
fn site(line: u32, name: &str) -> String {
    format!("{}:{line} ({name})", file!())
}

async fn stance_topics(pool: &SqlitePool, bot_id: i64) -> Vec<String> {
    sqlx::query("SELECT id, bot_id, topic FROM bot_stances WHERE bot_id = ? ORDER BY id")
        .bind(bot_id)
        .fetch_all(pool)
        .await
        .expect("per-row query")
        .iter()
        .map(|row| row.get::<String, _>("topic"))
        .collect()
}

const PER_ROW_LOOP_LINE: u32 = line!() + 1;
#[timed]
async fn per_row_loop(pool: &SqlitePool) -> Result<usize, sqlx::Error> {
    let mut topics = 0;
    for bot_id in 1..=20 {
        topics += stance_topics(pool, bot_id).await.len();
    }
    Ok(topics)
}

/// Checks the deny-mode panic of an N+1 of 20 per-row queries from `line`'s operation.
fn assert_n_plus_one_of_20(message: &str, operation: &str, line: u32) {
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 4, "{message}");
    let head = format!("N+1 in operation `{operation}`: `SELECT bot_stances` ran 20 times (threshold 2), ");
    assert!(lines[0].starts_with(&head) && lines[0].ends_with(" ms in total"), "{message}");
    assert_eq!(lines[1], "  statement: SELECT id, bot_id, topic FROM bot_stances WHERE bot_id = ? ORDER BY id");
    assert_eq!(lines[2], format!("  call site: {}", site(line, operation)));
    assert_eq!(lines[3], "  fix: use `BotStanceByBotId::load` (the 20 lookups become one statement)");
    let profile = profiled(operation);
    assert_eq!((profile.calls, profile.queries_total, profile.n_plus_one), (1, 20, 1));
    assert_eq!(profile.findings.len(), 1);
    assert_eq!((profile.findings[0].summary.as_str(), profile.findings[0].max_count), ("SELECT bot_stances", 20));
}

#[tokio::test]
async fn a_loop_of_20_per_row_queries_is_one_n_plus_one_of_count_20() {
    install();
    let db = seeded().await;
    let message = panic_message(async {
        per_row_loop(&db.pool).await.expect("queries");
    })
    .await;
    // At the line of the loop's `.await`, not the attribute's.
    assert_n_plus_one_of_20(&message, "timed::per_row_loop", PER_ROW_LOOP_LINE + 4);
}

const PER_ROW_JOIN_ALL_LINE: u32 = line!() + 1;
#[timed]
async fn per_row_join_all(pool: &SqlitePool) -> usize {
    join_all((1..=20).map(|bot_id| stance_topics(pool, bot_id))).await.iter().map(Vec::len).sum()
}

#[tokio::test]
async fn the_same_20_queries_through_join_all_are_found_too() {
    install();
    let db = seeded().await;
    let message = panic_message(async {
        per_row_join_all(&db.pool).await;
    })
    .await;
    assert_n_plus_one_of_20(&message, "timed::per_row_join_all", PER_ROW_JOIN_ALL_LINE + 2);
}

const WITH_LOADER_LINE: u32 = line!() + 1;
#[timed]
async fn with_loader(pool: &SqlitePool) -> Result<usize, batchload::Error> {
    let loader = BotStanceByBotId::new(pool.clone());
    let stances = futures_util::future::try_join_all((1..=20).map(|bot_id| loader.load(bot_id))).await?;
    Ok(stances.iter().map(Vec::len).sum())
}

#[tokio::test]
async fn the_loader_version_has_no_finding_and_one_statement() {
    install();
    let db = seeded().await;
    // As an outermost operation: no N+1 (deny mode would panic), one query.
    assert_eq!(with_loader(&db.pool).await.expect("loads"), 30);
    let profile = profiled("timed::with_loader");
    assert_eq!((profile.calls, profile.ok, profile.queries_total, profile.n_plus_one), (1, 1, 1, 0));
    // The statement's detail, attributed through the batch task to the loader's call site.
    let observe_line = line!() + 1;
    let (stances, report) = instrument::observe(with_loader(&db.pool)).await;
    assert_eq!(stances.expect("loads"), 30);
    let report = report.expect("observed");
    assert_eq!((report.queries, report.n_plus_one.len()), (1, 0));
    let statements: Vec<_> = report.statements_of(StatementKind::Query).collect();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0].summary, "SELECT bot_stances");
    // The loader, the line that called `load` (and awaited it), then the enclosing check helper.
    assert_eq!(
        statements[0].call_site,
        format!(
            "loader BotStanceByBotId at {file}:{} (timed::with_loader) <- observe at {file}:{observe_line}",
            WITH_LOADER_LINE + 3,
            file = file!()
        )
    );
    assert_eq!((statements[0].count, statements[0].rows_returned), (1, 30));
    assert!(statements[0].statement.ends_with("WHERE t.`bot_id` IN (SELECT value FROM json_each(?)) ORDER BY t.`id`"));
    assert!(batchload::registered_loaders().any(|info| info.loader == "BotStanceByBotId"
        && info.table == "bot_stances"
        && info.key_column == "bot_id"
        && !info.unique));
}

#[tokio::test]
async fn literal_only_differences_are_one_fingerprint() {
    install();
    let db = seeded().await;
    let ((), report) = instrument::observe(async {
        for id in [1, 2] {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id, name FROM bots WHERE id = {id}")))
                .fetch_one(&db.pool)
                .await
                .expect("query with a literal");
        }
    })
    .await;
    let report = report.expect("observed");
    assert_eq!(report.query_fingerprints().len(), 1);
    assert_eq!(report.queries, 2);
    let statements: Vec<_> = report.statements_of(StatementKind::Query).collect();
    assert_eq!(statements.len(), 1);
    assert_eq!((statements[0].statement.as_str(), statements[0].count), ("SELECT id, name FROM bots WHERE id = ?", 2));
    assert_eq!(statements[0].fingerprint, instrument::Fingerprint::of("SELECT id, name FROM bots WHERE id = 3"));
    assert_eq!(report.n_plus_one.len(), 1);
    assert_eq!(
        report.n_plus_one[0].fix,
        "use `BotById::load` or `BotNamedById::load` (the 2 lookups become one statement)"
    );
}

#[timed]
async fn three_statements(pool: &SqlitePool) {
    for sql in ["SELECT COUNT(*) FROM bots", "SELECT COUNT(*) FROM bot_stances", "SELECT COUNT(*) FROM messages"] {
        sqlx::query(sql).fetch_one(pool).await.expect("count");
        tokio::task::yield_now().await;
    }
}

#[timed]
async fn two_statements(pool: &SqlitePool) {
    for sql in ["SELECT COUNT(*) FROM chats", "SELECT COUNT(*) FROM bot_holdings"] {
        sqlx::query(sql).fetch_one(pool).await.expect("count");
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn two_concurrent_operations_on_a_current_thread_runtime_keep_separate_counts() {
    install();
    let db = seeded().await;
    let (((), three), ((), two)) =
        tokio::join!(instrument::observe(three_statements(&db.pool)), instrument::observe(two_statements(&db.pool)));
    let (three, two) = (three.expect("observed"), two.expect("observed"));
    assert_eq!((three.queries, two.queries), (3, 2));
    let summaries = |report: &instrument::OperationReport| -> Vec<String> {
        report.statements_of(StatementKind::Query).map(|stats| stats.summary.clone()).collect()
    };
    assert_eq!(summaries(&three), ["SELECT bots", "SELECT bot_stances", "SELECT messages"]);
    assert_eq!(summaries(&two), ["SELECT chats", "SELECT bot_holdings"]);
    assert_eq!(profiled("timed::three_statements").queries_total, 3);
    assert_eq!(profiled("timed::two_statements").queries_total, 2);
}

#[timed]
async fn cancelled_operation(pool: &SqlitePool) {
    sqlx::query("SELECT COUNT(*) FROM bots").fetch_one(pool).await.expect("count");
    tokio::time::sleep(Duration::from_secs(3_600)).await;
}

#[tokio::test]
async fn a_cancelled_operation_is_recorded_as_cancelled() {
    install();
    let db = seeded().await;
    let timed_out = tokio::time::timeout(Duration::from_millis(200), cancelled_operation(&db.pool)).await;
    assert!(timed_out.is_err());
    let profile = profiled("timed::cancelled_operation");
    assert_eq!((profile.calls, profile.cancelled, profile.ok, profile.errors), (1, 1, 0, 0));
    assert_eq!(profile.queries_total, 1);
}

#[timed]
async fn failing_operation(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT * FROM no_such_table").fetch_all(pool).await?;
    Ok(())
}

#[tokio::test]
async fn an_operation_returning_err_is_recorded_as_an_error() {
    install();
    let db = seeded().await;
    assert!(failing_operation(&db.pool).await.is_err());
    let profile = profiled("timed::failing_operation");
    assert_eq!((profile.calls, profile.errors, profile.ok), (1, 1, 0));
}

const FOUR_STATEMENTS_LINE: u32 = line!() + 1;
#[timed(max_queries = 3)]
async fn four_statements(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM bots").fetch_one(pool).await?;
    sqlx::query("SELECT COUNT(*) FROM bot_stances WHERE bot_id = 1").fetch_one(pool).await?;
    sqlx::query("SELECT name FROM bots WHERE id = 1").fetch_one(pool).await?;
    sqlx::query("UPDATE bots SET persona = 'changed' WHERE id = 2").execute(pool).await?;
    Ok(())
}

#[tokio::test]
async fn max_queries_3_over_4_statements_fails_in_deny_mode_with_the_numbered_list() {
    install();
    let db = seeded_with(1).await;
    let message = panic_message(async {
        four_statements(&db.pool).await.expect("queries");
    })
    .await;
    // Each statement at its own line.
    let at = |offset: u32| site(FOUR_STATEMENTS_LINE + offset, "timed::four_statements");
    assert_eq!(
        message,
        format!(
            "query budget exceeded in operation `timed::four_statements`: 4 queries, budget max_queries = 3\n   \
             1. 1x SELECT bots: SELECT COUNT(*) FROM bots  (at {})\n   \
             2. 1x SELECT bot_stances: SELECT COUNT(*) FROM bot_stances WHERE bot_id = ?  (at {})\n   \
             3. 1x SELECT bots: SELECT name FROM bots WHERE id = ?  (at {})\n   \
             4. 1x UPDATE bots: UPDATE bots SET persona = ? WHERE id = ?  (at {})",
            at(2),
            at(3),
            at(4),
            at(5)
        )
    );
    assert_eq!(profiled("timed::four_statements").budget_exceeded, 1);
}

#[timed(max_queries = 2)]
async fn in_transaction(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    // Transaction control issued as statements (what PostgreSQL and MySQL do for `begin()`).
    let mut connection = pool.acquire().await?;
    sqlx::query("BEGIN").execute(&mut *connection).await?;
    sqlx::query("SAVEPOINT before_update").execute(&mut *connection).await?;
    sqlx::query("UPDATE bots SET name = 'renamed' WHERE id = 1").execute(&mut *connection).await?;
    sqlx::query("RELEASE SAVEPOINT before_update").execute(&mut *connection).await?;
    sqlx::query("SELECT name FROM bots WHERE id = 1").fetch_one(&mut *connection).await?;
    sqlx::query("COMMIT").execute(&mut *connection).await?;
    // sqlx's own transaction API (on SQLite its BEGIN/COMMIT emit no statement event).
    let transaction = pool.begin().await?;
    transaction.commit().await?;
    Ok(())
}

#[tokio::test]
async fn begin_and_commit_are_not_counted() {
    install();
    let db = seeded().await;
    // Within budget in deny mode: no panic.
    in_transaction(&db.pool).await.expect("transaction");
    let profile = profiled("timed::in_transaction");
    assert_eq!((profile.queries_total, profile.budget_exceeded), (2, 0));
    let report =
        instrument::assert_max_queries(2, in_transaction(&db.pool)).await.expect("two queries are within budget");
    report.expect("transaction");
    let ((), report) = instrument::observe(async { in_transaction(&db.pool).await.expect("transaction") }).await;
    let report = report.expect("observed");
    assert_eq!((report.queries, report.transaction_statements), (2, 4));
    let control: Vec<(&str, u64)> =
        report.statements_of(StatementKind::Transaction).map(|stats| (stats.statement.as_str(), stats.count)).collect();
    assert_eq!(
        control,
        [("BEGIN", 1), ("SAVEPOINT before_update", 1), ("RELEASE SAVEPOINT before_update", 1), ("COMMIT", 1)]
    );
}

#[tokio::test]
async fn the_budget_helper_lists_the_statements_when_it_fails() {
    install();
    let db = seeded_with(1).await;
    let line = line!() + 1;
    let result = instrument::assert_max_queries(1, async {
        sqlx::query("SELECT COUNT(*) FROM bots").fetch_one(&db.pool).await.expect("count");
        sqlx::query("SELECT COUNT(*) FROM chats").fetch_one(&db.pool).await.expect("count");
    })
    .await;
    let error = result.expect_err("two queries exceed a budget of one");
    assert!(matches!(error, CheckError::BudgetExceeded(_)));
    let name = format!("assert_max_queries at {}:{line}", file!());
    assert_eq!(
        error.to_string(),
        format!(
            "query budget exceeded in operation `{name}`: 2 queries, budget max_queries = 1\n   \
             1. 1x SELECT bots: SELECT COUNT(*) FROM bots  (at {name})\n   \
             2. 1x SELECT chats: SELECT COUNT(*) FROM chats  (at {name})"
        )
    );
}

#[tokio::test]
async fn the_n_plus_one_helper_names_the_loader() {
    install();
    let db = seeded().await;
    let error = instrument::assert_no_n_plus_one(async {
        for bot_id in 1..=3 {
            stance_topics(&db.pool, bot_id).await;
        }
    })
    .await
    .expect_err("three per-row queries");
    let CheckError::NPlusOne(findings) = &error else { panic!("unexpected error: {error}") };
    assert_eq!(findings.len(), 1);
    assert_eq!((findings[0].count, findings[0].loaders.as_slice()), (3, ["BotStanceByBotId".to_owned()].as_slice()));
    instrument::assert_no_n_plus_one(with_loader_in_a_check(&db.pool)).await.expect("no N+1").expect("loads");
}

/// [`with_loader`] for `the_n_plus_one_helper_names_the_loader`: its own operation, so that
/// test never adds calls to the profile entry `the_loader_version_has_no_finding_and_one_statement`
/// reads.
#[timed]
async fn with_loader_in_a_check(pool: &SqlitePool) -> Result<usize, batchload::Error> {
    let loader = BotStanceByBotId::new(pool.clone());
    let stances = futures_util::future::try_join_all((1..=20).map(|bot_id| loader.load(bot_id))).await?;
    Ok(stances.iter().map(Vec::len).sum())
}

/// The `#[timed]` functions of this file's source, and for each the tests whose bodies call it.
fn timed_function_callers(source: &str) -> Vec<(String, Vec<String>)> {
    let lines: Vec<&str> = source.lines().collect();
    let name_after = |line: &str, keyword: &str| -> Option<String> {
        let rest = line.trim_start().trim_start_matches("pub ").trim_start_matches("async ").strip_prefix(keyword)?;
        Some(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
    };
    let mut timed = Vec::new();
    let mut tests = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[timed") {
            if let Some(name) = lines[index + 1..].iter().find_map(|next| name_after(next, "fn ")) {
                timed.push(name);
            }
        } else if trimmed.starts_with("#[tokio::test") || trimmed == "#[test]" {
            let name = lines[index + 1..].iter().find_map(|next| name_after(next, "fn ")).unwrap_or_default();
            let end = lines[index..].iter().position(|next| *next == "}").map_or(lines.len(), |end| index + end);
            tests.push((name, lines[index..end].join("\n")));
        }
    }
    timed
        .into_iter()
        .map(|function| {
            let call = format!("{function}(");
            let callers = tests
                .iter()
                .filter(|(_, body)| {
                    body.match_indices(&call).any(|(at, _)| {
                        !body[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') && !body[..at].ends_with("fn ")
                    })
                })
                .map(|(test, _)| test.clone())
                .collect();
            (function, callers)
        })
        .collect()
}

#[test]
fn each_timed_function_is_run_by_one_test() {
    let callers = timed_function_callers(include_str!("timed.rs"));
    assert!(callers.len() >= 15, "{callers:?}");
    let shared: Vec<_> = callers.iter().filter(|(_, tests)| tests.len() > 1).collect();
    assert!(shared.is_empty(), "operations run by several tests (their profile entries race): {shared:?}");
    // The checker itself: a source where two tests run one operation is caught.
    let racy = "#[timed]\nasync fn op() {}\n#[tokio::test]\nasync fn a() {\n    op().await;\n}\n#[test]\nfn b() {\n    block(op());\n}\n";
    assert_eq!(timed_function_callers(racy), [("op".to_owned(), vec!["a".to_owned(), "b".to_owned()])]);
}

/// The budget helper in a process where no layer was ever installed (the child process).
async fn helper_without_instrumentation(pool: &SqlitePool) -> CheckError {
    instrument::assert_max_queries(10, async {
        sqlx::query("SELECT COUNT(*) FROM bots").fetch_one(pool).await.expect("count");
    })
    .await
    .expect_err("a check that observed nothing must fail")
}

#[tokio::test]
async fn the_budget_helper_fails_when_instrumentation_is_not_installed() {
    if std::env::var_os(CHILD).is_some() {
        // Child process: nothing installed.
        let db = TestDb::new(1).await;
        let error = helper_without_instrumentation(&db.pool).await;
        assert!(matches!(error, CheckError::NotObserved { reason: NotObserved::NotInstalled, .. }), "{error}");
        assert!(
            error.to_string().ends_with(
                "so its statements could not be checked: batchload's instrumentation layer is not installed; add it to \
                 your tracing subscriber, e.g. `tracing_subscriber::registry().with(batchload::instrument::layer()).init()`"
            ),
            "{error}"
        );
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "the_budget_helper_fails_when_instrumentation_is_not_installed", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("run the child test process");
    assert!(
        output.status.success() && String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "child process failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_budget_helper_fails_in_a_subscriber_without_the_layer() {
    install();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let error = tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        runtime.block_on(async {
            let db = TestDb::new(1).await;
            helper_without_instrumentation(&db.pool).await
        })
    });
    assert!(matches!(error, CheckError::NotObserved { reason: NotObserved::LayerMissing, .. }), "{error}");
    assert!(error.to_string().contains("has no batchload instrumentation layer"), "{error}");
}

// Signature forms.

/// A source of stances, implemented with `#[async_trait]`.
#[async_trait]
trait StanceSource {
    async fn topics_of(&self, bot_id: i64) -> Result<Vec<String>, sqlx::Error>;
}

struct Database {
    pool: SqlitePool,
}

#[async_trait]
impl StanceSource for Database {
    #[timed(name = "stance_source.topics_of")]
    async fn topics_of(&self, bot_id: i64) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query("SELECT topic FROM bot_stances WHERE bot_id = ? ORDER BY id")
            .bind(bot_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|row| row.get("topic")).collect())
    }
}

impl Database {
    /// An async method returning `Result<impl Iterator<Item = T>, E>`.
    #[timed]
    async fn stance_ids(&self, bot_id: i64) -> Result<impl Iterator<Item = i64>, sqlx::Error> {
        let rows = sqlx::query("SELECT id FROM bot_stances WHERE bot_id = ? ORDER BY id")
            .bind(bot_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|row| row.get::<i64, _>("id")))
    }

    /// A sync method returning `Result<impl Iterator<Item = T> + '_, E>`, with early `?`.
    #[timed]
    fn parse_ids<'a>(&self, text: &'a str) -> Result<impl Iterator<Item = i64> + 'a, std::num::ParseIntError> {
        let first: i64 = text.split(',').next().unwrap_or_default().trim().parse()?;
        Ok(std::iter::once(first).chain(text.split(',').skip(1).filter_map(|part| part.trim().parse().ok())))
    }

    /// A method returning `impl Future` (not an `async fn`).
    #[timed(level = "debug", threshold = 3)]
    fn bot_name(&self, id: i64) -> impl Future<Output = Result<String, sqlx::Error>> + Send + '_ {
        let query = sqlx::query("SELECT name FROM bots WHERE id = ?").bind(id);
        async move { Ok(query.fetch_one(&self.pool).await?.get("name")) }
    }
}

/// A generic function.
#[timed]
async fn count_rows<'e, E>(executor: E, table: &str) -> Result<i64, sqlx::Error>
where
    E: sqlx::SqliteExecutor<'e>,
{
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}"));
    sqlx::query(sql).fetch_one(executor).await.map(|row| row.get("n"))
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test]
async fn timed_works_on_async_trait_methods_impl_iterator_results_impl_future_and_generic_fns() {
    install();
    let db = seeded().await;
    let database = Database { pool: db.pool.clone() };

    let topics = assert_send(database.topics_of(5)).await.expect("topics");
    assert_eq!(topics, ["topic-0"]);
    let profile = profiled("stance_source.topics_of");
    assert_eq!((profile.calls, profile.ok, profile.queries_total), (1, 1, 1));

    let ids: Vec<i64> = assert_send(database.stance_ids(7)).await.expect("ids").collect();
    assert_eq!(ids, [70, 71, 72]);
    assert_eq!(profiled("timed::stance_ids").queries_total, 1);

    assert_eq!(database.parse_ids("3, 4,x, 5").expect("parsed").collect::<Vec<_>>(), [3, 4, 5]);
    assert!(database.parse_ids("x,1").is_err());
    let parsed = profiled("timed::parse_ids");
    assert_eq!((parsed.calls, parsed.ok, parsed.errors, parsed.queries_total), (2, 1, 1, 0));

    assert_eq!(assert_send(database.bot_name(3)).await.expect("name"), "bot-3");
    assert_eq!(profiled("timed::bot_name").queries_total, 1);

    assert_eq!(count_rows(&db.pool, "bots").await.expect("count"), 20);
    let mut connection = db.pool.acquire().await.expect("connection");
    assert_eq!(count_rows(&mut *connection, "bot_stances").await.expect("count"), 30);
    assert_eq!(profiled("timed::count_rows").queries_total, 2);
}

#[timed]
async fn spawned(pool: SqlitePool) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM bot_holdings").fetch_one(&pool).await.expect("count").get("n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_future_can_be_spawned() {
    install();
    let db = seeded().await;
    // `tokio::spawn` requires `Send`: this line is the compile-time check.
    let handle = tokio::spawn(spawned(db.pool.clone()));
    assert_eq!(handle.await.expect("task"), 0);
    let profile = profiled("timed::spawned");
    assert_eq!((profile.calls, profile.ok, profile.queries_total), (1, 1, 1));
}

#[tokio::test]
async fn the_profile_renders_as_a_text_table_and_as_json() {
    install();
    let db = seeded_with(1).await;
    assert_eq!(report_operation(&db.pool).await.expect("report"), 30);
    let report = install().report();
    let operation = report.operation("timed::report_operation").expect("profiled");
    assert_eq!((operation.calls, operation.queries_total, operation.rows), (1, 2, 50));
    assert_eq!(operation.slowest.len(), 2);
    // Percentiles (2 significant digits) of the single call: its wall time covers its statements.
    assert_eq!(operation.wall_time.p50_us, operation.wall_time.max_us);
    assert!(operation.wall_time.max_us >= operation.db_time_total_us, "{operation:?}");
    let text = report.to_string();
    assert!(text.contains("timed::report_operation"), "{text}");
    assert!(text.contains("SELECT id, name FROM bots ORDER BY id"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    let operations = json["operations"].as_array().expect("operations");
    let entry = operations.iter().find(|op| op["name"] == "timed::report_operation").expect("in the JSON");
    assert_eq!(entry["queries_total"], 2);
    assert_eq!(entry["ok"], 1);
    if std::env::var_os("BATCHLOAD_PRINT_PROFILE").is_some() {
        println!("{text}");
    }
}

/// The request of the README's example report: bots and their stances, through a loader.
#[timed(max_queries = 4)]
async fn report_operation(pool: &SqlitePool) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let bots = sqlx::query("SELECT id, name FROM bots ORDER BY id").fetch_all(pool).await?;
    let loader = BotStanceByBotId::new(pool.clone());
    let stances =
        futures_util::future::try_join_all(bots.iter().map(|bot| loader.load(bot.get::<i64, _>("id")))).await?;
    Ok(stances.iter().map(Vec::len).sum())
}

/// `#[timed]` expands to absolute paths only: it compiles without the prelude, next to items
/// shadowing the names it uses.
mod hygiene {
    #![no_implicit_prelude]
    #![allow(dead_code, unreachable_pub)]

    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Result;
    pub struct Box;
    pub struct Operation;
    pub mod core {}
    pub mod std {}
    pub mod batchload {}
    pub mod tracing {}

    #[::batchload::timed(max_queries = 1)]
    pub async fn hygienic_async(value: u8) -> ::core::result::Result<u8, ()> {
        ::core::result::Result::Ok(value)
    }

    #[::batchload::timed]
    pub fn hygienic_sync(value: u8) -> u8 {
        value
    }

    #[::batchload::timed]
    pub fn hygienic_future(value: u8) -> impl ::core::future::Future<Output = u8> {
        async move { value }
    }

    #[::batchload::timed]
    pub fn hygienic_boxed(
        value: u8,
    ) -> ::core::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = u8> + ::core::marker::Send>> {
        ::std::boxed::Box::pin(async move { value })
    }
}

#[tokio::test]
async fn timed_code_is_hygienic() {
    install();
    assert_eq!(hygiene::hygienic_async(1).await, Ok(1));
    assert_eq!(hygiene::hygienic_sync(2), 2);
    assert_eq!(hygiene::hygienic_future(3).await, 3);
    assert_eq!(hygiene::hygienic_boxed(4).await, 4);
    assert_eq!(profiled("timed::hygiene::hygienic_sync").calls, 1);
}
