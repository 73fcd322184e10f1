//! Hand-off: a load future polled once and then dropped, or held without being polled, never
//! stalls the other waiters of its batch; a held one gets its answer when polled again.

use std::sync::Arc;
use std::task::Poll;

use shuttle::rand::{Rng, thread_rng};

use super::source::{Source, loader};
use super::{check, join, lookups, runs, settle, spawn};
use crate::LoaderOptions;
use crate::engine_tests::poll_once;

#[test]
fn a_load_polled_once_then_dropped_never_stalls_another_waiter() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, false));
        let loader = loader(&source, LoaderOptions::new());
        // Dropped after its first poll (key 1 enqueued) or its second (which may dispatch).
        let polls = thread_rng().gen_range(1..=2);
        let dropper = spawn({
            let (loader, source) = (loader.clone(), Arc::clone(&source));
            async move {
                let mut load = Box::pin(loader.load(1));
                assert!(poll_once(&mut load).await.is_pending(), "the first poll only enqueues");
                if polls == 2
                    && let Poll::Ready(answer) = poll_once(&mut load).await
                {
                    assert_eq!(answer.expect("load"), source.row(1), "its batch ran already");
                }
            }
        });
        let waiter = spawn({
            let loader = loader.clone();
            async move { loader.load(2).await }
        });
        assert_eq!(join(waiter).await.expect("load"), source.row(2));
        join(dropper).await;
        settle().await;

        // Key 1 was fetched with key 2, before or after it (the dropped load dispatched its own
        // batch), or not at all (left in a gathering batch nobody waits for).
        let calls = source.calls();
        let fetched = calls.iter().any(|keys| keys.contains(&1));
        let splits =
            [vec![vec![2]], vec![vec![1, 2]], vec![vec![2, 1]], vec![vec![2], vec![1]], vec![vec![1], vec![2]]];
        assert!(splits.contains(&calls), "{calls:?}");
        assert_eq!(loader.cached_keys(), 1 + usize::from(fetched));
        assert_eq!(runs(loader.stats()), (calls.len() as u64, calls.len() as u64, 1 + u64::from(fetched), 0));

        // A later load of key 1 is answered from the cache, or joins the batch left gathering.
        assert_eq!(loader.load(1).await.expect("load"), source.row(1));
        assert_eq!(loader.load(2).await.expect("cached"), source.row(2));
        let expected: Vec<Vec<i64>> = if fetched { calls } else { [calls, vec![vec![1]]].concat() };
        assert_eq!(source.calls(), expected);
        let stats = loader.stats();
        assert_eq!(runs(stats), (expected.len() as u64, expected.len() as u64, 2, 0));
        assert_eq!(lookups(stats), (1 + u64::from(fetched), 3 - u64::from(fetched)));
        assert_eq!(loader.cached_keys(), 2);
    });
}

#[test]
fn a_load_polled_once_then_held_gets_the_answer_of_the_batch_that_ran_meanwhile() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, false));
        let loader = loader(&source, LoaderOptions::new());
        let mut held = Box::pin(loader.load(1));
        assert!(poll_once(&mut held).await.is_pending(), "key 1 is in the gathering batch");
        // Not polled again until another task's waiter has dispatched and completed the batch.
        let other = spawn({
            let loader = loader.clone();
            async move { loader.load(2).await }
        });
        assert_eq!(join(other).await.expect("load"), source.row(2));
        assert_eq!(loader.load(1).await.expect("cached"), source.row(1), "the held key's answer is cached");
        assert_eq!(held.await.expect("load"), source.row(1));
        settle().await;
        // The batch's dispatcher fired when this task yielded (in `join`): a batch for a
        // spawned task went then, with key 2 if the other task had enqueued it, else alone;
        // an inline one woke its waiters instead, and the other task's waiter dispatched both
        // keys. Either way without the held load.
        let expected = source.calls();
        let on_own_task = loader.options().max_inline_waiters == 0;
        assert!(expected == [vec![1, 2]] || (on_own_task && expected == [vec![1], vec![2]]), "{expected:?}");
        let stats = loader.stats();
        let batches = expected.len() as u64;
        assert_eq!(runs(stats), (batches, batches, 2, 0));
        assert_eq!(lookups(stats), (1, 2));
        assert_eq!(loader.cached_keys(), 2);
    });
}
