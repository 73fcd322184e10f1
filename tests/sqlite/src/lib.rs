//! The demo row types of the chat-bot schema (`migrations/sqlite`), with their batched loaders,
//! and helpers to create a fresh migrated database for each test.

use batchload::Batched;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// The Rust type of the `created_at` columns (ISO 8601 text on SQLite).
pub type Timestamp = String;

include!("../../shared/models.rs");

pub mod handwritten;

/// Test fixture (`migrations/9003`): names compared case-insensitively (`COLLATE NOCASE`) by the database,
/// while loaders match rows to keys by exact Rust value.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "ci_tags")]
pub struct CiTag {
    /// Primary key; loader [`CiTagById`].
    #[batched(key)]
    pub id: i64,
    /// `TEXT COLLATE NOCASE` name; loader [`CiTagByName`].
    #[batched(group)]
    pub name: String,
}

/// One row per key type (`key_samples` fixture): a group loader on every column.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "key_samples")]
pub struct KeySample {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// `i16` key (INTEGER column).
    #[batched(group)]
    pub small: i16,
    /// `i32` key (INTEGER column).
    #[batched(group)]
    pub medium: i32,
    /// Text key.
    #[batched(group)]
    pub label: String,
    /// UUID key (16-byte BLOB, matched through `unhex` of the JSON hex text).
    #[batched(group)]
    pub uid: uuid::Uuid,
    /// Date key (`YYYY-MM-DD` text).
    #[batched(group)]
    pub day: chrono::NaiveDate,
}

/// Columns of `key_samples` beyond the common ones: none on this backend.
fn extra_columns() -> &'static str {
    ""
}

fn push_extra(_row: &mut sqlx::query_builder::Separated<'_, Db, &'static str>, _id: i64) {}

include!("../../shared/key_samples.rs");

/// The demo schema's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Test-only fixture tables, applied after [`MIGRATOR`] (versions 9000 and up).
pub static FIXTURES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A fresh SQLite database in its own temporary directory, migrated with [`MIGRATOR`].
/// The directory (and the database) is deleted when the value is dropped.
pub struct TestDb {
    /// Pool of up to `max_connections` connections to the database.
    pub pool: SqlitePool,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// Creates and migrates a database file in a new temporary directory, with a pool of
    /// `max_connections` (WAL journal, foreign keys on).
    ///
    /// # Panics
    /// If the directory, the database or the migration cannot be created: the test cannot run.
    pub async fn new(max_connections: u32) -> Self {
        Self::new_migrated(max_connections, None).await
    }

    /// [`TestDb::new`] with the demo migrations applied only up to version `version` (e.g.
    /// `INDEX_MIGRATION - 1`: the schema without the advisor's indexes), then the fixtures;
    /// [`TestDb::migrate_all`] applies the rest later. Never skips (no server needed).
    ///
    /// # Panics
    /// As [`TestDb::new`].
    pub async fn connect_up_to(max_connections: u32, version: i64) -> Option<Self> {
        Some(Self::new_migrated(max_connections, Some(version)).await)
    }

    async fn new_migrated(max_connections: u32, up_to: Option<i64>) -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("test.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await
            .expect("open the test database");
        apply_migrations(&pool, up_to).await;
        Self { pool, _dir: dir }
    }

    /// [`TestDb::new`], as the server backends' `connect`: SQLite needs no server, so this
    /// never skips.
    ///
    /// # Panics
    /// As [`TestDb::new`].
    pub async fn connect(max_connections: u32) -> Option<Self> {
        Some(Self::new(max_connections).await)
    }
}

include!("../../shared/migrations.rs");

/// The database type of this crate.
pub type Db = sqlx::Sqlite;

/// The `created_at` of every seeded row.
pub fn seed_time() -> Timestamp {
    "2026-01-01T00:00:00Z".to_owned()
}

include!("../../shared/seed.rs");

include!("../../shared/sql.rs");
include!("../../shared/reference.rs");
