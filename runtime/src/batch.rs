//! The batching engine: gathers keys into batches, dispatches one statement per batch (split
//! into chunks above `max_batch_size`) on a spawned task, and fans the results out by key.
//!
//! Life of a batch: `Gathering` (callers add keys) -> `Running` (its statement is executing on
//! a spawned task) -> `Done` (every waiter reads its own key from the shared result map).
//!
//! Hand-off. A `load` future enqueues its key on its first poll, registers its waker, wakes
//! itself and returns `Pending`: it becomes a dispatcher candidate only from its second poll,
//! i.e. after the task that polls it has yielded, so every sibling future of the same
//! `join!`/`join_all` has already enqueued its key. Any candidate of the gathering batch may
//! dispatch it, so dropping the future that opened the batch never stalls it. The statement
//! runs on its own Tokio task, so dropping waiters never cancels it; a guard completes the
//! batch with [`Error::Abandoned`] if that task dies, so nobody waits forever.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;

use crate::cache::{Cache, Cached};
use crate::stats::StatsCounters;
use crate::{BatchQuery, Error, LoaderOptions, Shape};

/// What a batch resolves to: one shared map of answers, or one shared error.
pub(crate) type Outcome<K, V> = Result<Arc<HashMap<K, V>>, Error>;

/// Locks `mutex`, ignoring poisoning: the engine's invariants hold between statements, and a
/// panic elsewhere must not turn every later load into a panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) struct Inner<Q: BatchQuery, S: Shape<Q>> {
    pub(crate) pool: sqlx::Pool<Q::Database>,
    pub(crate) options: LoaderOptions,
    pub(crate) stats: StatsCounters,
    state: Mutex<State<Q::Key, S::Value>>,
    _shape: PhantomData<fn() -> (Q, S)>,
}

struct State<K, V> {
    cache: Cache<K, V>,
    /// Keys of the gathering batch and of running batches, with the batch that answers them:
    /// a key requested again while its batch is gathering or running joins that batch.
    scheduled: HashMap<K, Arc<Batch<K, V>>>,
    gathering: Option<Gathering<K, V>>,
    running: usize,
    cache_hits: u64,
    cache_misses: u64,
}

struct Gathering<K, V> {
    batch: Arc<Batch<K, V>>,
    keys: Vec<K>,
}

pub(crate) struct Batch<K, V> {
    opened_at: Instant,
    slot: Mutex<Slot<K, V>>,
}

struct Slot<K, V> {
    phase: Phase<K, V>,
    wakers: Vec<Waker>,
    timer_armed: bool,
}

enum Phase<K, V> {
    Gathering,
    Running,
    Done(Outcome<K, V>),
}

impl<K, V> Batch<K, V> {
    fn new() -> Self {
        Self {
            opened_at: Instant::now(),
            slot: Mutex::new(Slot { phase: Phase::Gathering, wakers: Vec::new(), timer_armed: false }),
        }
    }
}

impl<K, V> Slot<K, V> {
    /// Registers the waker of the waiter whose registration index is `index`, replacing its
    /// previous waker instead of growing the list.
    fn register(&mut self, index: &mut Option<usize>, cx: &Context<'_>) {
        match *index {
            Some(i) if i < self.wakers.len() => {
                if !self.wakers[i].will_wake(cx.waker()) {
                    self.wakers[i] = cx.waker().clone();
                }
            }
            _ => {
                self.wakers.push(cx.waker().clone());
                *index = Some(self.wakers.len() - 1);
            }
        }
    }

    fn outcome(&self) -> Option<&Outcome<K, V>> {
        match &self.phase {
            Phase::Done(outcome) => Some(outcome),
            Phase::Gathering | Phase::Running => None,
        }
    }
}

/// Where the answer for one key will come from.
pub(crate) enum Lookup<K, V> {
    /// Answered from the cache, no statement needed.
    Cached(Cached<K, V>),
    /// Answered by this batch (gathering or already running).
    Batch(Arc<Batch<K, V>>),
}

