//! Failures: a failing statement and a batch task that dies (aborted before, during or after
//! its statement) answer every waiter of their batch with an error, cache nothing, and leave
//! the loader working; no waiter is left waiting.

use std::sync::Arc;

use futures_util::future::join;
use shuttle::rand::{Rng, thread_rng};

use super::source::{Row, Source, fixed_loader, loader};
use super::{check, join as join_task, lookups, runs, seam, settle, spawn, until};
use crate::{Error, LoaderOptions};

fn row(id: i64) -> Option<Row> {
    Some(Row { id, version: 1 })
}

/// Whether `result` is the error of the failed batch of two keys.
fn failed(result: &Result<Option<Row>, Error>) -> bool {
    matches!(result, Err(Error::Database { loader: "ModelById", keys: 2, .. }))
}

#[test]
fn a_failing_statement_fails_every_waiter_of_its_batch_only() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, true));
        source.fail_next(1);
        let loader = loader(&source, LoaderOptions::new());
        let pair = |a: i64, b: i64| {
            let loader = loader.clone();
            spawn(async move { join(loader.load(a), loader.load(b)).await })
        };
        let first = pair(1, 2);
        source.read().await;
        // Key 2 joins the failing batch; key 3 gathers into the next one.
        let second = pair(2, 3);
        until(|| loader.stats().cache_misses == 4).await;
        source.open();
        let (one, two) = join_task(first).await;
        assert!(failed(&one) && failed(&two), "{one:?} {two:?}");
        let (two, three) = join_task(second).await;
        assert!(failed(&two), "{two:?}");
        assert_eq!(three.expect("load"), row(3), "the next batch runs normally");
        settle().await;
        assert_eq!(loader.cached_keys(), 1, "nothing of the failed batch is cached");
        assert_eq!(runs(loader.stats()), (2, 2, 3, 1));

        // A retry reads the failed keys again.
        let (one, two) = join(loader.load(1), loader.load(2)).await;
        assert_eq!((one.expect("retry"), two.expect("retry")), (row(1), row(2)));
        assert_eq!(source.calls(), [vec![1, 2], vec![3], vec![1, 2]]);
        let stats = loader.stats();
        assert_eq!(runs(stats), (3, 3, 5, 1));
        assert_eq!(lookups(stats), (0, 6));
        assert_eq!(loader.cached_keys(), 3);
    });
}

#[test]
fn a_batch_task_dying_abandons_every_waiter_of_its_batch() {
    check(|| async {
        // Held: the task dies while its statement runs (after its read), with a second task's
        // waiter joined. Not held: it dies at any point, possibly before its first poll or
        // after it completed (then the abort changes nothing).
        let held = thread_rng().gen_bool(0.5);
        let source = Arc::new(Source::new(1..=3, held));
        // A batch on its own task (inline batches: `inline.rs`).
        let loader = fixed_loader(&source, LoaderOptions::new().max_inline_waiters(0));
        let first = spawn({
            let loader = loader.clone();
            async move { join(loader.load(1), loader.load(2)).await }
        });
        let mut second = None;
        if held {
            source.read().await;
            second = Some(spawn({
                let loader = loader.clone();
                async move { loader.load(2).await }
            }));
            until(|| loader.stats().cache_misses == 3).await;
        } else {
            until(|| !seam::batch_tasks().is_empty()).await;
            for _ in 0..thread_rng().gen_range(0..8) {
                shuttle::future::yield_now().await;
            }
        }
        seam::batch_tasks()[0].abort();
        source.open();
        let (one, two) = join_task(first).await;
        let second = match second {
            Some(task) => Some(join_task(task).await),
            None => None,
        };
        settle().await;
        let abandoned = loader.stats().failed_batches == 1;
        assert!(abandoned || !held, "a task killed while its statement runs abandons its batch");
        if abandoned {
            for answer in [&one, &two].into_iter().chain(second.as_ref()) {
                assert!(matches!(answer, Err(Error::Abandoned { loader: "ModelById", keys: 2 })), "{answer:?}");
            }
            assert_eq!(loader.cached_keys(), 0, "nothing of the abandoned batch is cached");
            assert!(source.calls().len() <= 1, "{:?}", source.calls());
        } else {
            assert_eq!((one.expect("load"), two.expect("load")), (row(1), row(2)), "completed before the abort");
            assert_eq!(loader.cached_keys(), 2);
            assert_eq!(source.calls(), [vec![1, 2]]);
        }
        let earlier = source.calls().len();

        // The loader still answers, reading the abandoned keys again.
        let (one, two) = join(loader.load(1), loader.load(2)).await;
        assert_eq!((one.expect("load"), two.expect("load")), (row(1), row(2)));
        let statements = source.calls().len();
        assert_eq!(statements, earlier + usize::from(abandoned));
        let stats = loader.stats();
        // An abandoned batch counts as a batch only if its task ran far enough to start it.
        assert_eq!(runs(stats).3, u64::from(abandoned));
        assert_eq!(stats.statements, stats.batches);
        assert!(stats.batches >= statements as u64 && stats.batches <= 2, "{stats:?}");
        let misses = 2 + u64::from(held) + 2 * u64::from(abandoned);
        assert_eq!(lookups(stats), (2 * u64::from(!abandoned), misses));
        assert_eq!(loader.cached_keys(), 2);
    });
}
