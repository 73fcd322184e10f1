//! The loader benchmarks of issue 7, for N = 1, 10, 100, 1,000 and 10,000 keys of a
//! 100,000-row table, on SQLite (WAL file database) and PostgreSQL (the server of
//! `BATCHLOAD_BENCH_PG_URL`, else `BATCHLOAD_TEST_POSTGRES_URL`, else the local one; skipped with
//! a line on stderr when unreachable): `handwritten`, `loader_concurrent`, `loader_many`,
//! `n_plus_one`, `async_graphql`, `async_graphql_zero_delay`, and the group (one-to-many)
//! rows `group_handwritten` and `group_loader_concurrent` over `bot_stances.bot_id` (see
//! `batchload_bench::workload` for what each measures; the quick mode runs the same bodies),
//! and `cached_hit` (a warm loader's `load(k)` against `HashMap::get` + clone).
//!
//! 2-worker Tokio runtime, pool of 5; the measured future runs on the bench thread
//! (`to_async`), batches on the workers.

use std::hint::black_box;
use std::time::Duration;

use batchload_bench::workload::{Backend, Workload};
use batchload_bench::{pg_url_for_benches, runtime, spread_keys};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SIZES: [usize; 5] = [1, 10, 100, 1_000, 10_000];

fn workloads(c: &mut Criterion) {
    let runtime = runtime();
    let sqlite = runtime.block_on(Backend::sqlite());
    bench_backend(c, &runtime, &sqlite);
    cached_hit(c, &runtime, &sqlite);
    drop(sqlite);
    if let Some(postgres) = runtime.block_on(Backend::postgres(&pg_url_for_benches())) {
        bench_backend(c, &runtime, &postgres);
    }
}

fn bench_backend(c: &mut Criterion, runtime: &tokio::runtime::Runtime, backend: &Backend) {
    let mut group = c.benchmark_group(backend.name());
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for size in SIZES {
        for workload in Workload::ALL {
            let keys = workload.keys(size);
            group.bench_with_input(BenchmarkId::new(workload.name(), size), &keys, |b, keys| {
                b.to_async(runtime).iter(|| backend.run(workload, keys));
            });
        }
    }
    group.finish();
}

fn cached_hit(c: &mut Criterion, runtime: &tokio::runtime::Runtime, backend: &Backend) {
    let keys = spread_keys(1_000);
    let warm = runtime.block_on(backend.warm(&keys));
    let key = keys[keys.len() / 2];
    let mut group = c.benchmark_group("cached_hit");
    group.bench_function("loader_load", |b| {
        b.to_async(runtime).iter(|| async { assert!(warm.load(black_box(key)).await) });
    });
    group.bench_function("hashmap_get_clone", |b| b.iter(|| assert!(warm.get(black_box(key)))));
    group.finish();
}

criterion_group!(benches, workloads);
criterion_main!(benches);
