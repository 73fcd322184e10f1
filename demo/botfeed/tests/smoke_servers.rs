//! Smoke tests of the whole botfeed run on the database servers: PostgreSQL
//! (`$BATCHLOAD_TEST_POSTGRES_URL`'s server, default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and MySQL / MariaDB (`$BATCHLOAD_TEST_MYSQL_URL`'s, default `mysql://root@127.0.0.1:3306/mysql`).
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

/// The run every backend gets: 30 messages and 3 ticks of 4 chats, seed 11, over a
/// 3,000-message history.
fn small_config(target: &Target) -> Config {
    let mut config = Config::new(std::path::Path::new("target"));
    config.target = target.clone();
    config.messages = 30;
    config.ticks = 3;
    config.tick_chats = 4;
    config.seed = 11;
    config.dataset = Dataset::All;
    config.progress = false;
    config.size = SeedSize { bots: 200, chats: 50, messages: 3_000 };
    config.index_migration_dir = std::env::temp_dir().join(format!("botfeed-smoke-{}", std::process::id()));
    config
}

/// The first generated messages of the synthetic workloads in `report`: `botfeed`'s, then
/// the first tick's.
fn synthetic_sample(report: &botfeed::Report) -> Vec<String> {
    ["botfeed", "tick"]
        .iter()
        .flat_map(|name| report.workloads.iter().find(|w| w.name == *name).map(|w| w.sample_output.clone()))
        .flatten()
        .collect()
}

/// Runs every workload on the server of `target` with [`small_config`] and returns the report,
/// or `None` (skipped) when there is no server and `CI` is not `true`.
async fn small_run_on(target: &Target, backend: &str) -> Option<botfeed::Report> {
    if let Err(error) = reachable(target).await {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no {backend} server ({target:?}): {error}");
        // To the process's stderr, not through `eprintln!` (captured by the test harness): a
        // plain `cargo test` shows what was skipped.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED: no {backend} server ({target:?}): {error}");
        return None;
    }
    let report = botfeed::run(&small_config(target)).await.expect("the run completes");
    assert_eq!(report.backend, backend);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    common::assert_synthetic(&report, 30, &small_config(target).index_migration_dir);
    common::assert_tick(&report, 3, 4);
    common::assert_chinook(&report);
    Some(report)
}

/// Both servers in one test: the profile is process-global and the databases are named after
/// the process, so the runs must not overlap. Each server writes the same messages as SQLite
/// from the same seed (the shared logic, three crates' queries). Then a failing run on each,
/// which must drop its database too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_runs_on_postgres_and_mysql_are_identical_error_free_and_batched() {
    // One global subscriber per test binary: this test installs it.
    botfeed::install_instrumentation();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut sqlite = small_config(&Target::Sqlite(dir.path().join("reference.db")));
    sqlite.dataset = Dataset::Synthetic;
    let reference = synthetic_sample(&botfeed::run(&sqlite).await.expect("the SQLite run completes"));
    assert_eq!(reference.len(), 6, "{reference:?}");

    let postgres = server_url("BATCHLOAD_TEST_POSTGRES_URL", "postgres", "postgres://postgres@127.0.0.1:5432/postgres");
    let mysql = server_url("BATCHLOAD_TEST_MYSQL_URL", "mysql", "mysql://root@127.0.0.1:3306/mysql");
    for (target, backend) in [(Target::Postgres(postgres), "postgresql"), (Target::MySql(mysql), "mysql")] {
        if let Some(report) = small_run_on(&target, backend).await {
            assert_eq!(synthetic_sample(&report), reference, "{backend} wrote what SQLite wrote");
            a_failed_run_leaves_no_database_behind(&target).await;
        }
    }
}

/// The databases on the server of `target` whose names start with `botfeed_<this process>_`.
async fn databases_of_this_process(target: &Target) -> i64 {
    let pattern = format!("botfeed\\_{}\\_%", std::process::id());
    match target {
        Target::Postgres(url) => {
            let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname LIKE $1")
                .bind(pattern)
                .fetch_one(&mut connection)
                .await
                .expect("count")
        }
        Target::MySql(url) => {
            let mut connection = sqlx::MySqlConnection::connect(url).await.expect("connect");
            sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE ?")
                .bind(pattern)
                .fetch_one(&mut connection)
                .await
                .expect("count")
        }
        Target::Sqlite(_) => unreachable!("servers only"),
    }
}

/// A Chinook script that fails half-way (valid header, broken statement) makes the run fail
/// with the database's error, and the database botfeed created for it is dropped anyway.
async fn a_failed_run_leaves_no_database_behind(target: &Target) {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("Chinook_PostgreSql.sql"), "\\c chinook;\nCREATE TABLE broken (;\n").expect("write");
    std::fs::write(
        dir.path().join("Chinook_MySql.sql"),
        "DROP DATABASE IF EXISTS `Chinook`;\nCREATE DATABASE `Chinook`;\nUSE `Chinook`;\nCREATE TABLE broken (;\n",
    )
    .expect("write");
    let mut config = Config::new(dir.path());
    config.target = target.clone();
    config.dataset = Dataset::Chinook;
    config.progress = false;
    config.chinook_dir = dir.path().to_owned();
    let error = botfeed::run(&config).await.expect_err("the broken script fails the run");
    assert!(error.to_string().starts_with("database error: "), "{error}");
    assert_eq!(databases_of_this_process(target).await, 0, "every botfeed database of this process was dropped");

    // An interrupted run (Ctrl-C drops the run's future) leaves what it created so far:
    // `drop_server_databases`, which botfeed calls on Ctrl-C, drops it.
    let base = format!("botfeed_{}", std::process::id());
    match target {
        Target::Postgres(url) => {
            botfeed_postgres::create_database(url, &format!("{base}_naive")).await.expect("create");
            botfeed_postgres::create_database(url, &format!("{base}_chinook")).await.expect("create");
        }
        Target::MySql(url) => {
            botfeed_mysql::create_database(url, &format!("{base}_naive")).await.expect("create");
            botfeed_mysql::create_database(url, &format!("{base}_chinook")).await.expect("create");
        }
        Target::Sqlite(_) => unreachable!("servers only"),
    }
    assert_eq!(databases_of_this_process(target).await, 2);
    botfeed::run::drop_server_databases(target).await.expect("dropped");
    assert_eq!(databases_of_this_process(target).await, 0, "the interrupted run's databases were dropped");
}
