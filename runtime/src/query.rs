//! The engine's one trait: a value that fetches the rows of many keys in one round trip.
//! `#[derive(Batched)]` implements it for every generated loader; hand-written loaders
//! implement it too (see [`batch_statement!`](crate::batch_statement)).

use std::fmt::Debug;
use std::hash::Hash;

pub use futures_util::future::BoxFuture;

/// One batched statement and its context: the key type, the row type, and how to fetch the
/// rows of many keys in one round trip.
///
/// A value of the implementing type carries everything the statement needs besides the keys:
/// the pool, and any other bind parameter (the current viewer, a tenant, a limit). Wrap it in
/// a [`GroupLoader`](crate::GroupLoader) (`load(key) -> Vec<Row>`) or a
/// [`OneLoader`](crate::OneLoader) (`load(key) -> Option<Row>`) to get batching,
/// de-duplication, the cache and instrumentation:
///
/// ```ignore
/// let stances = GroupLoader::new(StancesForViewer { pool: pool.clone(), viewer: 7 });
/// let rows = stances.load(bot_id).await?;
/// ```
///
/// `#[derive(Batched)]` implements it for a generated `{Loader}Query` type per loader (e.g.
/// `BotStanceByBotIdQuery`, holding the pool); the generated `BotStanceByBotId` wraps a
/// loader over it.
///
/// The constants describe the statement for tracing, the N+1 detector and the
/// [index advisor](crate::advisor); register a hand-written loader with
/// [`register_loader!`](crate::register_loader) so N+1 findings and the advisor know it.
pub trait BatchQuery: Send + Sync + 'static {
    /// The key type. Any hashable type: an integer, a `String`, a tuple `(i64, i64)` for a
    /// composite key. Rows are matched to keys by this value (see [`key_of`](Self::key_of)).
    /// `Debug` names a key the statement returned without it being requested (see
    /// [`LoaderStats::unmatched_rows`](crate::LoaderStats::unmatched_rows)).
    type Key: Eq + Hash + Clone + Debug + Send + Sync + 'static;
    /// The row type produced by the statement; every caller receives its own clone.
    type Row: Clone + Send + Sync + 'static;

    /// Loader name, e.g. `"BotStanceByBotId"`; used in errors, warnings and tracing events,
    /// and named by the comment that ends the statements of derived loaders and of
    /// [`batch_statement!`](crate::batch_statement) (`/*batchload='BotStanceByBotId'*/`).
    const LOADER: &'static str;
    /// The table whose key column the statement filters on (may be `schema.table`): the N+1
    /// detector names this loader as the fix for repeated single-key reads of
    /// `TABLE.KEY_COLUMN`.
    const TABLE: &'static str;
    /// The column the keys are matched against; for a composite key every column, in key
    /// tuple order, separated by `", "` (`"topic_id, bot_id"`: the index advisor then accepts
    /// an index led by any of them, and the N+1 advice never names the loader for a read by
    /// one column).
    const KEY_COLUMN: &'static str;
    /// The exact SQL text sent to the database (for reports and the advisor), its trailing
    /// `/*batchload='...'*/` comment included for derived and `batch_statement!` loaders.
    const SQL: &'static str;
    /// sqlx's name of the database the statement runs on (`sqlx::Database::NAME`:
    /// `"SQLite"`, `"PostgreSQL"`, `"MySQL"`); the advisor picks its dialect by it.
    const DATABASE: &'static str;
    /// The column a one-to-many loader orders its rows by, when it is not the primary key;
    /// `None` otherwise. Used by the [index advisor](crate::advisor) to suggest composite
    /// `(key, order_by)` indexes.
    const ORDER_BY: Option<&'static str> = None;

    /// Runs [`Self::SQL`] once for `keys` (de-duplicated, never empty, at most
    /// [`LoaderOptions::max_batch_size`](crate::LoaderOptions::max_batch_size) of them) and
    /// returns the matching rows, in statement order. Rows may come in any order and for any
    /// subset of `keys`; a row whose key is not one of `keys` is counted and reported (see
    /// [`LoaderStats::unmatched_rows`](crate::LoaderStats::unmatched_rows)).
    ///
    /// # Errors
    /// Any [`sqlx::Error`] from encoding the key list, acquiring a connection, executing the
    /// statement or decoding a row; every caller waiting on the batch receives it.
    fn fetch<'a>(&'a self, keys: &'a [Self::Key]) -> BoxFuture<'a, Result<Vec<Self::Row>, sqlx::Error>>;

    /// The key value of `row`, owned (so a tuple key needs no wrapper row type); `None` when
    /// the key column is NULL: such a row matches no key.
    fn key_of(&self, row: &Self::Row) -> Option<Self::Key>;
}

