//! The advisor's report (one entry per loader, whatever happened) and errors, rendered as text.

use std::fmt;
use std::path::{Path, PathBuf};

use super::suggestion::Suggestion;

/// How a loader statement reaches its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// An index led by the key column(s) (or the primary key) serves the key filter on every
    /// table the rows come from (every partition or inheritance child).
    Indexed,
    /// The rows are found by reading a whole table or a whole index: a sequential scan, a scan
    /// or skip-scan of an index the key does not lead, a bitmap scan over such an index.
    FullScan,
    /// No index can serve the key filter: the key is computed (a view's aggregate or
    /// expression column), so the rows exist only after the view has been computed.
    NotIndexable,
    /// The statement could not be analyzed (missing table, permission, a parameter whose type
    /// the database cannot infer, a plan the advisor does not understand): see
    /// [`LoaderPlan::reason`].
    NotAnalyzed,
}

impl Access {
    fn label(self) -> &'static str {
        match self {
            Access::Indexed => "indexed",
            Access::FullScan => "FULL SCAN",
            Access::NotIndexable => "NOT INDEXABLE",
            Access::NotAnalyzed => "NOT ANALYZED",
        }
    }
}

/// What the advisor found for one loader statement.
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderPlan {
    pub(crate) loader: String,
    pub(crate) target: String,
    pub(crate) sql: String,
    pub(crate) access: Access,
    pub(crate) index: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) plan: String,
    pub(crate) suggestions: Vec<Suggestion>,
    pub(crate) findings: Vec<String>,
    pub(crate) key_not_unique: bool,
}

impl LoaderPlan {
    /// The loader's name (e.g. `"BotStanceByBotId"`).
    pub fn loader(&self) -> &str {
        &self.loader
    }

    /// What the loader reads, as the report prints it (e.g. `bot_stances.bot_id`).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// How the statement reaches its rows.
    pub fn access(&self) -> Access {
        self.access
    }

    /// When [`Access::Indexed`]: the index(es) serving the key filter, comma-separated when the
    /// rows come from several partitions or inheritance children (PostgreSQL), or
    /// `"INTEGER PRIMARY KEY"` / `"PRIMARY KEY"` for SQLite's rowid and primary key, `"PRIMARY"`
    /// on MySQL.
    pub fn index(&self) -> Option<&str> {
        self.index.as_deref()
    }

    /// Why the statement scans, cannot be indexed or was not analyzed (`None` when indexed),
    /// e.g. `"Seq Scan on adv_posts"` or `"index adv_posts_kind_editor is led by kind, not
    /// editor_id"`.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The database's plan, as text (SQLite: the `EXPLAIN QUERY PLAN` rows, indented by depth;
    /// PostgreSQL: `EXPLAIN` of the generic plan with sequential scans disabled; MySQL: one line
    /// per `EXPLAIN` row). Empty when the statement could not be planned.
    pub fn plan(&self) -> &str {
        &self.plan
    }

    /// The indexes that fix a [`Access::FullScan`], one per table that is scanned (several
    /// for inheritance children), each with its what-if verification. Suggestions the
    /// verification rejected (the planner would not use the index, or the cost does not fall)
    /// are kept here, marked [`Suggestion::is_rejected`], and left out of
    /// [`IndexReport::suggestions`] and the migration.
    pub fn suggestions(&self) -> &[Suggestion] {
        &self.suggestions
    }

    /// Findings beside the access path, as sentences: a `key` loader on columns no unique index
    /// backs, partial or expression indexes on the key column that this statement cannot use.
    pub fn findings(&self) -> &[String] {
        &self.findings
    }

    /// `true` when this is a one-to-one (`key`) loader and no unique index or primary key backs
    /// its key column(s): the statement may return several rows per key, and the loader keeps
    /// one of them.
    pub fn key_not_unique(&self) -> bool {
        self.key_not_unique
    }
}

/// What [`analyze`](super::analyze) found: one [`LoaderPlan`] per loader, in the order given,
/// whatever happened to each. `Display` renders the text report.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexReport {
    pub(crate) database: &'static str,
    pub(crate) plans: Vec<LoaderPlan>,
}

