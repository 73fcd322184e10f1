//! Paths named by code that `#[derive(Batched)]` generates. Not a public API: anything here
//! may change in any release.

pub use crate::{BatchQuery, Grouped, Loader, LoaderOptions, Unique};
pub use futures_util::future::BoxFuture;
pub use sqlx::{Error as SqlxError, Pool};

pub use crate::instrument::generated::*;

#[cfg(feature = "sqlite")]
pub use sqlx::Sqlite;

/// Encodes the key list as the JSON array bound to `json_each(?1)`.
///
/// # Errors
/// [`sqlx::Error::Encode`] if a key cannot be represented in JSON.
#[cfg(feature = "sqlite")]
pub fn sqlite_json_keys<K: serde::Serialize>(keys: &[K]) -> Result<String, sqlx::Error> {
    serde_json::to_string(keys).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}
