//! Batching, de-duplication, chunking, batch counting, `load_many` and `delay`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::{join, join_all};

use super::fake::{Row, Source, by_id, by_parent};
use super::{counts, poll_once, wait_until, within};
use crate::{DEFAULT_MAX_BATCH_SIZE, LoaderOptions, LoaderStats};

#[tokio::test]
async fn fifty_callers_for_three_keys_share_one_statement_of_distinct_keys() {
    within("duplicates", async {
        let source = Source::tree(300);
        let loader = by_id(&source, LoaderOptions::new());
        let group = by_parent(&source, LoaderOptions::new());
        let distinct = [150, 7, 9_999];
        let keys: Vec<i64> = (0..50).map(|i| distinct[i % 3]).collect();
        let (ones, groups) =
            join(join_all(keys.iter().map(|&k| loader.load(k))), join_all(keys.iter().map(|&k| group.load(k)))).await;
        for ((&key, one), rows) in keys.iter().zip(ones).zip(groups) {
            assert_eq!(one.expect("load"), source.by_id(key), "key {key}");
            assert_eq!(rows.expect("load"), source.by_parent(key), "key {key}");
        }
        assert_eq!(counts(loader.stats()), (1, 1, 3));
        assert_eq!(counts(group.stats()), (1, 1, 3));
        assert_eq!(loader.stats().rows, 2, "rows 150 and 7 exist");
        assert_eq!(group.stats().rows, 3, "150 has child 300 (301 is past the end), 7 has 14 and 15");
        assert_eq!(source.calls()[0], [150, 7, 9_999], "keys in request order, each once");
    })
    .await;
}

#[tokio::test]
async fn two_hundred_loads_from_one_task_use_one_statement() {
    within("one task", async {
        let source = Source::tree(300);
        let loader = by_parent(&source, LoaderOptions::new());
        let keys: Vec<i64> = (1..=200).collect();
        let answers = join_all(keys.iter().map(|&k| loader.load(k))).await;
        for (&key, answer) in keys.iter().zip(answers) {
            assert_eq!(answer.expect("load"), source.by_parent(key), "key {key}");
        }
        assert_eq!(counts(loader.stats()), (1, 1, 200));
    })
    .await;
}

#[tokio::test]
async fn max_batch_size_counts_distinct_keys() {
    within("max_batch_size", async {
        let source = Source::tree(300);
        let keys = [11, 12, 11, 11, 11, 12, 13];
        for (size, statements) in [(3, 1), (2, 2), (0, 3)] {
            let loader = by_parent(&source, LoaderOptions::new().max_batch_size(size));
            let answers = join_all(keys.iter().map(|&k| loader.load(k))).await;
            for (&key, answer) in keys.iter().zip(answers) {
                assert_eq!(answer.expect("load"), source.by_parent(key), "size {size}, key {key}");
            }
            assert_eq!(counts(loader.stats()), (1, statements, 3), "size {size}");
        }
    })
    .await;
}

#[tokio::test]
async fn load_many_of_forty_thousand_keys_runs_four_statements() {
    within("40k keys", async {
        let source = Source::tree(39_990);
        let mut keys: Vec<i64> = (1..=40_000).collect();
        keys.extend(1..=5_000);
        keys.reverse();
        let loader = by_id(&source, LoaderOptions::new());
        let many = loader.load_many(keys.iter().copied()).await.expect("load_many");
        assert_eq!(many.len(), 39_990);
        assert!(many.iter().all(|(key, row)| row.id == *key));
        assert_eq!(DEFAULT_MAX_BATCH_SIZE, 10_000);
        let stats = loader.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 4, 40_000, 39_990));
        assert_eq!(loader.cached_keys(), 40_000);
        let mut sizes: Vec<usize> = source.calls().iter().map(Vec::len).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [10_000; 4]);

        let loader = by_id(&source, LoaderOptions::new());
        let answers = join_all(keys.iter().map(|&k| loader.load(k))).await;
        for (&key, answer) in keys.iter().zip(answers) {
            assert_eq!(answer.expect("load").map(|row| row.id), (key <= 39_990).then_some(key), "key {key}");
        }
        assert_eq!(counts(loader.stats()), (1, 4, 40_000));
    })
    .await;
}

