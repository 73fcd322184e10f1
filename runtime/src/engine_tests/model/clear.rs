//! `clear`, `clear_for_row`, `clear_all` and `prime` while a batch runs: its waiters get its
//! answer, nothing it read before a write is cached, and the next load reads the table again.

use std::sync::Arc;

use futures_util::future::join;
use shuttle::rand::{Rng, thread_rng};

use super::source::{Row, Source, loader};
use super::{check, join as join_task, lookups, runs, settle, spawn, until};
use crate::LoaderOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eviction {
    Clear,
    ClearForRow,
    ClearAll,
}

fn row(id: i64, version: u32) -> Option<Row> {
    Some(Row { id, version })
}

#[test]
fn an_eviction_during_a_running_batch_keeps_its_stale_answer_out_of_the_cache() {
    check(|| async {
        let mut rng = thread_rng();
        let eviction = [Eviction::Clear, Eviction::ClearForRow, Eviction::ClearAll][rng.gen_range(0..3)];
        let concurrent = rng.gen_range(1..=2);
        let source = Arc::new(Source::new(1..=3, true));
        let loader = loader(&source, LoaderOptions::new().max_concurrent_batches(concurrent));
        let reader = spawn({
            let loader = loader.clone();
            async move { join(loader.load(1), loader.load(2)).await }
        });
        // The batch [1, 2] has read version 1 of row 1 and is held; row 1 is written and evicted.
        source.read().await;
        source.write(1);
        match eviction {
            Eviction::Clear => loader.clear(&1),
            Eviction::ClearForRow => loader.clear_for_row(&Row { id: 1, version: 2 }),
            Eviction::ClearAll => loader.clear_all(),
        }
        let fresh = spawn({
            let loader = loader.clone();
            async move { loader.load(1).await }
        });
        until(|| loader.stats().cache_misses == 3).await;
        source.open();
        let (one, two) = join_task(reader).await;
        assert_eq!(one.expect("load"), row(1, 1), "{eviction:?}: the running batch's answer");
        assert_eq!(two.expect("load"), row(2, 1), "{eviction:?}");
        assert_eq!(join_task(fresh).await.expect("load"), row(1, 2), "{eviction:?}: a load after the write reads it");
        settle().await;

        // Key 1's cached answer is the fresh batch's: a later write is not seen until evicted.
        let kept_2 = eviction != Eviction::ClearAll;
        assert_eq!(loader.cached_keys(), 1 + usize::from(kept_2), "{eviction:?}");
        source.write(1);
        assert_eq!(loader.load(1).await.expect("cached"), row(1, 2), "{eviction:?}");
        assert_eq!(loader.load(2).await.expect("load"), row(2, 1), "{eviction:?}");
        let mut expected = vec![vec![1, 2], vec![1]];
        if !kept_2 {
            expected.push(vec![2]);
        }
        assert_eq!(source.calls(), expected, "{eviction:?}");
        let stats = loader.stats();
        let statements = expected.len() as u64;
        assert_eq!(runs(stats), (statements, statements, 3 + u64::from(!kept_2), 0), "{eviction:?}");
        assert_eq!(lookups(stats), (1 + u64::from(kept_2), 3 + u64::from(!kept_2)), "{eviction:?}");
    });
}

#[test]
fn a_write_then_clear_is_seen_by_every_later_load() {
    check(|| async {
        let concurrent = thread_rng().gen_range(1..=2);
        let source = Arc::new(Source::new(1..=3, false));
        let loader = loader(&source, LoaderOptions::new().max_concurrent_batches(concurrent));
        let readers: Vec<_> = [vec![1], vec![1, 2]]
            .into_iter()
            .map(|keys| {
                let loader = loader.clone();
                spawn(async move { futures_util::future::join_all(keys.iter().map(|&key| loader.load(key))).await })
            })
            .collect();
        let writer = spawn({
            let (loader, source) = (loader.clone(), Arc::clone(&source));
            async move {
                source.write(1);
                loader.clear(&1);
                loader.load(1).await
            }
        });
        assert_eq!(join_task(writer).await.expect("load"), row(1, 2), "the writer reads its write");
        for (index, reader) in readers.into_iter().enumerate() {
            let answers = join_task(reader).await;
            // Concurrent with the write: either version, as the statement that answered read it.
            let version = answers[0].as_ref().expect("load").expect("row 1").version;
            assert!(version == 1 || version == 2, "reader {index}: version {version}");
            if let Some(two) = answers.get(1) {
                assert_eq!(*two.as_ref().expect("load"), row(2, 1), "reader {index}");
            }
        }
        settle().await;
        let calls = source.calls();
        assert_eq!(loader.load(1).await.expect("load"), row(1, 2), "nothing stale stays cached: {calls:?}");
        assert_eq!(loader.load(2).await.expect("load"), row(2, 1));
        assert_eq!(source.calls(), calls, "both answers were cached: {calls:?}");
        assert_eq!(calls.iter().flatten().filter(|&&key| key == 2).count(), 1, "{calls:?}");
        let stats = loader.stats();
        let statements = calls.len() as u64;
        assert_eq!(runs(stats), (statements, statements, calls.iter().map(Vec::len).sum::<usize>() as u64, 0));
        assert_eq!(stats.cache_hits + stats.cache_misses, 6, "{stats:?}");
        assert_eq!(loader.cached_keys(), 2);
    });
}

#[test]
fn prime_during_a_running_batch_wins_over_its_answer() {
    check(|| async {
        let source = Arc::new(Source::new(1..=3, true));
        let loader = loader(&source, LoaderOptions::new());
        let reader = spawn({
            let loader = loader.clone();
            async move { join(loader.load(1), loader.load(2)).await }
        });
        source.read().await;
        loader.prime(1, row(1, 7));
        let late = spawn({
            let loader = loader.clone();
            async move { loader.load(1).await }
        });
        source.open();
        let (one, two) = join_task(reader).await;
        assert_eq!(one.expect("load"), row(1, 1), "the batch's waiters get its answer");
        assert_eq!(two.expect("load"), row(2, 1));
        assert_eq!(join_task(late).await.expect("load"), row(1, 7), "a load after prime gets the primed value");
        settle().await;
        assert_eq!(loader.load(1).await.expect("cached"), row(1, 7), "the primed value stays cached");
        assert_eq!(source.calls(), [vec![1, 2]]);
        let stats = loader.stats();
        assert_eq!(runs(stats), (1, 1, 2, 0));
        assert_eq!(lookups(stats), (2, 2));
        assert_eq!(loader.cached_keys(), 2);
    });
}
