//! botfeed's synthetic chat-bot workload on MySQL 8 / MariaDB 10.6+: the same pure logic as the SQLite
//! version (`demo/botfeed/src/logic.rs`, shared by `#[path]`), with row structs, loaders and
//! hand-written queries compiled and checked for MySQL. A separate crate because sqlx
//! checks a crate's `query!` macros against one database.

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _, MySql, MySqlPool};

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

/// The demo schema's migrations (`migrations/mysql`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/mysql");

/// The Rust type of the `created_at` columns (`DATETIME(6)`).
pub type Timestamp = chrono::NaiveDateTime;

/// `created_at` of a message `seconds` after 2026-01-01T00:00:00Z.
pub fn timestamp(seconds: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600 + seconds, 0).unwrap_or_default().naive_utc()
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
pub async fn create_database(url: &str, name: &str) -> Result<MySqlPool, Error> {
    let name = valid_name(name)?;
    let admin: MySqlConnectOptions = url.parse()?;
    let mut connection = admin.connect().await?;
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await?;
    connection
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")))
        .await?;
    connection.close().await?;
    let pool = MySqlPoolOptions::new().max_connections(4).connect_with(admin.database(name)).await?;
    Ok(pool)
}

/// A pool of at most `max_connections` connections on the existing database `name` on the
/// server of `url` (the load test sizes it to its workers).
///
/// # Errors
/// An invalid name ([`Error::Setup`]); connection failures.
pub async fn connect(url: &str, name: &str, max_connections: u32) -> Result<MySqlPool, Error> {
    let name = valid_name(name)?;
    let admin: MySqlConnectOptions = url.parse()?;
    Ok(MySqlPoolOptions::new().max_connections(max_connections).connect_with(admin.database(name)).await?)
}

/// Migrates a database made by [`create_database`] with [`MIGRATOR`]: all of it, or (when
/// `with_indexes` is false) all but the hand-written index migration, as the original engine's schema was.
///
/// # Errors
/// A failed migration.
pub async fn migrate(pool: &MySqlPool, with_indexes: bool) -> Result<(), Error> {
    if with_indexes {
        MIGRATOR.run(pool).await?;
    } else {
        logic::migrations_before_indexes(&MIGRATOR).run(pool).await?;
    }
    Ok(())
}

/// Nothing to ready for the index advisor on MySQL (its what-if proof uses a scratch database
/// it creates itself); the same API as `botfeed_postgres::prepare_advisor`.
pub async fn prepare_advisor(_pool: &MySqlPool) {}

/// Drops database `name` on the server of `url`.
///
/// # Errors
/// Connection failures or a failed `DROP DATABASE`.
pub async fn drop_database(url: &str, name: &str) -> Result<(), Error> {
    let name = valid_name(name)?;
    let admin: MySqlConnectOptions = url.parse()?;
    let mut connection = admin.connect().await?;
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await?;
    connection.close().await?;
    Ok(())
}

/// Writes the synthetic data set (explicit ids; AUTO_INCREMENT continues after them).
///
/// # Errors
/// A failed statement.
pub async fn seed(pool: &MySqlPool, rows: &SeedRows) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    logic::insert_seed_rows::<MySql, _>(&mut tx, rows, timestamp).await?;
    tx.commit().await?;
    Ok(())
}
