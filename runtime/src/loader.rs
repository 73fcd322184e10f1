//! The public loader type every generated loader wraps.

use std::sync::Arc;

use futures_util::future::join_all;

use crate::batch::{BatchWait, Inner, LoadOne, Lookup, Outcome, Owned, Sharing};
use crate::shape::{Grouped, Shape, Unique};
use crate::{BatchQuery, Error, LoaderOptions, Shared};

/// A DataLoader for one [`BatchQuery`]: gathers concurrent requests for keys into one
/// statement per batch, de-duplicates them, caches the answers and hands every caller the
/// answer for its own key.
///
/// Generated loaders (`BotStanceByBotId`) dereference to a `Loader`, so everything below is
/// available on them. Create one per request or unit of work: it is cheap (one allocation),
/// and `Clone` shares the same batches and cache.
///
/// **Batching.** `load` calls made before the runtime gets a chance to run the batch (all the
/// futures of one `join!`, `join_all` or `try_join_all`, or several tasks that poll in the
/// same instant) share one statement; no timer is involved unless [`LoaderOptions::delay`]
/// is set. While a batch runs, new keys gather in the next batch, which starts when it
/// completes (at most [`LoaderOptions::max_concurrent_batches`] run at once, default 1). So
/// `N` tasks that each issue their loads within the time of one statement use at most two
/// statements. `load_many` dispatches at once. Batches above
/// [`LoaderOptions::max_batch_size`] distinct keys are split into concurrent chunks.
///
/// **De-duplication and ordering.** Each distinct key is bound once per batch, and a key
/// already in a gathering or running batch joins that batch instead of starting a query.
/// Rows are matched to keys by value, never by position; each caller of `load` receives its
/// own clone, each caller of [`load_shared`](Self::load_shared) a handle on the batch's rows.
/// A row whose key equals no requested key (a case- or accent-insensitive comparison in the
/// database returned it) is not delivered: it is counted in
/// [`LoaderStats::unmatched_rows`](crate::LoaderStats::unmatched_rows) and logged as a WARN.
/// Group loaders keep the statement's `ORDER BY` order inside each key.
///
/// **Cache.** Answers (including "no row") are cached per loader until
/// [`clear`](Self::clear), [`clear_all`](Self::clear_all) or the loader is dropped; a `clear`
/// while the key's batch is running keeps that (possibly stale) result out of the cache. The
/// cache grows with the distinct keys loaded: for long-lived loaders, bound it with
/// [`LoaderOptions::max_cached_keys`] (least recently used keys are evicted), turn it off
/// with [`LoaderOptions::cache`], or call `clear_all` periodically. [`stats`](Self::stats)
/// counts cache hits, misses and evictions.
///
/// **Errors.** If a batch's statement fails, every caller waiting on that batch gets
/// [`Error::Database`] (sharing one `sqlx::Error`), none of its keys is cached and the next
/// batch runs normally. Missing keys are `None` or an empty `Vec`, never an error.
///
/// **Where the statement runs.** A small batch (at most
/// [`LoaderOptions::max_inline_waiters`] waiting futures, default 32) runs inline: its
/// statement is polled by its waiters themselves, so it costs no task spawn and no thread
/// hop; a larger one runs on its own Tokio task.
///
/// **Cancellation.** Dropping any `load` future (including the one whose call opened the
/// batch or drives its statement) never stalls or corrupts other callers: any waiting caller
/// can dispatch the batch and drive an inline statement, a future dropped while its inline
/// statement runs hands it to a Tokio task (a started statement completes and is cached), and
/// if a statement's task dies or the statement panics every waiter gets
/// [`Error::Abandoned`]. A future held without being polled never stalls the others. Nested
/// loads (issued while another batch of the same or another loader runs) never wait on their
/// own batch.
pub struct Loader<Q: BatchQuery, S: Shape<Q>> {
    inner: Arc<Inner<Q, S>>,
}

