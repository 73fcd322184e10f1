//! Paths named by code that `#[derive(Batched)]` generates. Not a public API: anything here
//! may change in any release.

pub use crate::key::{JsonKey, KeyEncoding};
pub use crate::relation::{Linked, LinkedRow, Through};
pub use crate::shape::{Grouped, Shape, Unique};
pub use crate::{BatchQuery, Loader, LoaderOptions};
pub use futures_util::future::BoxFuture;
pub use sqlx::{Database as SqlxDatabase, Error as SqlxError, Pool};

pub use crate::instrument::generated::*;
#[cfg(feature = "mysql")]
pub use sqlx::MySql;
#[cfg(feature = "postgres")]
pub use sqlx::Postgres;

#[cfg(feature = "sqlite")]
pub use sqlx::Sqlite;

pub use crate::key::json_keys;
pub use crate::query::is_plain_loader_name;
