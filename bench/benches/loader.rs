//! Smoke benchmark of the loader engine, for N keys: N concurrent `load()` calls through a
//! derived loader and one `load_many` of the same keys (both cache-cold, fresh loader per
//! iteration), against `direct_fetch`, the loader's own statement run once without the engine
//! (the latency the engine adds, including the hand-off yield, is the difference).

use batchload::BatchQuery;
use batchload_bench::{setup, spread_keys};
use batchload_tests_sqlite::BotById;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use futures_util::future::try_join_all;

fn concurrent_load_vs_load_many(c: &mut Criterion) {
    let (runtime, db) = setup();
    let mut group = c.benchmark_group("sqlite_bots_by_id");
    for count in [1usize, 10, 100, 1_000] {
        let keys = spread_keys(count);
        group.bench_with_input(BenchmarkId::new("direct_fetch", count), &keys, |b, keys| {
            b.to_async(&runtime).iter(|| async {
                let rows = BotById::fetch(&db.pool, keys).await.expect("fetch");
                assert_eq!(rows.len(), keys.len());
            });
        });
        group.bench_with_input(BenchmarkId::new("loader_concurrent", count), &keys, |b, keys| {
            b.to_async(&runtime).iter(|| async {
                let loader = BotById::new(db.pool.clone());
                let rows = try_join_all(keys.iter().map(|&key| loader.load(key))).await.expect("load");
                assert_eq!(rows.len(), keys.len());
            });
        });
        group.bench_with_input(BenchmarkId::new("loader_many", count), &keys, |b, keys| {
            b.to_async(&runtime).iter(|| async {
                let loader = BotById::new(db.pool.clone());
                let rows = loader.load_many(keys.iter().copied()).await.expect("load_many");
                assert_eq!(rows.len(), keys.len());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, concurrent_load_vs_load_many);
criterion_main!(benches);
