//! Compile-time diagnostics of `#[derive(Batched)]`, checked with trybuild.
//!
//! * `tests/ui/timed_pass/*.rs`: every signature form `#[timed]` accepts must compile and run.
//! * `tests/ui/*.rs`: invalid derive input. The derive reports its own errors (and stubs the
//!   loader types), so these never reach `query_as!` and need no database.
//! * `tests/ui-db/*.rs` and `tests/ui-db/pass/*.rs`: valid derive input checked by sqlx against
//!   a fresh migrated SQLite database (online, `SQLX_OFFLINE=false`): wrong names, types and
//!   nullability must fail with sqlx's error at the `key`/`group` attribute; the rest must
//!   compile.
//!
//! Bless new or changed `.stderr` files with `TRYBUILD=overwrite cargo test -p
//! batchload-tests-sqlite --test ui`, then read them.

use std::path::Path;

use batchload_tests_sqlite::{FIXTURES, MIGRATOR};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// The only test of this binary, so it runs on the binary's only test thread: setting the
/// environment of the trybuild subprocess below races with no other thread.
#[test]
fn ui() {
    {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("../ui/*.rs");
        cases.pass("../ui/timed_pass/*.rs");
        // Dropping `cases` runs them, before the database variables are set.
    }

    let dir = tempfile::tempdir().expect("create a temporary directory");
    let db = dir.path().join("ui.db");
    create_database(&db);
    let url = format!("sqlite://{}", db.display());
    // SAFETY: `set_var` is unsound only while another thread may read or write the
    // environment. This is the only #[test] of this test binary, so the harness runs nothing
    // else (its main thread just waits for this test), and `create_database` has shut down
    // its tokio runtime and closed its pool: sqlx's SQLite worker thread has answered the
    // shutdown and only returns, without touching the environment.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("DATABASE_URL", &url);
        std::env::set_var("SQLX_OFFLINE", "false");
    }

    let cases = trybuild::TestCases::new();
    cases.compile_fail("../ui-db/*.rs");
    cases.pass("../ui-db/pass/*.rs");
    drop(cases);
}

/// Creates the SQLite database file `path` and applies the demo schema (and the test
/// fixtures, which the row types of this crate's library also read).
fn create_database(path: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("build a tokio runtime");
    runtime.block_on(async {
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let pool =
            SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("create the database");
        MIGRATOR.run(&pool).await.expect("migrate the database");
        let mut fixtures = Migrator::with_migrations(FIXTURES.iter().cloned().collect());
        fixtures.set_ignore_missing(true);
        fixtures.run(&pool).await.expect("apply the test fixtures");
        pool.close().await;
    });
}
