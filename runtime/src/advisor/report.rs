//! The advisor's report and errors, rendered as text.

use std::fmt;

use super::Access;
use crate::LoaderInfo;

/// The plan of one loader statement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoaderPlan {
    /// The loader (name, table, key column, statement).
    pub loader: LoaderInfo,
    /// How the statement reaches its rows.
    pub access: Access,
    /// The index that serves the key filter when [`Access::Indexed`]: its name, or
    /// `"INTEGER PRIMARY KEY"` / `"PRIMARY KEY"` for SQLite's rowid and primary key.
    pub index: Option<String>,
    /// The database's plan, as text (SQLite: the `EXPLAIN QUERY PLAN` details, indented by
    /// depth; PostgreSQL: `EXPLAIN` text with sequential scans disabled; MySQL: one line per
    /// `EXPLAIN` row).
    pub plan: String,
    /// For a full scan, the `CREATE INDEX` statement that fixes it ([`super::suggested_index`]).
    pub suggestion: Option<String>,
}

/// What [`analyze`](super::analyze) found: one [`LoaderPlan`] per loader, in the order given.
/// `Display` renders the text report (every loader, full scans with plan and fix).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexReport {
    /// sqlx's name of the database (`"SQLite"`, `"PostgreSQL"`, `"MySQL"`).
    pub database: &'static str,
    /// One entry per loader.
    pub plans: Vec<LoaderPlan>,
}

impl IndexReport {
    /// `true` when no statement scans its table (also for an empty report).
    pub fn is_indexed(&self) -> bool {
        self.plans.iter().all(|plan| plan.access == Access::Indexed)
    }

    /// The statements that scan their table, in report order.
    pub fn full_scans(&self) -> impl Iterator<Item = &LoaderPlan> {
        self.plans.iter().filter(|plan| plan.access == Access::FullScan)
    }

    /// The suggested `CREATE INDEX` statements, in report order, without duplicates (two
    /// loaders on one column share one index).
    pub fn suggestions(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for suggestion in self.full_scans().filter_map(|plan| plan.suggestion.as_deref()) {
            if !seen.contains(&suggestion) {
                seen.push(suggestion);
            }
        }
        seen
    }

    /// The entry of loader `name`, if it was analyzed.
    pub fn plan(&self, name: &str) -> Option<&LoaderPlan> {
        self.plans.iter().find(|plan| plan.loader.loader == name)
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().collect::<Vec<_>>().join(&format!("\n{prefix}"))
}

impl fmt::Display for IndexReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scans = self.full_scans().count();
        write!(
            f,
            "index advisor ({}): {scans} of {} loader statements scan their table",
            self.database,
            self.plans.len()
        )?;
        let width = self.plans.iter().map(|plan| plan.loader.loader.len()).max().unwrap_or(0);
        for plan in &self.plans {
            let info = &plan.loader;
            let target = format!("{}.{}", info.table, info.key_column);
            match plan.access {
                Access::Indexed => {
                    write!(
                        f,
                        "\n  indexed    {:width$}  {target} via {}",
                        info.loader,
                        plan.index.as_deref().unwrap_or("?")
                    )?;
                }
                Access::FullScan => {
                    write!(f, "\n  FULL SCAN  {:width$}  {target}", info.loader)?;
                    write!(f, "\n             plan: {}", indent(&plan.plan, "                   "))?;
                    if let Some(fix) = &plan.suggestion {
                        write!(f, "\n             fix:  {fix};")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Why the advisor could not plan, or [`assert_indexed`](super::assert_indexed) failed.
/// `Debug` is the `Display` message, so `.unwrap()` in a test prints the readable listing.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum AdvisorError {
    /// Statements scan their table: the message lists each one (loader, table and column,
    /// SQL) with its suggested `CREATE INDEX`, then the whole report.
    #[error("{}", FullScans(.0))]
    FullScans(Box<IndexReport>),
    /// `assert_indexed` was given no loader: nothing checked is not a pass.
    #[error(
        "assert_indexed was given no loaders, so nothing was checked (is the loader list filtered to the right database?)"
    )]
    NoLoaders,
    /// A loader runs on another database than the pool's.
    #[error("loader `{loader}` runs on {database}, but the pool is {pool}")]
    OtherDatabase {
        /// Loader name.
        loader: &'static str,
        /// The loader's database.
        database: &'static str,
        /// The pool's database.
        pool: &'static str,
    },
    /// A plan or catalog statement failed.
    #[error("planning the statement of loader `{loader}` failed: {source}")]
    Database {
        /// Loader name.
        loader: &'static str,
        /// The database error.
        #[source]
        source: sqlx::Error,
    },
}

impl fmt::Debug for AdvisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

struct FullScans<'a>(&'a IndexReport);

impl fmt::Display for FullScans<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        write!(
            f,
            "{} loader statement(s) would scan their whole table on {}:",
            report.full_scans().count(),
            report.database
        )?;
        for plan in report.full_scans() {
            let info = &plan.loader;
            write!(f, "\n- {} ({}.{}): {}", info.loader, info.table, info.key_column, info.sql)?;
            match &plan.suggestion {
                Some(fix) => write!(f, "\n  fix: {fix};")?,
                None => write!(f, "\n  fix: index column {} of {}", info.key_column, info.table)?,
            }
        }
        write!(f, "\n\n{report}")
    }
}
