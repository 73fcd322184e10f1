//! The batching engine: gathers keys into batches, dispatches one statement per batch (split
//! into chunks above `max_batch_size`), inline or on a spawned task, and fans the results out
//! by key.
//!
//! Life of a batch: `Gathering` (callers add keys) -> `Running` (its statement is executing,
//! polled by its waiters or on its own task) -> `Done` (every waiter reads its own key from
//! the shared result map).
//!
//! Hand-off. A `load` future enqueues its key and registers its waker on its first poll (one
//! lock) and returns `Pending`. Inside a Tokio task, the first of them arms the batch's
//! [`DispatchAtYield`], which fires once that task has yielded to the runtime, i.e. after
//! every sibling future of the same `join!`/`join_all` has enqueued its key, whatever
//! happens to the waiters (dropped or held): it spawns a large batch itself and wakes the
//! waiters of a small one. Elsewhere each waiter wakes itself on its first poll and the first
//! polled again dispatches. Any later poll of any waiter may dispatch the batch too, so no
//! single future can stall it. Waiters read the outcome without locking once it is set.
//!
//! Where the statement runs. A batch with at most `max_inline_waiters` waiters at dispatch
//! runs inline ([`Driver`]): the dispatching waiter polls the statement's future in its own
//! poll, and so does any waiter polled later, with a waker that wakes them all, so a waiter
//! held without being polled stalls nobody; a waiter dropped while it runs (or more waiters
//! joining than inline allows) moves it to a spawned task. A larger batch runs on a spawned
//! Tokio task from the start. Either way dropping waiters never cancels a started statement,
//! and a guard completes the batch with [`Error::Abandoned`] if its future is dropped
//! unfinished (its task died, or it panicked), so nobody waits forever.
//!
//! Model checking. The engine's tests explore these hand-offs under Shuttle
//! (`engine_tests::model`): in test builds only, [`preempt`] marks the points where another
//! thread may interleave (before each acquisition of the loader's lock, between the unlocked
//! reads of a batch's state, between completing a batch and waking its waiters), and
//! [`Spawner`] runs the batch task on Shuttle's executor. In other builds both are no-ops
//! around Tokio's spawn.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;

use crate::answers::Answers;
use crate::cache::{Cache, Cached, Claim, Entry};
use crate::driver::Driver;
use crate::shape::Shape;
use crate::stats::{CacheCounts, StatsCounters};
use crate::{BatchQuery, Error, LoaderOptions};

/// The engine's hash maps: keyed by the loader's keys, hashed with `foldhash` (seeded per
/// map, several times cheaper than SipHash on small keys).
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What a batch resolves to: one shared map of answers, or one shared error.
pub(crate) type Outcome<K, V> = Result<Arc<Answers<K, V>>, Error>;

/// Locks `mutex`, ignoring poisoning: the engine's invariants hold between statements, and a
/// panic elsewhere must not turn every later load into a panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    preempt();
    lock_here(mutex)
}

/// [`lock`] without its scheduling point, for wakers (they run inside other primitives'
/// wake-up paths, where the model checker must not switch tasks) and the driver's own lock.
pub(crate) fn lock_here<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A point where another thread may run first: a scheduling point of the model checker in the
/// engine's tests (never called with the loader's lock held), nothing otherwise.
#[inline(always)]
pub(crate) fn preempt() {
    #[cfg(test)]
    crate::engine_tests::model::seam::preempt();
}

/// Where the engine spawns its tasks: the current Tokio runtime, or (the engine's tests only)
/// the model checker's executor while a model runs on this thread.
enum Spawner {
    Tokio(tokio::runtime::Handle),
    #[cfg(test)]
    Model,
}

impl Spawner {
    /// The runtime of the caller, `None` outside one.
    fn current() -> Option<Self> {
        #[cfg(test)]
        if crate::engine_tests::model::seam::active() {
            return Some(Self::Model);
        }
        tokio::runtime::Handle::try_current().ok().map(Self::Tokio)
    }

    /// Runs `task` on its own task, detached.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        match self {
            Self::Tokio(runtime) => {
                runtime.spawn(task);
            }
            #[cfg(test)]
            Self::Model => crate::engine_tests::model::seam::spawn(task),
        }
    }
}

pub(crate) struct Inner<Q: BatchQuery, S: Shape<Q>> {
    pub(crate) query: Q,
    pub(crate) options: LoaderOptions,
    pub(crate) stats: StatsCounters,
    state: Mutex<State<Q::Key, S::Value>>,
    _shape: PhantomData<fn() -> (Q, S)>,
}

/// Everything mutable about a loader, behind its one lock: the cache (which also holds the
/// keys of the gathering and running batches: a key requested again while its batch gathers or
/// runs joins that batch), and the waker lists of those batches (a waiter registers under the
/// same lock as its lookup).
struct State<K, V> {
    cache: Cache<K, V>,
    gathering: Option<Gathering<K, V>>,
    /// The batches whose statements are running, with their waiters.
    running: Vec<Slot<K, V>>,
    /// Cache hits and misses since the last dispatch (for the batch's trace event).
    cache_hits: u64,
    cache_misses: u64,
    /// Cache hits and misses since the loader was created (for `stats`).
    totals: CacheCounts,
}

/// Waiters and keys a gathering batch has room for before its lists grow: the small batches of
/// web requests never reallocate them.
const GATHERING_CAPACITY: usize = 16;

struct Gathering<K, V> {
    slot: Slot<K, V>,
    /// Keys in request order, possibly repeated (a key requested twice while gathering).
    keys: Vec<K>,
    timer_armed: bool,
    /// A [`DispatchAtYield`] is armed for this batch and has not fired: waiters joining it
    /// need not wake themselves.
    dispatch_armed: bool,
    /// Index in `slot.wakers` of the waiter that armed it (the waiters from there on joined
    /// while it was armed).
    armed_from: usize,
}

