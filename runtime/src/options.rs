//! Loader configuration.

use std::time::Duration;

/// Default for [`LoaderOptions::max_batch_size`]: 10,000 distinct keys per statement.
pub const DEFAULT_MAX_BATCH_SIZE: usize = 10_000;

/// Default for [`LoaderOptions::max_inline_waiters`]: batches awaited by at most 32 `load`
/// futures run their statement inside those futures' own polls.
pub const DEFAULT_MAX_INLINE_WAITERS: usize = 32;

/// How a loader batches, chunks and caches. Build it with [`LoaderOptions::new`] and the
/// builder methods; pass it to the generated `with_options(pool, options)`.
///
/// Defaults: no delay (a batch is dispatched as soon as the callers that are ready in the
/// same round of polling have joined it), chunks of [`DEFAULT_MAX_BATCH_SIZE`] distinct keys,
/// one batch in flight at a time, cache on and unbounded, batches of up to
/// [`DEFAULT_MAX_INLINE_WAITERS`] waiters run inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderOptions {
    pub(crate) max_batch_size: usize,
    pub(crate) delay: Duration,
    pub(crate) cache: bool,
    pub(crate) max_cached_keys: Option<usize>,
    pub(crate) max_concurrent_batches: usize,
    pub(crate) max_inline_waiters: usize,
}

impl Default for LoaderOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl LoaderOptions {
    /// The defaults described on the type.
    pub const fn new() -> Self {
        Self {
            max_batch_size: DEFAULT_MAX_BATCH_SIZE,
            delay: Duration::ZERO,
            cache: true,
            max_cached_keys: None,
            max_concurrent_batches: 1,
            max_inline_waiters: DEFAULT_MAX_INLINE_WAITERS,
        }
    }

    /// Most distinct keys bound in one statement; a larger batch is split into chunks of this
    /// size that run concurrently (one connection each) and are answered together. Counted in
    /// distinct keys, so duplicates never cause a split. `0` is treated as `1`.
    pub const fn max_batch_size(mut self, keys: usize) -> Self {
        self.max_batch_size = if keys == 0 { 1 } else { keys };
        self
    }

    /// Extra time a new batch waits for more keys before it is dispatched (default zero:
    /// no timer). Useful when callers arrive from independent tasks a few microseconds apart.
    /// `load_many` always dispatches at once, ignoring the delay.
    pub const fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Turns the per-loader cache on (default) or off. With the cache off, every batch reads
    /// the database again, but keys are still de-duplicated within a batch and against the
    /// batch in flight.
    pub const fn cache(mut self, enabled: bool) -> Self {
        self.cache = enabled;
        self
    }

    /// Bounds the cache to `keys` keys (default: unbounded). A key enters the cache when its
    /// batch is dispatched (so a later request joins that batch) and keeps its answer once the
    /// batch succeeds; when a new key would exceed the bound, the least recently used key (by
    /// `load`, `load_many`, `prime` or a dispatch) is evicted, and counted in
    /// [`LoaderStats::cache_evictions`](crate::LoaderStats::cache_evictions). A batch of more
    /// keys than the bound still answers all its waiters; only its last keys stay cached.
    /// `0` caches nothing (as [`cache(false)`](Self::cache)). Use it for long-lived loaders
    /// over many distinct keys. Memory: a batch's result map is shared by its cached keys and
    /// freed when the last of them is evicted, so the bound is on keys, and the rows held are
    /// those of the batches that still have a cached key (keys of one batch are used, and so
    /// evicted, together unless some are read again). A [`Shared`](crate::Shared) handle from
    /// `load_shared` keeps its batch's map alive while it is held, whatever this bound.
    pub const fn max_cached_keys(mut self, keys: usize) -> Self {
        self.max_cached_keys = Some(keys);
        self
    }

    /// How many batches of this loader may run at the same time (default 1). While the limit
    /// is reached, new keys gather in the next batch, which is dispatched when a running one
    /// completes: callers arriving from several tasks then share statements instead of each
    /// opening their own. `0` is treated as `1`.
    pub const fn max_concurrent_batches(mut self, batches: usize) -> Self {
        self.max_concurrent_batches = if batches == 0 { 1 } else { batches };
        self
    }

    /// Where a batch's statement runs, decided by how many futures wait for the batch (not
    /// by its number of keys: one `load_many` of 10,000 keys is one waiter). A batch awaited by
    /// at most `waiters` `load` / `load_many` futures when it is dispatched (default
    /// [`DEFAULT_MAX_INLINE_WAITERS`]) runs **inline**: the waiting futures poll its statement
    /// themselves, on their own task and thread, so the batch costs no task spawn and no
    /// thread hop (40 to 100 µs per batch measured on a 2-core machine, most of a small
    /// batch's overhead). A batch with more waiters, or an inline one that more than `waiters`
    /// futures join while it runs, runs on its own Tokio task instead: every wake-up of an
    /// inline statement wakes all its waiters, which costs more than one spawn once they are
    /// many.
    ///
    /// The guarantees are the same either way: a started statement runs to completion even
    /// if its waiters are dropped (a waiter dropped while its inline statement runs hands the
    /// statement to a spawned task); a waiter held without being polled stalls nobody (any
    /// other waiter polled after a wake-up drives the statement); a statement that panics or
    /// whose task dies answers every waiter with [`Error::Abandoned`](crate::Error::Abandoned).
    ///
    /// When to change it: `0` runs every batch on its own task, e.g. to keep a statement's
    /// I/O out of the waiting task's cooperative budget, or so that statements progress on
    /// the runtime's workers while the waiting task does other work between polls; a larger
    /// value keeps bigger batches inline, cheap when their waiters share a waker (futures
    /// joined by `join!`, or by `join_all` up to 30 of them, are woken once per wake-up).
    pub const fn max_inline_waiters(mut self, waiters: usize) -> Self {
        self.max_inline_waiters = waiters;
        self
    }
}
