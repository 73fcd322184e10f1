//! The engine's hooks into the model checker (called from `batch.rs` in test builds only).
//! They act only on a thread where [`Model::run`](super::Model::run) is running a model:
//! elsewhere (every Tokio test) `preempt` does nothing and tasks go to Tokio.
//!
//! Shuttle runs all of a model's tasks on the thread that runs the model, so a thread-local
//! flag tells the engine a model is running, and the batch tasks it spawned are listed per
//! thread for the scenarios that kill them.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use shuttle::current::TaskId;
use shuttle::future::AbortHandle;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static BATCH_TASKS: RefCell<Vec<AbortHandle>> = const { RefCell::new(Vec::new()) };
    /// Wake-ups deferred by each model task until its poll returns.
    static DEFERRED: RefCell<Vec<(TaskId, Waker)>> = const { RefCell::new(Vec::new()) };
}

/// Whether a model is running on this thread.
pub(crate) fn active() -> bool {
    ACTIVE.with(Cell::get)
}

/// A scheduling point: the model checker may run any other runnable task here. The engine
/// calls it where a thread could be preempted in real execution, never with its lock held
/// (the tasks share one OS thread: a task switched out under a `std` lock would block the
/// next one that takes it, and with it the whole model).
pub(crate) fn preempt() {
    if active() {
        // Shuttle does not model time: `sleep` is a bare scheduling point. (`yield_now` would
        // also tell the PCT scheduler to deprioritise this task, biasing the exploration.)
        shuttle::thread::sleep(Duration::ZERO);
    }
}

/// Spawns an engine task on Shuttle's executor, detached as on Tokio, and lists it for
/// [`batch_tasks`].
pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    let handle = shuttle::future::spawn(deferring(task));
    BATCH_TASKS.with(|tasks| tasks.borrow_mut().push(handle.abort_handle()));
}

/// Defers `waker`'s wake-up until the poll of the current model task returns, as Tokio
/// defers `yield_now`'s (see [`Deferring`], which every model task runs under).
pub(crate) fn defer(waker: Waker) {
    DEFERRED.with(|deferred| deferred.borrow_mut().push((shuttle::current::me(), waker)));
}

pin_project_lite::pin_project! {
    /// A model task's future: after each of its polls, wakes what was deferred during it (a
    /// Tokio worker does so once the task's poll has returned, before it parks).
    pub(crate) struct Deferring<F> {
        #[pin]
        future: F,
    }
}

/// `future` as a model task (see [`Deferring`]).
pub(crate) fn deferring<F: Future>(future: F) -> Deferring<F> {
    Deferring { future }
}

impl<F: Future> Future for Deferring<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let poll = self.project().future.poll(cx);
        let me = shuttle::current::me();
        let due: Vec<Waker> = DEFERRED.with(|deferred| {
            let mut deferred = deferred.borrow_mut();
            let (due, others) = std::mem::take(&mut *deferred).into_iter().partition(|(task, _)| *task == me);
            *deferred = others;
            due.into_iter().map(|(_, waker)| waker).collect()
        });
        due.into_iter().for_each(Waker::wake);
        poll
    }
}

/// The tasks the engine spawned in the current execution of the model, in spawn order.
pub(crate) fn batch_tasks() -> Vec<AbortHandle> {
    BATCH_TASKS.with(|tasks| tasks.borrow().clone())
}

/// Marks this thread as running a model until dropped.
pub(super) struct Active(());

impl Active {
    pub(super) fn enter() -> Self {
        assert!(!active(), "one model at a time per thread");
        ACTIVE.with(|active| active.set(true));
        Self(())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        ACTIVE.with(|active| active.set(false));
        BATCH_TASKS.with(|tasks| tasks.borrow_mut().clear());
    }
}

/// Forgets the previous execution's tasks (called at the start of each execution).
pub(super) fn new_execution() {
    BATCH_TASKS.with(|tasks| tasks.borrow_mut().clear());
    DEFERRED.with(|deferred| deferred.borrow_mut().clear());
}
