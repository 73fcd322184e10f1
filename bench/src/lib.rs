//! The batchload benchmarks (issue 7): the measured bodies, shared by the criterion benches
//! (`cargo bench -p batchload-bench`) and the quick machine-readable mode
//! (`cargo run --release -p batchload-bench -- --quick --json`).
//!
//! * [`workload`]: every database workload (hand-written query, loaders, N+1 loop,
//!   async-graphql's `DataLoader`, warm cache) on SQLite and PostgreSQL, behind one
//!   [`workload::Backend::run`];
//! * [`overhead`]: the empty functions of the `#[timed]` overhead row and their subscriber;
//! * [`measure`]: interleaved repetitions and medians (the quick mode);
//! * [`quick`]: the quick mode itself, producing the JSON document of the issue;
//! * [`relations`]: the relation loaders' rows (top-N, many-to-many, composite keys), run by
//!   `cargo run --release -p batchload-bench --bin relations`.

pub mod measure;
pub mod overhead;
pub mod quick;
pub mod relations;
pub mod workload;

/// Rows in the benchmark `bots` table (indexed key: the `INTEGER PRIMARY KEY` / `BIGINT`
/// primary key `id`).
pub const BOTS: i64 = 100_000;

/// Connections in every benchmark pool (DESIGN.md section 3: pool of 5).
pub const POOL_SIZE: u32 = 5;

/// Variable naming the PostgreSQL server of the benchmarks (any database on it; a fresh
/// database is created and dropped).
pub const PG_URL_VAR: &str = "BATCHLOAD_BENCH_PG_URL";

/// A 2-worker Tokio runtime, the shape of a small service (DESIGN.md section 3).
///
/// # Panics
/// If the runtime cannot be created.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a Tokio runtime")
}

/// `count` keys spread over the whole table (every `BOTS / count`-th id), all present.
pub fn spread_keys(count: usize) -> Vec<i64> {
    let step = (BOTS as usize / count.max(1)).max(1) as i64;
    (0..count as i64).map(|index| 1 + index * step).collect()
}

/// The PostgreSQL server the criterion benches use: [`PG_URL_VAR`], else the test suite's
/// `BATCHLOAD_TEST_POSTGRES_URL`, else the local server.
pub fn pg_url_for_benches() -> String {
    std::env::var(PG_URL_VAR)
        .or_else(|_| std::env::var(batchload_tests_postgres::URL_VAR))
        .unwrap_or_else(|_| batchload_tests_postgres::DEFAULT_URL.to_owned())
}
