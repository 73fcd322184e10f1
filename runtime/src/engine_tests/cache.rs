//! The cache: prime, clear after writes, cache off, and `clear` / `clear_all` / `prime` while
//! a batch is gathering or running (the stale result never re-enters the cache).

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::{join, join_all};

use super::fake::{Row, Source, by_id, by_parent};
use super::{counts, poll_once, wait_until, within};
use crate::{LoaderOptions, LoaderStats};

fn renamed(id: i64, label: &str) -> Row {
    Row { id, parent: Some(id / 2), label: label.to_owned() }
}

#[tokio::test]
async fn prime_and_clear_after_writes() {
    within("cache", async {
        let source = Source::tree(300);
        let loader = by_id(&source, LoaderOptions::new());

        let fake = renamed(5, "primed");
        loader.prime(5, Some(fake.clone()));
        loader.prime(6, None);
        assert_eq!(loader.load(5).await.expect("primed"), Some(fake.clone()));
        assert_eq!(loader.load(6).await.expect("primed"), None);
        assert_eq!(loader.load_many([5, 6]).await.expect("primed"), HashMap::from([(5, fake.clone())]));
        assert_eq!(counts(loader.stats()), (0, 0, 0), "primed keys run no statement");
        assert_eq!(loader.cached_keys(), 2);

        assert_eq!(loader.load(7).await.expect("load"), source.by_id(7));
        source.write(renamed(7, "renamed"));
        assert_eq!(loader.load(7).await.expect("cached").map(|row| row.label), Some("row-7".to_owned()));
        loader.clear(&7);
        assert_eq!(loader.load(7).await.expect("reloaded").map(|row| row.label), Some("renamed".to_owned()));
        assert_eq!(loader.stats().statements, 2);

        source.write(renamed(7, "renamed again"));
        loader.clear_for_row(&renamed(7, "whatever"));
        assert_eq!(loader.load(7).await.expect("reloaded"), Some(renamed(7, "renamed again")));
        assert_eq!(loader.stats().statements, 3);

        // clear_many and clear_all on a group loader.
        let groups = by_parent(&source, LoaderOptions::new());
        let before = groups.load_many([5, 6, 7]).await.expect("load_many");
        for id in [10, 12, 14] {
            source.write(renamed(id, "changed"));
        }
        assert_eq!(groups.load_many([5, 6, 7]).await.expect("cached"), before);
        groups.clear_many(&[5, 6]);
        assert_eq!(groups.cached_keys(), 1);
        assert_eq!(groups.load(5).await.expect("reloaded"), source.by_parent(5));
        assert_eq!(groups.load(5).await.expect("reloaded")[0].label, "changed");
        assert_eq!(groups.load(7).await.expect("cached"), before[&7], "7 was not cleared");
        groups.clear_all();
        assert_eq!(groups.cached_keys(), 0);
        assert_eq!(groups.load(7).await.expect("reloaded"), source.by_parent(7));

        // With the cache off every batch reads again, and prime does nothing.
        let uncached = by_id(&source, LoaderOptions::new().cache(false));
        uncached.prime(5, Some(fake));
        assert_eq!(uncached.load(5).await.expect("load"), source.by_id(5));
        assert_eq!(uncached.load(5).await.expect("load"), source.by_id(5));
        assert_eq!(uncached.stats().statements, 2);
        assert_eq!(uncached.cached_keys(), 0);
    })
    .await;
}

