//! Smoke tests of the whole botfeed run on the database servers: PostgreSQL
//! (`$BATCHLOAD_POSTGRES_URL`'s server, default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and MySQL / MariaDB (`$BATCHLOAD_MYSQL_URL`'s, default `mysql://root@127.0.0.1:3306/mysql`).
//! Each creates three databases and drops them. Without a server a test prints `SKIPPED` and
//! passes, unless `CI=true`.

mod common;

use botfeed::db::SeedSize;
use botfeed::{Config, Dataset, Target};
use sqlx::Connection as _;

/// The server of `$variable`'s URL with the database part replaced by `database`, or `default`.
fn server_url(variable: &str, database: &str, default: &str) -> String {
    std::env::var(variable)
        .ok()
        .and_then(|url| url.rsplit_once('/').map(|(server, _)| format!("{server}/{database}")))
        .unwrap_or_else(|| default.to_owned())
}

/// Connects once to the server of `target`.
async fn reachable(target: &Target) -> Result<(), sqlx::Error> {
    match target {
        Target::Postgres(url) => sqlx::PgConnection::connect(url).await?.close().await,
        Target::MySql(url) => sqlx::MySqlConnection::connect(url).await?.close().await,
        Target::Sqlite(_) => Ok(()),
    }
}

/// Runs every workload on the server of `url` with 30 messages, or returns `false` (skipped)
/// when there is no server and `CI` is not `true`.
async fn small_run_on(target: Target, url: &str, backend: &str) -> bool {
    if let Err(error) = reachable(&target).await {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no {backend} server at {url}: {error}");
        eprintln!("SKIPPED: no {backend} server at {url}: {error}");
        return false;
    }
    // One global subscriber per test binary: the first test installs it.
    botfeed::install_instrumentation();
    let mut config = Config::new(std::path::Path::new("target"));
    config.target = target;
    config.messages = 30;
    config.seed = 11;
    config.dataset = Dataset::All;
    config.progress = false;
    config.size = SeedSize { bots: 200, chats: 50, messages: 3_000 };
    let report = botfeed::run(&config).await.expect("the run completes");
    assert_eq!(report.backend, backend);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    common::assert_synthetic(
        &report,
        30,
        "2 of 5 loader statements scan their table (BotStanceByBotId, HoldingByBotId)",
    );
    common::assert_chinook(&report);
    true
}

/// Both servers in one test: the profile is process-global, so the runs must not overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_runs_on_postgres_and_mysql_are_identical_error_free_and_batched() {
    let postgres = server_url("BATCHLOAD_POSTGRES_URL", "postgres", "postgres://postgres@127.0.0.1:5432/postgres");
    small_run_on(Target::Postgres(postgres.clone()), &postgres, "postgresql").await;
    let mysql = server_url("BATCHLOAD_MYSQL_URL", "mysql", "mysql://root@127.0.0.1:3306/mysql");
    small_run_on(Target::MySql(mysql.clone()), &mysql, "mysql").await;
}