/// A one-to-one loader (`#[batched(key)]`): `load(k)` yields `Option<Row>`.
pub type OneLoader<Q> = Loader<Q, Unique>;

/// A one-to-many loader (`#[batched(group)]`): `load(k)` yields `Vec<Row>`.
pub type GroupLoader<Q> = Loader<Q, Grouped>;

impl<Q: BatchQuery, S: Shape<Q>> Clone for Loader<Q, S> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<Q: BatchQuery, S: Shape<Q>> std::fmt::Debug for Loader<Q, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("loader", &Q::LOADER)
            .field("sql", &Q::SQL)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl<Q: BatchQuery, S: Shape<Q>> Loader<Q, S> {
    /// A loader running `query` (the statement and its context: pool, viewer, ...) with
    /// [`LoaderOptions::default`]. Runs no statement.
    pub fn new(query: Q) -> Self {
        Self::with_options(query, LoaderOptions::default())
    }

    /// A loader running `query` with the given batching and cache `options`. Runs no
    /// statement.
    pub fn with_options(query: Q, options: LoaderOptions) -> Self {
        Self { inner: Arc::new(Inner::new(query, options)) }
    }

    /// What [`register_loader!`](crate::register_loader) registers for this loader: its
    /// name, table, key column, SQL text, shape and database.
    pub const INFO: crate::LoaderInfo = crate::LoaderInfo::of::<Q, S>();

    /// The answer for `key`: `Option<Row>` for unique loaders, `Vec<Row>` for group loaders
    /// (empty when the key has no rows). Joins the current batch; runs [`BatchQuery::SQL`]
    /// once for the whole batch unless the answer is cached.
    ///
    /// # Errors
    /// [`Error::Database`] when the batch's statement fails, [`Error::Abandoned`] when the
    /// task running it dies, [`Error::NoRuntime`] outside a Tokio runtime.
    ///
    /// The caller's location is recorded (`#[track_caller]`), so an N+1 of loads awaited one
    /// at a time is reported at the line that called `load`.
    #[track_caller]
    pub fn load(&self, key: Q::Key) -> impl Future<Output = Result<S::Value, Error>> + '_ {
        crate::__private::located(std::panic::Location::caller(), LoadOne::<Q, S, Owned>::new(&self.inner, key))
    }

    /// [`load`](Self::load) without copying the answer: a [`Shared`] handle on the batch's
    /// result (or the cache entry) that dereferences to the `Option<Row>` / `Vec<Row>`, for
    /// large rows, or rows read by many callers, that need not be owned. Same batching,
    /// cache and statement ([`BatchQuery::SQL`], once per batch) as `load`; the handle keeps
    /// its batch's rows alive while it lives (see [`Shared`]).
    ///
    /// # Errors
    /// As [`load`](Self::load).
    #[track_caller]
    pub fn load_shared(&self, key: Q::Key) -> impl Future<Output = Result<Shared<Q::Key, S::Value>, Error>> + '_ {
        crate::__private::located(std::panic::Location::caller(), LoadOne::<Q, S, Sharing>::new(&self.inner, key))
    }

    /// [`load`](Self::load) for a nullable key: `None` resolves at once to `None` / an empty
    /// `Vec`, without a statement and without entering the batch's key list.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub async fn load_opt(&self, key: Option<Q::Key>) -> Result<S::Value, Error> {
        match key {
            Some(key) => self.load(key).await,
            None => Ok(S::Value::default()),
        }
    }

    /// The answers for many keys at once: `HashMap<Key, Row>` with the found keys for unique
    /// loaders, `HashMap<Key, Vec<Row>>` with every requested key for group loaders. Joins
    /// the current batch and dispatches it at once (ignoring any `delay`). An empty `keys`
    /// runs no statement. Duplicate keys are answered once.
    ///
    /// Call it with a whole key list, not once per item: per-item calls polled together (one
    /// per GraphQL resolver or `try_join_all` closure) cost two statements in sequence, the
    /// first caller's keys alone and the others gathered behind that batch, where per-item
    /// [`load`](Self::load) calls cost one.
    ///
    /// # Errors
    /// As [`load`](Self::load); the first failing batch's error is returned.
    pub async fn load_many<I>(&self, keys: I) -> Result<S::Many, Error>
    where
        I: IntoIterator<Item = Q::Key>,
    {
        let keys: Vec<Q::Key> = keys.into_iter().collect();
        let mut batches: Vec<Arc<crate::batch::Batch<Q::Key, S::Value>>> = Vec::new();
        let mut sources = Vec::with_capacity(keys.len());
        self.inner.lookup_all(keys.iter(), |_, found| match found {
            Lookup::Cached(cached) => sources.push(Source::Cached(cached)),
            Lookup::Batch(batch) => {
                let index = match batches.iter().position(|known| Arc::ptr_eq(known, &batch)) {
                    Some(index) => index,
                    None => {
                        batches.push(batch);
                        batches.len() - 1
                    }
                };
                sources.push(Source::Batch(index));
            }
        });
        let waits = batches.into_iter().map(|batch| BatchWait::new(&self.inner, batch));
        let outcomes: Vec<Outcome<Q::Key, S::Value>> = join_all(waits).await;
        let mut answers_by_batch = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            answers_by_batch.push(outcome?);
        }
        let mut many = S::empty_many(keys.len());
        for (key, source) in keys.into_iter().zip(sources) {
            let value = match source {
                Source::Cached(cached) => cached.value_for(&key),
                Source::Batch(index) => answers_by_batch[index].get(&key).clone(),
            };
            S::insert_many(&mut many, key, value);
        }
        Ok(many)
    }

    /// Stores `value` as the answer for `key` (no statement). Overrides the answer of a batch
    /// that is gathering or running for that key (its waiters still receive the batch's
    /// answer). Does nothing when the cache is off.
    pub fn prime(&self, key: Q::Key, value: S::Value) {
        self.inner.prime(key, value);
    }

    /// Evicts `key` from the cache: the next `load` reads the database again. Call it after
    /// writing rows with that key (see [`clear_for_row`](Self::clear_for_row)). If the key's
    /// batch is running, its result is still delivered to its waiters but not cached.
    pub fn clear(&self, key: &Q::Key) {
        self.inner.clear(key);
    }

    /// [`clear`](Self::clear) for every key in `keys`.
    pub fn clear_many<'k>(&self, keys: impl IntoIterator<Item = &'k Q::Key>) {
        keys.into_iter().for_each(|key| self.inner.clear(key));
    }

    /// The write helper: evicts the key of `row`, the row an `INSERT`/`UPDATE`/`DELETE` just
    /// touched, so the next `load` sees the write. A row whose key column is NULL evicts
    /// nothing.
    pub fn clear_for_row(&self, row: &Q::Row) {
        if let Some(key) = self.inner.query.key_of(row) {
            self.inner.clear(&key);
        }
    }

    /// Evicts every cached answer; running batches' results will not be cached.
    pub fn clear_all(&self) {
        self.inner.clear_all();
    }

    /// Number of keys currently cached: answers of completed batches and primed values (keys
    /// of running batches are not counted). Counts the cache's entries under the loader's lock
    /// (time proportional to the number of keys): a diagnostic, not for a hot path.
    pub fn cached_keys(&self) -> usize {
        self.inner.cached_keys()
    }

    /// Counters of batches, statements, keys, rows, cache hits, misses and evictions, and
    /// unmatched rows of this loader (and its clones).
    pub fn stats(&self) -> crate::LoaderStats {
        self.inner.stats()
    }

    /// The options this loader was created with.
    pub fn options(&self) -> &LoaderOptions {
        &self.inner.options
    }

    /// The statement and its context (pool, viewer, ...) this loader runs.
    pub fn query(&self) -> &Q {
        &self.inner.query
    }
}

enum Source<K, V> {
    Cached(crate::cache::Cached<K, V>),
    Batch(usize),
}
