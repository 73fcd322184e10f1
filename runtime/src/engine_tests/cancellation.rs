//! Cancellation: dropped, aborted and held `load` futures never stall the other callers or
//! later batches; no runtime; a batch task or a delay timer dropped with its runtime.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::{join, join_all};
use tokio::task::JoinHandle;

use super::fake::{ByParent, Row, Source, by_id, by_parent};
use super::{counts, poll_once, wait_until, within};
use crate::{Error, GroupLoader, LoaderOptions};

type Task = (i64, JoinHandle<Result<Vec<Row>, Error>>);

fn spawn_loads(loader: &GroupLoader<ByParent>, keys: &[i64]) -> Vec<Task> {
    keys.iter()
        .map(|&key| {
            let loader = loader.clone();
            (key, tokio::spawn(async move { loader.load(key).await }))
        })
        .collect()
}

/// Awaits `tasks`: those not in `aborted` complete with the reference answer; aborted ones
/// are cancelled or complete with it. Returns how many were cancelled.
async fn check_tasks(tasks: Vec<Task>, aborted: &BTreeSet<usize>, source: &Source) -> usize {
    let mut cancelled = 0;
    for (index, (key, task)) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(answer) => assert_eq!(answer.expect("load"), source.by_parent(key), "task {index}, key {key}"),
            Err(error) if error.is_cancelled() && aborted.contains(&index) => cancelled += 1,
            Err(error) => panic!("task {index} (key {key}) failed: {error}"),
        }
    }
    cancelled
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_loads_never_stall_the_others() {
    within("cancellation", async {
        let source = Source::tree(300);
        let loader = by_parent(&source, LoaderOptions::new());
        let mut rng = fastrand::Rng::with_seed(0xab0_47ed);

        // Wave 1: abort the first task and 10 random others right away.
        let keys: Vec<i64> = (0..100).map(|_| rng.i64(-5..=300)).collect();
        let tasks = spawn_loads(&loader, &keys);
        let mut aborted = BTreeSet::from([0]);
        while aborted.len() < 11 {
            aborted.insert(rng.usize(1..100));
        }
        for &index in &aborted {
            tasks[index].1.abort();
        }
        check_tasks(tasks, &aborted, &source).await;

        // Wave 2: abort all 100 once their batch is in flight.
        loader.clear_all();
        let before = loader.stats().batches;
        source.hold();
        let keys: Vec<i64> = (0..100).map(|_| rng.i64(-5..=300)).collect();
        let tasks = spawn_loads(&loader, &keys);
        wait_until(|| loader.stats().batches > before).await;
        for (_, task) in &tasks {
            task.abort();
        }
        source.open();
        let everything: BTreeSet<usize> = (0..100).collect();
        check_tasks(tasks, &everything, &source).await;

        // The same loader still answers, for the aborted keys and new ones.
        let again: Vec<i64> = keys.iter().copied().chain(-5..=300).collect();
        let answers = join_all(again.iter().map(|&k| loader.load(k))).await;
        for (&key, answer) in again.iter().zip(answers) {
            assert_eq!(answer.expect("load after the aborts"), source.by_parent(key), "key {key}");
        }

        // Wave 3: every task aborted right after it is spawned (most are never polled).
        loader.clear_all();
        let tasks = spawn_loads(&loader, &keys);
        for (_, task) in &tasks {
            task.abort();
        }
        check_tasks(tasks, &everything, &source).await;
        let answers = join_all(keys.iter().map(|&k| loader.load(k))).await;
        for (&key, answer) in keys.iter().zip(answers) {
            assert_eq!(answer.expect("load after wave 3"), source.by_parent(key), "key {key}");
        }
        assert_eq!(loader.stats().failed_batches, 0);
    })
    .await;
}

