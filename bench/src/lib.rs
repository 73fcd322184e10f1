//! Shared setup of the batchload benchmarks: a seeded SQLite database and the runtime.

use batchload_tests_sqlite::{TestDb, seed};

/// Rows in the benchmark `bots` table.
pub const BOTS: i64 = 100_000;

/// A 2-worker Tokio runtime (the shape of a small service) and a fresh WAL-mode SQLite file
/// database with [`BOTS`] bots and their stances, over a pool of 5 connections.
///
/// # Panics
/// If the runtime or the database cannot be created.
pub fn setup() -> (tokio::runtime::Runtime, TestDb) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a Tokio runtime");
    let db = runtime.block_on(async {
        let db = TestDb::new(5).await;
        seed::bots(&db.pool, BOTS).await.expect("seed bots");
        seed::stances(&db.pool, BOTS).await.expect("seed stances");
        db
    });
    (runtime, db)
}

/// `count` keys spread over the whole table (every `BOTS / count`-th id).
pub fn spread_keys(count: usize) -> Vec<i64> {
    let step = (BOTS as usize / count.max(1)).max(1) as i64;
    (0..count as i64).map(|index| 1 + index * step).collect()
}
