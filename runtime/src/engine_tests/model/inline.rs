//! Inline batches (driven by their waiters' polls): a dispatcher held without being polled
//! never stalls the other waiters (any waiter polled drives the statement), a driving task
//! aborted at any point hands the statement to a task of its own (it completes and is
//! cached, nobody gets an error), and a batch that more waiters join than inline allows
//! moves to its own task.

use std::sync::Arc;

use futures_util::future::join;
use shuttle::rand::{Rng, thread_rng};

use super::source::{Row, Source, fixed_loader, loader};
use super::{check, join as join_task, lookups, runs, seam, settle, spawn, until};
use crate::LoaderOptions;
use crate::engine_tests::poll_once;

fn row(id: i64) -> Option<Row> {
    Some(Row { id, version: 1 })
}

/// The deadlock the inline design must not have: the dispatcher is polled until its statement
/// runs (inline, in its poll), then held by a task that awaits another waiter of the batch.
#[test]
fn a_dispatcher_held_unpolled_never_stalls_the_other_waiters() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, true));
        let loader = loader(&source, LoaderOptions::new());
        // Key 1 again (joins the batch in flight) or key 2 (joins it while it gathers, or the
        // next batch).
        let other_key = thread_rng().gen_range(1..=2);
        let mut held = Box::pin(loader.load(1));
        assert!(poll_once(&mut held).await.is_pending(), "the first poll only enqueues");
        let other = spawn({
            let loader = loader.clone();
            async move { loader.load(other_key).await }
        });
        // Dispatches (and drives the statement to the gate) unless the other waiter did.
        assert!(poll_once(&mut held).await.is_pending(), "the statement is held at the gate");
        source.open();
        // Not polling `held` until the other waiter has its answer.
        assert_eq!(join_task(other).await.expect("load"), row(other_key));
        assert_eq!(held.await.expect("load"), row(1));
        settle().await;
        let calls = source.calls();
        let expected: &[&[Vec<i64>]] =
            if other_key == 1 { &[&[vec![1]]] } else { &[&[vec![1, 2]], &[vec![1], vec![2]], &[vec![2, 1]]] };
        assert!(expected.contains(&calls.as_slice()), "{calls:?}");
        let stats = loader.stats();
        assert_eq!(runs(stats), (calls.len() as u64, calls.len() as u64, other_key as u64, 0));
        assert_eq!(loader.cached_keys(), other_key as usize);
    });
}

/// The driver dropped while its statement runs, with another task's waiter joined: the
/// statement moves to a task of its own, completes and is cached.
#[test]
fn a_driver_dropped_mid_statement_hands_it_to_a_task_of_its_own() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, true));
        let loader = fixed_loader(&source, LoaderOptions::new());
        let mut driver = Box::pin(join(loader.load(1), loader.load(2)));
        assert!(poll_once(&mut driver).await.is_pending(), "the first poll only enqueues");
        assert!(poll_once(&mut driver).await.is_pending(), "the statement is held at the gate");
        let second = spawn({
            let loader = loader.clone();
            async move { loader.load(2).await }
        });
        until(|| loader.stats().cache_misses == 3).await;
        drop(driver);
        assert_eq!(seam::batch_tasks().len(), 1, "handed to a task when its driver was dropped");
        source.open();
        assert_eq!(join_task(second).await.expect("load"), row(2), "the statement went on without its driver");
        settle().await;
        assert_eq!(source.calls(), [vec![1, 2]]);
        assert_eq!(runs(loader.stats()), (1, 1, 2, 0));
        assert_eq!(loader.cached_keys(), 2, "its answers are cached");
    });
}

/// The task driving an inline batch aborted at any point (before it dispatched, while its
/// statement runs, after it completed): nobody gets an error, and every key is answered.
#[test]
fn an_aborted_driving_task_never_fails_a_load() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, false));
        let loader = fixed_loader(&source, LoaderOptions::new());
        let first = spawn({
            let loader = loader.clone();
            async move { join(loader.load(1), loader.load(2)).await }
        });
        let second = spawn({
            let loader = loader.clone();
            async move { loader.load(2).await }
        });
        for _ in 0..thread_rng().gen_range(0..8) {
            shuttle::future::yield_now().await;
        }
        first.abort();
        assert_eq!(join_task(second).await.expect("load"), row(2));
        settle().await;
        let (one, two) = join(loader.load(1), loader.load(2)).await;
        assert_eq!((one.expect("load"), two.expect("load")), (row(1), row(2)));
        let stats = loader.stats();
        assert_eq!(stats.failed_batches, 0, "{stats:?}");
        assert!(source.calls().iter().flatten().filter(|&&key| key == 2).count() == 1, "{:?}", source.calls());
        assert_eq!(loader.cached_keys(), 2);
    });
}

#[test]
fn an_inline_batch_joined_by_more_waiters_than_allowed_moves_to_its_own_task() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, true));
        let loader = fixed_loader(&source, LoaderOptions::new().max_inline_waiters(1));
        let first = spawn({
            let loader = loader.clone();
            async move { loader.load(1).await }
        });
        source.read().await;
        let joined: Vec<_> = (0..2)
            .map(|_| {
                let loader = loader.clone();
                spawn(async move { loader.load(1).await })
            })
            .collect();
        until(|| loader.stats().cache_misses == 3).await;
        source.open();
        for task in joined {
            assert_eq!(join_task(task).await.expect("load"), row(1));
        }
        assert_eq!(join_task(first).await.expect("load"), row(1));
        settle().await;
        // Moved unless every attempt found a waiter polling the statement (it stays inline).
        assert!(seam::batch_tasks().len() <= 1);
        assert_eq!(source.calls(), [vec![1]]);
        assert_eq!(runs(loader.stats()), (1, 1, 1, 0));
        assert_eq!(lookups(loader.stats()), (0, 3));
        assert_eq!(loader.cached_keys(), 1);
    });
}
