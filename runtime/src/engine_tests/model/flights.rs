//! Two batches in flight: keys requested while a batch runs gather into the next one (one
//! batch at a time) or run beside it (two at a time); a key already in flight joins its
//! batch, and a key requested twice is bound once (also by `load_many`, which dispatches at
//! once).

use std::sync::Arc;

use futures_util::future::join;

use super::source::{Source, loader};
use super::{check, join as join_task, lookups, runs, settle, spawn, until};
use crate::LoaderOptions;

type Loader = crate::OneLoader<super::source::ById>;

/// What a task loading two keys returns.
type Pair = (Result<Option<super::source::Row>, crate::Error>, Result<Option<super::source::Row>, crate::Error>);

/// A task loading keys `a` and `b` together.
fn pair_task(loader: &Loader, a: i64, b: i64) -> shuttle::future::JoinHandle<Pair> {
    let loader = loader.clone();
    spawn(async move { join(loader.load(a), loader.load(b)).await })
}

/// Task 1 loads keys 1 and 2 (batch A, held after its read); task 2 loads 2 (in flight: joins
/// A) and 3; task 3 loads 3 (requested by task 2: joins its batch) and 4. Returns the loader
/// and the source once every answer is checked and the loader has settled.
async fn three_tasks(concurrent: usize) -> (Loader, Arc<Source>) {
    let source = Arc::new(Source::new(1..=4, true));
    let loader = loader(&source, LoaderOptions::new().max_concurrent_batches(concurrent));
    let pair = |a: i64, b: i64| pair_task(&loader, a, b);
    let first = pair(1, 2);
    source.read().await;
    let second = pair(2, 3);
    if concurrent == 2 {
        // Key 3's batch runs beside A (both are held at the gate).
        source.read().await;
    }
    until(|| loader.stats().cache_misses == 4).await;
    let third = pair(3, 4);
    until(|| loader.stats().cache_misses == 6).await;
    source.open();
    for (task, keys) in [(first, (1, 2)), (second, (2, 3)), (third, (3, 4))] {
        let (a, b) = join_task(task).await;
        assert_eq!(a.expect("load"), source.row(keys.0), "key {}", keys.0);
        assert_eq!(b.expect("load"), source.row(keys.1), "key {}", keys.1);
    }
    settle().await;
    assert_eq!(loader.cached_keys(), 4);
    (loader, source)
}

/// Every key is answered from the cache now, without a statement.
async fn all_cached(loader: &Loader, source: &Source) {
    let statements = source.calls().len();
    for key in 1..=4 {
        assert_eq!(loader.load(key).await.expect("cached"), source.row(key), "key {key}");
    }
    assert_eq!(source.calls().len(), statements);
}

#[test]
fn keys_requested_while_a_batch_runs_gather_into_the_next_one() {
    check(|| async {
        let (loader, source) = three_tasks(1).await;
        // Key 2 joined A; key 3, requested twice, is bound once in B, with key 4.
        assert_eq!(source.calls(), [vec![1, 2], vec![3, 4]]);
        assert_eq!(runs(loader.stats()), (2, 2, 4, 0));
        assert_eq!(lookups(loader.stats()), (0, 6));
        all_cached(&loader, &source).await;
        assert_eq!(lookups(loader.stats()), (4, 6));
    });
}

#[test]
fn two_batches_in_flight_complete_in_either_order() {
    check(|| async {
        let (loader, source) = three_tasks(2).await;
        // Key 3's batch ran beside A; key 3 requested again joined it; key 4 had a third batch.
        assert_eq!(source.calls(), [vec![1, 2], vec![3], vec![4]]);
        assert_eq!(runs(loader.stats()), (3, 3, 4, 0));
        assert_eq!(lookups(loader.stats()), (0, 6));
        all_cached(&loader, &source).await;
        assert_eq!(lookups(loader.stats()), (4, 6));
    });
}

#[test]
fn load_many_and_single_loads_of_one_key_share_its_batch() {
    check(|| async {
        let source = Arc::new(Source::new(1..=4, false));
        let loader = loader(&source, LoaderOptions::new());
        // `load_many` dispatches at its first poll; the single loads wait for their task to
        // yield. Key 2 is requested by both, whichever batch runs first.
        let many = spawn({
            let loader = loader.clone();
            async move { loader.load_many([1, 2, 3, 2]).await }
        });
        let singles = pair_task(&loader, 2, 4);
        let many = join_task(many).await.expect("load_many");
        let expected: std::collections::HashMap<i64, super::source::Row> =
            (1..=3).map(|key| (key, source.row(key).expect("row"))).collect();
        assert_eq!(many, expected);
        let (two, four) = join_task(singles).await;
        assert_eq!((two.expect("load"), four.expect("load")), (source.row(2), source.row(4)));
        settle().await;

        let calls = source.calls();
        let mut fetched: Vec<i64> = calls.iter().flatten().copied().collect();
        fetched.sort_unstable();
        assert_eq!(fetched, [1, 2, 3, 4], "every key bound once: {calls:?}");
        assert!(calls.len() <= 2, "{calls:?}");
        let stats = loader.stats();
        let statements = calls.len() as u64;
        assert_eq!(runs(stats), (statements, statements, 4, 0));
        assert_eq!(stats.cache_hits + stats.cache_misses, 6, "{stats:?}");
        assert_eq!(loader.cached_keys(), 4);
        all_cached(&loader, &source).await;
    });
}