impl IndexReport {
    /// sqlx's name of the database (`"SQLite"`, `"PostgreSQL"`, `"MySQL"`).
    pub fn database(&self) -> &'static str {
        self.database
    }

    /// One entry per loader, in the order given to [`analyze`](super::analyze).
    pub fn plans(&self) -> &[LoaderPlan] {
        &self.plans
    }

    /// The entry of loader `name`, if it was analyzed.
    pub fn plan(&self, name: &str) -> Option<&LoaderPlan> {
        self.plans.iter().find(|plan| plan.loader == name)
    }

    /// `true` when every statement is [`Access::Indexed`] (so `false` when any scans, cannot be
    /// indexed or was not analyzed; `true` for an empty report).
    pub fn is_indexed(&self) -> bool {
        self.plans.iter().all(|plan| plan.access == Access::Indexed)
    }

    /// The statements that scan their table, in report order.
    pub fn full_scans(&self) -> impl Iterator<Item = &LoaderPlan> {
        self.plans.iter().filter(|plan| plan.access == Access::FullScan)
    }

    /// The suggested `CREATE INDEX` statements (verified or not verified, never rejected), in
    /// report order, without duplicates (two loaders that need one index share it).
    pub fn suggestions(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for suggestion in self.unique_suggestions(false) {
            seen.push(suggestion.ddl());
        }
        seen
    }

    /// Suggestions without duplicates (by DDL), rejected ones left out; only verified ones when
    /// `verified_only`.
    pub(crate) fn unique_suggestions(&self, verified_only: bool) -> Vec<&Suggestion> {
        let mut seen: Vec<&Suggestion> = Vec::new();
        for suggestion in self.plans.iter().flat_map(|plan| &plan.suggestions) {
            if suggestion.is_rejected() || (verified_only && !suggestion.is_verified()) {
                continue;
            }
            if !seen.iter().any(|other| other.ddl() == suggestion.ddl()) {
                seen.push(suggestion);
            }
        }
        seen
    }

    /// Writes the *verified* suggestions ([`Suggestion::is_verified`]) as a new sqlx migration
    /// in `folder` (created if missing) and returns the files written, in apply order (empty
    /// when there is nothing verified to write).
    ///
    /// - Naming as sqlx-cli: `<version>_<name>.sql`, or `<version>_<name>.up.sql` plus
    ///   `.down.sql` (`DROP INDEX`) when the folder already uses the reversible form. The
    ///   version follows the folder: the next number, zero-padded like the others, when its
    ///   versions are sequential, else the current UTC time `YYYYMMDDHHMMSS`.
    /// - PostgreSQL: `CREATE INDEX CONCURRENTLY IF NOT EXISTS`, one index per file, each file
    ///   starting with sqlx's `-- no-transaction` directive (PostgreSQL runs several statements
    ///   of one file in one implicit transaction, where `CONCURRENTLY` is refused), versions
    ///   numbered on; an index on a partitioned table (which `CONCURRENTLY` does not support)
    ///   is a plain `CREATE INDEX` in a transactional file of its own. SQLite and MySQL: one
    ///   file with every index.
    ///
    /// `name` is the description part of the file name (`[A-Za-z0-9_]`, e.g. `"loader_indexes"`).
    ///
    /// # Errors
    /// [`AdvisorError::Migration`] when `name` is empty or has other characters, the folder
    /// cannot be read or created, a file already exists, or a write fails.
    pub fn write_migration(&self, folder: &Path, name: &str) -> Result<Vec<PathBuf>, AdvisorError> {
        super::migration::write(self.database, &self.unique_suggestions(true), folder, name)
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().collect::<Vec<_>>().join(&format!("\n{prefix}"))
}

impl fmt::Display for IndexReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |access: Access| self.plans.iter().filter(|plan| plan.access == access).count();
        write!(
            f,
            "index advisor ({}): {} loader statements: {} indexed, {} full scan(s), {} not indexable, {} not analyzed",
            self.database,
            self.plans.len(),
            count(Access::Indexed),
            count(Access::FullScan),
            count(Access::NotIndexable),
            count(Access::NotAnalyzed),
        )?;
        let width = self.plans.iter().map(|plan| plan.loader.len()).max().unwrap_or(0);
        let pad = " ".repeat(17);
        for plan in &self.plans {
            write!(f, "\n  {:13}  {:width$}  {}", plan.access.label(), plan.loader, plan.target)?;
            match (&plan.index, &plan.reason) {
                (Some(index), _) if plan.access == Access::Indexed => write!(f, " via {index}")?,
                (_, Some(reason)) => write!(f, ": {reason}")?,
                _ => {}
            }
            if plan.access == Access::FullScan && !plan.plan.is_empty() {
                write!(f, "\n{pad}plan: {}", indent(&plan.plan, &format!("{pad}      ")))?;
            }
            for suggestion in &plan.suggestions {
                write!(f, "\n{pad}fix:  {};  -- {}", suggestion.ddl(), suggestion.verification())?;
            }
            for finding in &plan.findings {
                write!(f, "\n{pad}note: {finding}")?;
            }
        }
        Ok(())
    }
}

/// Why the advisor could not run, or [`assert_indexed`](super::assert_indexed) failed.
/// `Debug` is the `Display` message, so `.unwrap()` in a test prints the readable listing.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum AdvisorError {
    /// Statements are not served by an index (full scans, not indexable, not analyzed): the
    /// message lists each one with its reason and suggested `CREATE INDEX`, then the whole
    /// report.
    #[error("{}", NotIndexed(.0))]
    NotIndexed(Box<IndexReport>),
    /// `assert_indexed` was given no loaders: nothing checked is not a pass.
    #[error(
        "assert_indexed was given no loaders, so nothing was checked (is the loader list filtered to the right database?)"
    )]
    NoLoaders,
    /// A loader runs on another database than the pool's.
    #[error("loader `{loader}` runs on {database}, but the pool is {pool}")]
    OtherDatabase {
        /// Loader name.
        loader: String,
        /// The loader's database.
        database: &'static str,
        /// The pool's database.
        pool: &'static str,
    },
    /// Writing the migration failed.
    #[error("writing the index migration failed: {0}")]
    Migration(String),
}

impl fmt::Debug for AdvisorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

struct NotIndexed<'a>(&'a IndexReport);

impl fmt::Display for NotIndexed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let failing: Vec<&LoaderPlan> = report.plans.iter().filter(|plan| plan.access != Access::Indexed).collect();
        write!(f, "{} loader statement(s) are not served by an index on {}:", failing.len(), report.database)?;
        for plan in failing {
            write!(f, "\n- {} ({}): {}", plan.loader, plan.target, plan.sql)?;
            write!(f, "\n  {}: {}", plan.access.label(), plan.reason.as_deref().unwrap_or(""))?;
            for suggestion in &plan.suggestions {
                write!(f, "\n  fix: {};  -- {}", suggestion.ddl(), suggestion.verification())?;
            }
        }
        write!(f, "\n\n{report}")
    }
}
