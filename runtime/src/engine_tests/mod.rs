//! Unit tests of the loader engine without a database: a fake source (`fake`) drives
//! batching, de-duplication, chunking, the cache, clear during a flight, cancellation, errors,
//! runtime shutdown and nested loads on Tokio; `model` checks the same hand-offs under many
//! schedules picked by Shuttle. The database-dependent guarantees (SQL, key types, real
//! errors, per-key references) stay in the backend suites (`tests/shared/semantics.rs`).

mod batching;
mod cache;
mod cancellation;
mod dispatch;
mod errors;
mod fake;
mod inline;
pub(crate) mod model;
mod nesting;
mod shared;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

/// Upper bound for every test body: a hang fails instead of blocking the run.
pub(super) const LIMIT: Duration = Duration::from_secs(30);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: did not complete within {LIMIT:?} (hang)"),
    }
}

/// Sleeps in 1 ms steps until `condition` holds (callers are themselves under [`within`]).
async fn wait_until(mut condition: impl FnMut() -> bool) {
    while !condition() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Polls `future` exactly once with the current task's context.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// `(batches, statements, keys)` of `stats`.
fn counts(stats: crate::LoaderStats) -> (u64, u64, u64) {
    (stats.batches, stats.statements, stats.keys)
}