impl<Q: BatchQuery, S: Shape<Q>> Inner<Q, S> {
    pub(crate) fn new(pool: sqlx::Pool<Q::Database>, options: LoaderOptions) -> Self {
        let cache = Cache::new(options.cache);
        Self {
            pool,
            options,
            stats: StatsCounters::default(),
            state: Mutex::new(State {
                cache,
                scheduled: HashMap::new(),
                gathering: None,
                running: 0,
                cache_hits: 0,
                cache_misses: 0,
            }),
            _shape: PhantomData,
        }
    }

    /// Finds or schedules the answer for each key, under one lock.
    pub(crate) fn lookup_all<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k Q::Key>,
        mut found: impl FnMut(&'k Q::Key, Lookup<Q::Key, S::Value>),
    ) {
        let mut state = lock(&self.state);
        let State { cache, scheduled, gathering, cache_hits, cache_misses, .. } = &mut *state;
        for key in keys {
            if let Some(cached) = cache.get(key) {
                *cache_hits += 1;
                found(key, Lookup::Cached(cached));
                continue;
            }
            *cache_misses += 1;
            if let Some(batch) = scheduled.get(key) {
                found(key, Lookup::Batch(Arc::clone(batch)));
                continue;
            }
            let open = gathering.get_or_insert_with(|| Gathering { batch: Arc::new(Batch::new()), keys: Vec::new() });
            open.keys.push(key.clone());
            scheduled.insert(key.clone(), Arc::clone(&open.batch));
            found(key, Lookup::Batch(Arc::clone(&open.batch)));
        }
    }

    pub(crate) fn prime(&self, key: Q::Key, value: S::Value) {
        let mut state = lock(&self.state);
        state.detach_running(&key);
        state.cache.prime(key, value);
    }

    pub(crate) fn clear(&self, key: &Q::Key) {
        let mut state = lock(&self.state);
        state.cache.remove(key);
        state.detach_running(key);
    }

    pub(crate) fn clear_all(&self) {
        let mut state = lock(&self.state);
        state.cache.clear();
        state.scheduled.retain(|_, batch| matches!(lock(&batch.slot).phase, Phase::Gathering));
    }

    pub(crate) fn cached_keys(&self) -> usize {
        lock(&self.state).cache.len()
    }
}

impl<K: Eq + std::hash::Hash, V> State<K, V> {
    /// Forgets that `key` is being read by a running batch: that batch still answers its own
    /// waiters, but its (possibly stale) result for `key` is not cached, and a new request for
    /// `key` starts a new batch.
    fn detach_running(&mut self, key: &K) {
        let running = self.scheduled.get(key).is_some_and(|batch| matches!(lock(&batch.slot).phase, Phase::Running));
        if running {
            self.scheduled.remove(key);
        }
    }
}

/// Waits for one batch, dispatching it when this waiter is allowed to.
pub(crate) struct BatchWait<Q: BatchQuery, S: Shape<Q>> {
    inner: Arc<Inner<Q, S>>,
    batch: Arc<Batch<Q::Key, S::Value>>,
    /// True once the task polling this waiter has yielded since the key was enqueued (or at
    /// once for `load_many`): the waiter may then dispatch the gathering batch.
    may_dispatch: bool,
    /// `load_many`: dispatch without waiting for the `delay` window.
    immediate: bool,
    waker_index: Option<usize>,
}

impl<Q: BatchQuery, S: Shape<Q>> Unpin for BatchWait<Q, S> {}

impl<Q: BatchQuery, S: Shape<Q>> BatchWait<Q, S> {
    pub(crate) fn new(inner: Arc<Inner<Q, S>>, batch: Arc<Batch<Q::Key, S::Value>>, immediate: bool) -> Self {
        Self { inner, batch, may_dispatch: immediate, immediate, waker_index: None }
    }
}

