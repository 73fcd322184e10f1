//! Where a batch's statement runs: inline, on the thread of the task that waits for it (no
//! task spawn, no thread hop), for batches of at most `max_inline_waiters` waiters; on a
//! runtime worker for larger ones, for inline batches that more waiters join, and when
//! inline batches are turned off. Runs on a two-worker runtime driven from the test's own
//! thread (`block_on`), which is never a worker: the thread a statement ran on tells which.

use std::thread::ThreadId;

use futures_util::future::{join, join_all};

use super::fake::{Source, by_id};
use super::{counts, poll_once, within};
use crate::LoaderOptions;

fn two_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// Loads keys `1..=count` together from the test's thread; returns the statement's start and
/// finish threads.
fn load_together(runtime: &tokio::runtime::Runtime, options: LoaderOptions, count: i64) -> (ThreadId, ThreadId) {
    let source = Source::tree(100);
    let loader = by_id(&source, options);
    let answers = runtime.block_on(within("load together", join_all((1..=count).map(|key| loader.load(key)))));
    for (key, answer) in (1..=count).zip(answers) {
        assert_eq!(answer.expect("load"), source.by_id(key), "key {key}");
    }
    assert_eq!(counts(loader.stats()), (1, 1, count as u64));
    let threads = source.threads();
    assert_eq!(threads.len(), 1, "one statement");
    threads[0]
}

#[test]
fn small_batches_run_on_the_waiting_thread_and_large_ones_on_a_worker() {
    let runtime = two_workers();
    let here = std::thread::current().id();
    let cases = [
        (LoaderOptions::new(), 1, true),
        (LoaderOptions::new(), 10, true),
        (LoaderOptions::new(), 32, true),
        (LoaderOptions::new(), 33, false),
        (LoaderOptions::new().max_inline_waiters(0), 1, false),
        (LoaderOptions::new().max_inline_waiters(64), 64, true),
    ];
    for (options, count, inline) in cases {
        let (started, finished) = load_together(&runtime, options.clone(), count);
        assert_eq!((started == here, finished == here), (inline, inline), "{count} waiters, {options:?}");
    }
}

/// An inline batch that more waiters join while its statement runs than inline allows moves
/// to a worker: it started on the test's thread and finishes on a worker.
#[test]
fn an_inline_batch_joined_by_more_waiters_than_allowed_finishes_on_a_worker() {
    let runtime = two_workers();
    let here = std::thread::current().id();
    let source = Source::tree(20);
    let loader = by_id(&source, LoaderOptions::new().max_inline_waiters(2));
    runtime.block_on(within("hand-off", async {
        source.hold();
        let mut first = Box::pin(join(loader.load(1), loader.load(2)));
        assert!(poll_once(&mut first).await.is_pending(), "enqueued");
        assert!(poll_once(&mut first).await.is_pending(), "dispatched inline, held at the gate");
        let mut late = Box::pin(join_all([1, 2, 1].map(|key| loader.load(key))));
        assert!(poll_once(&mut late).await.is_pending(), "joined the running batch: five waiters");
        source.open();
        let (one, two) = first.await;
        assert_eq!((one.expect("load"), two.expect("load")), (source.by_id(1), source.by_id(2)));
        let late: Vec<_> = late.await.into_iter().map(|answer| answer.expect("load")).collect();
        assert_eq!(late, [source.by_id(1), source.by_id(2), source.by_id(1)]);
    }));
    let threads = source.threads();
    assert_eq!(threads.len(), 1, "one statement");
    assert_eq!((threads[0].0 == here, threads[0].1 == here), (true, false), "started inline, finished on a worker");
    assert_eq!(counts(loader.stats()), (1, 1, 2));
    assert_eq!(loader.cached_keys(), 2);
}