/// A `load` polled once and then held without being polled again (as `select!` can leave one
/// behind) must not stall the batch for another caller.
#[tokio::test]
async fn a_load_polled_once_and_then_held_never_stalls_other_callers() {
    within("held load", async {
        let source = Source::tree(20);
        let loader = by_id(&source, LoaderOptions::new());
        let mut held = std::pin::pin!(loader.load(1));
        assert!(held.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
        let other = {
            let loader = loader.clone();
            tokio::spawn(async move { loader.load(2).await })
        };
        assert_eq!(other.await.expect("task").expect("load"), source.by_id(2));
        assert_eq!(held.await.expect("load"), source.by_id(1));
        assert_eq!(counts(loader.stats()), (1, 1, 2), "one batch for both keys");
    })
    .await;
}

#[tokio::test]
async fn dropping_the_future_that_opened_the_batch_never_stalls_its_siblings() {
    within("dropped opener", async {
        let source = Source::tree(20);

        // A: the opener is dropped after its first poll, before any sibling exists.
        let loader = by_id(&source, LoaderOptions::new());
        let mut opener = Box::pin(loader.load(1));
        assert!(poll_once(&mut opener).await.is_pending());
        drop(opener);
        let answers = join_all((1..=10).map(|k| loader.load(k))).await;
        for (key, answer) in (1..=10).zip(answers) {
            assert_eq!(answer.expect("sibling"), source.by_id(key), "A: key {key}");
        }
        assert_eq!(counts(loader.stats()), (1, 1, 10), "A");

        // B: siblings have enqueued when the opener is dropped.
        let loader = by_id(&source, LoaderOptions::new());
        let mut opener = Box::pin(loader.load(11));
        assert!(poll_once(&mut opener).await.is_pending());
        let mut siblings = Box::pin(join_all((1..=10).map(|k| loader.load(k))));
        assert!(poll_once(&mut siblings).await.is_pending());
        drop(opener);
        for (key, answer) in (1..=10).zip(siblings.await) {
            assert_eq!(answer.expect("sibling"), source.by_id(key), "B: key {key}");
        }
        assert_eq!(counts(loader.stats()), (1, 1, 11), "B");
        assert_eq!(loader.cached_keys(), 11, "the dropped opener's key is answered and cached too");

        // C: the opener dispatched the batch (second poll) and its statement is running (on its
        // own task, or inline: driven by the opener's poll, then handed to a task by the drop),
        // then the opener is dropped.
        for options in [LoaderOptions::new(), LoaderOptions::new().max_inline_waiters(0)] {
            let loader = by_id(&source, options.clone());
            let mut opener = Box::pin(loader.load(12));
            assert!(poll_once(&mut opener).await.is_pending());
            let mut siblings = Box::pin(join_all((1..=10).map(|k| loader.load(k))));
            assert!(poll_once(&mut siblings).await.is_pending());
            source.hold();
            assert!(poll_once(&mut opener).await.is_pending());
            drop(opener);
            source.open();
            for (key, answer) in (1..=10).zip(siblings.await) {
                assert_eq!(answer.expect("sibling"), source.by_id(key), "C {options:?}: key {key}");
            }
            assert_eq!(counts(loader.stats()), (1, 1, 11), "C {options:?}");
            assert_eq!(loader.cached_keys(), 11, "C {options:?}");
        }

        // D: polled once with a no-op waker (`now_or_never`) and dropped; nobody else waits.
        let loader = by_id(&source, LoaderOptions::new());
        assert!(loader.load(3).now_or_never().is_none());
        source.hold();
        assert!(loader.load_many([4]).now_or_never().is_none(), "load_many dispatches at once but cannot finish");
        source.open();
        assert_eq!(loader.load(3).await.expect("load after now_or_never"), source.by_id(3));
        assert_eq!(loader.load(4).await.expect("load after now_or_never"), source.by_id(4));

        // E: with a delay, the opener armed the timer and is dropped; siblings still dispatch.
        let loader = by_id(&source, LoaderOptions::new().delay(Duration::from_millis(30)));
        let mut opener = Box::pin(loader.load(1));
        assert!(poll_once(&mut opener).await.is_pending());
        assert!(poll_once(&mut opener).await.is_pending());
        drop(opener);
        let answers = join_all((1..=10).map(|k| loader.load(k))).await;
        for (key, answer) in (1..=10).zip(answers) {
            assert_eq!(answer.expect("sibling"), source.by_id(key), "E: key {key}");
        }
        assert_eq!(counts(loader.stats()), (1, 1, 10), "E");
    })
    .await;
}

#[tokio::test]
async fn polling_outside_a_runtime_fails_and_leaves_the_loader_usable() {
    within("no runtime", async {
        let source = Source::tree(20);
        let loader = by_id(&source, LoaderOptions::new());
        let outside = loader.clone();
        let result = std::thread::spawn(move || {
            let mut cx = Context::from_waker(Waker::noop());
            let mut future = Box::pin(outside.load(1));
            assert!(future.as_mut().poll(&mut cx).is_pending(), "the first poll only enqueues the key");
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(result) => result,
                Poll::Pending => panic!("the second poll must fail without a runtime"),
            }
        })
        .join()
        .expect("polling thread");
        assert!(matches!(result, Err(Error::NoRuntime { loader: "FakeById" })), "{result:?}");
        assert_eq!(counts(loader.stats()), (0, 0, 0));
        assert_eq!(loader.load(1).await.expect("load inside the runtime"), source.by_id(1));
        assert_eq!(loader.stats().statements, 1);
    })
    .await;
}

/// Runs `body` on its own thread with a fresh current-thread runtime, which `body` drops
/// when it sees fit.
fn on_short_lived_runtime<T: Send + 'static>(body: impl FnOnce(tokio::runtime::Runtime) -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        body(tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime"))
    })
    .join()
    .expect("short-lived runtime thread")
}

