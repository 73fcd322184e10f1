// `#[timed]`'s N+1 detector on every backend: a loop of 20 per-row queries and the same 20 run
// concurrently are one finding of count 20 naming the loader to use; the loader version is one
// statement and no finding; literal-only differences are one fingerprint. Included by
// tests/<backend>/tests/n_plus_one.rs after `use batchload_tests_<backend> as backend;`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::time::Duration;

use backend::{BotStanceByBotId, Db, TestDb, seed};
use batchload::instrument::{self, Mode, OperationProfile, ProfileHandle, StatementKind};
use batchload::timed;
use futures_util::FutureExt;
use futures_util::future::join_all;
use sqlx::{Pool, Row};
use tracing_subscriber::prelude::*;

const TIMEOUT: Duration = Duration::from_secs(60);

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

fn profiled(name: &str) -> OperationProfile {
    install().report().operation(name).cloned().unwrap_or_else(|| panic!("operation `{name}` was not profiled"))
}

/// A fresh database with bots `1..=20` and their stances over one connection (so no
/// connection is opened inside an operation); `None` when the backend's server is missing.
async fn seeded() -> Option<TestDb> {
    let db = TestDb::connect(1).await?;
    seed::bots(&db.pool, 20).await.expect("seed bots");
    seed::stances(&db.pool, 20).await.expect("seed stances");
    Some(db)
}

async fn panic_message(future: impl Future<Output = ()>) -> String {
    let payload = AssertUnwindSafe(future).catch_unwind().await.expect_err("the operation should fail in deny mode");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&str>().map(|message| (*message).to_owned()).unwrap_or_default(),
    }
}

async fn stance_topics(pool: &Pool<Db>, bot_id: i64) -> Vec<String> {
    sqlx::query(sqlx::AssertSqlSafe(backend::sql("SELECT id, bot_id, topic FROM bot_stances WHERE bot_id = $1 ORDER BY id")))
        .bind(bot_id)
        .fetch_all(pool)
        .await
        .expect("per-row query")
        .iter()
        .map(|row| row.get::<String, _>("topic"))
        .collect()
}

#[timed]
async fn per_row_loop(pool: &Pool<Db>) -> Result<usize, sqlx::Error> {
    let mut topics = 0;
    for bot_id in 1..=20 {
        topics += stance_topics(pool, bot_id).await.len();
    }
    Ok(topics)
}

#[timed]
async fn per_row_join_all(pool: &Pool<Db>) -> usize {
    join_all((1..=20).map(|bot_id| stance_topics(pool, bot_id))).await.iter().map(Vec::len).sum()
}

#[timed]
async fn with_loader(pool: &Pool<Db>) -> Result<usize, batchload::Error> {
    let loader = BotStanceByBotId::new(pool.clone());
    let stances = futures_util::future::try_join_all((1..=20).map(|bot_id| loader.load(bot_id))).await?;
    Ok(stances.iter().map(Vec::len).sum())
}

/// Checks the deny-mode report of an N+1 of 20 per-row queries in `operation`.
fn assert_n_plus_one_of_20(message: &str, operation: &str) {
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 4, "{message}");
    let head = format!("N+1 in operation `{operation}`: `SELECT bot_stances` ran 20 times (threshold 2), ");
    assert!(lines[0].starts_with(&head) && lines[0].ends_with(" ms in total"), "{message}");
    assert!(lines[1].starts_with("  statement: SELECT id, bot_id, topic FROM bot_stances WHERE bot_id = "), "{message}");
    assert!(lines[2].starts_with("  call site: ") && lines[2].ends_with(&format!("({operation})")), "{message}");
    assert_eq!(lines[3], "  fix: use `BotStanceByBotId::load` (the 20 lookups become one statement)");
    let profile = profiled(operation);
    assert_eq!((profile.calls, profile.queries_total, profile.n_plus_one), (1, 20, 1));
    assert_eq!(profile.findings.len(), 1);
    assert_eq!((profile.findings[0].summary.as_str(), profile.findings[0].max_count), ("SELECT bot_stances", 20));
}

