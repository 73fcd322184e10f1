//! `botfeed --load` on the database servers, through the built binary: PostgreSQL
//! (`$BATCHLOAD_TEST_POSTGRES_URL`'s server, default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and MySQL / MariaDB (`$BATCHLOAD_TEST_MYSQL_URL`'s, default `mysql://root@127.0.0.1:3306/mysql`).
//! Without a server a test prints `SKIPPED` and passes, unless `CI=true`.

#[path = "common/load.rs"]
mod load_common;

use sqlx::Connection as _;

/// The server of `$variable`'s URL with the database part replaced by `database`, or `default`.
fn server_url(variable: &str, database: &str, default: &str) -> String {
    std::env::var(variable)
        .ok()
        .and_then(|url| url.rsplit_once('/').map(|(server, _)| format!("{server}/{database}")))
        .unwrap_or_else(|| default.to_owned())
}

/// `None` when the server answers; otherwise why not (a failed assertion under `CI=true`).
async fn unreachable(url: &str) -> Option<String> {
    let outcome = if url.starts_with("mysql:") {
        sqlx::MySqlConnection::connect(url).await.map(drop)
    } else {
        sqlx::PgConnection::connect(url).await.map(drop)
    };
    let error = outcome.err()?;
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no server at {url}: {error}");
    Some(error.to_string())
}

/// Runs the short load on the server of `url` and checks its report, or prints `SKIPPED`.
async fn short_load_on(url: &str, backend: &str) {
    if let Some(error) = unreachable(url).await {
        // To the process's stderr, not through `eprintln!` (captured by the test harness): a
        // plain `cargo test` shows what was skipped.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED: no {backend} server at {url}: {error}");
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = url.to_owned();
    let json = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || load_common::run_load(&dir, Some(&url))
    })
    .await
    .expect("the load run");
    load_common::assert_load_report(&json, backend);
}

#[tokio::test]
async fn a_short_load_on_postgres_reports_throughput_latency_and_no_error() {
    let url = server_url("BATCHLOAD_TEST_POSTGRES_URL", "postgres", "postgres://postgres@127.0.0.1:5432/postgres");
    short_load_on(&url, "postgresql").await;
}

#[tokio::test]
async fn a_short_load_on_mysql_reports_throughput_latency_and_no_error() {
    let url = server_url("BATCHLOAD_TEST_MYSQL_URL", "mysql", "mysql://root@127.0.0.1:3306/mysql");
    short_load_on(&url, "mysql").await;
}