#[tokio::test]
async fn load_many_empty_duplicates_and_group_maps() {
    within("load_many", async {
        let source = Source::tree(300);
        let ones = by_id(&source, LoaderOptions::new());
        let groups = by_parent(&source, LoaderOptions::new());
        assert!(ones.load_many(Vec::new()).await.expect("empty").is_empty());
        assert!(groups.load_many(std::iter::empty()).await.expect("empty").is_empty());
        assert_eq!(ones.stats(), LoaderStats::default(), "an empty key list runs no statement");
        assert!(source.calls().is_empty());

        let many = ones.load_many([5, 5, 7, 5, 9_999, 7, -1]).await.expect("load_many");
        let expected: HashMap<i64, Row> = [5, 7].into_iter().map(|k| (k, Row::new(k, Some(k / 2)))).collect();
        assert_eq!(many, expected);
        let stats = ones.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 1, 4, 2));

        let requested = [4, 4, 150, 9_999, -1, 7];
        let many = groups.load_many(requested).await.expect("load_many");
        assert_eq!(many.keys().copied().collect::<BTreeSet<_>>(), requested.into_iter().collect());
        assert_eq!(many[&4].iter().map(|row| row.id).collect::<Vec<_>>(), [8, 9]);
        assert_eq!(many[&150].iter().map(|row| row.id).collect::<Vec<_>>(), [300]);
        assert!(many[&9_999].is_empty() && many[&-1].is_empty());

        // A load_many joins the gathering batch and dispatches it at once.
        let fresh = by_id(&source, LoaderOptions::new());
        let (single, many) = join(fresh.load(5), fresh.load_many([5, 6])).await;
        assert_eq!(single.expect("load"), source.by_id(5));
        assert_eq!(many.expect("load_many").len(), 2);
        assert_eq!(counts(fresh.stats()), (1, 1, 2));
    })
    .await;
}

/// "N tasks that each issue their loads within the time of one statement use at most two
/// statements": the source is held until every task has enqueued its keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_from_eight_spawned_tasks_use_at_most_two_statements() {
    within("eight tasks", async {
        let source = Source::tree(300);
        for round in 0..20 {
            let loader = by_parent(&source, LoaderOptions::new());
            source.hold();
            let enqueued = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..8)
                .map(|task| {
                    let loader = loader.clone();
                    let enqueued = Arc::clone(&enqueued);
                    tokio::spawn(async move {
                        let keys: Vec<i64> = (1..=25).map(|j| task * 25 + j).collect();
                        let mut answers = Box::pin(join_all(keys.iter().map(|&k| loader.load(k))));
                        assert!(poll_once(&mut answers).await.is_pending());
                        enqueued.fetch_add(1, Ordering::SeqCst);
                        keys.into_iter().zip(answers.await).collect::<Vec<_>>()
                    })
                })
                .collect();
            wait_until(|| enqueued.load(Ordering::SeqCst) == 8).await;
            source.open();
            for task in tasks {
                for (key, answer) in task.await.expect("task") {
                    assert_eq!(answer.expect("load"), source.by_parent(key), "round {round}, key {key}");
                }
            }
            let stats = loader.stats();
            assert!(stats.statements <= 2, "round {round}: {stats:?}");
            assert_eq!((stats.batches, stats.keys, stats.failed_batches), (stats.statements, 200, 0), "round {round}");
        }
    })
    .await;
}

#[tokio::test]
async fn keys_requested_while_a_batch_runs_gather_into_the_next_batch() {
    within("next batch", async {
        let source = Source::tree(300);
        for max_concurrent in [1, 2] {
            let loader = by_id(&source, LoaderOptions::new().max_concurrent_batches(max_concurrent));
            source.hold();
            let first = {
                let loader = loader.clone();
                tokio::spawn(async move { loader.load(1).await })
            };
            wait_until(|| loader.stats().batches == 1).await;
            let later: Vec<_> = [2, 3, 1, 4, 2, 3]
                .into_iter()
                .map(|key| {
                    let loader = loader.clone();
                    (key, tokio::spawn(async move { loader.load(key).await }))
                })
                .collect();
            if max_concurrent == 1 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                assert_eq!(loader.stats().batches, 1, "the next batch waits for the running one");
            } else {
                wait_until(|| loader.stats().batches == 2).await;
            }
            source.open();
            assert_eq!(first.await.expect("task").expect("load"), source.by_id(1));
            for (key, task) in later {
                assert_eq!(task.await.expect("task").expect("load"), source.by_id(key), "key {key}");
            }
            // Key 1 joined the running batch; 2, 3 and 4 formed the next one.
            assert_eq!(counts(loader.stats()), (2, 2, 4));
            assert_eq!(loader.cached_keys(), 4);
        }
    })
    .await;
}