impl<K, V> Gathering<K, V> {
    /// Marks its dispatcher as gone (fired or fallen back); returns the wakers of the waiters
    /// that joined while it was armed, the arming one first.
    fn disarm(&mut self) -> &[Waker] {
        self.dispatch_armed = false;
        self.slot.wakers.get(self.armed_from..).unwrap_or_default()
    }
}

/// A batch that is not done yet, and the wakers of its waiters.
struct Slot<K, V> {
    batch: Arc<Batch<K, V>>,
    wakers: Vec<Waker>,
}

/// One batch, shared by its waiters. Its outcome is written once, under the loader's lock,
/// before its waiters are woken; they read it without locking.
pub(crate) struct Batch<K, V> {
    /// When the batch opened, on Tokio's clock (the `delay` window is timed by Tokio's timer,
    /// and a paused test clock moves both).
    opened_at: tokio::time::Instant,
    /// Set (under the loader's lock) when the batch is dispatched: a waiter polled again
    /// while it runs, with the waker it registered, returns without locking.
    dispatched: AtomicBool,
    outcome: OnceLock<Outcome<K, V>>,
    /// The statement's future while the batch runs inline (polled by its waiters).
    driver: Driver,
}

impl<K, V> Batch<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            opened_at: tokio::time::Instant::now(),
            dispatched: AtomicBool::new(false),
            outcome: OnceLock::new(),
            driver: Driver::default(),
        }
    }

    /// A batch already done with `answers`.
    #[cfg(test)]
    pub(crate) fn done(answers: Answers<K, V>) -> Arc<Self> {
        let batch = Self::new();
        let _ = batch.outcome.set(Ok(Arc::new(answers)));
        Arc::new(batch)
    }

    /// The outcome, once the batch is done.
    pub(crate) fn outcome(&self) -> Option<&Outcome<K, V>> {
        self.outcome.get()
    }
}

