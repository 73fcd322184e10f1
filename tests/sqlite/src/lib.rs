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

/// The demo schema's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

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
        Self { pool, _dir: dir }
    }
}