#[tokio::test]
async fn clear_during_an_in_flight_batch_keeps_its_result_out_of_the_cache() {
    within("clear in flight", async {
        let source = Source::tree(300);
        let loader = by_id(&source, LoaderOptions::new());
        source.hold();
        let in_flight = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(9).await })
        };
        wait_until(|| source.started() == 1).await;
        loader.clear(&9);
        source.open();
        assert_eq!(in_flight.await.expect("task").expect("load"), source.by_id(9));
        assert_eq!(loader.cached_keys(), 0, "the cleared key's in-flight result is not cached");
        assert_eq!(loader.load(9).await.expect("load"), source.by_id(9));
        assert_eq!(counts(loader.stats()), (2, 2, 2));
        assert_eq!(loader.cached_keys(), 1);

        // A load of the cleared key during the flight does not join the stale batch; the
        // write between the two statements is what the cache keeps.
        let loader = by_id(&source, LoaderOptions::new());
        source.hold();
        let stale = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(9).await })
        };
        wait_until(|| source.started() == 3).await;
        source.write(renamed(9, "written"));
        loader.clear(&9);
        let fresh = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(9).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        source.open();
        assert_eq!(stale.await.expect("task").expect("load"), Some(renamed(9, "written")), "read after the write");
        assert_eq!(fresh.await.expect("task").expect("load"), Some(renamed(9, "written")));
        assert_eq!(counts(loader.stats()), (2, 2, 2));
        assert_eq!(loader.cached_keys(), 1, "only the second batch's answer is cached");
        source.write(renamed(9, "row-9"));

        // clear_all during the flight.
        let groups = by_parent(&source, LoaderOptions::new());
        source.hold();
        let in_flight = {
            let groups = groups.clone();
            tokio::spawn(async move { groups.load_many([1, 2, 3, 5]).await })
        };
        wait_until(|| groups.stats().batches == 1).await;
        groups.clear_all();
        source.open();
        let many = in_flight.await.expect("task").expect("load_many");
        for key in [1, 2, 3, 5] {
            assert_eq!(many[&key], source.by_parent(key), "key {key}");
        }
        assert_eq!(groups.cached_keys(), 0, "clear_all keeps the in-flight results out of the cache");
        assert_eq!(groups.load_many([1, 2, 3, 5]).await.expect("load_many"), many);
        assert_eq!(counts(groups.stats()).0, 2);
        assert_eq!(groups.cached_keys(), 4);

        // prime during the flight overrides the running batch's answer.
        let loader = by_id(&source, LoaderOptions::new());
        source.hold();
        let in_flight = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(10).await })
        };
        wait_until(|| loader.stats().batches == 1).await;
        loader.prime(10, Some(renamed(10, "primed")));
        source.open();
        assert_eq!(in_flight.await.expect("task").expect("load"), source.by_id(10), "waiters get the batch");
        assert_eq!(loader.load(10).await.expect("primed"), Some(renamed(10, "primed")));
        assert_eq!(loader.stats().statements, 1);
    })
    .await;
}

/// Two batches in flight reading the same key: the first was detached from it by `clear`,
/// the second was dispatched for it while the first was held. Whichever completes first,
/// only the second's answer is cached.
#[tokio::test]
async fn a_cleared_key_refetched_by_a_concurrent_batch_is_cached_from_that_batch() {
    within("two batches in flight", async {
        let source = Source::tree(300);
        let loader = by_id(&source, LoaderOptions::new().max_concurrent_batches(2));
        source.hold();
        let stale = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(9).await })
        };
        wait_until(|| source.started() == 1).await;
        loader.clear(&9);
        source.write(renamed(9, "written"));
        let fresh = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(9).await })
        };
        wait_until(|| source.started() == 2).await;
        source.open();
        assert_eq!(stale.await.expect("task").expect("load"), Some(renamed(9, "written")));
        assert_eq!(fresh.await.expect("task").expect("load"), Some(renamed(9, "written")));
        assert_eq!(counts(loader.stats()), (2, 2, 2));
        assert_eq!(loader.cached_keys(), 1, "the second batch's answer is cached");
        source.write(renamed(9, "not read"));
        assert_eq!(loader.load(9).await.expect("cached"), Some(renamed(9, "written")));
        assert_eq!(loader.stats().statements, 2, "answered from the cache");
    })
    .await;
}

