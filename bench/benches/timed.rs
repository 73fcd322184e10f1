//! The `timed_overhead` row: cost of `#[timed]` on an empty async fn, polled once to
//! completion on the bench thread (the functions and the subscriber are in
//! `batchload_bench::overhead`, shared with the quick mode):
//!
//! * `plain`: the fn without any attribute (the floor);
//! * `timed_nothing_installed`: `#[timed]` before any instrumentation layer exists in the
//!   process (the fast path: one atomic load). It runs first, before a layer is created;
//! * `tracing_instrument` and `timed`: `#[tracing::instrument]` and `#[timed]` with the same
//!   subscriber installed: a registry, a layer that enables every span (so `#[instrument]`
//!   spans are real), and batchload's instrumentation layer.
//!
//! The ratio `timed / tracing_instrument` is what the issue asks for.

use std::hint::black_box;
use std::time::Duration;

use batchload_bench::overhead::{
    instrumented_empty, nothing_installed, plain_empty, subscriber, timed_empty, timed_empty_uninstalled,
};
use batchload_bench::poll_ready;
use criterion::{Criterion, criterion_group, criterion_main};

fn timed_vs_instrument(c: &mut Criterion) {
    let mut group = c.benchmark_group("timed_overhead");
    group.bench_function("plain", |b| b.iter(|| poll_ready!(plain_empty(black_box(1)))));
    assert!(nothing_installed(), "no layer may exist before the fast-path benchmark");
    group.bench_function("timed_nothing_installed", |b| b.iter(|| poll_ready!(timed_empty_uninstalled(black_box(1)))));
    assert!(nothing_installed(), "no layer may exist before the fast-path benchmark");

    tracing::subscriber::with_default(subscriber(), || {
        group.bench_function("tracing_instrument", |b| b.iter(|| poll_ready!(instrumented_empty(black_box(1)))));
        group.bench_function("timed", |b| b.iter(|| poll_ready!(timed_empty(black_box(1)))));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = timed_vs_instrument
}
criterion_main!(benches);