#[tokio::test]
async fn a_loop_of_20_per_row_queries_is_one_n_plus_one_of_count_20() {
    install();
    tokio::time::timeout(TIMEOUT, async {
        let Some(db) = seeded().await else { return };
        let message = panic_message(async {
            per_row_loop(&db.pool).await.expect("queries");
        })
        .await;
        assert_n_plus_one_of_20(&message, "n_plus_one::per_row_loop");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn the_same_20_queries_through_join_all_are_found_too() {
    install();
    tokio::time::timeout(TIMEOUT, async {
        let Some(db) = seeded().await else { return };
        let message = panic_message(async {
            per_row_join_all(&db.pool).await;
        })
        .await;
        assert_n_plus_one_of_20(&message, "n_plus_one::per_row_join_all");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn the_loader_version_has_no_finding_and_one_statement() {
    install();
    tokio::time::timeout(TIMEOUT, async {
        let Some(db) = seeded().await else { return };
        assert_eq!(with_loader(&db.pool).await.expect("loads"), 30);
        let profile = profiled("n_plus_one::with_loader");
        assert_eq!((profile.calls, profile.ok, profile.queries_total, profile.n_plus_one), (1, 1, 1, 0));
        let (stances, report) = instrument::observe(with_loader(&db.pool)).await;
        assert_eq!(stances.expect("loads"), 30);
        let report = report.expect("observed");
        assert_eq!((report.queries, report.n_plus_one.len()), (1, 0));
        let statements: Vec<_> = report.statements_of(StatementKind::Query).collect();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].summary, "SELECT bot_stances");
        // The loader and the line that called `load` in `with_loader`.
        let call_site = &statements[0].call_site;
        assert!(call_site.starts_with("loader BotStanceByBotId at "), "{call_site}");
        assert!(call_site.contains(" (n_plus_one::with_loader) <- observe at "), "{call_site}");
        assert_eq!((statements[0].count, statements[0].rows_returned), (1, 30));
    })
    .await
    .expect("test timed out");
}

#[timed]
async fn literal_lookups(pool: &Pool<Db>) {
    for id in [1, 2, 3] {
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id, name FROM bots WHERE id = {id}")))
            .fetch_one(pool)
            .await
            .expect("lookup");
    }
}

#[tokio::test]
async fn literal_only_differences_are_one_fingerprint() {
    install();
    tokio::time::timeout(TIMEOUT, async {
        let Some(db) = seeded().await else { return };
        let message = panic_message(literal_lookups(&db.pool)).await;
        assert!(message.starts_with("N+1 in operation `n_plus_one::literal_lookups`: `SELECT bots` ran 3 times"), "{message}");
        let profile = profiled("n_plus_one::literal_lookups");
        assert_eq!((profile.queries_total, profile.n_plus_one), (3, 1));
    })
    .await
    .expect("test timed out");
}

#[timed]
async fn per_row_loop_of(pool: &Pool<Db>, bots: i64) {
    for bot_id in 1..=bots {
        stance_topics(pool, bot_id).await;
    }
}

/// The profile keeps one finding per shape and call site across calls: its `max_count` and its
/// fix name the largest repeat count seen, whichever call came first (the fix used to keep the
/// first call's count: "up to 7 times ... the 3 lookups").
#[tokio::test]
async fn the_profiled_finding_quotes_the_largest_count_in_its_fix() {
    install();
    tokio::time::timeout(TIMEOUT, async {
        let Some(db) = seeded().await else { return };
        for bots in [3, 7, 5] {
            panic_message(per_row_loop_of(&db.pool, bots)).await;
        }
        let profile = profiled("n_plus_one::per_row_loop_of");
        assert_eq!((profile.calls, profile.queries_total, profile.n_plus_one), (3, 15, 3));
        assert_eq!(profile.findings.len(), 1);
        assert_eq!((profile.findings[0].times, profile.findings[0].max_count), (3, 7));
        assert_eq!(profile.findings[0].fix, "use `BotStanceByBotId::load` (the 7 lookups become one statement)");
    })
    .await
    .expect("test timed out");
}