/// On a paused clock: the tasks are spawned 1 ms apart in Tokio time, whatever the machine's
/// load (on the real clock a busy machine could stretch the four 1 ms sleeps past the 20 ms
/// window and split the batch).
#[tokio::test(start_paused = true)]
async fn delay_gathers_loads_from_tasks_spawned_apart() {
    within("delay", async {
        let source = Source::tree(300);
        let delay = Duration::from_millis(20);
        let loader = by_id(&source, LoaderOptions::new().delay(delay));
        let started = tokio::time::Instant::now();
        let mut tasks = Vec::new();
        for key in 1..=4 {
            let loader = loader.clone();
            tasks.push((key, tokio::spawn(async move { loader.load(key).await })));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for (key, task) in tasks {
            assert_eq!(task.await.expect("task").expect("load"), source.by_id(key), "key {key}");
        }
        assert!(started.elapsed() >= delay, "the batch waited for the delay window");
        assert_eq!(counts(loader.stats()), (1, 1, 4));

        // load_many ignores the delay, and dispatches the loads gathered with it.
        let loader = by_id(&source, LoaderOptions::new().delay(Duration::from_secs(3_600)));
        let (single, many) = join(loader.load(3), loader.load_many([1, 2])).await;
        assert_eq!(single.expect("load"), source.by_id(3));
        assert_eq!(many.expect("load_many").len(), 2);
        assert_eq!(counts(loader.stats()), (1, 1, 3));
    })
    .await;
}

/// An object whose fields are drained from a `FuturesUnordered` in a loop, as async-graphql
/// resolves an object's fields: its `load` field first, then a field that is ready at once.
async fn object(loader: &crate::OneLoader<super::fake::ById>, key: i64) -> Option<Row> {
    use futures_util::StreamExt as _;
    use futures_util::future::{BoxFuture, FutureExt as _};
    let mut fields: futures_util::stream::FuturesUnordered<BoxFuture<'_, Option<Option<Row>>>> =
        futures_util::stream::FuturesUnordered::new();
    fields.push(async move { Some(loader.load(key).await.expect("load")) }.boxed());
    fields.push(async { None }.boxed());
    let mut row = None;
    while let Some(field) = fields.next().await {
        if let Some(answer) = field {
            row = answer;
        }
    }
    row
}

/// The loop above used to split the objects' loads: the `load` woke itself on its first
/// poll, the ready field completed, and the loop's next `next()` re-polled the `load` (a
/// `FuturesUnordered` re-polls a child that woke itself) inside the same poll of the object,
/// before the other objects had enqueued their keys: the first object's key went alone (the
/// async-graphql example saw its `chats` level in two statements, once in three). A load's
/// first poll now defers its wake-up until the task yields to the runtime. In a task and in
/// the test's own `block_on`.
#[tokio::test]
async fn loads_inside_objects_drained_from_futures_unordered_share_one_statement() {
    within("objects", async {
        for spawned in [false, true] {
            let source = Source::tree(100);
            let loader = by_id(&source, LoaderOptions::new());
            let objects = {
                let (loader, source) = (loader.clone(), Arc::clone(&source));
                async move {
                    let rows = join_all((1..=20).map(|key| object(&loader, key))).await;
                    for (key, row) in (1..=20).zip(rows) {
                        assert_eq!(row, source.by_id(key), "key {key}");
                    }
                }
            };
            if spawned {
                tokio::spawn(objects).await.expect("task");
            } else {
                objects.await;
            }
            assert_eq!(source.calls(), [(1..=20).collect::<Vec<i64>>()], "spawned: {spawned}");
            assert_eq!(counts(loader.stats()), (1, 1, 20));
        }
    })
    .await;
}
