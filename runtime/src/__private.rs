//! Paths named by code that `#[derive(Batched)]` generates. Not a public API: anything here
//! may change in any release.

pub use crate::key::{JsonKey, KeyEncoding};
pub use crate::relation::{Linked, Through};
pub use crate::{BatchQuery, Grouped, Loader, LoaderOptions, Unique};
pub use futures_util::future::BoxFuture;
pub use sqlx::{Error as SqlxError, Pool};

pub use crate::instrument::generated::*;
#[cfg(feature = "mysql")]
pub use sqlx::MySql;
#[cfg(feature = "postgres")]
pub use sqlx::Postgres;

#[cfg(feature = "sqlite")]
pub use sqlx::Sqlite;

/// Encodes the key list as the one JSON array bound to `json_each(?1)` (SQLite) or
/// `JSON_TABLE(?, ...)` (MySQL).
///
/// # Errors
/// Never fails today; the `Result` keeps the generated `?` stable.
pub fn json_keys<K: JsonKey>(keys: &[K]) -> Result<String, sqlx::Error> {
    Ok(crate::key::json_array(keys))
}
