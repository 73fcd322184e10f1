//! The demo row types on MySQL/MariaDB (`migrations/mysql`) with their batched loaders, the
//! key-type fixtures, and [`TestDb`]: a fresh, migrated database per test, dropped afterwards.

use batchload::Batched;
use sqlx::mysql::MySqlConnectOptions;

/// The Rust type of the `created_at` columns (`DATETIME(6)`).
pub type Timestamp = chrono::NaiveDateTime;

include!("../../shared/models.rs");

pub mod handwritten;

/// Test fixture (`migrations/9003`): names compared case- and accent-insensitively (`utf8mb4_general_ci`) by the database,
/// while loaders match rows to keys by exact Rust value.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "ci_tags")]
pub struct CiTag {
    /// Primary key; loader [`CiTagById`].
    #[batched(key)]
    pub id: i64,
    /// `VARCHAR` name under `utf8mb4_general_ci`; loader [`CiTagByName`].
    #[batched(group)]
    pub name: String,
}

/// One row per key type (`key_samples` fixture): a group loader on every column.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "key_samples")]
pub struct KeySample {
    /// Primary key (`BIGINT`).
    #[batched(key)]
    pub id: i64,
    /// `SMALLINT` key.
    #[batched(group)]
    pub small: i16,
    /// `INT` key.
    #[batched(group)]
    pub medium: i32,
    /// `VARCHAR` key.
    #[batched(group)]
    pub label: String,
    /// `BINARY(16)` key.
    #[batched(group)]
    pub uid: uuid::Uuid,
    /// `DATE` key.
    #[batched(group)]
    pub day: chrono::NaiveDate,
}

/// The database type of this crate.
pub type Db = sqlx::MySql;

/// The `created_at` of every seeded row: 2026-01-01 00:00:00.
pub fn seed_time() -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default().naive_utc()
}

include!("../../shared/seed.rs");
include!("../../shared/sql.rs");
include!("../../shared/reference.rs");

/// Columns of `key_samples` beyond the common ones: none on this backend.
fn extra_columns() -> &'static str {
    ""
}

fn push_extra(_row: &mut sqlx::query_builder::Separated<'_, Db, &'static str>, _id: i64) {}

include!("../../shared/key_samples.rs");

/// The demo schema's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/mysql");

/// Test-only fixture tables, applied after [`MIGRATOR`] (versions 9000 and up).
pub static FIXTURES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Variable naming the test server (any database on it). Not the compile-time check
/// database's `BATCHLOAD_MYSQL_URL` (this crate's `sqlx.toml`): setting that one switches the
/// build from the committed offline data to online checking against that database.
pub const URL_VAR: &str = "BATCHLOAD_TEST_MYSQL_URL";

/// Used when [`URL_VAR`] is not set: the local server, user root with an empty password.
pub const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306/mysql";

/// The backend's connect options, for [`TestDb`].
type Admin = MySqlConnectOptions;

/// The backend's name in skip and failure messages.
const SERVER: &str = "MySQL";

fn create_database_sql(name: &str) -> String {
    format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
}

/// Ends the sessions of database `name` first (some may be held by tasks of a test's runtime,
/// blocked in [`TestDb`]'s `drop`), so that `DROP DATABASE` never waits on their locks, then
/// drops it.
async fn drop_database(connection: &mut sqlx::MySqlConnection, name: &str) -> Result<(), sqlx::Error> {
    let sessions: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()")
            .bind(name)
            .fetch_all(&mut *connection)
            .await?;
    for session in sessions {
        // A session that ended meanwhile is not an error worth reporting.
        let _ = connection.execute(sqlx::AssertSqlSafe(format!("KILL {session}"))).await;
    }
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await?;
    Ok(())
}

include!("../../shared/migrations.rs");

include!("../../shared/server_db.rs");
