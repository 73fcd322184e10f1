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
    /// Keys answered from the cache (by `load`, `load_shared`, `load_opt` or `load_many`, one
    /// per key requested), without joining a batch.
    pub cache_hits: u64,
    /// Keys not found in the cache (one per key requested): each joined a gathering or
    /// running batch. With the cache off every key is a miss.
    pub cache_misses: u64,
    /// Keys evicted from a bounded cache to make room
    /// ([`LoaderOptions::max_cached_keys`](crate::LoaderOptions::max_cached_keys)), cached
    /// answers or keys of a running batch (whose waiters still get its answer).
    pub cache_evictions: u64,
    /// Rows the statement returned whose key matches no key of the batch (one-to-one
    /// loaders: one per distinct such key). They are not delivered; each batch that has some
    /// logs a WARN naming the loader and one such key. The usual cause is a column
    /// compared case- or accent-insensitively (SQLite `COLLATE NOCASE`, MySQL `*_ci`
    /// collations, PostgreSQL `citext`): `load("ABC")` matched the row `"abc"` in the
    /// database, while rows are matched to keys by exact Rust value.
    pub unmatched_rows: u64,
}

/// Cache counters of one loader, kept under its lock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CacheCounts {
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) evictions: u64,
}

#[derive(Default)]
pub(crate) struct StatsCounters {
    batches: AtomicU64,
    statements: AtomicU64,
    keys: AtomicU64,
    rows: AtomicU64,
    failed_batches: AtomicU64,
    unmatched_rows: AtomicU64,
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

    pub(crate) fn record_unmatched(&self, rows: usize) {
        self.unmatched_rows.fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// The counters, with the cache counters (kept under the loader's lock) given.
    pub(crate) fn snapshot(&self, cache: CacheCounts) -> LoaderStats {
        LoaderStats {
            batches: self.batches.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
            keys: self.keys.load(Ordering::Relaxed),
            rows: self.rows.load(Ordering::Relaxed),
            failed_batches: self.failed_batches.load(Ordering::Relaxed),
            cache_hits: cache.hits,
            cache_misses: cache.misses,
            cache_evictions: cache.evictions,
            unmatched_rows: self.unmatched_rows.load(Ordering::Relaxed),
        }
    }
}
