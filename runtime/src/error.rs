//! The loader error type: cloneable, so one failed batch can answer every waiter.

use std::sync::Arc;

/// Why a `load`, `load_opt` or `load_many` call failed.
///
/// Cloneable: when a batch fails, every caller waiting on it receives its own copy, and the
/// underlying [`sqlx::Error`] is shared behind an [`Arc`]. A missing key is never an error:
/// it resolves to `None` (unique loaders) or an empty `Vec` (group loaders).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The batch statement failed (connection lost, pool timeout, table missing, decode error).
    /// Every caller of that batch gets this error; none of its keys is cached, and the next
    /// batch runs normally.
    #[error("loader `{loader}`: batch of {keys} key(s) failed: {source}")]
    Database {
        /// Name of the loader type, e.g. `BotStanceByBotId`.
        loader: &'static str,
        /// Number of distinct keys in the failed batch.
        keys: usize,
        /// The database error, shared by every waiter of the batch.
        #[source]
        source: Arc<sqlx::Error>,
    },
    /// The task running the batch ended before it finished (it panicked, or the Tokio runtime
    /// shut down). Waiters get this error instead of waiting forever.
    #[error("loader `{loader}`: batch of {keys} key(s) was abandoned before it completed")]
    Abandoned {
        /// Name of the loader type.
        loader: &'static str,
        /// Number of distinct keys in the abandoned batch.
        keys: usize,
    },
    /// A batch had to be dispatched outside a Tokio runtime; loaders run their statements on
    /// a spawned Tokio task, so they must be polled inside a runtime.
    #[error("loader `{loader}`: no Tokio runtime to run the batch on (poll loaders inside a Tokio runtime)")]
    NoRuntime {
        /// Name of the loader type.
        loader: &'static str,
    },
}

impl Error {
    /// The underlying database error, when the batch statement itself failed.
    pub fn database_error(&self) -> Option<&sqlx::Error> {
        match self {
            Error::Database { source, .. } => Some(source),
            _ => None,
        }
    }
}