#[tokio::test]
async fn prime_while_the_keys_batch_is_gathering_wins_over_its_answer() {
    within("prime while gathering", async {
        let source = Source::tree(20);
        let primed = renamed(5, "primed");
        let loader = by_id(&source, LoaderOptions::new());
        let mut waiter = Box::pin(loader.load(5));
        assert!(poll_once(&mut waiter).await.is_pending(), "key 5 is in the gathering batch");
        loader.prime(5, Some(primed.clone()));
        assert_eq!(waiter.await.expect("load"), source.by_id(5), "a waiting caller gets its batch's answer");
        assert_eq!(loader.load(5).await.expect("primed"), Some(primed.clone()), "the primed value stays cached");
        assert_eq!(counts(loader.stats()), (1, 1, 1));
        assert_eq!(loader.cached_keys(), 1);

        // prime then clear before the batch runs: the batch's (fresh) answer is cached.
        let loader = by_id(&source, LoaderOptions::new());
        let mut waiter = Box::pin(loader.load(5));
        assert!(poll_once(&mut waiter).await.is_pending());
        loader.prime(5, Some(primed));
        loader.clear(&5);
        let (first, second) = join(waiter, loader.load(5)).await;
        assert_eq!(first.expect("load"), source.by_id(5));
        assert_eq!(second.expect("load"), source.by_id(5));
        assert_eq!(loader.load(5).await.expect("cached"), source.by_id(5));
        assert_eq!(counts(loader.stats()), (1, 1, 1));
    })
    .await;
}

#[tokio::test]
async fn load_opt_none_runs_no_statement() {
    within("load_opt", async {
        let source = Source::tree(20);
        let groups = by_parent(&source, LoaderOptions::new());
        let ones = by_id(&source, LoaderOptions::new());
        assert_eq!(groups.load_opt(None).await.expect("none"), Vec::<Row>::new());
        assert_eq!(ones.load_opt(None).await.expect("none"), None);
        assert_eq!(groups.stats(), LoaderStats::default());
        assert_eq!(ones.stats(), LoaderStats::default());

        let root = ones.load(1).await.expect("load").expect("root");
        assert_eq!(root.parent, None);
        let (none, some) = join(groups.load_opt(root.parent), groups.load_opt(Some(1))).await;
        assert_eq!(none.expect("none"), Vec::<Row>::new());
        assert_eq!(some.expect("some"), source.by_parent(1));
        assert_eq!(counts(groups.stats()), (1, 1, 1));

        // clear_for_row of a row whose key is NULL evicts nothing.
        groups.clear_for_row(&root);
        assert_eq!(groups.cached_keys(), 1);
        groups.clear_for_row(&Row::new(2, Some(1)));
        assert_eq!(groups.cached_keys(), 0, "row 2 evicts key 1 (its parent)");
    })
    .await;
}

