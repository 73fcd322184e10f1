//! Inline batches: a small batch's statement future is polled by its own waiters instead of
//! a spawned task (see [`LoaderOptions::max_inline_waiters`](crate::LoaderOptions::max_inline_waiters)).
//!
//! The future sits in the batch's [`Driver`]. Any waiter polled while the batch runs drives it
//! (polls it once, if it was woken since its last poll and no other waiter is polling it at
//! that moment), with a waker that wakes every waiter of the batch, so a waiter held without
//! being polled never stalls the others: whichever is polled next drives. A wake-up that
//! arrives while a waiter is polling is not lost: the poller polls again before it returns
//! (the `woken` flag, read after the future's lock is released; `futures::future::Shared`
//! has no such re-poll, see docs/decisions.md). A waiter dropped while the batch runs
//! hands the future to a spawned task ([`Driver::take`]), so a started statement always
//! completes. A future that panics is dropped at once: its completion guard answers every
//! waiter with `Error::Abandoned`, as when a batch task dies.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, TryLockError};
use std::task::{Context, Poll, Waker};

/// A batch's statement, run to completion, type-erased.
pub(crate) type BatchFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The statement future of an inline batch, with the waker it is polled with.
#[derive(Default)]
pub(crate) struct Driver {
    /// The future and its waker while waiters drive it; `None` before it starts, once it has
    /// finished, or once it was handed to a task.
    future: Mutex<Option<(BatchFuture, Waker)>>,
    /// Whether the future is (or may still be) in `future`: lets waiters of a spawned batch
    /// skip the lock.
    inline: AtomicBool,
    /// Set by the batch's waker (and at the start), cleared when a poll begins: the future
    /// needs a poll.
    woken: AtomicBool,
}

impl Driver {
    /// Starts driving `future` inline, woken through `waker` (which wakes every waiter of the
    /// batch and calls [`Driver::wake`]).
    pub(crate) fn start(&self, future: BatchFuture, waker: Waker) {
        *super::batch::lock_here(&self.future) = Some((future, waker));
        // Its first poll is due.
        self.woken.store(true, Ordering::SeqCst);
        self.inline.store(true, Ordering::Release);
    }

    /// Whether the batch runs inline and has not finished or been handed to a task.
    pub(crate) fn is_inline(&self) -> bool {
        self.inline.load(Ordering::Acquire)
    }

    /// Records a wake-up of the future (called by the batch's waker); returns whether it is
    /// new, i.e. the future was polled since the last one. If not, every waiter was already
    /// woken for that one and none has polled the future since: waking them again is useless.
    pub(crate) fn wake(&self) -> bool {
        !self.woken.swap(true, Ordering::SeqCst)
    }

    /// Polls the future if it runs inline, was woken since its last poll (a future only
    /// needs a poll after a wake-up: the waiters of one task, all polled on each wake-up of
    /// that task, poll it once between them) and no other waiter is polling it; polls it again
    /// if it was woken meanwhile. Returns at once otherwise: the poller sees the wake-up.
    pub(crate) fn drive(&self) {
        while self.is_inline() && self.woken.load(Ordering::SeqCst) {
            super::batch::preempt();
            let mut slot = match self.future.try_lock() {
                Ok(slot) => slot,
                // Another waiter is polling it.
                Err(TryLockError::WouldBlock) => return,
                // Never held across a panic (polls run under `catch_unwind`).
                Err(TryLockError::Poisoned(_)) => return,
            };
            // Another waiter polled it since the check above.
            if !self.woken.swap(false, Ordering::SeqCst) {
                return;
            }
            let Some((future, waker)) = slot.as_mut() else { return };
            let mut cx = Context::from_waker(waker);
            // A panic is contained as on a task: the future is dropped, and its completion
            // guard answers every waiter with `Error::Abandoned`.
            let poll = std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
            if !matches!(poll, Ok(Poll::Pending)) {
                self.inline.store(false, Ordering::Release);
                let finished = slot.take();
                drop(slot);
                drop(finished);
                return;
            }
            drop(slot);
            // Loops if a wake-up arrived during the poll: the waiters it woke found the lock
            // taken, and nobody else would poll it.
        }
    }

    /// Takes the future to run it on a task (a waiter was dropped, or too many joined);
    /// `None` if it does not run inline, or another waiter is polling it right now (that
    /// waiter is alive and drives it).
    pub(crate) fn take(&self) -> Option<BatchFuture> {
        if !self.is_inline() {
            return None;
        }
        let mut slot = self.future.try_lock().ok()?;
        let (future, _waker) = slot.take()?;
        self.inline.store(false, Ordering::Release);
        Some(future)
    }
}
