//! Index advisor: proves that every loader statement finds its rows through an index, proves
//! each suggested index with a what-if plan, and writes the verified ones as a migration.
//!
//! A batched statement is only fast when an index *led by* its key column(s) serves the key
//! filter; otherwise each batch reads a whole table (or a whole index). [`analyze`] asks the
//! database how it would run each loader statement ([`registered_for`] lists the derived ones;
//! [`LoaderStatement::new`] describes a hand-written one) and returns an [`IndexReport`] with
//! one [`LoaderPlan`] per loader *whatever happens* (a statement that cannot be planned gets
//! its own [`Access::NotAnalyzed`] line with the reason). [`assert_indexed`] is the test
//! helper; [`IndexReport::write_migration`] writes the verified suggestions.
//!
//! How each backend is asked (nothing is written to the analyzed database):
//!
//! | backend | classified from | what-if proof of a suggestion |
//! | --- | --- | --- |
//! | PostgreSQL | in a transaction rolled back, `SET LOCAL enable_seqscan = off`, `plan_cache_mode = force_generic_plan`; `PREPARE` of the statement without its `ORDER BY`, `EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE` with `NULL` for every parameter (a generic plan does not depend on values); the plan nodes whose conditions use the key parameter, on every partition or inheritance child; the leading column of each index used (`pg_index`) | HypoPG (`hypopg_create_index`, per leaf partition of a partitioned table): the full statement's generic plan before and after; kept when the plan reads the key through the hypothetical index and its total cost falls. Without the extension: "suggestion not verified" |
//! | SQLite | `EXPLAIN QUERY PLAN` with `'[]'` bound to the key list and `NULL` to other parameters, at the row of the key table's alias (for a view: the base table's alias, from the view's definition) | the same plan on an in-memory copy of the schema and of `sqlite_stat1`, with the index created there |
//! | MySQL / MariaDB | the catalog (`information_schema.STATISTICS`: an index whose first column is the key column, on the base table of a view), `EXPLAIN` kept for the report | a scratch database with `CREATE TABLE ... LIKE` copies of the tables the statement reads, a sample of up to 10,000 rows each, `ANALYZE TABLE`; `EXPLAIN` and `Last_query_cost` before and after creating the index there; kept when the key's table is read by `ref`/`eq_ref`/`range` on the new index |
//!
//! Every `key` (one-to-one) loader is also checked for a unique index or primary key over its
//! key column(s): without one, the statement can return several rows per key and the loader
//! silently keeps one ([`LoaderPlan::key_not_unique`]).
//!
//! See `docs/decisions.md` (Index advisor) for why each backend is asked this way.

mod migration;
mod report;
mod statement;
mod suggestion;
#[cfg(any(feature = "sqlite", feature = "mysql"))]
mod view;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use futures_util::future::BoxFuture;
use sqlx::Pool;

use crate::LoaderInfo;

pub use report::{Access, AdvisorError, IndexReport, LoaderPlan};
pub use statement::LoaderStatement;
pub use suggestion::{Suggestion, Verification};

/// A database the advisor knows how to ask for plans: implemented for `sqlx::Sqlite`,
/// `sqlx::Postgres` and `sqlx::MySql` behind the `sqlite`, `postgres` and `mysql` features.
/// Sealed.
pub trait PlanDatabase: sqlx::Database + sealed::Sealed {
    /// Plans `statement` on `pool` and classifies it. Internal to [`analyze`].
    #[doc(hidden)]
    fn inspect<'a>(pool: &'a Pool<Self>, statement: &'a LoaderStatement) -> BoxFuture<'a, Inspection>;

    /// The what-if check of `suggestion` for `statement`, with the indexes of `assumed`
    /// present before and after. Internal to [`analyze`].
    #[doc(hidden)]
    fn verify<'a>(
        pool: &'a Pool<Self>,
        statement: &'a LoaderStatement,
        suggestion: &'a Suggestion,
        assumed: &'a [Suggestion],
    ) -> BoxFuture<'a, Verification>;
}

/// A table a suggested index goes on, and its columns. Internal to [`analyze`].
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub(crate) table: String,
    pub(crate) columns: Vec<String>,
    pub(crate) partitioned: bool,
}

/// One backend's answer for one statement. Internal to [`analyze`].
#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    pub(crate) access: Option<Access>,
    pub(crate) index: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) plan: String,
    pub(crate) targets: Vec<Target>,
    pub(crate) findings: Vec<String>,
    pub(crate) key_not_unique: bool,
}

impl Inspection {
    /// A statement that could not be analyzed, and why.
    pub(crate) fn not_analyzed(reason: impl Into<String>) -> Self {
        Self { access: Some(Access::NotAnalyzed), reason: Some(reason.into()), ..Self::default() }
    }

    /// Adds `target` unless an equal one is there.
    pub(crate) fn target(&mut self, target: Target) {
        if !self.targets.contains(&target) {
            self.targets.push(target);
        }
    }

