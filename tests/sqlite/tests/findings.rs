//! What N+1 findings say, against a real SQLite database: the line that issued the statements
//! (a loop's `.await`, the line that called `load`), one finding per call path, and honest
//! statement times for a streamed result read by a slow consumer.
//!
//! Its own test binary: the tests share one global subscriber (sqlx runs SQLite statements on
//! a worker thread, whose events only a global subscriber receives) and each checks only the
//! report of its own `observe` block.

use std::sync::Once;
use std::time::Duration;

use batchload::instrument::{self, FindingKind, StatementKind};
use batchload::timed;
use batchload_tests_sqlite::{BotStanceByBotId, TestDb, seed};
use futures_util::TryStreamExt;
use sqlx::{Row, SqlitePool};
use tracing_subscriber::prelude::*;

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| tracing_subscriber::registry().with(instrument::builder().threshold(2).build()).init());
}

async fn seeded() -> TestDb {
    let db = TestDb::new(5).await;
    seed::bots(&db.pool, 20).await.expect("seed bots");
    seed::stances(&db.pool, 20).await.expect("seed stances");
    db
}

/// A helper that is not instrumented: one statement per call.
async fn stance_count(pool: &SqlitePool, bot_id: i64) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM bot_stances WHERE bot_id = ?")
        .bind(bot_id)
        .fetch_one(pool)
        .await
        .expect("count")
        .get("n")
}

const FIVE_CALLERS_LINE: u32 = line!() + 1;
#[timed]
#[rustfmt::skip] // One call per line: the lines are what the test checks.
async fn five_callers(pool: &SqlitePool) -> i64 {
    let mut total = 0;
    for id in 1..=2 { total += stance_count(pool, id).await; }
    for id in 3..=4 { total += stance_count(pool, id).await; }
    for id in 5..=6 { total += stance_count(pool, id).await; }
    for id in 7..=8 { total += stance_count(pool, id).await; }
    for id in 9..=10 { total += stance_count(pool, id).await; }
    total
}

#[tokio::test]
async fn one_helper_awaited_from_five_lines_is_five_findings_each_at_its_line() {
    install();
    let db = seeded().await;
    let observe_line = line!() + 1;
    let (total, report) = instrument::observe(five_callers(&db.pool)).await;
    assert_eq!(total, 15);
    let report = report.expect("observed");
    let sites: Vec<&str> = report.n_plus_one.iter().map(|finding| finding.call_site.as_str()).collect();
    let expected: Vec<String> = (4..=8)
        .map(|offset| {
            format!(
                "{file}:{} (findings::five_callers) <- observe at {file}:{observe_line}",
                FIVE_CALLERS_LINE + offset,
                file = file!()
            )
        })
        .collect();
    assert_eq!(sites, expected);
    for finding in &report.n_plus_one {
        assert_eq!(
            (finding.kind, finding.count, finding.summary.as_str()),
            (FindingKind::Read, 2, "SELECT bot_stances")
        );
    }
}

/// Loads awaited one at a time, from a helper that is not instrumented.
async fn load_each(loader: &BotStanceByBotId, ids: std::ops::RangeInclusive<i64>) -> usize {
    let mut stances = 0;
    for id in ids {
        stances += loader.load(id).await.expect("load").len(); // LOAD_LINE
    }
    stances
}

const ONE_AT_A_TIME_LINE: u32 = line!() + 1;
#[timed]
async fn one_at_a_time(pool: &SqlitePool) -> usize {
    let loader = BotStanceByBotId::new(pool.clone());
    load_each(&loader, 1..=4).await
}

#[tokio::test]
async fn loads_awaited_one_at_a_time_are_reported_at_the_line_that_called_load() {
    install();
    let db = seeded().await;
    let observe_line = line!() + 1;
    let (stances, report) = instrument::observe(one_at_a_time(&db.pool)).await;
    assert_eq!(stances, 6);
    let report = report.expect("observed");
    assert_eq!(report.n_plus_one.len(), 1, "{:#?}", report.n_plus_one);
    let finding = &report.n_plus_one[0];
    let load_line = include_str!("findings.rs")
        .lines()
        .position(|line| line.ends_with("// LOAD_LINE"))
        .map(|index| index + 1)
        .expect("the load line");
    assert_eq!(
        finding.call_site,
        format!(
            "loader BotStanceByBotId at {file}:{load_line} <- {file}:{} (findings::one_at_a_time) <- observe at {file}:{observe_line}",
            ONE_AT_A_TIME_LINE + 3,
            file = file!()
        )
    );
    assert_eq!(finding.count, 4, "{report:#?}");
    assert!(finding.fix.contains("call `BotStanceByBotId::load_many` once"), "{}", finding.fix);
}

/// 200 rows: more than sqlx-sqlite's row channel holds (50), so the statement stays open while
/// the consumer works.
const NUMBERS: &str = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200) SELECT x FROM n";

/// Reads [`NUMBERS`] pausing 2 ms per row, through `timed_stream` or not.
async fn slow_consumer(pool: &SqlitePool, timed_stream: bool) -> i64 {
    let mut sum = 0;
    let rows = sqlx::query(NUMBERS).fetch(pool);
    let mut rows: std::pin::Pin<Box<dyn futures_util::Stream<Item = _> + Send>> =
        if timed_stream { Box::pin(instrument::timed_stream(rows)) } else { Box::pin(rows) };
    while let Some(row) = rows.try_next().await.expect("row") {
        tokio::time::sleep(Duration::from_millis(2)).await;
        sum += row.get::<i64, _>("x");
    }
    sum
}

#[tokio::test]
async fn a_slow_consumer_s_pauses_are_stream_open_time_not_statement_time() {
    install();
    let db = TestDb::new(1).await;
    // Not wrapped: sqlx's figure includes the consumer's pauses (at least 150 of 2 ms).
    let (sum, report) = instrument::observe(slow_consumer(&db.pool, false)).await;
    assert_eq!(sum, 20_100);
    let report = report.expect("observed");
    let statement = report.statements_of(StatementKind::Query).next().expect("the statement");
    assert!(statement.db_time_us >= 300_000, "{statement:?}");
    assert_eq!(statement.stream_open_us, 0);

    // Wrapped: the pauses are measured and kept apart.
    let (sum, report) = instrument::observe(slow_consumer(&db.pool, true)).await;
    assert_eq!(sum, 20_100);
    let report = report.expect("observed");
    let statement = report.statements_of(StatementKind::Query).next().expect("the statement");
    assert!(statement.stream_open_us >= 300_000, "{statement:?}");
    assert!(statement.db_time_us * 4 < statement.stream_open_us, "{statement:?}");
    assert_eq!((report.db_time_us, report.stream_open_us), (statement.db_time_us, statement.stream_open_us));
    // The slowest statements list execution time only.
    assert_eq!(report.slowest[0].time_us, statement.db_time_us);
}
