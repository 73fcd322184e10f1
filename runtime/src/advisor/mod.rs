//! Index advisor: proves that every loader statement finds its rows through an index.
//!
//! A batched `IN` statement is only fast when its key column is indexed; without the index,
//! each batch is a full table scan. batchload knows every statement its loaders run
//! ([`registered_loaders`](crate::registered_loaders), or [`LoaderInfo::of`]), so
//! [`analyze`] asks the database how it would run each one and classifies it as
//! [`Access::Indexed`] or [`Access::FullScan`], keeping the raw plan and, for a full scan,
//! the [`CREATE INDEX`](suggested_index) statement that fixes it. [`assert_indexed`] is the
//! test helper.
//!
//! How each backend is asked (read-only: nothing is written, nothing is committed):
//!
//! | backend | statement run | indexed when |
//! | --- | --- | --- |
//! | SQLite | `EXPLAIN QUERY PLAN <loader SQL>` with `'[]'` bound | the row of alias `t` is `SEARCH t USING [COVERING] INDEX i (key=?)` or `USING INTEGER PRIMARY KEY` / `PRIMARY KEY` (not `AUTOMATIC`) |
//! | PostgreSQL | in a transaction rolled back: `SET LOCAL enable_seqscan = off` (and `jit = off`), `EXPLAIN (FORMAT JSON)` and `EXPLAIN` of the SQL without its `ORDER BY` and with `$1` replaced by a sample of the key column (`ARRAY(SELECT t2."key" FROM "table" AS t2 LIMIT 3)`) | the scan of alias `t` is an Index Scan, Index Only Scan or Bitmap Index Scan whose `Index Cond` is on the key column |
//! | MySQL / MariaDB | `information_schema.STATISTICS` (an index whose first column, `SEQ_IN_INDEX = 1`, is the key column, in `DATABASE()` or the table's schema), plus `EXPLAIN <loader SQL>` with `'[]'` bound for the report | the catalog has such an index |
//!
//! PostgreSQL and MariaDB plan small tables as sequential scans whatever the indexes, so
//! their plans alone cannot answer "is there an index that can serve this filter": PostgreSQL
//! is asked with sequential scans disabled, and MySQL/MariaDB are classified from the catalog
//! (see `docs/decisions.md`).

mod report;
mod suggestion;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use futures_util::future::BoxFuture;
use sqlx::Pool;

use crate::LoaderInfo;

pub use report::{AdvisorError, IndexReport, LoaderPlan};
pub use suggestion::suggested_index;

/// How a loader statement reaches its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// An index (or the primary key) serves the filter on the key column.
    Indexed,
    /// The table is read in full for every batch: the key column needs an index.
    FullScan,
}

/// A database the advisor knows how to ask for plans: implemented for `sqlx::Sqlite`,
/// `sqlx::Postgres` and `sqlx::MySql` behind the `sqlite`, `postgres` and `mysql` features.
/// Sealed.
pub trait PlanDatabase: sqlx::Database + sealed::Sealed {
    /// Plans `loader`'s statement on `pool` and classifies it. Internal to [`analyze`].
    #[doc(hidden)]
    fn explain<'a>(pool: &'a Pool<Self>, loader: &'a LoaderInfo) -> BoxFuture<'a, Result<Explained, sqlx::Error>>;
}

/// One backend's answer for one statement. Internal to [`analyze`].
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Explained {
    pub(crate) access: Access,
    pub(crate) index: Option<String>,
    pub(crate) plan: String,
}

mod sealed {
    pub trait Sealed {}
    #[cfg(feature = "mysql")]
    impl Sealed for sqlx::MySql {}
    #[cfg(feature = "postgres")]
    impl Sealed for sqlx::Postgres {}
    #[cfg(feature = "sqlite")]
    impl Sealed for sqlx::Sqlite {}
}

/// The registered loaders ([`registered_loaders`](crate::registered_loaders)) that run on
/// database `DB`, sorted by loader name: every loader derived in the program for that backend.
pub fn registered_for<DB: sqlx::Database>() -> Vec<LoaderInfo> {
    let mut loaders: Vec<LoaderInfo> =
        crate::registered_loaders().filter(|info| info.database == DB::NAME).copied().collect();
    loaders.sort_by_key(|info| info.loader);
    loaders.dedup_by_key(|info| info.loader);
    loaders
}

/// Plans every statement of `loaders` on `pool` (in the given order) and classifies each one;
/// see the [module documentation](self) for the statements run per backend. Nothing is
/// written: PostgreSQL's settings live in a transaction that is rolled back.
///
/// The report keeps, per loader, the [`Access`], the index found (`"INTEGER PRIMARY KEY"` for
/// a SQLite rowid), the raw plan text, and for a full scan the [`suggested_index`].
///
/// # Errors
/// [`AdvisorError::OtherDatabase`] when a loader runs on another database than `DB` (checked
/// before anything is run); [`AdvisorError::Database`] with the loader's name when a plan
/// statement fails (e.g. the loader's table does not exist in this database).
pub async fn analyze<DB: PlanDatabase>(pool: &Pool<DB>, loaders: &[LoaderInfo]) -> Result<IndexReport, AdvisorError> {
    if let Some(other) = loaders.iter().find(|info| info.database != DB::NAME) {
        return Err(AdvisorError::OtherDatabase { loader: other.loader, database: other.database, pool: DB::NAME });
    }
    let mut plans = Vec::with_capacity(loaders.len());
    for loader in loaders {
        let explained = DB::explain(pool, loader)
            .await
            .map_err(|source| AdvisorError::Database { loader: loader.loader, source })?;
        let suggestion = match explained.access {
            Access::FullScan => suggested_index(loader),
            Access::Indexed => None,
        };
        plans.push(LoaderPlan {
            loader: *loader,
            access: explained.access,
            index: explained.index,
            plan: explained.plan,
            suggestion,
        });
    }
    Ok(IndexReport { database: DB::NAME, plans })
}

/// Test helper: `Ok(())` when every statement of `loaders` is served by an index on `pool`,
/// else [`AdvisorError::FullScans`], whose message lists every scanning statement with its
/// suggested `CREATE INDEX`. Like the [instrument check helpers](crate::instrument::assert_max_queries), it
/// never panics and never passes on nothing: call `.unwrap()` (the error's `Debug` is its
/// message) or inspect the error.
///
/// ```ignore
/// batchload::advisor::assert_indexed(&pool, &batchload::advisor::registered_for::<sqlx::Sqlite>())
///     .await
///     .unwrap();
/// ```
///
/// # Errors
/// [`AdvisorError::NoLoaders`] for an empty `loaders` (nothing checked is not a pass),
/// [`AdvisorError::FullScans`] with the whole report when any statement scans, and the errors
/// of [`analyze`].
pub async fn assert_indexed<DB: PlanDatabase>(pool: &Pool<DB>, loaders: &[LoaderInfo]) -> Result<(), AdvisorError> {
    if loaders.is_empty() {
        return Err(AdvisorError::NoLoaders);
    }
    let report = analyze(pool, loaders).await?;
    if report.is_indexed() { Ok(()) } else { Err(AdvisorError::FullScans(Box::new(report))) }
}
