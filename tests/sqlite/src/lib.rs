//! The demo row types of the chat-bot schema (`migrations/sqlite`), with their batched loaders,
//! and helpers to create a fresh migrated database for each test.

use batchload::Batched;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// A bot (`bots` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots")]
pub struct Bot {
    /// Primary key; loader [`BotById`].
    #[batched(key)]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Persona prompt text.
    pub persona: String,
    /// Creation time, ISO 8601 text.
    pub created_at: String,
}

/// A chat message (`messages` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "messages")]
pub struct Message {
    /// Primary key; loader [`MessageById`].
    #[batched(key)]
    pub id: i64,
    /// Chat the message belongs to; loader [`MessageByChatId`], rows by creation time.
    #[batched(group, order_by = "created_at")]
    pub chat_id: i64,
    /// Author; loader [`MessageByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Message text.
    pub body: String,
    /// Creation time, ISO 8601 text.
    pub created_at: String,
}

/// A bot's stance on a topic (`bot_stances` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    /// Primary key; loader [`BotStanceById`].
    #[batched(key)]
    pub id: i64,
    /// Owning bot; loader [`BotStanceByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Topic, e.g. `rates`.
    pub topic: String,
    /// Stance text.
    pub stance: String,
    /// Strength in `0.0..=1.0`.
    pub strength: f64,
    /// Optional free-form note (nullable column).
    pub note: Option<String>,
}

/// A position a bot holds (`bot_holdings` table), read through a renamed field.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_holdings", loader = "Holding")]
pub struct BotHolding {
    /// Primary key; loader [`HoldingById`].
    #[batched(key)]
    pub id: i64,
    /// Owning bot, read from column `bot_id`; loader [`HoldingByOwner`].
    #[batched(group, column = "bot_id")]
    pub owner: i64,
    /// Ticker symbol.
    pub symbol: String,
    /// Number of units held.
    pub quantity: i64,
    /// Average cost per unit (nullable column).
    pub cost_basis: Option<f64>,
}

/// A bot read by its (non-unique, free text) name: text keys, including non-ASCII ones.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots", loader = "BotNamed")]
pub struct NamedBot {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// Display name; loader [`BotNamedByName`].
    #[batched(group)]
    pub name: String,
    /// Persona prompt text.
    pub persona: String,
}

/// Test fixture (`tests/sqlite/migrations`): a self-referencing table for nested and cyclic loads.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "employees")]
pub struct Employee {
    /// Primary key; loader [`EmployeeById`].
    #[batched(key)]
    pub id: i64,
    /// Name.
    pub name: String,
    /// Manager (nullable); loader [`EmployeeByReportsTo`] yields the direct reports.
    #[batched(group)]
    pub reports_to: Option<i64>,
}

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
        MIGRATOR.run(&pool).await.expect("migrate the test database");
        let mut fixtures = sqlx::migrate::Migrator::with_migrations(FIXTURES.iter().cloned().collect());
        fixtures.set_ignore_missing(true);
        fixtures.run(&pool).await.expect("apply the test fixtures");
        Self { pool, _dir: dir }
    }
}

/// Deterministic test data, inserted with runtime-checked SQL.
pub mod seed {
    use sqlx::SqlitePool;

    /// Inserts bots `1..=count` (in descending id order): name `bot-{id}`, persona
    /// `persona {id}`, created at `2026-01-01T00:00:00Z`.
    ///
    /// # Errors
    /// Any database error.
    pub async fn bots(pool: &SqlitePool, count: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO bots (id, name, persona, created_at) \
             WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?1) \
             SELECT i, 'bot-' || i, 'persona ' || i, '2026-01-01T00:00:00Z' FROM seq ORDER BY i DESC",
        )
        .bind(count)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Inserts `bot_id % 4` stances for each bot `1..=bots` (so a quarter of the bots have
    /// none), in descending id order. Stance `n` (n = 0..3) of bot `b` has id `b * 10 + n`,
    /// topic `topic-{n}`, stance `stance-{b}-{n}`, strength `n / 4`, and note `note-{id}` for
    /// odd ids, NULL for even ids.
    ///
    /// # Errors
    /// Any database error.
    pub async fn stances(pool: &SqlitePool, bots: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO bot_stances (id, bot_id, topic, stance, strength, note) \
             WITH RECURSIVE b(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM b WHERE i < ?1), \
             n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < 2) \
             SELECT i * 10 + j, i, 'topic-' || j, 'stance-' || i || '-' || j, j / 4.0, \
                    CASE WHEN (i * 10 + j) % 2 = 1 THEN 'note-' || (i * 10 + j) END \
             FROM b JOIN n ON j < i % 4 ORDER BY i * 10 + j DESC",
        )
        .bind(bots)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Inserts employees `1..=count`: employee 1 reports to nobody, employee `i` reports to
    /// `i / 2` (a binary tree), name `employee-{i}`.
    ///
    /// # Errors
    /// Any database error.
    pub async fn employees(pool: &SqlitePool, count: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO employees (id, name, reports_to) \
             WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?1) \
             SELECT i, 'employee-' || i, CASE WHEN i > 1 THEN i / 2 END FROM seq",
        )
        .bind(count)
        .execute(pool)
        .await?;
        Ok(())
    }
}