#[tokio::test]
async fn a_batch_task_dropped_with_its_runtime_before_running_abandons_its_waiters() {
    within("batch task dropped with its runtime", async {
        let source = Source::tree(20);
        let loader = by_id(&source, LoaderOptions::new().max_inline_waiters(0));
        let other = loader.clone();
        let result = on_short_lived_runtime(move |runtime| {
            // The waiter dispatches the batch (spawned on the short-lived runtime, never
            // polled there) and outlives that runtime.
            let mut waiter = Box::pin(other.load(1));
            runtime.block_on(async {
                assert!(poll_once(&mut waiter).await.is_pending(), "first poll enqueues");
                assert!(poll_once(&mut waiter).await.is_pending(), "second poll dispatches");
            });
            drop(runtime);
            match waiter.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(result) => result,
                Poll::Pending => panic!("the waiter of a dropped batch task must not wait forever"),
            }
        });
        assert!(matches!(result, Err(Error::Abandoned { loader: "FakeById", keys: 1 })), "{result:?}");
        assert_eq!(loader.stats().failed_batches, 1);
        assert_eq!(loader.cached_keys(), 0);
        assert!(source.calls().is_empty(), "the statement never ran");
        let answers = join_all([1, 2, 1].map(|k| loader.load(k))).await;
        for (key, answer) in [1, 2, 1].into_iter().zip(answers) {
            assert_eq!(answer.expect("load after the abandoned batch"), source.by_id(key), "key {key}");
        }
        let stats = loader.stats();
        assert_eq!((stats.statements, stats.keys, stats.failed_batches), (1, 2, 1), "{stats:?}");
    })
    .await;
}

type ShutdownLoad = std::pin::Pin<Box<dyn Future<Output = Result<Option<Row>, Error>> + Send>>;
type Polls = Vec<Poll<Result<Option<Row>, Error>>>;

/// Polls its load when dropped, twice at once (enqueue, then dispatch or arm the `delay`
/// timer) and then after each `pause`, until it is ready (at most five polls), and sends the
/// results.
struct LoadOnDrop {
    load: ShutdownLoad,
    pause: Duration,
    polls: std::sync::mpsc::Sender<Polls>,
}

impl Drop for LoadOnDrop {
    fn drop(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        let mut polls = Vec::new();
        while polls.len() < 5 && !polls.last().is_some_and(Poll::is_ready) {
            if polls.len() >= 2 {
                std::thread::sleep(self.pause);
            }
            polls.push(self.load.as_mut().poll(&mut cx));
        }
        let _ = self.polls.send(polls);
    }
}

/// Drops a current-thread runtime with a task holding a [`LoadOnDrop`] of `loader.load(1)`;
/// returns its polls.
async fn load_during_runtime_shutdown(loader: &crate::OneLoader<super::fake::ById>, pause: Duration) -> Polls {
    let other = loader.clone();
    let (sender, polls) = std::sync::mpsc::channel();
    // On its own thread: a deadlock there fails `within` instead of hanging the test.
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let guard = LoadOnDrop { load: Box::pin(async move { other.load(1).await }), pause, polls: sender };
        runtime.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        drop(runtime);
    });
    wait_until(|| thread.is_finished()).await;
    thread.join().expect("runtime thread");
    polls.recv().expect("the task was dropped")
}

