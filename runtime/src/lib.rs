//! # batchload
//!
//! N+1-proof data access on [sqlx]. `#[derive(Batched)]` on a row struct generates loader
//! types that collapse per-item lookups into one statement per batch, with SQL generated at
//! compile time and checked by sqlx's `query_as!` against your migrated schema.
//!
//! ```ignore
//! use batchload::Batched;
//!
//! #[derive(Debug, Clone, Batched)]
//! #[batched(table = "bot_stances")]
//! pub struct BotStance {
//!     #[batched(key)]   // BotStanceById:    load(id)     -> Option<BotStance>
//!     pub id: i64,
//!     #[batched(group)] // BotStanceByBotId: load(bot_id) -> Vec<BotStance>
//!     pub bot_id: i64,
//!     pub topic: String,
//!     pub note: Option<String>,
//! }
//!
//! let loader = BotStanceByBotId::new(pool.clone());
//! // N concurrent loads, ONE statement: ... WHERE t.`bot_id` IN (SELECT value FROM json_each(?1))
//! let stances = futures::future::try_join_all(bots.iter().map(|b| loader.load(b.id))).await?;
//! ```
//!
//! ## `#[derive(Batched)]`
//!
//! Container attribute `#[batched(table = "...", loader = "Prefix", order_by = "column")]`:
//! `table` is required; `loader` replaces the struct name in loader type names; `order_by`
//! orders rows inside each group of every group loader.
//!
//! Field attributes: `#[batched(key)]` (unique column: one-to-one loader
//! `{Struct}By{Field}` yielding `Option<Row>`), `#[batched(group)]` (non-unique column:
//! one-to-many loader yielding `Vec<Row>`), `#[batched(column = "...")]` (column name when it
//! differs from the field name), `#[batched(group, order_by = "column")]`.
//!
//! Rows inside a group come in primary key order: by the `order_by` column when given,
//! otherwise by the struct's first `#[batched(key)]` column (a struct with group loaders and
//! no key field must give `order_by`).
//!
//! Each loader runs one constant statement whose only bind parameter is the whole key list
//! (on SQLite a JSON array read by `json_each`), so its text never depends on the number of
//! keys, it is prepared once, and bind-parameter limits never apply. Every field is selected
//! as a column aliased to the field name, so sqlx checks each column's existence, type and
//! nullability against the struct at compile time. The crate using the derive must depend on
//! `sqlx` (with the `macros` feature) itself, because `query_as!` expands to `::sqlx` paths.
//!
//! See [`Loader`] for the runtime guarantees (batching, cache, errors, cancellation).
//!
//! [sqlx]: https://docs.rs/sqlx

mod batch;
mod cache;
mod error;
mod loader;
mod options;
mod query;
mod shape;
mod stats;

#[doc(hidden)]
pub mod __private;
pub mod instrument;

pub use batchload_macros::Batched;
pub use batchload_macros::timed;
pub use error::Error;
pub use instrument::{LoaderInfo, registered_loaders};
pub use loader::{GroupLoader, Loader, OneLoader};
pub use options::{DEFAULT_MAX_BATCH_SIZE, LoaderOptions};
pub use query::BatchQuery;
pub use shape::{Grouped, Shape, Unique};
pub use stats::LoaderStats;
