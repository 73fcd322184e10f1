//! The trait that `#[derive(Batched)]` implements once per loader: its statement and how to
//! run it for a list of keys.

use std::hash::Hash;

use futures_util::future::BoxFuture;

/// One batched statement: the key type, the row type and how to fetch the rows of many keys
/// in one round trip.
///
/// `#[derive(Batched)]` implements it for every generated loader type (`BotStanceByBotId`),
/// so user code rarely names it; it is public so the statement text and key column can be
/// inspected (tests, plan checks) and so hand-written loaders can reuse the engine through
/// [`Loader`](crate::Loader).
pub trait BatchQuery: Sized + Send + Sync + 'static {
    /// The sqlx database the statement runs on (`sqlx::Sqlite`).
    type Database: sqlx::Database;
    /// The key type: the Rust type of the key column, without `Option`.
    type Key: Eq + Hash + Clone + Send + Sync + 'static;
    /// The row type produced by the statement.
    type Row: Clone + Send + Sync + 'static;

    /// Loader type name, e.g. `"BotStanceByBotId"`; used in errors and tracing events.
    const LOADER: &'static str;
    /// Table the statement reads, exactly as written in `#[batched(table = "...")]`.
    const TABLE: &'static str;
    /// Column the keys are matched against.
    const KEY_COLUMN: &'static str;
    /// The exact SQL text sent to the database; it has exactly one bind parameter, the whole
    /// key list.
    const SQL: &'static str;
    /// The column a one-to-many loader orders its rows by, as written in
    /// `#[batched(order_by = "...")]` (field, then container); `None` for one-to-one loaders
    /// and for group loaders ordered by the primary key only. The primary key always follows
    /// as a tie-breaker in the statement. Used by the [index advisor](crate::advisor) to
    /// suggest composite `(key, order_by)` indexes.
    const ORDER_BY: Option<&'static str> = None;

    /// Runs [`Self::SQL`] once for `keys` (already de-duplicated, never empty) and returns the
    /// matching rows in statement order.
    ///
    /// # Errors
    /// Any [`sqlx::Error`] from encoding the key list, acquiring a connection, executing the
    /// statement or decoding a row.
    fn fetch<'a>(
        pool: &'a sqlx::Pool<Self::Database>,
        keys: &'a [Self::Key],
    ) -> BoxFuture<'a, Result<Vec<Self::Row>, sqlx::Error>>;

    /// The key value of `row` (`None` when the key column is NULL: such a row matches no key).
    fn key_of(row: &Self::Row) -> Option<&Self::Key>;
}
