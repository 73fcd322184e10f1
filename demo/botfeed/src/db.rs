//! Databases: a fresh, migrated SQLite file per run, the deterministic synthetic seed, and the
//! Chinook SQLite script loaded into its own file.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use crate::Error;

/// The demo schema's migrations (`migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

pub use crate::logic::{INDEX_MIGRATION, MESSAGE_SPACING_S, SeedSize, TOPICS};

/// ISO 8601 text of `seconds` after 2026-01-01T00:00:00Z: the `created_at` of seeded and
/// generated messages (deterministic, sortable as text).
pub fn timestamp(seconds: i64) -> String {
    let base = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    (base + chrono::Duration::seconds(seconds)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Opens (creating if missing) a SQLite database file with a pool of `max_connections`.
pub async fn open_sqlite(path: &Path, max_connections: u32) -> Result<SqlitePool, Error> {
    open_sqlite_with(path, max_connections, true).await
}

async fn open_sqlite_with(path: &Path, max_connections: u32, foreign_keys: bool) -> Result<SqlitePool, Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(foreign_keys);
    Ok(SqlitePoolOptions::new().max_connections(max_connections).connect_with(options).await?)
}

/// Deletes a SQLite database file and its WAL/SHM companions, if present.
pub fn remove_sqlite(path: &Path) -> Result<(), Error> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(Error::Io(error)),
        }
    }
    Ok(())
}

/// A fresh database at `path` (any previous file removed), migrated with [`MIGRATOR`] up to
/// all but the hand-written index migration: the schema the original engine ran on.
pub async fn fresh_sqlite_without_indexes(path: &Path) -> Result<SqlitePool, Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    remove_sqlite(path)?;
    let pool = open_sqlite(path, 4).await?;
    crate::logic::migrations_before_indexes(&MIGRATOR).run(&pool).await?;
    Ok(pool)
}

/// A fresh database at `path` (any previous file removed), migrated with [`MIGRATOR`].
pub async fn fresh_sqlite(path: &Path) -> Result<SqlitePool, Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    remove_sqlite(path)?;
    let pool = open_sqlite(path, 4).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Writes the synthetic data set for `seed` (same seed, same rows, same ids).
pub async fn seed_synthetic(pool: &SqlitePool, seed: u64, size: SeedSize) -> Result<(), Error> {
    let rows = crate::logic::seed_rows(seed, size);
    let mut tx = pool.begin().await?;
    crate::logic::insert_seed_rows::<Sqlite, _>(&mut tx, &rows, timestamp).await?;
    tx.commit().await?;
    Ok(())
}

/// Copies the database behind `pool` into a new file at `target` (`VACUUM INTO`): the second
/// run starts from a byte-for-byte identical data set.
pub async fn copy_sqlite(pool: &SqlitePool, target: &Path) -> Result<SqlitePool, Error> {
    remove_sqlite(target)?;
    let target_text =
        target.to_str().ok_or_else(|| Error::Setup(format!("path is not UTF-8: {}", target.display())))?;
    sqlx::query("VACUUM INTO ?1").bind(target_text).execute(pool).await?;
    open_sqlite(target, 4).await
}

/// Where the Chinook scripts live: `$BOTFEED_CHINOOK_DIR`, else the copy shipped with the
/// project in `demo/data/chinook/` (with its license and notice of origin).
pub fn chinook_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOTFEED_CHINOOK_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/chinook")
}

/// The Chinook SQLite script's file name in the Chinook folder.
pub const CHINOOK_SCRIPT: &str = "Chinook_Sqlite.sql";

/// Loads the Chinook SQLite script into a fresh database at `path` (in one transaction).
pub async fn load_chinook_sqlite(path: &Path, script_dir: &Path) -> Result<SqlitePool, Error> {
    let script_path = script_dir.join(CHINOOK_SCRIPT);
    let script = std::fs::read_to_string(&script_path)
        .map_err(|error| Error::Setup(format!("cannot read the Chinook script {}: {error}", script_path.display())))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    remove_sqlite(path)?;
    // The script inserts parents after children: no foreign key enforcement while loading.
    let pool = open_sqlite_with(path, 4, false).await?;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(script)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(pool)
}
