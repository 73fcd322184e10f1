//! Model checking of the engine's hand-offs with Shuttle: each scenario runs many times, each
//! time under another schedule of its tasks (the load futures' tasks, the batch tasks, the
//! test's own), chosen by Shuttle's random and PCT schedulers. The engine marks the points
//! where a real thread could be preempted (see `seam` and `batch.rs`), so the schedules cover
//! the orders of its critical sections and unlocked reads. A scenario fails on a wrong answer,
//! a panic, or a deadlock (a waiter nobody wakes: Shuttle reports every blocked task).
//! Every model task defers the wake-ups the engine asks to defer until its poll returns, as a
//! Tokio worker does (`seam::Deferring`), so a batch's dispatcher fires where it would on
//! Tokio: after the task that armed it yielded, interleaved with the other tasks at will.
//!
//! Schedules explored per scenario: [`ITERATIONS`] random and [`ITERATIONS`] PCT ones by
//! default, `BATCHLOAD_MODEL_ITERATIONS` of each when set (a longer exploration). A failure
//! prints the schedule to replay (`shuttle::replay`); `SHUTTLE_RANDOM_SEED` fixes the seeds.

mod clear;
mod failures;
mod flights;
mod hand_off;
mod inline;
pub(crate) mod seam;
mod source;

use std::future::Future;

use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::{Config, Runner};

use crate::LoaderStats;

/// Schedules of each scheduler per scenario by default (all ten scenarios: about 5 s of a
/// debug build on two cores).
const ITERATIONS: usize = 500;

/// PCT's bug depth: orderings of up to this many steps are explored with a known probability.
const PCT_DEPTH: usize = 3;

/// The seeds of the default runs: a failure found in CI reproduces locally.
const RANDOM_SEED: u64 = 0x6261_7463_686c_6f61;
const PCT_SEED: u64 = 0x0064_5f6d_6f64_656c;

/// Schedules per scheduler: `BATCHLOAD_MODEL_ITERATIONS`, else [`ITERATIONS`].
fn iterations() -> usize {
    match std::env::var("BATCHLOAD_MODEL_ITERATIONS") {
        Ok(value) => value.parse().unwrap_or_else(|_| panic!("BATCHLOAD_MODEL_ITERATIONS={value:?}: not a count")),
        Err(_) => ITERATIONS,
    }
}

fn config() -> Config {
    let mut config = Config::new();
    // The engine's futures (tracing spans, hash maps) need more than Shuttle's default stack.
    config.stack_size = 0x8_0000;
    config
}

/// Runs `scenario` under every schedule the random and the PCT schedulers pick, on this
/// thread (the engine's seam is active only here, for this call).
fn check<F, Fut>(scenario: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()>,
{
    let iterations = iterations();
    let scenario = std::sync::Arc::new(scenario);
    let body = move || {
        seam::new_execution();
        shuttle::future::block_on(seam::deferring(scenario()));
    };
    let _active = seam::Active::enter();
    Runner::new(RandomScheduler::new_from_seed(RANDOM_SEED, iterations), config()).run(body.clone());
    Runner::new(PctScheduler::new_from_seed(PCT_SEED, PCT_DEPTH, iterations), config()).run(body);
}

/// Spawns `future` as a model task.
fn spawn<F: Future + Send + 'static>(future: F) -> shuttle::future::JoinHandle<F::Output>
where
    F::Output: Send + 'static,
{
    shuttle::future::spawn(seam::deferring(future))
}

/// The output of the model task `handle`.
async fn join<T>(handle: shuttle::future::JoinHandle<T>) -> T {
    handle.await.expect("model tasks are never aborted")
}

/// Lets the other tasks run until `condition` holds (a spin: Shuttle fails the model if it
/// never does).
async fn until(mut condition: impl FnMut() -> bool) {
    while !condition() {
        shuttle::future::yield_now().await;
    }
}

/// Waits until every batch task spawned so far has finished: the loader is quiescent (no
/// statement runs, every outcome is delivered) unless a new load comes.
async fn settle() {
    until(|| seam::batch_tasks().iter().all(shuttle::future::AbortHandle::is_finished)).await;
}

/// `(batches, statements, keys, failed_batches)` of `stats`.
fn runs(stats: LoaderStats) -> (u64, u64, u64, u64) {
    (stats.batches, stats.statements, stats.keys, stats.failed_batches)
}

/// `(cache_hits, cache_misses)` of `stats`.
fn lookups(stats: LoaderStats) -> (u64, u64) {
    (stats.cache_hits, stats.cache_misses)
}
