//! The relation loaders' benchmark rows (issue 14), each against its baseline in the same run:
//! `cargo run --release -p batchload-bench --bin relations -- [--database-url postgres://...]`.
//! Prints the medians as JSON on stdout and the ratios on stderr.

use batchload_bench::relations::{self, Row};
use clap::Parser;
use futures_util::FutureExt as _;

/// Relation loaders (top-N, many-to-many, composite keys) against their hand-written
/// baselines, interleaved; medians.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// PostgreSQL server to measure on as well (a fresh database is created there and dropped).
    #[arg(long, env = batchload_bench::PG_URL_VAR)]
    database_url: Option<String>,
    /// Measured rounds per backend and size.
    #[arg(long, default_value_t = 21)]
    rounds: usize,
    /// Parent counts to measure.
    #[arg(long, value_delimiter = ',', default_values_t = vec![100usize, 1_000])]
    sizes: Vec<usize>,
}

fn main() {
    let args = Args::parse();
    let runtime = batchload_bench::runtime();
    let mut document = serde_json::Map::new();

    let sqlite = runtime.block_on(batchload_tests_sqlite::TestDb::new(batchload_bench::POOL_SIZE));
    runtime.block_on(relations::sqlite::seed(&sqlite.pool));
    let pool = sqlite.pool.clone();
    let rows = relations::measure(&runtime, &args.sizes, 3, args.rounds, |row: Row, keys, pairs| {
        let (pool, keys, pairs) = (pool.clone(), keys.to_vec(), pairs.to_vec());
        async move { relations::sqlite::run(&pool, row, &keys, &pairs).await }.boxed()
    });
    document.insert("sqlite".to_owned(), rows);
    drop(sqlite);

    if let Some(url) = &args.database_url
        && let Some(postgres) =
            runtime.block_on(batchload_tests_postgres::TestDb::connect_to(url, batchload_bench::POOL_SIZE))
    {
        runtime.block_on(relations::postgres::seed(&postgres.pool));
        let pool = postgres.pool.clone();
        let rows = relations::measure(&runtime, &args.sizes, 3, args.rounds, |row: Row, keys, pairs| {
            let (pool, keys, pairs) = (pool.clone(), keys.to_vec(), pairs.to_vec());
            async move { relations::postgres::run(&pool, row, &keys, &pairs).await }.boxed()
        });
        document.insert("postgres".to_owned(), rows);
    }

    let document = serde_json::Value::Object(document);
    for (name, ratio) in relations::ratios(&document) {
        eprintln!("{name}: {ratio:.2}");
    }
    println!("{document}");
}
