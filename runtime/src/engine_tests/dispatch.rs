//! Who dispatches a batch of `load`s. Inside a Tokio task the batch's dispatcher fires once
//! the task has yielded (see `DispatchAtYield` in `batch.rs`): a batch too large to run inline
//! goes to its own task from there, so its waiters are polled twice in all (enqueue, answer)
//! instead of once more in between to dispatch it. Where a wake-up cannot be deferred
//! (`Runtime::block_on` of a multi-thread runtime, another executor), each waiter wakes itself
//! and the first polled again dispatches.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures_util::future::join_all;

use super::fake::{Source, by_id};
use super::{counts, within};
use crate::{DEFAULT_MAX_INLINE_WAITERS, LoaderOptions};

/// `future`, counting its polls in `polls`.
struct Counted<'a, F> {
    future: Pin<Box<F>>,
    polls: &'a AtomicUsize,
}

impl<F: Future> Future for Counted<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        self.future.as_mut().poll(cx)
    }
}

/// Loads keys `1..=count` together, each load's polls counted; checks the answers and that
/// one statement ran; returns the polls.
async fn polls_of_loads_together(source: &Arc<Source>, options: LoaderOptions, count: i64) -> usize {
    let loader = by_id(source, options);
    let polls = AtomicUsize::new(0);
    let loads = (1..=count).map(|key| Counted { future: Box::pin(loader.load(key)), polls: &polls });
    let answers = join_all(loads).await;
    for (key, answer) in (1..=count).zip(answers) {
        assert_eq!(answer.expect("load"), source.by_id(key), "key {key}");
    }
    assert_eq!(counts(loader.stats()), (1, 1, count as u64));
    polls.load(Ordering::Relaxed)
}

/// Without the dispatcher each waiter was polled three times (enqueue and wake itself,
/// dispatch or find the batch dispatched, answer): 300 polls for 100 loads.
#[tokio::test]
async fn in_a_task_a_large_batch_is_dispatched_without_polling_its_waiters_again() {
    within("large batch", async {
        let count = 100;
        assert!(count > DEFAULT_MAX_INLINE_WAITERS as i64);
        let source = Source::tree(200);
        let task = {
            let source = Arc::clone(&source);
            tokio::spawn(async move { polls_of_loads_together(&source, LoaderOptions::new(), count).await })
        };
        assert_eq!(task.await.expect("task"), 2 * count as usize, "each load: enqueue, then its answer");
        assert_eq!(source.calls(), [(1..=count).collect::<Vec<i64>>()]);
    })
    .await;
}

/// A small batch runs inline: the dispatcher wakes its waiters, and the first polled runs the
/// statement (here it completes within that poll, so every load is answered at its second
/// poll). In a task and outside one (the test's `block_on`, where each waiter wakes itself).
#[tokio::test]
async fn a_small_batch_is_run_by_its_first_waiter_polled_again() {
    within("small batch", async {
        for spawned in [false, true] {
            let source = Source::tree(200);
            let body = {
                let source = Arc::clone(&source);
                async move { polls_of_loads_together(&source, LoaderOptions::new(), 10).await }
            };
            let polls = if spawned { tokio::spawn(body).await.expect("task") } else { body.await };
            assert_eq!(polls, 20, "spawned: {spawned}");
        }
    })
    .await;
}

/// A Tokio task whose wake-ups cannot be deferred (a blocking task running another
/// executor's `block_on`: no scheduler there): the dispatcher's wake-up comes during its
/// arming, which falls back to the waiters waking themselves. Still one statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_wake_ups_cannot_be_deferred_loads_still_share_one_statement() {
    within("blocking task", async {
        for count in [10, 100] {
            let source = Source::tree(200);
            let polls = {
                let source = Arc::clone(&source);
                tokio::task::spawn_blocking(move || {
                    assert!(tokio::task::try_id().is_some(), "inside a Tokio task");
                    // Tokio's timer works there (the runtime is entered): a hang fails the test.
                    let loads = polls_of_loads_together(&source, LoaderOptions::new(), count);
                    futures_executor::block_on(tokio::time::timeout(super::LIMIT, loads)).expect("no hang")
                })
                .await
                .expect("blocking task")
            };
            assert!(polls >= 2 * count as usize, "count {count}: {polls} polls");
            assert_eq!(source.calls(), [(1..=count).collect::<Vec<i64>>()], "count {count}");
        }
    })
    .await;
}

/// Loads arriving one task at a time while a batch runs (`max_concurrent_batches` 1) gather
/// into the next batch; each arrival arms a dispatcher of its own. Each load is polled four
/// times: enqueue, woken by its dispatcher (still behind the running batch), woken by that
/// batch's completion (the next batch is dispatched), its answer. A dispatcher that woke every
/// waiter of the gathering batch polled them 1 + 2 + ... + 50 times instead (1,425 in all).
#[tokio::test]
async fn loads_gathering_behind_a_running_batch_are_woken_once_per_arrival() {
    within("gathering behind a running batch", async {
        let source = Source::tree(200);
        let loader = by_id(&source, LoaderOptions::new().max_inline_waiters(0));
        source.hold();
        let running = tokio::spawn({
            let loader = loader.clone();
            async move { loader.load(200).await }
        });
        super::wait_until(|| source.started() == 1).await;
        let polls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for key in 1..=50 {
            let (loader, polls) = (loader.clone(), Arc::clone(&polls));
            tasks
                .push(tokio::spawn(async move { Counted { future: Box::pin(loader.load(key)), polls: &polls }.await }));
            // Lets the task enqueue and its dispatcher fire before the next one arrives.
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        source.open();
        assert_eq!(running.await.expect("task").expect("load"), source.by_id(200));
        for (key, task) in (1..=50).zip(tasks) {
            assert_eq!(task.await.expect("task").expect("load"), source.by_id(key), "key {key}");
        }
        assert_eq!(source.calls(), [vec![200], (1..=50).collect::<Vec<i64>>()]);
        assert_eq!(polls.load(Ordering::Relaxed), 4 * 50);
    })
    .await;
}
