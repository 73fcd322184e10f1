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
//! // N concurrent loads, ONE statement, its loader named in a trailing comment:
//! // ... WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id` /*batchload='BotStanceByBotId'*/
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

mod answers;
mod batch;
mod cache;
mod driver;
mod error;
mod key;
mod loader;
mod options;
mod query;
mod relation;
mod shape;
mod shared;
mod stats;

#[cfg(test)]
mod engine_tests;

#[doc(hidden)]
pub mod __private;
pub mod advisor;
pub mod instrument;

/// Derives batched loaders for a row struct: one loader type per `#[batched(key)]` field
/// (`{Struct}By{Field}`, `load(key) -> Option<Row>`) and per `#[batched(group)]` field
/// (`load(key) -> Vec<Row>`). The attributes are listed in the [crate documentation](crate).
///
/// **Column types need sqlx's type features**, in your crate's `sqlx` dependency: the derive
/// reads every field through `query_as!`, which maps each column to the one Rust type the
/// enabled features allow. `TIMESTAMP`/`DATE`/`TIME` columns need `chrono` or `time`
/// (on SQLite, text timestamps can simply be read as `String`), `NUMERIC` needs
/// `rust_decimal` or `bigdecimal`, `UUID` needs `uuid`, `JSON`/`JSONB` needs `json`.
/// When none is enabled, sqlx's error names its default (`time`, `bigdecimal`): enable the
/// crate your field uses instead (`chrono::NaiveDateTime` wants `chrono`,
/// `rust_decimal::Decimal` wants `rust_decimal`). When both crates of a pair are enabled
/// (feature unification may enable the other one), pick one in `sqlx.toml` (sqlx feature
/// `sqlx-toml`): `[macros.preferred-crates] date-time = "chrono"`, `numeric = "rust_decimal"`.
///
/// **Enums and other user types** (a PostgreSQL `CREATE TYPE ... AS ENUM` column read as a
/// `#[derive(sqlx::Type)]` enum, a UUID stored as `BINARY(16)` on MySQL or as a BLOB on
/// SQLite): sqlx cannot infer a Rust type for them, so the build fails at the field's
/// attribute until `sqlx.toml` names it, for the SQL type (`[macros.type-overrides]
/// 'mood' = "crate::Mood"`) or per column (`[macros.table-overrides.'bots'] 'mood' =
/// "crate::Mood"`). Enum keys are then bound as the enum's own array type on PostgreSQL.
///
/// **Backends**: the derive generates SQL for the database feature of `batchload` that is
/// enabled (`sqlite` by default; with several, say which per struct with
/// `#[batched(db = "postgres")]` or per crate with `[package.metadata.batchload]
/// database = "postgres"`). A PostgreSQL or MySQL application depends on
/// `batchload` with `default-features = false, features = ["postgres"]` (or `"mysql"`):
/// otherwise the default `sqlite` feature also compiles a bundled SQLite it never uses.
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
pub use instrument::loaders::{LoaderInfo, registered_loaders};
pub use key::{JsonKey, json_keys};
pub use loader::{GroupLoader, Loader, OneLoader};
pub use options::{DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_INLINE_WAITERS, LoaderOptions};
pub use query::{BatchQuery, BoxFuture};
pub use shared::Shared;
pub use stats::LoaderStats;
