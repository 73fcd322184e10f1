//! The demo row types on PostgreSQL (`migrations/postgres`) with their batched loaders, the
//! key-type fixtures, and [`TestDb`]: a fresh, migrated database per test, dropped afterwards.

use batchload::Batched;
use sqlx::postgres::PgConnectOptions;

/// The Rust type of the `created_at` columns (`TIMESTAMPTZ`).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

include!("../../shared/models.rs");

pub mod handwritten;

/// Test fixture (`migrations/9003`): names compared case-insensitively (`citext`) by the database,
/// while loaders match rows to keys by exact Rust value.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "ci_tags")]
pub struct CiTag {
    /// Primary key; loader [`CiTagById`].
    #[batched(key)]
    pub id: i64,
    /// `citext` name, bound as `citext[]` (`pg_type`) so the statement compares like the column; loader [`CiTagByName`].
    #[batched(group, pg_type = "citext")]
    pub name: String,
}

/// A PostgreSQL enum, used as a loader key (bound as `mood[]`, not as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "mood", rename_all = "lowercase")]
pub enum Mood {
    /// `calm`
    Calm,
    /// `curious`
    Curious,
    /// `grumpy`
    Grumpy,
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
    /// `INTEGER` key.
    #[batched(group)]
    pub medium: i32,
    /// `TEXT` key.
    #[batched(group)]
    pub label: String,
    /// `UUID` key.
    #[batched(group)]
    pub uid: uuid::Uuid,
    /// `DATE` key.
    #[batched(group)]
    pub day: chrono::NaiveDate,
    /// Enum key.
    #[batched(group)]
    pub mood: Mood,
}

/// The database type of this crate.
pub type Db = sqlx::Postgres;

/// The `created_at` of every seeded row: 2026-01-01T00:00:00Z.
pub fn seed_time() -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

include!("../../shared/seed.rs");

include!("../../shared/sql.rs");
include!("../../shared/reference.rs");

/// Columns of `key_samples` beyond the common ones: the enum column.
fn extra_columns() -> &'static str {
    ", mood"
}

/// The `mood` of fixture row `id`: calm, curious, grumpy in turn.
pub fn sample_mood(id: i64) -> Mood {
    [Mood::Calm, Mood::Curious, Mood::Grumpy][(id % 3) as usize]
}

fn push_extra(row: &mut sqlx::query_builder::Separated<'_, Db, &'static str>, id: i64) {
    row.push_bind(sample_mood(id));
}

include!("../../shared/key_samples.rs");

/// The demo schema's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Test-only fixture tables, applied after [`MIGRATOR`] (versions 9000 and up).
pub static FIXTURES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Variable naming the test server (any database on it). Not the compile-time check
/// database's `BATCHLOAD_POSTGRES_URL` (this crate's `sqlx.toml`): setting that one switches
/// the build from the committed offline data to online checking against that database.
pub const URL_VAR: &str = "BATCHLOAD_TEST_POSTGRES_URL";

/// Used when [`URL_VAR`] is not set: the local server with trust authentication.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The backend's connect options, for [`TestDb`].
type Admin = PgConnectOptions;

/// The backend's name in skip and failure messages.
const SERVER: &str = "PostgreSQL";

fn create_database_sql(name: &str) -> String {
    format!("CREATE DATABASE {name}")
}

/// Drops database `name`; FORCE terminates its sessions, including ones still held by tasks of
/// a test's runtime (blocked in [`TestDb`]'s `drop`).
async fn drop_database(connection: &mut sqlx::PgConnection, name: &str) -> Result<(), sqlx::Error> {
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await?;
    Ok(())
}

include!("../../shared/migrations.rs");

include!("../../shared/server_db.rs");
