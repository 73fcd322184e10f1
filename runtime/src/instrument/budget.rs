//! Query budgets: `#[timed(max_queries = N)]` and [`assert_max_queries`](super::assert_max_queries).
//!
//! Only queries count: transaction control and session setup statements are listed apart.

use std::fmt;

use serde::Serialize;

use super::statement::StatementKind;
use super::stats::StatementStats;

/// An operation's query budget and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BudgetReport {
    /// The operation's name.
    pub operation: String,
    /// The budget: most queries allowed.
    pub max_queries: u64,
    /// Queries executed (transaction control and session setup excluded).
    pub queries: u64,
    /// True when `queries > max_queries`.
    pub exceeded: bool,
    /// The counted statements, one entry per (fingerprint, call path), in first-executed order.
    pub statements: Vec<StatementStats>,
    /// The statements not counted (transaction control, session setup).
    pub not_counted: Vec<StatementStats>,
}

impl BudgetReport {
    /// The verdict of `max_queries` on the `queries` and `statements` of `operation`.
    pub(crate) fn check(operation: &str, queries: u64, statements: &[StatementStats], max_queries: u64) -> Self {
        let (counted, not_counted) = statements.iter().cloned().partition(|stats| stats.kind == StatementKind::Query);
        Self {
            operation: operation.to_owned(),
            max_queries,
            queries,
            exceeded: queries > max_queries,
            statements: counted,
            not_counted,
        }
    }
}

impl fmt::Display for BudgetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.exceeded { "query budget exceeded" } else { "query budget kept" };
        write!(
            f,
            "{verdict} in operation `{}`: {} queries, budget max_queries = {}",
            self.operation, self.queries, self.max_queries
        )?;
        for (number, stats) in self.statements.iter().enumerate() {
            write!(
                f,
                "\n  {:>2}. {}x {}: {}  (at {})",
                number + 1,
                stats.count,
                stats.summary,
                stats.statement,
                stats.call_site
            )?;
        }
        if !self.not_counted.is_empty() {
            f.write_str("\n  not counted:")?;
            for (index, stats) in self.not_counted.iter().enumerate() {
                let separator = if index == 0 { " " } else { ", " };
                write!(f, "{separator}{}x {} ({})", stats.count, stats.statement, stats.kind)?;
            }
        }
        Ok(())
    }
}