/// A load dispatching its batch (or arming its `delay` timer) from a destructor that runs
/// while its runtime shuts down: Tokio drops a current-thread runtime's tasks inside its
/// context, so the load finds the runtime, and a runtime shutting down drops a task spawned
/// on it at once, inside `spawn`. The batch's completion guard (the timer's guard) runs there
/// and takes the loader's lock. The engine used to spawn under that lock, and the thread
/// deadlocked (found by the Shuttle models, where spawning is a scheduling point); it spawns
/// after releasing it.
#[tokio::test]
async fn a_batch_dispatched_on_a_runtime_shutting_down_is_abandoned_without_deadlock() {
    within("dispatch during runtime shutdown", async {
        let source = Source::tree(20);
        let abandoned = |poll: &Poll<Result<Option<Row>, Error>>| {
            matches!(poll, Poll::Ready(Err(Error::Abandoned { loader: "FakeById", keys: 1 })))
        };

        // Enqueue, then dispatch: the batch task is dropped inside `spawn`, and the dispatching
        // poll already reads the batch's outcome.
        let loader = by_id(&source, LoaderOptions::new().max_inline_waiters(0));
        let polls = load_during_runtime_shutdown(&loader, Duration::ZERO).await;
        assert!(polls.len() == 2 && polls[0].is_pending() && abandoned(&polls[1]), "{polls:?}");
        assert_eq!(loader.stats().failed_batches, 1);
        assert_eq!(loader.cached_keys(), 0);
        assert!(source.calls().is_empty(), "the statement never ran");
        assert_eq!(loader.load(1).await.expect("load after the abandoned batch"), source.by_id(1));
        assert_eq!(counts(loader.stats()), (1, 1, 1));

        // With a delay: the timer task is dropped inside `spawn` (its guard disarms it), then
        // the window ends and the batch is dispatched as above.
        let loader = by_id(&source, LoaderOptions::new().delay(Duration::from_millis(200)).max_inline_waiters(0));
        let polls = load_during_runtime_shutdown(&loader, Duration::from_millis(300)).await;
        let last = polls.len() - 1;
        assert!(polls[..last].iter().all(Poll::is_pending) && abandoned(&polls[last]), "{polls:?}");
        assert_eq!(loader.stats().failed_batches, 1);
        assert_eq!(loader.load(1).await.expect("load after the abandoned batch"), source.by_id(1));
        assert_eq!(counts(loader.stats()), (1, 1, 1));

        // Inline (the default for one waiter): the statement runs in the destructor's own
        // poll, no task is spawned, and the load is answered.
        let loader = by_id(&source, LoaderOptions::new());
        let polls = load_during_runtime_shutdown(&loader, Duration::ZERO).await;
        assert!(
            matches!(polls.as_slice(), [Poll::Pending, Poll::Ready(Ok(row))] if *row == source.by_id(1)),
            "{polls:?}"
        );
        assert_eq!(counts(loader.stats()), (1, 1, 1));
        assert_eq!(loader.cached_keys(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_delay_timer_dropped_with_its_runtime_is_rearmed() {
    within("delay timer dropped with its runtime", async {
        let source = Source::tree(20);
        let loader = by_id(&source, LoaderOptions::new().delay(Duration::from_millis(300)));
        let other = loader.clone();
        on_short_lived_runtime(move |runtime| {
            runtime.block_on(async {
                let mut opener = Box::pin(other.load(1));
                assert!(poll_once(&mut opener).await.is_pending(), "first poll enqueues");
                assert!(poll_once(&mut opener).await.is_pending(), "second poll arms the timer");
            });
            drop(runtime);
        });
        let started = Instant::now();
        assert_eq!(loader.load(2).await.expect("load"), source.by_id(2));
        assert!(started.elapsed() < Duration::from_secs(20));
        assert_eq!(loader.load(1).await.expect("cached"), source.by_id(1));
        assert_eq!(counts(loader.stats()), (1, 1, 2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_loads_with_random_aborts() {
    within("stress", async {
        let source = Source::tree(1_000);
        source.set_delay(Duration::from_micros(200));
        let configurations =
            [LoaderOptions::new(), LoaderOptions::new().cache(false).max_batch_size(37).max_concurrent_batches(3)];
        for (round, options) in configurations.into_iter().enumerate() {
            let ones = by_id(&source, options.clone());
            let groups = by_parent(&source, options);
            let mut rng = fastrand::Rng::with_seed(10_000 + round as u64);
            const TASKS: usize = 10_000;
            let mut aborted = BTreeSet::new();
            while aborted.len() < TASKS / 10 {
                aborted.insert(rng.usize(0..TASKS));
            }
            let mut abort_at: HashMap<usize, Vec<usize>> = HashMap::new();
            for &index in &aborted {
                abort_at.entry((index + rng.usize(0..200)).min(TASKS - 1)).or_default().push(index);
            }
            type Answer = (Result<Option<Row>, Error>, Result<Vec<Row>, Error>);
            let mut tasks: Vec<(i64, JoinHandle<Answer>)> = Vec::with_capacity(TASKS);
            for index in 0..TASKS {
                let key = rng.i64(-10..=1_010);
                let (ones, groups) = (ones.clone(), groups.clone());
                tasks.push((key, tokio::spawn(async move { join(ones.load(key), groups.load(key)).await })));
                for &victim in abort_at.get(&index).map(Vec::as_slice).unwrap_or_default() {
                    tasks[victim].1.abort();
                }
                if index % 250 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            for (index, (key, task)) in tasks.into_iter().enumerate() {
                match task.await {
                    Ok((one, group)) => {
                        assert_eq!(one.expect("load"), source.by_id(key), "round {round}, task {index}");
                        assert_eq!(group.expect("load"), source.by_parent(key), "round {round}, task {index}");
                    }
                    Err(error) if error.is_cancelled() && aborted.contains(&index) => {}
                    Err(error) => panic!("round {round}: task {index} failed: {error}"),
                }
            }
            assert_eq!(ones.stats().failed_batches + groups.stats().failed_batches, 0);
            let answers = join_all((-10..=1_010).map(|k| groups.load(k))).await;
            for (key, answer) in (-10..=1_010).zip(answers) {
                assert_eq!(answer.expect("load after the stress"), source.by_parent(key), "key {key}");
            }
        }
    })
    .await;
}