impl<Q: BatchQuery, S: Shape<Q>> Future for BatchWait<Q, S> {
    type Output = Outcome<Q::Key, S::Value>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        {
            let mut slot = lock(&this.batch.slot);
            match &slot.phase {
                Phase::Done(outcome) => return Poll::Ready(outcome.clone()),
                Phase::Running => {
                    slot.register(&mut this.waker_index, cx);
                    return Poll::Pending;
                }
                Phase::Gathering if !this.may_dispatch => {
                    // First poll: let the sibling futures of this task enqueue their keys.
                    this.may_dispatch = true;
                    slot.register(&mut this.waker_index, cx);
                    drop(slot);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Phase::Gathering => {}
            }
        }
        // Lock order everywhere: loader state, then batch slot.
        let mut state = lock(&this.inner.state);
        let mut slot = lock(&this.batch.slot);
        if let Some(outcome) = slot.outcome() {
            return Poll::Ready(outcome.clone());
        }
        slot.register(&mut this.waker_index, cx);
        if !matches!(slot.phase, Phase::Gathering) || state.running >= this.inner.options.max_concurrent_batches {
            // Running, or waiting for a running batch to complete: its completion wakes us.
            return Poll::Pending;
        }
        let gathering_is_ours = state.gathering.as_ref().is_some_and(|g| Arc::ptr_eq(&g.batch, &this.batch));
        if !gathering_is_ours {
            debug_assert!(false, "a batch in the gathering phase is always the loader's open batch");
            return Poll::Pending;
        }
        let runtime = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime,
            Err(_) => {
                let error = Error::NoRuntime { loader: Q::LOADER };
                let wakers = fail_gathering(&mut state, &mut slot, error.clone());
                drop(slot);
                drop(state);
                wakers.into_iter().for_each(Waker::wake);
                return Poll::Ready(Err(error));
            }
        };
        let delay = this.inner.options.delay;
        if !this.immediate && !delay.is_zero() {
            let deadline = this.batch.opened_at + delay;
            if Instant::now() < deadline {
                if !slot.timer_armed {
                    slot.timer_armed = true;
                    runtime.spawn(wake_at(TimerGuard(Arc::clone(&this.batch)), deadline));
                }
                return Poll::Pending;
            }
        }
        let Some(open) = state.gathering.take() else {
            return Poll::Pending;
        };
        state.running += 1;
        slot.phase = Phase::Running;
        let stats = (std::mem::take(&mut state.cache_hits), std::mem::take(&mut state.cache_misses));
        drop(slot);
        drop(state);
        // The guard is created before the task and moved into it, so the batch is completed
        // (with `Abandoned`) even if the task is dropped before its first poll, e.g. when its
        // runtime shuts down first.
        let batch_size = open.keys.len();
        let completion =
            Completion { inner: Arc::clone(&this.inner), batch: open.batch, keys: open.keys, completed: false };
        // Runs in the dispatching caller's span: its statements count in the caller's operation.
        runtime.spawn(crate::instrument::in_batch_span::<Q, _>(batch_size, run(completion, stats)));
        Poll::Pending
    }
}

/// Fails the gathering batch at once (no runtime to run it on); returns the wakers to wake.
fn fail_gathering<K: Eq + std::hash::Hash, V>(
    state: &mut State<K, V>,
    slot: &mut Slot<K, V>,
    error: Error,
) -> Vec<Waker> {
    if let Some(open) = state.gathering.take() {
        for key in &open.keys {
            state.scheduled.remove(key);
        }
    }
    slot.phase = Phase::Done(Err(error));
    std::mem::take(&mut slot.wakers)
}

/// Timer for the optional `delay` window: wakes the batch's waiters at `deadline` (the guard
/// does it when dropped).
async fn wake_at<K, V>(guard: TimerGuard<K, V>, deadline: Instant) {
    tokio::time::sleep_until(deadline.into()).await;
    drop(guard);
}

/// Owned by the timer task from its creation: when the task ends, normally or because it is
/// dropped (its runtime shut down, even before its first poll), disarms the timer and wakes
/// the batch's waiters, so a waiter still inside the window arms a new timer instead of
/// waiting for one that will never fire.
struct TimerGuard<K, V>(Arc<Batch<K, V>>);