/// Implements the statement items of [`BatchQuery`] for a hand-written loader from ONE SQL
/// literal and its name: defines [`BatchQuery::LOADER`], [`BatchQuery::SQL`] and
/// [`BatchQuery::DATABASE`] and a [`BatchQuery::fetch`] that runs `sqlx::query_as!` with that
/// same text, so sqlx checks the statement against the schema at compile time (online, or
/// offline from `.sqlx/`) and reports and the advisor see the text that runs.
///
/// Like every statement `#[derive(Batched)]` generates, the statement ends with a comment
/// naming its loader in the [sqlcommenter](https://google.github.io/sqlcommenter/spec/)
/// format, so the database's own records (`pg_stat_statements`, server and slow query logs)
/// say which loader ran it: `sql: "SELECT ..."` with `loader: "StancesForViewer"` runs
/// `SELECT ... /*batchload='StancesForViewer'*/`, and [`BatchQuery::SQL`] is that text.
///
/// Use it inside `impl BatchQuery for ...`, next to `type Key`, `type Row`, `TABLE`,
/// `KEY_COLUMN` and `key_of`:
///
/// ```ignore
/// impl BatchQuery for StancesForViewer {
///     type Key = i64;
///     type Row = ViewerStance;
///     const TABLE: &'static str = "bot_stances";
///     const KEY_COLUMN: &'static str = "bot_id";
///
///     batchload::batch_statement! {
///         loader: "StancesForViewer",
///         db: sqlx::Sqlite,
///         row: ViewerStance,
///         sql: "SELECT s.id AS \"id!\", s.bot_id AS \"bot_id!\", (s.bot_id = ?2) AS \"mine!: bool\" \
///               FROM bot_stances AS s WHERE s.bot_id IN (SELECT value FROM json_each(?1)) ORDER BY s.id",
///         fn fetch(&self, keys) {
///             pool: &self.pool,
///             args: [batchload::json_keys(keys), self.viewer],
///         }
///     }
///
///     fn key_of(&self, row: &ViewerStance) -> Option<i64> {
///         Some(row.bot_id)
///     }
/// }
/// ```
///
/// - `loader`: the loader's name, a string literal of letters, digits and `_ - . ~` (the
///   characters the comment carries without URL-encoding; anything else is a compile error);
/// - `db`: the sqlx database type (`sqlx::Sqlite`, `sqlx::Postgres`, `sqlx::MySql`);
/// - `row`: the row type, as a path (`query_as!` maps the columns onto its fields);
/// - `sql`: the statement, a string literal, without a trailing `;`;
/// - `fn fetch(&self, keys)`: names the receiver and the key slice (`&[Key]`) for the
///   expressions that follow; `pool`: any sqlx executor (`&self.pool`); `args`: the bind
///   parameters in order. On SQLite and MySQL bind the keys as one JSON array
///   ([`json_keys`](crate::json_keys)); on PostgreSQL bind the slice itself (`keys`, for
///   `= ANY($1)`), or one array per tuple element for composite keys.
///
/// The crate using it must depend on `sqlx` with the `macros` feature.
#[macro_export]
macro_rules! batch_statement {
    (
        loader: $loader:literal,
        db: $db:path,
        row: $row:path,
        sql: $sql:literal,
        fn fetch(&$this:ident, $keys:ident) {
            pool: $pool:expr,
            args: [$($arg:expr),* $(,)?] $(,)?
        } $(,)?
    ) => {
        const LOADER: &'static str = $loader;
        const SQL: &'static str = ::core::concat!($sql, " /*batchload='", $loader, "'*/");
        const DATABASE: &'static str = <$db as ::sqlx::Database>::NAME;

        fn fetch<'a>(
            &'a $this,
            $keys: &'a [<Self as $crate::BatchQuery>::Key],
        ) -> $crate::BoxFuture<'a, ::core::result::Result<::std::vec::Vec<$row>, ::sqlx::Error>> {
            const {
                ::core::assert!(
                    $crate::__private::is_plain_loader_name($loader),
                    "batch_statement!: the loader name must be letters, digits, `_`, `-`, `.` or `~` (it is written into the statement's comment as is)"
                )
            };
            // `+` joins string literals in sqlx's query macros: the same text as `SQL`.
            ::std::boxed::Box::pin(async move {
                ::sqlx::query_as!($row, $sql + " /*batchload='" + $loader + "'*/", $($arg),*).fetch_all($pool).await
            })
        }
    };
}

/// Whether `name` is non-empty and made of the characters a sqlcommenter value carries
/// without URL-encoding (RFC 3986 unreserved: ASCII letters and digits, `_`, `-`, `.`, `~`),
/// so `batch_statement!` can write it into its statement's comment as is.
#[doc(hidden)]
pub const fn is_plain_loader_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if !(byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'~')) {
            return false;
        }
        at += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_plain_loader_name;

    #[test]
    fn plain_loader_names() {
        assert!(is_plain_loader_name("StancesForViewer"));
        assert!(is_plain_loader_name("a-b.c_d~9"));
        assert!(!is_plain_loader_name(""));
        assert!(!is_plain_loader_name("Stances For Viewer"));
        assert!(!is_plain_loader_name("x'*/"));
        assert!(!is_plain_loader_name("Böt"));
    }
}