    /// Records the uniqueness finding of a `key` loader whose columns no unique index backs.
    pub(crate) fn not_unique(&mut self, statement: &LoaderStatement, detail: &str) {
        self.key_not_unique = true;
        self.findings.push(format!(
            "`key` on a non-unique column ({}.{}) returns one of several rows: use `group` or add a unique index{detail}",
            statement.table,
            statement.key_columns.join(", ")
        ));
    }
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

/// Plans every loader statement of `loaders` on `pool` (in the given order), classifies it,
/// checks `key` loaders for uniqueness, and proves each suggested index by a what-if plan; see
/// the [module documentation](self) for the statements run per backend. `loaders` are
/// [`LoaderInfo`]s (e.g. from [`registered_for`]) or [`LoaderStatement`]s.
///
/// The report has exactly one entry per loader: a statement that cannot be planned (missing
/// table, permissions, a parameter the database cannot type) is an [`Access::NotAnalyzed`]
/// entry with the reason, and the rest of the report is complete.
///
/// # Errors
/// [`AdvisorError::OtherDatabase`] when a derived loader runs on another database than `DB`
/// (checked before anything is run). Database errors are per loader, in the report.
pub async fn analyze<DB, L>(pool: &Pool<DB>, loaders: impl IntoIterator<Item = L>) -> Result<IndexReport, AdvisorError>
where
    DB: PlanDatabase,
    L: Into<LoaderStatement>,
{
    let statements: Vec<LoaderStatement> = loaders.into_iter().map(Into::into).collect();
    if let Some(other) = statements.iter().find(|statement| statement.database.is_some_and(|name| name != DB::NAME)) {
        return Err(AdvisorError::OtherDatabase {
            loader: other.name.clone(),
            database: other.database.unwrap_or_default(),
            pool: DB::NAME,
        });
    }
    let mut plans = Vec::with_capacity(statements.len());
    for statement in &statements {
        let inspection = DB::inspect(pool, statement).await;
        let access = inspection.access.unwrap_or(Access::NotAnalyzed);
        let mut suggestions = Vec::new();
        if access == Access::FullScan {
            for target in &inspection.targets {
                let mut suggestion =
                    Suggestion::new(DB::NAME, &target.table, target.columns.clone(), target.partitioned);
                suggestion.verification = DB::verify(pool, statement, &suggestion, &[]).await;
                suggestions.push(suggestion);
            }
        }
        plans.push(LoaderPlan {
            loader: statement.name.clone(),
            target: format!("{}.{}", statement.table, statement.key_columns.join(", ")),
            sql: statement.sql.clone(),
            access,
            index: inspection.index,
            reason: inspection.reason,
            plan: inspection.plan,
            suggestions,
            findings: inspection.findings,
            key_not_unique: inspection.key_not_unique,
        });
    }
    // A suggestion the planner ignores alone may pay beside the others (both sides of a
    // join): check each rejected one again with every verified suggestion present.
    let verified: Vec<Suggestion> = IndexReport { database: DB::NAME, plans: plans.clone() }
        .unique_suggestions(true)
        .into_iter()
        .cloned()
        .collect();
    if !verified.is_empty() {
        for (plan, statement) in plans.iter_mut().zip(&statements) {
            for suggestion in &mut plan.suggestions {
                if suggestion.is_rejected() {
                    let others: Vec<Suggestion> =
                        verified.iter().filter(|other| other.ddl() != suggestion.ddl()).cloned().collect();
                    let again = DB::verify(pool, statement, suggestion, &others).await;
                    if matches!(again, Verification::Verified { .. }) {
                        suggestion.verification = again;
                    }
                }
            }
        }
    }
    Ok(IndexReport { database: DB::NAME, plans })
}

/// Test helper: `Ok(())` when every statement of `loaders` is [`Access::Indexed`] on `pool`,
/// else [`AdvisorError::NotIndexed`], whose message lists every other statement with its
/// reason and suggested `CREATE INDEX`. Like the
/// [instrument check helpers](crate::instrument::assert_max_queries), it never panics and never
/// passes on nothing: call `.unwrap()` (the error's `Debug` is its message) or inspect it.
/// What-if checks run as in [`analyze`].
///
/// ```ignore
/// batchload::advisor::assert_indexed(&pool, &batchload::advisor::registered_for::<sqlx::Sqlite>())
///     .await
///     .unwrap();
/// ```
///
/// # Errors
/// [`AdvisorError::NoLoaders`] for an empty `loaders` (nothing checked is not a pass),
/// [`AdvisorError::NotIndexed`] with the whole report when any statement is not indexed, and
/// the errors of [`analyze`].
pub async fn assert_indexed<DB, L>(pool: &Pool<DB>, loaders: impl IntoIterator<Item = L>) -> Result<(), AdvisorError>
where
    DB: PlanDatabase,
    L: Into<LoaderStatement>,
{
    let report = analyze(pool, loaders).await?;
    if report.plans.is_empty() {
        return Err(AdvisorError::NoLoaders);
    }
    if report.is_indexed() { Ok(()) } else { Err(AdvisorError::NotIndexed(Box::new(report))) }
}

/// Whether `text` mentions `column` as a whole identifier (not as part of a longer name),
/// ASCII case-insensitively.
#[cfg(any(feature = "postgres", test))]
pub(crate) fn mentions_column(text: &str, column: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let lower = text.to_ascii_lowercase();
    let column = column.to_ascii_lowercase();
    !column.is_empty()
        && lower.match_indices(&column).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + column.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
}

/// A database error as one line for a report.
pub(crate) fn describe(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(database) => database.message().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_mentions_are_whole_identifiers() {
        assert!(mentions_column("(bot_id = ANY ($0))", "bot_id"));
        assert!(mentions_column("(t.\"bot_id\" = ANY ($0))", "bot_id"));
        assert!(!mentions_column("(other_bot_id = ANY ($0))", "bot_id"));
        assert!(!mentions_column("(bot_ids = 1)", "bot_id"));
    }
}