impl<K, V> Drop for TimerGuard<K, V> {
    fn drop(&mut self) {
        let wakers = {
            let mut slot = lock(&self.0.slot);
            slot.timer_armed = false;
            slot.wakers.clone()
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// Runs one batch on its own task and completes it, even if this task is dropped (before or
/// after its first poll: `completion` is owned by the future from its creation).
async fn run<Q: BatchQuery, S: Shape<Q>>(mut completion: Completion<Q, S>, (cache_hits, cache_misses): (u64, u64)) {
    let started = Instant::now();
    let chunk_size = completion.inner.options.max_batch_size;
    let chunks = completion.keys.len().div_ceil(chunk_size);
    completion.inner.stats.record_batch(chunks, completion.keys.len());
    let fetched = {
        let pool = &completion.inner.pool;
        try_join_all(completion.keys.chunks(chunk_size).map(|chunk| Q::fetch(pool, chunk))).await
    };
    let elapsed = started.elapsed();
    let outcome = match fetched {
        Ok(chunk_rows) => {
            let mut answers = HashMap::with_capacity(completion.keys.len());
            let mut rows = 0usize;
            for row in chunk_rows.into_iter().flatten() {
                rows += 1;
                if let Some(key) = Q::key_of(&row) {
                    S::absorb(&mut answers, key.clone(), row);
                }
            }
            completion.inner.stats.record_outcome(rows, false);
            trace_batch::<Q>(completion.keys.len(), chunks, rows, elapsed, cache_hits, cache_misses, true);
            Ok(Arc::new(answers))
        }
        Err(error) => {
            completion.inner.stats.record_outcome(0, true);
            trace_batch::<Q>(completion.keys.len(), chunks, 0, elapsed, cache_hits, cache_misses, false);
            Err(Error::Database { loader: Q::LOADER, keys: completion.keys.len(), source: Arc::new(error) })
        }
    };
    completion.complete(outcome);
}

fn trace_batch<Q: BatchQuery>(
    keys: usize,
    chunks: usize,
    rows: usize,
    elapsed: Duration,
    cache_hits: u64,
    cache_misses: u64,
    ok: bool,
) {
    tracing::debug!(
        target: "batchload::loader",
        loader = Q::LOADER,
        table = Q::TABLE,
        key_column = Q::KEY_COLUMN,
        keys,
        chunks,
        rows,
        db_time_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        cache_hits,
        cache_misses,
        ok,
        "batch completed"
    );
}

/// Completes a batch exactly once: with its outcome, or with [`Error::Abandoned`] when the
/// task running it is dropped first.
struct Completion<Q: BatchQuery, S: Shape<Q>> {
    inner: Arc<Inner<Q, S>>,
    batch: Arc<Batch<Q::Key, S::Value>>,
    keys: Vec<Q::Key>,
    completed: bool,
}

impl<Q: BatchQuery, S: Shape<Q>> Completion<Q, S> {
    fn complete(&mut self, outcome: Outcome<Q::Key, S::Value>) {
        self.completed = true;
        let (waiters, next_batch) = {
            let mut state = lock(&self.inner.state);
            state.running = state.running.saturating_sub(1);
            let State { scheduled, cache, gathering, .. } = &mut *state;
            for key in &self.keys {
                let still_ours = scheduled.get(key).is_some_and(|batch| Arc::ptr_eq(batch, &self.batch));
                if still_ours {
                    scheduled.remove(key);
                    // A key still scheduled on this batch has a cache entry only if it was
                    // primed while the batch was gathering: the primed value wins, as it does
                    // over a running batch (see `detach_running`).
                    if let Ok(answers) = &outcome
                        && cache.get(key).is_none()
                    {
                        cache.insert_batch(key.clone(), answers);
                    }
                }
            }
            // The next batch may have been waiting for this one to finish.
            let next_batch = gathering.as_ref().map(|open| lock(&open.batch.slot).wakers.clone()).unwrap_or_default();
            let mut slot = lock(&self.batch.slot);
            slot.phase = Phase::Done(outcome);
            (std::mem::take(&mut slot.wakers), next_batch)
        };
        waiters.into_iter().chain(next_batch).for_each(Waker::wake);
    }
}

impl<Q: BatchQuery, S: Shape<Q>> Drop for Completion<Q, S> {
    fn drop(&mut self) {
        if !self.completed {
            self.inner.stats.record_outcome(0, true);
            let error = Error::Abandoned { loader: Q::LOADER, keys: self.keys.len() };
            self.complete(Err(error));
        }
    }
}