/// Registers the waker of the waiter whose registration index is `index` in `wakers`,
/// replacing its previous waker instead of growing the list.
fn register(wakers: &mut Vec<Waker>, index: &mut Option<usize>, cx: &Context<'_>) {
    match *index {
        Some(i) if i < wakers.len() => {
            if !wakers[i].will_wake(cx.waker()) {
                wakers[i] = cx.waker().clone();
            }
        }
        _ => {
            wakers.push(cx.waker().clone());
            *index = Some(wakers.len() - 1);
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

impl<K: Eq + std::hash::Hash + Clone, V> State<K, V> {
    fn is_gathering(&self, batch: &Arc<Batch<K, V>>) -> bool {
        self.gathering.as_ref().is_some_and(|open| Arc::ptr_eq(&open.slot.batch, batch))
    }

    /// The gathering batch, if it is `batch`.
    fn gathering_of(&mut self, batch: &Arc<Batch<K, V>>) -> Option<&mut Gathering<K, V>> {
        self.gathering.as_mut().filter(|open| Arc::ptr_eq(&open.slot.batch, batch))
    }

    /// Where the answer for `key` comes from, counted as a cache hit or miss: the cache (a
    /// primed value, or a completed batch's answer), the running batch reading it, or else the
    /// gathering batch (opened if needed), with `key` added to it.
    fn lookup(&mut self, key: &K) -> Lookup<K, V> {
        let found = match self.cache.get(key) {
            Some(Entry::Primed(value)) => Some(Lookup::Cached(Cached::Primed(Arc::clone(value)))),
            Some(Entry::Batch(batch)) => match batch.outcome() {
                Some(Ok(answers)) => Some(Lookup::Cached(Cached::Batch(Arc::clone(answers)))),
                None => Some(Lookup::Batch(Arc::clone(batch))),
                // A failed batch's entries are removed when it fails: read the key again.
                Some(Err(_)) => None,
            },
            None => None,
        };
        let (session, total) = match found {
            Some(Lookup::Cached(_)) => (&mut self.cache_hits, &mut self.totals.hits),
            _ => (&mut self.cache_misses, &mut self.totals.misses),
        };
        *session += 1;
        *total += 1;
        if let Some(found) = found {
            return found;
        }
        let open = self.gathering.get_or_insert_with(|| Gathering {
            slot: Slot { batch: Arc::new(Batch::new()), wakers: Vec::with_capacity(GATHERING_CAPACITY) },
            keys: Vec::with_capacity(GATHERING_CAPACITY),
            timer_armed: false,
            dispatch_armed: false,
            armed_from: 0,
        });
        open.keys.push(key.clone());
        Lookup::Batch(Arc::clone(&open.slot.batch))
    }

    /// Gives the keys of the gathering batch `open` (being dispatched) entries of it, dropping
    /// repeated keys (in place); returns its distinct keys.
    fn schedule_dispatched(&mut self, open: &Gathering<K, V>, mut keys: Vec<K>) -> Vec<K> {
        type Seen<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
        // Keys the map cannot de-duplicate: primed ones, and any when a bounded cache may
        // evict this batch's own first keys.
        let mut seen: Option<Seen<K>> = None;
        let seen_all = self.cache.capacity().is_some_and(|capacity| keys.len() > capacity);
        if seen_all {
            seen = Some(Seen::with_capacity_and_hasher(keys.len(), Default::default()));
        }
        self.cache.reserve(keys.len());
        keys.retain(|key| {
            if seen_all && seen.as_mut().is_some_and(|seen| !seen.insert(key.clone())) {
                return false;
            }
            match self.cache.claim(key.clone(), &open.slot.batch) {
                Claim::Read => true,
                Claim::Repeated => false,
                Claim::Primed => seen_all || seen.get_or_insert_with(Seen::default).insert(key.clone()),
            }
        });
        keys
    }

    /// The waker list of `batch` when it is gathering or running (`None` when it is done).
    fn wakers_of(&mut self, batch: &Arc<Batch<K, V>>) -> Option<&mut Vec<Waker>> {
        if let Some(open) = self.gathering.as_mut().filter(|open| Arc::ptr_eq(&open.slot.batch, batch)) {
            return Some(&mut open.slot.wakers);
        }
        self.running.iter_mut().find(|slot| Arc::ptr_eq(&slot.batch, batch)).map(|slot| &mut slot.wakers)
    }
}

impl<Q: BatchQuery, S: Shape<Q>> Inner<Q, S> {
    pub(crate) fn new(query: Q, options: LoaderOptions) -> Self {
        let cache = Cache::new(options.cache, options.max_cached_keys);
        Self {
            query,
            options,
            stats: StatsCounters::default(),
            state: Mutex::new(State {
                cache,
                gathering: None,
                running: Vec::new(),
                cache_hits: 0,
                cache_misses: 0,
                totals: CacheCounts::default(),
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
        for key in keys {
            let lookup = state.lookup(key);
            found(key, lookup);
        }
    }

    /// Makes `value` the cached answer for `key` (nothing with the cache off). A running batch
    /// reading `key` still answers its waiters, but a new request no longer joins it; a
    /// gathering one still reads `key`.
    pub(crate) fn prime(&self, key: Q::Key, value: S::Value) {
        let mut state = lock(&self.state);
        if state.cache.keeps_answers() {
            state.cache.prime(key, value);
        } else {
            state.cache.remove(&key);
        }
    }

    /// Forgets `key`'s answer, and detaches it from the running batch reading it (which still
    /// answers its waiters, but its answer for `key` is not cached). A gathering batch still
    /// reads it (its statement has not run yet), and its answer is cached.
    pub(crate) fn clear(&self, key: &Q::Key) {
        lock(&self.state).cache.remove(key);
    }

    /// [`clear`](Self::clear) for every key.
    pub(crate) fn clear_all(&self) {
        lock(&self.state).cache.clear();
    }

    pub(crate) fn cached_keys(&self) -> usize {
        lock(&self.state).cache.len()
    }

    /// The loader's counters, with the cache counters read under its lock.
    pub(crate) fn stats(&self) -> crate::LoaderStats {
        let cache = {
            let state = lock(&self.state);
            CacheCounts { evictions: state.cache.evictions(), ..state.totals }
        };
        self.stats.snapshot(cache)
    }
}

/// A waiter on one batch: registers its waker, and dispatches the batch when it is allowed
/// to. Driven by [`LoadOne`] (one key) and [`BatchWait`] (`load_many`).
///
/// Hand-off: on its first poll a waiter registers its waker and returns `Pending`, having
/// armed the batch's [`DispatchAtYield`] (the first waiter, in a Tokio task) or woken its own
/// task (outside one); from its second poll on (after its task yielded, so every sibling
/// future of the same `join_all` has enqueued its key) it may dispatch the gathering batch.
/// Every waiter may, so no single future (dropped, or held without being polled) can stall a
/// batch. A waiter polled while its batch runs, with the waker it registered, returns
/// without locking.
pub(crate) struct Waiter<Q: BatchQuery, S: Shape<Q>> {
    batch: Arc<Batch<Q::Key, S::Value>>,
    /// Position of this waiter's waker in the batch's list.
    index: Option<usize>,
    /// The waker registered there.
    waker: Option<Waker>,
    /// Polled at least once: a later poll comes after the polling task yielded.
    polled: bool,
    /// `load_many`: dispatch at the first poll, without waiting for the `delay` window.
    immediate: bool,
}

impl<Q: BatchQuery, S: Shape<Q>> Waiter<Q, S> {
    pub(crate) fn new(batch: Arc<Batch<Q::Key, S::Value>>, immediate: bool) -> Self {
        Self { batch, index: None, waker: None, polled: false, immediate }
    }

    pub(crate) fn batch(&self) -> &Arc<Batch<Q::Key, S::Value>> {
        &self.batch
    }

    /// Ready once the batch has an outcome (read it with [`Batch::outcome`]).
    fn poll_done(&mut self, inner: &Arc<Inner<Q, S>>, cx: &Context<'_>) -> Poll<()> {
        if self.batch.outcome().is_some() {
            return Poll::Ready(());
        }
        preempt();
        if self.batch.dispatched.load(Ordering::Acquire)
            && self.waker.as_ref().is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            // Running, and its completion wakes the waker we registered (the outcome is set
            // before the wake-up, so a completion since the check above wakes us again).
            return self.drive();
        }
        self.poll_under(inner, lock(&inner.state), cx)
    }

    /// One poll under the loader's lock `state` (released here), then what it leaves for
    /// after the lock (see [`Unlocked`]); if still pending, drives the batch's inline
    /// statement: a wake-up its other waiters did not act on (they may be held) is ours too.
    fn poll_under(
        &mut self,
        inner: &Arc<Inner<Q, S>>,
        mut state: MutexGuard<'_, State<Q::Key, S::Value>>,
        cx: &Context<'_>,
    ) -> Poll<()> {
        let (poll, unlocked) = self.poll_locked(inner, &mut state, cx);
        drop(state);
        unlocked.finish(Some(cx), None);
        match poll {
            Poll::Ready(()) => Poll::Ready(()),
            Poll::Pending => self.drive(),
        }
    }

    /// Polls the batch's statement if it runs inline (see [`Driver`]); ready if that
    /// completed the batch.
    fn drive(&self) -> Poll<()> {
        self.batch.driver.drive();
        if self.batch.outcome().is_some() { Poll::Ready(()) } else { Poll::Pending }
    }

    /// One poll under the loader's lock; returns what to do once it is released (see
    /// [`Unlocked`]).
    fn poll_locked(
        &mut self,
        inner: &Arc<Inner<Q, S>>,
        state: &mut State<Q::Key, S::Value>,
        cx: &Context<'_>,
    ) -> (Poll<()>, Unlocked<Q, S>) {
        let pending = || (Poll::Pending, Unlocked::Nothing);
        if self.batch.outcome().is_some() {
            return (Poll::Ready(()), Unlocked::Nothing);
        }
        let first = !std::mem::replace(&mut self.polled, true);
        let Some(wakers) = state.wakers_of(&self.batch) else {
            debug_assert!(false, "a batch without an outcome is gathering or running");
            return pending();
        };
        register(wakers, &mut self.index, cx);
        let waiters = wakers.len();
        if !self.waker.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            self.waker = Some(cx.waker().clone());
        }
        if !state.is_gathering(&self.batch) {
            // Running: its completion wakes us. An inline batch that more waiters joined than
            // inline allows goes to its own task (each of its wake-ups wakes every waiter).
            if waiters > inner.options.max_inline_waiters
                && self.batch.driver.is_inline()
                && let Some(runtime) = Spawner::current()
            {
                return (Poll::Pending, Unlocked::HandOff { runtime, batch: Arc::clone(&self.batch) });
            }
            return pending();
        }
        if first && !self.immediate {
            // Let the sibling futures of this task enqueue their keys first: one dispatcher
            // per batch fires once the task has yielded (the waiters that join meanwhile
            // wait for it), or, with a `delay` window, each waiter wakes itself.
            if inner.options.delay.is_zero()
                && defers_wake_ups()
                && let Some(open) = state.gathering.as_mut()
            {
                if open.dispatch_armed {
                    return pending();
                }
                open.dispatch_armed = true;
                open.armed_from = self.index.unwrap_or_default();
                return (Poll::Pending, Unlocked::Arm { inner: Arc::clone(inner), batch: Arc::clone(&self.batch) });
            }
            return (Poll::Pending, Unlocked::Yield);
        }
        if state.running.len() >= inner.options.max_concurrent_batches {
            if first {
                // `load_many` behind a running batch: let the task's other futures enqueue
                // first, as `load` does, so that they go in this batch rather than in one
                // dispatched as soon as the running batch completes (an inline one may
                // complete while they are still being polled for the first time).
                return (Poll::Pending, Unlocked::Yield);
            }
            // Waiting for a running batch to complete: its completion wakes us. A running
            // inline batch's waiters may all be held without being polled, so its wake-ups
            // wake us too (see `WakeWaiters`) and we drive it.
            let inline: Vec<_> = state
                .running
                .iter()
                .filter(|slot| slot.batch.driver.is_inline())
                .map(|slot| Arc::clone(&slot.batch))
                .collect();
            return (Poll::Pending, if inline.is_empty() { Unlocked::Nothing } else { Unlocked::Drive(inline) });
        }
        let runtime = match Spawner::current() {
            Some(runtime) => runtime,
            None => {
                let error = Error::NoRuntime { loader: Q::LOADER };
                return (Poll::Ready(()), Unlocked::Wake(fail_gathering(state, error)));
            }
        };
        let delay = inner.options.delay;
        if !self.immediate && !delay.is_zero() {
            let deadline = self.batch.opened_at + delay;
            if tokio::time::Instant::now() < deadline {
                if let Some(open) = state.gathering.as_mut()
                    && !open.timer_armed
                {
                    open.timer_armed = true;
                    let guard = TimerGuard { inner: Arc::clone(inner), batch: Arc::clone(&self.batch) };
                    return (Poll::Pending, Unlocked::Timer { runtime, guard, deadline });
                }
                return pending();
            }
        }
        (Poll::Pending, dispatch(inner, state, runtime, true))
    }
}

/// Dispatches the gathering batch of `state` (none: does nothing): schedules its keys, moves
/// it to the running batches and returns the run to start once the lock is released, inline
/// when `allow_inline` and it has at most `max_inline_waiters` waiters.
fn dispatch<Q: BatchQuery, S: Shape<Q>>(
    inner: &Arc<Inner<Q, S>>,
    state: &mut State<Q::Key, S::Value>,
    runtime: Spawner,
    allow_inline: bool,
) -> Unlocked<Q, S> {
    let Some(mut open) = state.gathering.take() else {
        return Unlocked::Nothing;
    };
    let inline = allow_inline && open.slot.wakers.len() <= inner.options.max_inline_waiters;
    let requested = std::mem::take(&mut open.keys);
    let keys = state.schedule_dispatched(&open, requested);
    open.slot.batch.dispatched.store(true, Ordering::Release);
    let batch = Arc::clone(&open.slot.batch);
    state.running.push(open.slot);
    let stats = (std::mem::take(&mut state.cache_hits), std::mem::take(&mut state.cache_misses));
    // The guard is created before the task and moved into it, so the batch is completed
    // (with `Abandoned`) even if the task is dropped before its first poll, e.g. when its
    // runtime shuts down first.
    let completion = Completion { inner: Arc::clone(inner), batch, keys, completed: false };
    Unlocked::Run(Run { runtime, completion, stats, inline })
}

impl<Q: BatchQuery, S: Shape<Q>> Drop for Waiter<Q, S> {
    /// A waiter dropped while its inline batch runs hands the statement to its own task: the
    /// remaining waiters may never be polled again, and a started statement always completes
    /// (its answers are cached). Outside a runtime it stays inline: any waiter polled drives it.
    fn drop(&mut self) {
        if self.batch.outcome().is_none()
            && self.batch.driver.is_inline()
            && let Some(runtime) = Spawner::current()
            && let Some(future) = self.batch.driver.take()
        {
            runtime.spawn(future);
        }
    }
}

/// The waker of an inline batch's statement: wakes every waiter of the batch, so whichever
/// is polled next drives the statement (see [`Driver`]).
struct WakeWaiters<Q: BatchQuery, S: Shape<Q>> {
    inner: Arc<Inner<Q, S>>,
    batch: Arc<Batch<Q::Key, S::Value>>,
}

impl<Q: BatchQuery, S: Shape<Q>> WakeWaiters<Q, S> {
    fn waker(inner: &Arc<Inner<Q, S>>, batch: &Arc<Batch<Q::Key, S::Value>>) -> Waker {
        Waker::from(Arc::new(Self { inner: Arc::clone(inner), batch: Arc::clone(batch) }))
    }
}

impl<Q: BatchQuery, S: Shape<Q>> std::task::Wake for WakeWaiters<Q, S> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.batch.driver.wake() {
            return;
        }
        // The distinct wakers, without allocating when they are one (futures of one task
        // share its waker).
        let mut first: Option<Waker> = None;
        let mut others: Vec<Waker> = Vec::new();
        {
            // No scheduling point in a waker (see `lock_here`).
            let state = lock_here(&self.inner.state);
            let running = state.running.iter().find(|slot| Arc::ptr_eq(&slot.batch, &self.batch));
            // The gathering batch's waiters, when it waits for a running batch to finish.
            let next = state
                .gathering
                .as_ref()
                .filter(|_| state.running.len() >= self.inner.options.max_concurrent_batches)
                .map(|open| &open.slot);
            let mut last: Option<&Waker> = None;
            for waker in running.into_iter().chain(next).flat_map(|slot| &slot.wakers) {
                if last.is_some_and(|last| last.will_wake(waker)) {
                    continue;
                }
                last = Some(waker);
                match first {
                    None => first = Some(waker.clone()),
                    Some(_) => others.push(waker.clone()),
                }
            }
        }
        first.into_iter().chain(others).for_each(Waker::wake);
    }
}

/// The dispatcher of a gathering batch (`delay` zero): armed by the batch's first waiter on
/// its first poll, it fires once the task polling that waiter has yielded to the runtime
/// (Tokio's `yield_now` deferral), i.e. after every sibling future of the same `join_all` has
/// enqueued its key, without a poll of any waiter. Firing, it dispatches a batch with more
/// than `max_inline_waiters` waiters on its own task from there (its waiters are next polled
/// when it completes, instead of each being polled once more to dispatch it), and wakes the
/// waiters of a smaller one, the first of which to be polled runs it inline. Where the
/// wake-up cannot be deferred (outside a Tokio runtime's scheduler: it happens during the
/// arming poll), it falls back to what `Yield` does: the waiters that joined meanwhile are
/// woken and dispatch on their next poll.
///
/// It fires whatever happens to the waiters (dropped or held), so waiters joining an armed
/// batch need not wake themselves; any waiter polled again before it fires may still
/// dispatch the batch (it then finds the batch gone and does nothing).
pub(crate) struct DispatchAtYield<Q: BatchQuery, S: Shape<Q>> {
    inner: Arc<Inner<Q, S>>,
    batch: Arc<Batch<Q::Key, S::Value>>,
    /// The arming waiter's span and load site, recorded by a batch dispatched on firing.
    caller: crate::instrument::BatchCaller,
    /// Set during the arming poll: a wake-up then is not a deferred one.
    arming: AtomicBool,
    woke_while_arming: AtomicBool,
    fired: AtomicBool,
}

impl<Q: BatchQuery, S: Shape<Q>> DispatchAtYield<Q, S> {
    /// Creates the dispatcher of `batch` and schedules its firing (called by the arming
    /// waiter, lock released: it records that waiter as the batch's caller).
    fn arm(inner: Arc<Inner<Q, S>>, batch: Arc<Batch<Q::Key, S::Value>>) {
        let this = Arc::new(Self {
            inner,
            batch,
            caller: crate::instrument::BatchCaller::captured(),
            arming: AtomicBool::new(false),
            woke_while_arming: AtomicBool::new(false),
            fired: AtomicBool::new(false),
        });
        #[cfg(test)]
        if crate::engine_tests::model::seam::active() {
            // The model wakes it when the model task's poll returns (`seam::Deferring`).
            return crate::engine_tests::model::seam::defer(Waker::from(this));
        }
        let waker = Waker::from(Arc::clone(&this));
        this.arming.store(true, Ordering::SeqCst);
        wake_after_yield(&Context::from_waker(&waker));
        this.arming.store(false, Ordering::SeqCst);
        if this.woke_while_arming.load(Ordering::SeqCst) {
            this.fall_back();
        }
    }

    /// The wake-up was not deferred: disarms, and wakes the waiters that joined since the
    /// arming (the arming one included), which dispatch on their next poll.
    fn fall_back(&self) {
        let wakers = {
            let mut state = lock(&self.inner.state);
            match state.gathering_of(&self.batch) {
                Some(open) if open.dispatch_armed => open.disarm().to_vec(),
                _ => return,
            }
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Dispatches or wakes the batch, if it is still gathering.
    fn fire(&self) {
        let unlocked = {
            let mut state = lock(&self.inner.state);
            let limit = self.inner.options.max_concurrent_batches;
            let blocked = state.running.len() >= limit;
            let Some(open) = state.gathering_of(&self.batch) else {
                return;
            };
            let spawned = open.slot.wakers.len() > self.inner.options.max_inline_waiters;
            match Spawner::current() {
                // Dispatching takes the batch out of `gathering`, armed flag and all.
                Some(runtime) if spawned && !blocked => dispatch(&self.inner, &mut state, runtime, false),
                // A small batch, one behind a running batch, or no runtime: the waiters take
                // over. Only those that joined while this dispatcher was armed: earlier ones
                // were woken by an earlier dispatcher or woke themselves, and a running
                // batch's completion wakes them all (waking every waiter at each arming would
                // cost, for a batch gathering behind a long statement, a wake-up per waiter
                // per arming instead of one).
                _ => Unlocked::Wake(open.disarm().to_vec()),
            }
        };
        unlocked.finish(None, Some(&self.caller));
    }
}

impl<Q: BatchQuery, S: Shape<Q>> std::task::Wake for DispatchAtYield<Q, S> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.arming.load(Ordering::SeqCst) {
            self.woke_while_arming.store(true, Ordering::SeqCst);
            return;
        }
        if !self.fired.swap(true, Ordering::SeqCst) {
            self.fire();
        }
    }
}

/// What a waiter's poll leaves for after the loader's lock is released: spawning a task or
/// waking waiters. Never under the lock: a runtime that is shutting down drops a task
/// spawned on it at once, inside `spawn`, and the batch's completion guard (or the timer's)
/// then takes the lock (a deadlock, were it held); and the critical section stays short.
#[must_use]
enum Unlocked<Q: BatchQuery, S: Shape<Q>> {
    Nothing,
    /// Wake the polling task once it has yielded to the runtime (a waiter's first poll).
    Yield,
    /// Arm the batch's dispatcher (the first waiter's first poll).
    Arm {
        inner: Arc<Inner<Q, S>>,
        batch: Arc<Batch<Q::Key, S::Value>>,
    },
    /// Run the batch dispatched under the lock: inline (started by this waiter's poll) or on
    /// its own task.
    Run(Run<Q, S>),
    /// Drive running inline batches (this waiter's batch waits for one of them to finish).
    Drive(Vec<Arc<Batch<Q::Key, S::Value>>>),
    /// Move an inline batch to its own task.
    HandOff {
        runtime: Spawner,
        batch: Arc<Batch<Q::Key, S::Value>>,
    },
    /// Wake the batch's waiters at the end of the `delay` window.
    Timer {
        runtime: Spawner,
        guard: TimerGuard<Q, S>,
        deadline: tokio::time::Instant,
    },
    /// Wake the waiters of a batch failed under the lock.
    Wake(Vec<Waker>),
}

/// A batch dispatched under the lock, to start once it is released.
struct Run<Q: BatchQuery, S: Shape<Q>> {
    runtime: Spawner,
    completion: Completion<Q, S>,
    /// Cache hits and misses since the previous dispatch.
    stats: (u64, u64),
    inline: bool,
}

impl<Q: BatchQuery, S: Shape<Q>> Unlocked<Q, S> {
    /// Does it; call with the loader's lock released. `cx`: the polling waiter's (`None`
    /// from a dispatcher, which leaves neither `Yield` nor `Arm`); `caller`: whose span and
    /// load site a batch started here records (`None`: the current ones, a waiter's).
    fn finish(self, cx: Option<&Context<'_>>, caller: Option<&crate::instrument::BatchCaller>) {
        match self {
            Self::Nothing => return,
            Self::Yield => return cx.into_iter().for_each(wake_after_yield),
            Self::Arm { inner, batch } => return DispatchAtYield::arm(inner, batch),
            _ => {}
        }
        preempt();
        match self {
            Self::Nothing | Self::Yield | Self::Arm { .. } => {}
            Self::Run(run_batch) => {
                let Run { runtime, completion, stats, inline } = run_batch;
                let batch_size = completion.keys.len();
                let batch = Arc::clone(&completion.batch);
                let waker = inline.then(|| WakeWaiters::waker(&completion.inner, &batch));
                // Runs in the dispatching caller's span: its statements count in the caller's
                // operation.
                let caller = caller.map_or_else(crate::instrument::BatchCaller::current, Clone::clone);
                let future = crate::instrument::in_batch_span::<Q, _>(caller, batch_size, run(completion, stats));
                match waker {
                    // The dispatching waiter drives it first, right after this.
                    Some(waker) => batch.driver.start(Box::pin(future), waker),
                    None => runtime.spawn(future),
                }
            }
            Self::Drive(batches) => batches.iter().for_each(|batch| batch.driver.drive()),
            Self::HandOff { runtime, batch } => {
                if let Some(future) = batch.driver.take() {
                    runtime.spawn(future);
                }
            }
            Self::Timer { runtime, guard, deadline } => runtime.spawn(wake_at(guard, deadline)),
            Self::Wake(wakers) => wakers.into_iter().for_each(Waker::wake),
        }
    }
}

/// Whether a wake-up can be deferred until the polling task yields (see
/// [`DispatchAtYield`]): inside a Tokio task (a worker's, or a current-thread runtime's), or
/// in a model. Elsewhere (`Runtime::block_on` of a multi-thread runtime, another executor)
/// Tokio's `yield_now` wakes at once, and every waiter wakes itself instead.
fn defers_wake_ups() -> bool {
    #[cfg(test)]
    if crate::engine_tests::model::seam::active() {
        return true;
    }
    tokio::task::try_id().is_some()
}

/// Wakes the task polling with `cx` once it has yielded to the runtime, as
/// `tokio::task::yield_now().await` does: on a Tokio worker (or a current-thread runtime's
/// `block_on`) the wake-up is deferred until the task's poll returns, so that combinators
/// which re-poll a child that woke itself within their own poll (`FuturesUnordered` drained in
/// a loop, as async-graphql resolves an object's fields) cannot re-poll the waiter before the
/// task's other futures had their turn; elsewhere (another runtime's `block_on`, the model
/// checker) it wakes at once.
fn wake_after_yield(cx: &Context<'_>) {
    let mut cx = Context::from_waker(cx.waker());
    let mut yield_now = std::pin::pin!(tokio::task::yield_now());
    let _ = yield_now.as_mut().poll(&mut cx);
}

/// How a `load` future hands out its answer: [`Owned`] (a copy) or [`Sharing`] (a
/// [`Shared`](crate::Shared) handle on the batch's result or cache entry).
pub(crate) trait Output<K, V> {
    type Out;

    /// The answer for `key` from a cache entry.
    fn cached(cached: Cached<K, V>, key: &K) -> Self::Out;

    /// The answer for `key` from its batch's result map.
    fn batch(answers: &Arc<Answers<K, V>>, key: &K) -> Self::Out;
}

/// `load`'s output: the caller's own copy of the answer.
pub(crate) struct Owned;

/// `load_shared`'s output: the answer shared with the loader.
pub(crate) struct Sharing;

impl<K: Eq + std::hash::Hash, V: Clone> Output<K, V> for Owned {
    type Out = V;

    fn cached(cached: Cached<K, V>, key: &K) -> V {
        cached.value_for(key)
    }

    fn batch(answers: &Arc<Answers<K, V>>, key: &K) -> V {
        answers.get(key).clone()
    }
}

impl<K: Clone, V> Output<K, V> for Sharing {
    type Out = crate::Shared<K, V>;

    fn cached(cached: Cached<K, V>, key: &K) -> Self::Out {
        crate::Shared::new(cached, key.clone())
    }

    fn batch(answers: &Arc<Answers<K, V>>, key: &K) -> Self::Out {
        crate::Shared::new(Cached::Batch(Arc::clone(answers)), key.clone())
    }
}

/// The future of one `load(key)` (or `load_shared`, by `O`): looks the key up (cache,
/// scheduled batch, or the gathering batch) and registers its waker under one lock, then reads
/// its own answer from the batch's outcome without locking.
pub(crate) struct LoadOne<'a, Q: BatchQuery, S: Shape<Q>, O = Owned> {
    inner: &'a Arc<Inner<Q, S>>,
    key: Q::Key,
    waiter: Option<Waiter<Q, S>>,
    _output: PhantomData<fn() -> O>,
}

impl<Q: BatchQuery, S: Shape<Q>, O> Unpin for LoadOne<'_, Q, S, O> {}

impl<'a, Q: BatchQuery, S: Shape<Q>, O> LoadOne<'a, Q, S, O> {
    pub(crate) fn new(inner: &'a Arc<Inner<Q, S>>, key: Q::Key) -> Self {
        Self { inner, key, waiter: None, _output: PhantomData }
    }
}

impl<Q: BatchQuery, S: Shape<Q>, O: Output<Q::Key, S::Value>> Future for LoadOne<'_, Q, S, O> {
    type Output = Result<O::Out, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this.inner;
        let ready = match &mut this.waiter {
            Some(waiter) => waiter.poll_done(inner, cx),
            None => {
                let mut state = lock(&inner.state);
                match state.lookup(&this.key) {
                    Lookup::Cached(cached) => {
                        drop(state);
                        return Poll::Ready(Ok(O::cached(cached, &this.key)));
                    }
                    Lookup::Batch(batch) => this.waiter.insert(Waiter::new(batch, false)).poll_under(inner, state, cx),
                }
            }
        };
        match ready {
            Poll::Ready(()) => match this.waiter.as_ref().and_then(|waiter| waiter.batch.outcome()) {
                Some(Ok(answers)) => Poll::Ready(Ok(O::batch(answers, &this.key))),
                Some(Err(error)) => Poll::Ready(Err(error.clone())),
                // Ready means the outcome is set: unreachable, answered as "no rows".
                None => Poll::Ready(Ok(O::batch(&Arc::default(), &this.key))),
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Waits for one batch of `load_many` (dispatching it at once when allowed); resolves to the
/// batch's outcome.
pub(crate) struct BatchWait<'a, Q: BatchQuery, S: Shape<Q>> {
    inner: &'a Arc<Inner<Q, S>>,
    waiter: Waiter<Q, S>,
}

impl<Q: BatchQuery, S: Shape<Q>> Unpin for BatchWait<'_, Q, S> {}

impl<'a, Q: BatchQuery, S: Shape<Q>> BatchWait<'a, Q, S> {
    pub(crate) fn new(inner: &'a Arc<Inner<Q, S>>, batch: Arc<Batch<Q::Key, S::Value>>) -> Self {
        Self { inner, waiter: Waiter::new(batch, true) }
    }
}

impl<Q: BatchQuery, S: Shape<Q>> Future for BatchWait<'_, Q, S> {
    type Output = Outcome<Q::Key, S::Value>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this.waiter.poll_done(this.inner, cx) {
            Poll::Ready(()) => match this.waiter.batch().outcome() {
                Some(outcome) => Poll::Ready(outcome.clone()),
                None => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Fails the gathering batch at once (no runtime to run it on); returns the wakers to wake.
fn fail_gathering<K, V>(state: &mut State<K, V>, error: Error) -> Vec<Waker> {
    // Its keys have no entries (they get them at dispatch).
    let Some(open) = state.gathering.take() else { return Vec::new() };
    let _ = open.slot.batch.outcome.set(Err(error));
    open.slot.wakers
}

/// Timer for the optional `delay` window: wakes the batch's waiters at `deadline` (the guard
/// does it when dropped).
async fn wake_at<Q: BatchQuery, S: Shape<Q>>(guard: TimerGuard<Q, S>, deadline: tokio::time::Instant) {
    tokio::time::sleep_until(deadline).await;
    drop(guard);
}

/// Owned by the timer task from its creation: when the task ends, normally or because it is
/// dropped (its runtime shut down, even before its first poll), disarms the timer and wakes
/// the batch's waiters, so a waiter still inside the window arms a new timer instead of
/// waiting for one that will never fire.
struct TimerGuard<Q: BatchQuery, S: Shape<Q>> {
    inner: Arc<Inner<Q, S>>,
    batch: Arc<Batch<Q::Key, S::Value>>,
}

impl<Q: BatchQuery, S: Shape<Q>> Drop for TimerGuard<Q, S> {
    fn drop(&mut self) {
        let wakers = {
            let mut state = lock(&self.inner.state);
            match state.gathering_of(&self.batch) {
                Some(open) => {
                    open.timer_armed = false;
                    open.slot.wakers.clone()
                }
                None => return,
            }
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
        let query = &completion.inner.query;
        try_join_all(completion.keys.chunks(chunk_size).map(|chunk| query.fetch(chunk))).await
    };
    let elapsed = started.elapsed();
    let outcome = match fetched {
        Ok(chunk_rows) => {
            let (answers, rows, unmatched) =
                match_rows::<Q, S>(&completion.inner.query, &completion.keys, chunk_size, chunk_rows);
            completion.inner.stats.record_outcome(rows, false);
            if let Some((unmatched_rows, first_key)) = unmatched {
                completion.inner.stats.record_unmatched(unmatched_rows);
                warn_unmatched::<Q>(unmatched_rows, &first_key);
            }
            trace_batch::<Q>(completion.keys.len(), chunks, rows, elapsed, cache_hits, cache_misses, true);
            Ok(Arc::new(Answers::new(answers)))
        }
        Err(error) => {
            completion.inner.stats.record_outcome(0, true);
            trace_batch::<Q>(completion.keys.len(), chunks, 0, elapsed, cache_hits, cache_misses, false);
            Err(Error::Database { loader: Q::LOADER, keys: completion.keys.len(), source: Arc::new(error) })
        }
    };
    completion.complete(outcome);
}

/// A batch's answers, its number of rows, and its unmatched rows with one of their keys.
type Matched<K, V> = (Map<K, V>, usize, Option<(usize, String)>);

/// The answers of a batch from the rows of its chunks (chunk `i` ran for the `i`-th
/// `chunk_size` keys of `keys`): rows matched to keys by exact value. Returns the answers,
/// the number of rows, and the rows whose key matches no key of their statement, with the
/// first such key (`Debug`), if any: they are left out of the answers.
fn match_rows<Q: BatchQuery, S: Shape<Q>>(
    query: &Q,
    keys: &[Q::Key],
    chunk_size: usize,
    chunk_rows: Vec<Vec<Q::Row>>,
) -> Matched<Q::Key, S::Value> {
    let mut answers: Map<Q::Key, S::Value> = Map::with_capacity_and_hasher(keys.len(), Default::default());
    let mut rows = 0usize;
    let mut unmatched_rows = 0usize;
    let mut first_unmatched: Option<String> = None;
    let mut unmatched = |count: usize, key: Option<&Q::Key>| {
        unmatched_rows += count;
        if first_unmatched.is_none() {
            first_unmatched = Some(key.map_or_else(|| "NULL".to_owned(), |key| format!("{key:?}")));
        }
    };
    if chunk_rows.len() <= 1 {
        for row in chunk_rows.into_iter().flatten() {
            rows += 1;
            match query.key_of(&row) {
                Some(key) => S::absorb(&mut answers, key, row),
                None => unmatched(1, None),
            }
        }
        // One lookup per key finds whether the statement returned keys nobody asked for
        // (a case-insensitive comparison in the database); only then are they sought out.
        let matched = keys.iter().filter(|key| answers.contains_key(*key)).count();
        if matched < answers.len() {
            let requested: std::collections::HashSet<&Q::Key, foldhash::fast::RandomState> = keys.iter().collect();
            let stray: Vec<Q::Key> = answers.keys().filter(|key| !requested.contains(key)).cloned().collect();
            for key in stray {
                if let Some(value) = answers.remove(&key) {
                    unmatched(S::rows(&value), Some(&key));
                }
            }
        }
    } else {
        // Several chunks: a row counts for the chunk whose statement asked for its key only
        // (a case-insensitive match in another chunk would otherwise repeat it).
        let chunk_of: Map<&Q::Key, usize> = keys
            .chunks(chunk_size)
            .enumerate()
            .flat_map(|(index, chunk)| chunk.iter().map(move |key| (key, index)))
            .collect();
        for (index, chunk) in chunk_rows.into_iter().enumerate() {
            for row in chunk {
                rows += 1;
                match query.key_of(&row) {
                    Some(key) if chunk_of.get(&key) == Some(&index) => S::absorb(&mut answers, key, row),
                    key => unmatched(1, key.as_ref()),
                }
            }
        }
    }
    let unmatched = first_unmatched.map(|key| (unmatched_rows, key));
    (answers, rows, unmatched)
}

/// The WARN for rows the statement returned that match no requested key.
fn warn_unmatched<Q: BatchQuery>(rows: usize, first_key: &str) {
    tracing::warn!(
        target: "batchload::loader",
        loader = Q::LOADER,
        table = Q::TABLE,
        key_column = Q::KEY_COLUMN,
        unmatched_rows = rows,
        key = first_key,
        "loader `{}`: the statement returned {rows} row(s) whose key matches no requested key (one of them: {first_key}); \
         they are not delivered. Likely cause: `{}.{}` compares case- or accent-insensitively (SQLite COLLATE NOCASE, \
         MySQL *_ci collations, PostgreSQL citext), so the database matched a key that differs from the row's value \
         while rows are matched to keys by exact value: request keys exactly as stored (e.g. normalise their case) \
         or give the column a binary collation",
        Q::LOADER,
        Q::TABLE,
        Q::KEY_COLUMN,
    );
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
        let keys = std::mem::take(&mut self.keys);
        let (waiters, next_batch) = {
            let mut state = lock(&self.inner.state);
            let State { cache, gathering, running, .. } = &mut *state;
            // A successful batch's entries stay in the cache: they now answer their keys from
            // its outcome. Those of a failed batch, or of any batch when the cache keeps no
            // answers, leave (unless their key was since primed or requested again).
            if outcome.is_err() || !cache.keeps_answers() {
                for key in &keys {
                    cache.release(key, &self.batch);
                }
            }
            let wakers = match running.iter().position(|slot| Arc::ptr_eq(&slot.batch, &self.batch)) {
                Some(index) => running.swap_remove(index).wakers,
                None => Vec::new(),
            };
            // Written under the lock, before any waiter is woken: a waiter that finds the
            // batch in no list reads its outcome.
            let _ = self.batch.outcome.set(outcome);
            // The next batch may have been waiting for this one to finish.
            let next_batch = gathering.as_ref().map(|open| open.slot.wakers.clone()).unwrap_or_default();
            (wakers, next_batch)
        };
        preempt();
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
