//! Counters of what a loader did, for tests, budgets and reports.

use std::sync::atomic::{AtomicU64, Ordering};

/// What one loader instance (and its clones) has done so far. Read with
/// [`Loader::stats`](crate::Loader::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoaderStats {
    /// Batches dispatched (each runs one or more statements).
    pub batches: u64,
    /// Statements executed: one per chunk of at most `max_batch_size` distinct keys.
    pub statements: u64,
    /// Distinct keys bound, summed over all statements.
    pub keys: u64,
    /// Rows returned, summed over all statements.
    pub rows: u64,
    /// Batches whose statement failed (or whose task was abandoned).
    pub failed_batches: u64,
}

#[derive(Default)]
pub(crate) struct StatsCounters {
    batches: AtomicU64,
    statements: AtomicU64,
    keys: AtomicU64,
    rows: AtomicU64,
    failed_batches: AtomicU64,
}

impl StatsCounters {
    pub(crate) fn record_batch(&self, statements: usize, keys: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.statements.fetch_add(statements as u64, Ordering::Relaxed);
        self.keys.fetch_add(keys as u64, Ordering::Relaxed);
    }

    pub(crate) fn record_outcome(&self, rows: usize, failed: bool) {
        self.rows.fetch_add(rows as u64, Ordering::Relaxed);
        if failed {
            self.failed_batches.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> LoaderStats {
        LoaderStats {
            batches: self.batches.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
            keys: self.keys.load(Ordering::Relaxed),
            rows: self.rows.load(Ordering::Relaxed),
            failed_batches: self.failed_batches.load(Ordering::Relaxed),
        }
    }
}
