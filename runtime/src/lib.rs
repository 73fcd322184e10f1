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
//! ## Hand-written loaders
//!
//! For SQL the derive does not write (a join, a flag computed for the current viewer, a
//! composite key), implement [`BatchQuery`] on a struct that carries the statement's context
//! (the pool and any other bind parameter), write the SQL once with [`batch_statement!`],
//! wrap it in a [`GroupLoader`] or a [`OneLoader`], and register it with
//! [`register_loader!`] for the N+1 detector and the advisor. It gets the same batching,
//! cache and instrumentation as a derived loader.
//!
//! ## `#[timed]`
//!
//! [`macro@timed`] turns a function into an operation whose statements are captured, fingerprinted,
//! checked for N+1 patterns and against a query budget, and profiled; see [`instrument`] for
//! the one-line setup (`tracing_subscriber::registry().with(batchload::instrument::layer())`).
//!
//! [sqlx]: https://docs.rs/sqlx

mod batch;
mod cache;
mod error;
mod key;
mod loader;
mod options;
mod query;
mod shape;
mod stats;

#[cfg(test)]
mod engine_tests;

#[doc(hidden)]
pub mod __private;
pub mod advisor;
pub mod instrument;

pub use batchload_macros::Batched;
/// Turns a function into a timed *operation*: wall time, every SQL statement executed inside
/// it (by loaders or by hand), their fingerprints, rows and database time, the N+1 verdict and
/// the query budget. See [`instrument`] for the setup line and the outputs.
///
/// ```ignore
/// #[batchload::timed(max_queries = 4)]
/// async fn build_context(pool: &SqlitePool, chat_id: i64) -> Result<Context, Error> { ... }
/// ```
///
/// Works on `async fn`, on `fn`s returning `impl Future` or `Pin<Box<dyn Future>>` (so on
/// `#[async_trait]` methods, with `#[timed]` under `#[async_trait]`), and on plain `fn`s (a
/// span is entered for the call): free functions, inherent and trait-impl methods, generic
/// functions. The signature is kept token for token; the future stays `Send` when the
/// original is; no span guard is held across `.await`.
///
/// Options:
/// - `name = "..."`: the operation name (default `module::path::function`);
/// - `max_queries = N`: at most `N` queries (transaction control and session setup are not
///   counted); exceeding it warns or panics per the layer's [`instrument::Mode`];
/// - `level = "trace" | "debug" | "info" | "warn" | "error"`: the span's level (default `info`);
/// - `threshold = N` (at least 2): repeats of one statement shape from one call site that make
///   an N+1 in this operation, instead of the layer's threshold.
///
/// Outcome: `error` when the function returns `Result::Err` (or panics), `cancelled` when its
/// future is dropped before completing, `ok` otherwise. With no instrumentation layer
/// installed, the attribute costs one atomic load per call.
///
/// # Panics
/// When the layer is in [`instrument::Mode::Deny`] and the operation has an N+1 finding (at
/// the outermost operation), exceeds `max_queries`, or could not be observed: the function
/// panics with the report when it completes (never when cancelled).
pub use batchload_macros::timed;
pub use error::Error;
pub use instrument::{LoaderInfo, registered_loaders};
pub use key::{JsonKey, json_keys};
pub use loader::{GroupLoader, Loader, OneLoader};
pub use options::{DEFAULT_MAX_BATCH_SIZE, LoaderOptions};
pub use query::{BatchQuery, BoxFuture};
pub use stats::LoaderStats;
