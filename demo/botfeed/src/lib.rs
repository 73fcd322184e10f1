//! `botfeed`: the chat-bot workload that batchload grew out of, profiled and fixed end to end.
//!
//! One run: a fresh SQLite database is migrated and seeded deterministically, two synthetic
//! workloads ("generate a message", and the engine "tick" writing a message in each of K chats)
//! run naive (per-item queries) and batched (batchload loaders) on two identical copies, and two workloads on the real Chinook data set do the
//! same; every operation is a `#[batchload::timed]` operation, and the report shows, per
//! workload, the four phases: baseline profile, index check, batched run, validation.

mod backend;
pub mod chinook;
pub mod db;
pub mod html;
pub mod index_check;
pub mod load;
/// The backend-independent part of the synthetic workload (shared with `botfeed-postgres`).
pub mod logic;
pub mod models;

/// The Rust type of the demo schema's `created_at` columns on SQLite (ISO 8601 `TEXT`).
pub type Timestamp = String;
pub mod preflight;
pub mod report;
pub mod run;
pub mod synthetic;
pub mod table;

pub use report::Report;
pub use run::{Config, Dataset, Target, run};

/// Everything that can stop a run.
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
    /// A file could not be read or written.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The run could not be set up, or the data is not as expected.
    #[error("{0}")]
    Setup(String),
    /// The PostgreSQL workload failed.
    #[error("{0}")]
    Postgres(#[from] botfeed_postgres::Error),
    /// The MySQL workload failed.
    #[error("{0}")]
    MySql(#[from] botfeed_mysql::Error),
    /// The requested backend is not supported (yet).
    #[error("{0}")]
    Unsupported(String),
    /// Bad input, refused before any work: the message says what is wrong (botfeed exits
    /// with code 2).
    #[error("{0}")]
    Input(String),
}

/// Installs the global `tracing` subscriber with batchload's instrumentation layer (N+1
/// threshold 3; `db.system.name` left out, since the program has SQLite, PostgreSQL and MySQL loaders;
/// findings and budgets reported in the profile, warnings not printed). Returns
/// `false` when a global subscriber was already installed (then the profile is read from it,
/// if it has the layer).
pub fn install_instrumentation() -> bool {
    use tracing_subscriber::prelude::*;
    let subscriber = tracing_subscriber::registry().with(batchload::instrument::builder().threshold(3).build());
    tracing::subscriber::set_global_default(subscriber).is_ok()
}
