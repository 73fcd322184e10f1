//! One GraphQL query over 50 parents resolved three ways (batchload loaders, one statement per
//! item, async-graphql's `DataLoader` over the same statements): the same response, and the
//! statements of each from batchload's own report. All tests of this binary share one global
//! subscriber holding the instrumentation layer; each reads only its own reports.

use std::collections::BTreeMap;
use std::sync::Once;

use batchload::instrument::{self, OperationReport, StatementKind};
use batchload_example_async_graphql::models::BotStanceByBotId;
use batchload_example_async_graphql::{MIGRATOR, Source, request, schema, seed};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tracing_subscriber::prelude::*;

/// Three levels: the bots; their stances and messages; the messages' chats.
const QUERY: &str = "{ bots(first: 50) { id name stances { topic stance } messages { id body chat { id title } } } }";

/// Bots in the database: more than the query asks for.
const BOTS: i64 = 60;

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing_subscriber::registry().with(batchload::instrument::layer()).init();
    });
}

/// A migrated database seeded with [`BOTS`] bots, in a temporary directory.
async fn database() -> (tempfile::TempDir, SqlitePool) {
    install();
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = SqliteConnectOptions::new().filename(dir.path().join("graphql.db")).create_if_missing(true);
    let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.expect("open the database");
    MIGRATOR.run(&pool).await.expect("migrate");
    seed::demo(&pool, BOTS).await.expect("seed");
    (dir, pool)
}

/// Executes [`QUERY`] with `source` as one observed operation: its JSON data and report.
async fn execute(pool: &SqlitePool, source: Source) -> (Value, OperationReport) {
    let (response, report) = instrument::observe(schema().execute(request(QUERY, pool, source))).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    (response.data.into_json().expect("JSON data"), report.expect("observed"))
}

/// Counted statements by summary.
fn by_summary(report: &OperationReport) -> BTreeMap<&str, u64> {
    let mut counts = BTreeMap::new();
    for stats in report.statements.iter().filter(|stats| stats.kind == StatementKind::Query) {
        *counts.entry(stats.summary.as_str()).or_default() += stats.count;
    }
    counts
}

/// Messages of bots `1..=50`: `b % 4` each.
const MESSAGES: u64 = 75;

#[tokio::test]
async fn loaders_take_one_statement_per_list_field_per_level_and_answer_like_per_item_queries() {
    let (_dir, pool) = database().await;
    let (batched, report) = execute(&pool, Source::batchload(&pool)).await;
    // One statement per list field and level. (It used to be two now and then, three once:
    // async-graphql drains an object's fields from a `FuturesUnordered` in a loop, which
    // re-polled a load that had woken itself before the other objects' loads were enqueued;
    // a load's first poll now defers that wake-up until its task yields to the runtime.)
    assert_eq!(
        by_summary(&report),
        BTreeMap::from([("SELECT bot_stances", 1), ("SELECT bots", 1), ("SELECT chats", 1), ("SELECT messages", 1)]),
        "{report:#?}"
    );
    assert!(report.n_plus_one.is_empty(), "{:#?}", report.n_plus_one);

    let (per_item, report) = execute(&pool, Source::PerItem(pool.clone())).await;
    assert_eq!(per_item, batched, "the same response");
    assert_eq!(report.queries, 1 + 50 + 50 + MESSAGES);
    assert_eq!(
        by_summary(&report),
        BTreeMap::from([
            ("SELECT bot_stances", 50),
            ("SELECT bots", 1),
            ("SELECT chats", MESSAGES),
            ("SELECT messages", 50)
        ])
    );
    assert_eq!(report.n_plus_one.len(), 3, "{:#?}", report.n_plus_one);

    let bots = batched["bots"].as_array().expect("bots");
    assert_eq!(bots.len(), 50);
    assert_eq!(
        bots[6],
        json!({"id": 7, "name": "bot-7", "stances": [{"topic": "topic-0", "stance": "stance-7-0"}], "messages": [
            {"id": 70, "body": "message 0 of bot 7", "chat": {"id": 3, "title": "chat 3"}},
            {"id": 71, "body": "message 1 of bot 7", "chat": {"id": 4, "title": "chat 4"}},
            {"id": 72, "body": "message 2 of bot 7", "chat": {"id": 5, "title": "chat 5"}}]})
    );
    assert_eq!(
        bots[7],
        json!({"id": 8, "name": "bot-8", "stances": [
        {"topic": "topic-0", "stance": "stance-8-0"}, {"topic": "topic-1", "stance": "stance-8-1"}], "messages": []})
    );
}

/// async-graphql's `DataLoader` (1 ms delay) over the same statements: the same response,
/// and at least one statement per list field. Its batches are cut by a timer: when resolving a
/// level takes longer than the delay (a debug build, a busy machine), the keys queued after
/// the timer fired go in another statement, so its count varies from run to run (1 to 10
/// statements per field, 4 to 17 in all in our runs). batchload's batches are cut when the
/// resolvers stop polling (their task yields to the runtime), so the loaders' count is 4, one per field.
#[tokio::test]
async fn async_graphql_dataloader_over_the_same_statements_answers_alike() {
    let (_dir, pool) = database().await;
    let (batched, _) = execute(&pool, Source::batchload(&pool)).await;
    let (dataloader, report) = execute(&pool, Source::dataloader(&pool)).await;
    assert_eq!(dataloader, batched);
    let counts = by_summary(&report);
    eprintln!("async-graphql DataLoader statements: {counts:?}");
    let within = |summary: &str, most: u64| counts.get(summary).is_some_and(|&count| (1..=most).contains(&count));
    assert_eq!(counts.get("SELECT bots"), Some(&1), "{counts:?}");
    assert!(within("SELECT bot_stances", 50) && within("SELECT messages", 50), "{counts:?}");
    assert!(within("SELECT chats", MESSAGES), "{counts:?}");
    assert_eq!(counts.len(), 4, "{counts:?}");
}

/// The batching rule resolvers depend on: `load` calls polled together share one statement.
/// `load_many` dispatches at once, so one `load_many` per item sends the first item's key
/// alone, and the others in one or more statements after it: two when the first statement
/// is still running when they arrive (they gather behind it), more when it already finished
/// (a small batch's statement runs inline and can finish within its first poll, and the
/// next `load_many` then dispatches at once too): two or more round trips in sequence
/// instead of one.
#[tokio::test]
async fn per_item_resolvers_must_call_load_not_load_many() {
    let (_dir, pool) = database().await;
    let loader = BotStanceByBotId::new(pool.clone());
    let (loaded, report) =
        instrument::observe(futures_util::future::try_join_all((1..=50).map(|bot| loader.load(bot)))).await;
    assert_eq!(loaded.expect("load").len(), 50);
    assert_eq!(report.expect("observed").queries, 1);

    let loader = BotStanceByBotId::new(pool.clone());
    let (loaded, report) =
        instrument::observe(futures_util::future::try_join_all((1..=50).map(|bot| loader.load_many([bot])))).await;
    assert_eq!(loaded.expect("load_many").len(), 50);
    let report = report.expect("observed");
    assert!((2..=50).contains(&report.queries), "{report:#?}");
    assert_eq!(report.rows_returned, 51, "every stance of bots 1..=50 (`b % 3` each), once");
}
