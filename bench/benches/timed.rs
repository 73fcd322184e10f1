//! Cost of `#[timed]` on an empty async fn, polled once to completion on the bench thread:
//!
//! * `plain`: the fn without any attribute (the floor);
//! * `timed_nothing_installed`: `#[timed]` before any instrumentation layer exists in the
//!   process (the fast path: one atomic load). It runs first, before a layer is created;
//! * `tracing_instrument` and `timed`: `#[tracing::instrument]` and `#[timed]` with the same
//!   subscriber installed: a registry, a layer that enables every span (so `#[instrument]`
//!   spans are real), and batchload's instrumentation layer.
//!
//! The ratio `timed / tracing_instrument` is what the issue asks for.

use std::future::Future as _;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use batchload::timed;
use criterion::{Criterion, criterion_group, criterion_main};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

async fn plain_empty(value: u64) -> u64 {
    value
}

#[timed]
async fn timed_empty(value: u64) -> u64 {
    value
}

/// The same as `timed_empty`, called only while nothing is installed (so the compiler treats
/// both fast-path candidates alike: one call site each).
#[timed]
async fn timed_empty_uninstalled(value: u64) -> u64 {
    value
}

#[tracing::instrument]
async fn instrumented_empty(value: u64) -> u64 {
    value
}

/// Polls a future that completes on its first poll, pinned where it is created (no copy of
/// the future between creation and poll).
macro_rules! run {
    ($future:expr) => {{
        let mut future = pin!($future);
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => unreachable!("the benchmarked functions never wait"),
        }
    }};
}

/// A layer that enables every span and event and does nothing with them.
struct EnableAll;

impl<S: Subscriber> Layer<S> for EnableAll {}

fn timed_vs_instrument(c: &mut Criterion) {
    let mut group = c.benchmark_group("empty_async_fn");
    group.bench_function("plain", |b| b.iter(|| run!(plain_empty(black_box(1)))));
    group.bench_function("timed_nothing_installed", |b| b.iter(|| run!(timed_empty_uninstalled(black_box(1)))));
    assert!(!batchload::__private::enabled(), "no layer may exist before the fast-path benchmark");

    let subscriber = tracing_subscriber::registry().with(EnableAll).with(batchload::instrument::layer());
    tracing::subscriber::with_default(subscriber, || {
        group.bench_function("tracing_instrument", |b| b.iter(|| run!(instrumented_empty(black_box(1)))));
        group.bench_function("timed", |b| b.iter(|| run!(timed_empty(black_box(1)))));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = timed_vs_instrument
}
criterion_main!(benches);