#[tokio::test]
async fn a_bounded_cache_counts_hits_misses_and_evictions() {
    within("bounded cache", async {
        let source = Source::tree(20);
        let loader = by_id(&source, LoaderOptions::new().max_cached_keys(3));
        // One batch each, so the recency order is 1, 2, 3 (keys of one batch are cached in
        // no particular order: they are equally recent).
        for key in [1, 2, 3] {
            assert_eq!(loader.load(key).await.expect("miss"), source.by_id(key));
        }
        assert_eq!(loader.load(1).await.expect("hit"), source.by_id(1), "1 is now the most recently used");
        // 4 evicts 2 (least recently used), then 2 evicts 3.
        assert_eq!(loader.load(4).await.expect("miss"), source.by_id(4));
        assert_eq!(loader.load(2).await.expect("miss"), source.by_id(2));
        assert_eq!(loader.load(1).await.expect("hit"), source.by_id(1));
        assert_eq!(loader.load(3).await.expect("miss"), source.by_id(3));
        let stats = loader.stats();
        assert_eq!(
            (stats.statements, stats.cache_hits, stats.cache_misses, stats.cache_evictions),
            (6, 2, 6, 3),
            "{stats:?}"
        );
        assert_eq!(loader.cached_keys(), 3);
        assert_eq!(source.calls(), [[1], [2], [3], [4], [2], [3]]);

        // Each requested key counts, repeated ones too; a primed key can be evicted.
        let loader = by_id(&source, LoaderOptions::new().max_cached_keys(2));
        let answers = join_all([5, 5, 6].map(|k| loader.load(k))).await;
        assert!(answers.iter().all(Result::is_ok));
        loader.prime(7, None);
        let stats = loader.stats();
        assert_eq!((stats.keys, stats.cache_misses, stats.cache_hits, stats.cache_evictions), (2, 3, 0, 1));
        assert_eq!(loader.load(7).await.expect("primed"), None);
        assert_eq!(loader.stats().cache_hits, 1);

        // Unbounded: no evictions; cache off: every key is a miss.
        let unbounded = by_id(&source, LoaderOptions::new());
        for _ in 0..3 {
            join_all((1..=10).map(|k| unbounded.load(k))).await;
        }
        let stats = unbounded.stats();
        assert_eq!((stats.cache_hits, stats.cache_misses, stats.cache_evictions), (20, 10, 0));
        let uncached = by_id(&source, LoaderOptions::new().cache(false));
        for _ in 0..3 {
            join_all((1..=10).map(|k| uncached.load(k))).await;
        }
        let stats = uncached.stats();
        assert_eq!((stats.cache_hits, stats.cache_misses, stats.statements), (0, 30, 3));
        let nothing = by_id(&source, LoaderOptions::new().max_cached_keys(0));
        nothing.load(1).await.expect("load");
        nothing.load(1).await.expect("load");
        assert_eq!((nothing.stats().statements, nothing.cached_keys()), (2, 0));
    })
    .await;
}

/// A key requested twice while its batch gathers is read once, also where the cache cannot
/// tell the repeat (keys enter it at dispatch): a key primed meanwhile, and a bounded cache
/// smaller than the batch, which evicts the batch's own first keys while it is dispatched.
#[tokio::test]
async fn repeated_keys_are_read_once_when_primed_or_evicted_while_gathering() {
    within("repeated keys", async {
        let source = Source::tree(20);
        let primed = renamed(5, "primed");
        let loader = by_id(&source, LoaderOptions::new());
        let (mut first, mut second) = (Box::pin(loader.load(5)), Box::pin(loader.load(5)));
        assert!(poll_once(&mut first).await.is_pending() && poll_once(&mut second).await.is_pending());
        loader.prime(5, Some(primed.clone()));
        let (first, second) = join(first, second).await;
        assert_eq!((first.expect("load"), second.expect("load")), (source.by_id(5), source.by_id(5)));
        assert_eq!(source.calls(), [[5]], "read once");
        assert_eq!(loader.load(5).await.expect("primed"), Some(primed.clone()), "the primed value stays cached");

        let source = Source::tree(20);
        let loader = by_id(&source, LoaderOptions::new().max_cached_keys(2));
        let mut waiters: Vec<_> = [1, 2, 3, 4, 1, 2, 3, 4].into_iter().map(|key| Box::pin(loader.load(key))).collect();
        for waiter in &mut waiters {
            assert!(poll_once(waiter).await.is_pending());
        }
        loader.prime(4, Some(primed));
        let answers: Vec<_> = join_all(waiters).await.into_iter().map(|answer| answer.expect("load")).collect();
        let expected: Vec<_> = [1, 2, 3, 4, 1, 2, 3, 4].into_iter().map(|key| source.by_id(key)).collect();
        assert_eq!(answers, expected);
        assert_eq!(source.calls(), [[1, 2, 3, 4]], "each key once, the primed one too");
        assert_eq!(loader.cached_keys(), 2);
    })
    .await;
}
