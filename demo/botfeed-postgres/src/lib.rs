//! botfeed's synthetic chat-bot workload on PostgreSQL: the same pure logic as the SQLite
//! version (`demo/botfeed/src/logic.rs`, shared by `#[path]`), with row structs, loaders and
//! hand-written queries compiled and checked for PostgreSQL. A separate crate because sqlx
//! checks a crate's `query!` macros against one database.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _, PgPool, Postgres};

pub mod chinook;
#[path = "../../botfeed/src/logic.rs"]
/// The backend-independent part of the synthetic workload, shared with `botfeed`.
pub mod logic;
#[path = "../../botfeed/src/models.rs"]
pub mod models;
pub mod synthetic;

pub use synthetic::{Loaders, generate_batched, generate_naive};

use logic::SeedRows;

/// Everything that can fail here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A statement failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A loader's batch failed.
    #[error("loader error: {0}")]
    Loader(#[from] batchload::Error),
    /// The migration failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The data is not as expected.
    #[error("{0}")]
    Setup(String),
}

/// The demo schema's migrations (`migrations/postgres`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The Rust type of the `created_at` columns (`TIMESTAMPTZ`).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// `created_at` of a message `seconds` after 2026-01-01T00:00:00Z.
pub fn timestamp(seconds: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600 + seconds, 0).unwrap_or_default()
}

fn valid_name(name: &str) -> Result<&str, Error> {
    if !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(name)
    } else {
        Err(Error::Setup(format!("invalid database name `{name}`")))
    }
}

/// Creates (dropping any previous one) the empty database `name` on the server of `url` and
/// returns a pool on it.
///
/// # Errors
/// An invalid name ([`Error::Setup`]); connection or creation failures.
pub async fn create_database(url: &str, name: &str) -> Result<PgPool, Error> {
    let name = valid_name(name)?;
    let admin: PgConnectOptions = url.parse()?;
    let mut connection = admin.connect().await?;
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await?;
    connection.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
    connection.close().await?;
    let pool = PgPoolOptions::new().max_connections(4).connect_with(admin.database(name)).await?;
    Ok(pool)
}

/// A pool of at most `max_connections` connections on the existing database `name` on the
/// server of `url` (the load test sizes it to its workers).
///
/// # Errors
/// An invalid name ([`Error::Setup`]); connection failures.
pub async fn connect(url: &str, name: &str, max_connections: u32) -> Result<PgPool, Error> {
    let name = valid_name(name)?;
    let admin: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new().max_connections(max_connections).connect_with(admin.database(name)).await?)
}

/// Migrates a database made by [`create_database`] with [`MIGRATOR`]: all of it, or (when
/// `with_indexes` is false) all but the hand-written index migration, as the original engine's schema was.
///
/// # Errors
/// A failed migration.
pub async fn migrate(pool: &PgPool, with_indexes: bool) -> Result<(), Error> {
    if with_indexes {
        MIGRATOR.run(pool).await?;
    } else {
        logic::migrations_before_indexes(&MIGRATOR).run(pool).await?;
    }
    Ok(())
}

/// Creates the HypoPG extension in the database of `pool` when the server has it (`CREATE
/// EXTENSION IF NOT EXISTS hypopg`): the index advisor proves its suggestions with hypothetical
/// indexes. Without it (the package is not installed) nothing happens, and the advisor's
/// suggestions stay unverified.
pub async fn prepare_advisor(pool: &PgPool) {
    let _ = pool.execute("CREATE EXTENSION IF NOT EXISTS hypopg").await;
}

/// Drops database `name` on the server of `url`.
///
/// # Errors
/// Connection failures or a failed `DROP DATABASE`.
pub async fn drop_database(url: &str, name: &str) -> Result<(), Error> {
    let name = valid_name(name)?;
    let admin: PgConnectOptions = url.parse()?;
    let mut connection = admin.connect().await?;
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await?;
    connection.close().await?;
    Ok(())
}

/// Writes the synthetic data set (explicit ids, then the sequences moved past them).
///
/// # Errors
/// A failed statement.
pub async fn seed(pool: &PgPool, rows: &SeedRows) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    logic::insert_seed_rows::<Postgres, _>(&mut tx, rows, timestamp).await?;
    for table in ["bots", "bot_stances", "bot_holdings", "chats", "messages"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
