//! Warn mode: one WARN per problem, not per occurrence.
//!
//! A problem is an N+1 finding keyed by (operation, call path, fingerprint), or an exceeded
//! budget keyed by operation. Its first occurrence is logged at once; later occurrences are
//! counted, and the next occurrence after a back-off interval logs one summary with the count
//! of occurrences not logged since. The interval starts at
//! [`LayerBuilder::warn_interval`](super::LayerBuilder::warn_interval) (60 s by default) and
//! doubles after each summary, up to 64 times the start (about an hour by default). There is
//! no background timer: a problem that stops occurring logs nothing more. The profile keeps
//! every occurrence either way.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::budget::BudgetReport;
use super::fingerprint::Fingerprint;
use super::n_plus_one::NPlusOne;
use super::state::lock;

/// Default first back-off interval of warn mode.
pub(crate) const DEFAULT_WARN_INTERVAL: Duration = Duration::from_secs(60);

/// The interval stops doubling at this multiple of the first one.
const MAX_BACKOFF: u32 = 64;

/// Most distinct problems remembered; when full, the memory is cleared (each problem then
/// warns once more).
const MAX_PROBLEMS: usize = 4_096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Problem {
    NPlusOne { operation: String, call_site: String, fingerprint: Fingerprint },
    Budget { operation: String },
}

struct Seen {
    last_warned: Instant,
    interval: Duration,
    /// Occurrences since the last warning.
    unreported: u64,
    /// Occurrences in all.
    total: u64,
}

/// What to log for one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The first occurrence.
    First,
    /// A summary: occurrences so far, and how many were not logged since the last warning.
    Summary { total: u64, unreported: u64 },
    /// Counted only.
    Quiet,
}

/// Warn mode's memory of the problems it has logged.
pub(crate) struct Warnings {
    first_interval: Duration,
    seen: Mutex<HashMap<Problem, Seen>>,
}

impl Warnings {
    pub(crate) fn new(first_interval: Duration) -> Self {
        Self { first_interval, seen: Mutex::new(HashMap::new()) }
    }

    fn verdict(&self, problem: Problem) -> Verdict {
        let now = Instant::now();
        let mut seen = lock(&self.seen);
        if seen.len() >= MAX_PROBLEMS && !seen.contains_key(&problem) {
            seen.clear();
        }
        match seen.get_mut(&problem) {
            None => {
                seen.insert(problem, Seen { last_warned: now, interval: self.first_interval, unreported: 0, total: 1 });
                Verdict::First
            }
            Some(entry) => {
                entry.total += 1;
                if now.duration_since(entry.last_warned) >= entry.interval {
                    let unreported = entry.unreported;
                    entry.unreported = 0;
                    entry.last_warned = now;
                    entry.interval = (entry.interval * 2).min(self.first_interval * MAX_BACKOFF);
                    Verdict::Summary { total: entry.total, unreported }
                } else {
                    entry.unreported += 1;
                    Verdict::Quiet
                }
            }
        }
    }

    /// Logs `finding` unless an earlier occurrence of the same problem was logged recently.
    pub(crate) fn n_plus_one(&self, finding: &NPlusOne) {
        let problem = Problem::NPlusOne {
            operation: finding.operation.clone(),
            call_site: finding.call_site.clone(),
            fingerprint: finding.fingerprint,
        };
        match self.verdict(problem) {
            Verdict::First => tracing::warn!(
                target: "batchload::n_plus_one",
                operation = %finding.operation,
                db.query.summary = %finding.summary,
                count = finding.count,
                call_site = %finding.call_site,
                "{finding}"
            ),
            Verdict::Summary { total, unreported } => tracing::warn!(
                target: "batchload::n_plus_one",
                operation = %finding.operation,
                db.query.summary = %finding.summary,
                count = finding.count,
                call_site = %finding.call_site,
                occurrences = total,
                "{finding}\n  repeated: {total} occurrences so far, {unreported} not logged since the last warning"
            ),
            Verdict::Quiet => {}
        }
    }

    /// Logs an exceeded `budget` unless the same operation's was logged recently.
    pub(crate) fn budget(&self, budget: &BudgetReport) {
        match self.verdict(Problem::Budget { operation: budget.operation.clone() }) {
            Verdict::First => tracing::warn!(
                target: "batchload::budget",
                operation = %budget.operation,
                queries = budget.queries,
                max_queries = budget.max_queries,
                "{budget}"
            ),
            Verdict::Summary { total, unreported } => tracing::warn!(
                target: "batchload::budget",
                operation = %budget.operation,
                queries = budget.queries,
                max_queries = budget.max_queries,
                occurrences = total,
                "{budget}\n  repeated: {total} occurrences so far, {unreported} not logged since the last warning"
            ),
            Verdict::Quiet => {}
        }
    }
}
