//! What one operation did: [`OperationReport`], and what can go wrong with checking it.

use std::fmt;

use serde::Serialize;

use super::budget::BudgetReport;
use super::fingerprint::Fingerprint;
use super::n_plus_one::NPlusOne;
use super::outcome::Outcome;
use super::statement::StatementKind;
use super::stats::{SlowStatement, StatementStats};

/// Everything one operation did, as of its end. Returned by [`observe`](super::observe) and
/// kept (aggregated) in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OperationReport {
    /// Operation name: `#[timed(name = "...")]`, else `module::function`.
    pub name: String,
    /// Where the operation is defined: `file:line (name)`.
    pub call_site: String,
    /// How it ended.
    pub outcome: Outcome,
    /// True when it ran inside another operation (its statements also count there).
    pub nested: bool,
    /// Wall time from start to end, in microseconds.
    pub wall_time_us: u64,
    /// Execution time of its statements, summed, in microseconds (stream-open time left out; see
    /// [`StatementStats::db_time_us`]).
    pub db_time_us: u64,
    /// Counted statements (queries): what budgets limit.
    pub queries: u64,
    /// Transaction control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE): not counted.
    pub transaction_statements: u64,
    /// Session setup statements (such as the PRAGMAs of a newly opened SQLite connection): not counted.
    pub session_statements: u64,
    /// Rows returned by its queries.
    pub rows_returned: u64,
    /// Rows affected by its queries (0 for a SELECT).
    pub rows_affected: u64,
    /// Time its statements' result streams stayed open while the consumer processed rows
    /// (streams wrapped in [`timed_stream`](super::timed_stream)), in microseconds.
    pub stream_open_us: u64,
    /// One entry per (fingerprint, call path), in the order first executed.
    pub statements: Vec<StatementStats>,
    /// Statements beyond the per-operation cap of distinct groups (512), counted only.
    pub ungrouped_statements: u64,
    /// N+1 findings (checked at the outermost operation, and by the check helpers).
    pub n_plus_one: Vec<NPlusOne>,
    /// The `max_queries` budget and its verdict, when the operation has one.
    pub budget: Option<BudgetReport>,
    /// The five slowest statements, slowest first.
    pub slowest: Vec<SlowStatement>,
}

impl OperationReport {
    /// The statements of `kind`, in first-executed order.
    pub fn statements_of(&self, kind: StatementKind) -> impl Iterator<Item = &StatementStats> {
        self.statements.iter().filter(move |stats| stats.kind == kind)
    }

    /// The distinct fingerprints of counted statements (queries), in first-executed order.
    pub fn query_fingerprints(&self) -> Vec<Fingerprint> {
        let mut fingerprints: Vec<Fingerprint> = Vec::new();
        for stats in self.statements_of(StatementKind::Query) {
            if !fingerprints.contains(&stats.fingerprint) {
                fingerprints.push(stats.fingerprint);
            }
        }
        fingerprints
    }
}

/// Why an operation's statements could not be observed. Budgets and N+1 checks of such an
/// operation fail instead of passing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotObserved {
    /// No instrumentation [`layer`](super::layer()) was ever added to a subscriber.
    #[error(
        "batchload's instrumentation layer is not installed; add it to your tracing subscriber, \
         e.g. `tracing_subscriber::registry().with(batchload::instrument::layer()).init()`"
    )]
    NotInstalled,
    /// The subscriber current for this operation has no instrumentation layer (it was
    /// installed in another subscriber).
    #[error(
        "the tracing subscriber current for this operation has no batchload instrumentation layer \
         (it was installed in another subscriber)"
    )]
    LayerMissing,
    /// The subscriber is not built on `tracing_subscriber::Registry`, where operations keep
    /// their state.
    #[error("the tracing subscriber is not built on `tracing_subscriber::registry()`, which batchload needs")]
    NoRegistry,
    /// A filter disabled the operation's span (target `batchload::operation`).
    #[error(
        "a tracing filter disabled the operation span (target `batchload::operation`); \
         allow that target or use per-layer filters"
    )]
    SpanDisabled,
    /// sqlx's statement events (target `sqlx::query`, DEBUG) are filtered out before the
    /// layer sees them, typically by a global `INFO` filter.
    #[error(
        "sqlx's statement events (target `sqlx::query`, level DEBUG) are filtered out by a global filter, \
         so no statement can be seen; put your level filter on your output layer only \
         (`fmt::layer().with_filter(...)`) or allow `sqlx::query=debug`"
    )]
    SqlxEventsFiltered,
}

/// What makes a `#[timed]` operation panic in [`Mode::Deny`](super::Mode::Deny): its N+1
/// findings, its exceeded budget, or the impossibility to check either.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The operation's name.
    pub operation: String,
    /// N+1 findings (in deny mode).
    pub n_plus_one: Vec<NPlusOne>,
    /// The exceeded budget (in deny mode).
    pub budget: Option<BudgetReport>,
    /// Why the checks could not run (in deny mode).
    pub not_observed: Option<NotObserved>,
}

impl Violation {
    pub(crate) fn is_empty(&self) -> bool {
        self.n_plus_one.is_empty() && self.budget.is_none() && self.not_observed.is_none()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut separate = |f: &mut fmt::Formatter<'_>| {
            if !std::mem::take(&mut first) {
                f.write_str("\n\n")?;
            }
            Ok::<(), fmt::Error>(())
        };
        if let Some(reason) = &self.not_observed {
            separate(f)?;
            write!(f, "operation `{}` could not be checked: {reason}", self.operation)?;
        }
        if let Some(budget) = &self.budget {
            separate(f)?;
            write!(f, "{budget}")?;
        }
        for finding in &self.n_plus_one {
            separate(f)?;
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violation {}
