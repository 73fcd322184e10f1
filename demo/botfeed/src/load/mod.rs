//! `botfeed --load`: the synthetic workload under concurrent load. C workers (default 16) each
//! generate messages for a fixed duration (default 20 s) over a pool of C connections, first
//! with the naive engine on the schema before the index migration, then with the batched engine
//! (long-lived loaders shared by every worker) on an identical copy after it. Each phase starts
//! with the same fixed sample of messages written one after another, whose outputs are compared
//! byte for byte; then the workers run until the deadline. Reported per phase: operations per
//! second, p50/p95/p99/max latency, statements per operation, errors by kind, one point per
//! second.

mod errors;
mod recorder;
pub mod report;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use batchload::instrument::{StatementKind, profile_handle};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinSet;

pub use errors::{ErrorKind, classify};
pub use recorder::{PERCENTILES, PercentilePoint, SecondPoint};
pub use report::{CACHE_HIT_RATE_NOTE, LoadPhase, LoadReport, LoadValidation, StatementTime};

use self::recorder::Recorder;
use crate::Error;
use crate::backend::{MySqlServer, PostgresServer, Server, SqliteFiles, Synthetic};
use crate::db;
use crate::index_check::IndexCheck;
use crate::report::Report;
use crate::run::{self, Config, Target};

/// What the load test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadConfig {
    /// Concurrent workers per phase (and connections per pool).
    pub workers: usize,
    /// How long each phase generates messages (operations running at the deadline finish).
    pub duration: Duration,
    /// Messages written one after another at the start of each phase and compared.
    pub sample: usize,
    /// On SQLite, send every insert through a second pool of one connection (the single
    /// writer): writers then queue in that pool instead of retrying in SQLite's busy handler
    /// (which sleeps 1, 2, 5, ... up to 100 ms between retries). Both phases alike; no effect
    /// on the servers. Off by default: measured on a loaded 2-core machine it cut the insert's
    /// p99 but also the throughput (every insert then waits for one connection's thread).
    pub single_writer: bool,
}

impl Default for LoadConfig {
    /// 16 workers, 20 s per phase, a sample of 20 messages, no single writer.
    fn default() -> Self {
        Self { workers: 16, duration: Duration::from_secs(20), sample: 20, single_writer: false }
    }
}

/// The throughput target (batched / naive ops/s): x3 on SQLite, x4 on the servers.
fn throughput_target(target: &Target) -> f64 {
    if matches!(target, Target::Sqlite(_)) { 3.0 } else { 4.0 }
}

/// Runs the load test on `config.target` and returns the report (`load` set, no workloads).
pub(crate) async fn run(config: &Config, load: &LoadConfig, started: Instant) -> Result<Report, Error> {
    let mut report = match &config.target {
        Target::Sqlite(path) => sqlite(config, load, path).await?,
        Target::Postgres(url) => server::<PostgresServer>(config, load, url).await?,
        Target::MySql(url) => server::<MySqlServer>(config, load, url).await?,
    };
    report.wall_time_s = started.elapsed().as_secs_f64();
    Ok(report)
}

fn pool_size(load: &LoadConfig) -> u32 {
    u32::try_from(load.workers).unwrap_or(u32::MAX)
}

/// SQLite (WAL): the naive database seeded, copied for the batched phase, the copy migrated
/// with the advisor's index migration (phase 2); each phase on a pool of `workers` connections.
async fn sqlite(config: &Config, load: &LoadConfig, path: &std::path::Path) -> Result<Report, Error> {
    let mut report = Report::new("sqlite", &path.display().to_string(), config);
    let batched_path = Target::sibling(path, "batched");
    let setup = db::fresh_sqlite_without_indexes(path).await?;
    db::seed_synthetic(&setup, config.seed, config.size).await?;
    let batched_setup = db::copy_sqlite(&setup, &batched_path).await?;
    let index_check =
        run::index_phase(&batched_setup, run::is_demo_loader, config.index_migration("sqlite").as_deref()).await?;
    setup.close().await;
    batched_setup.close().await;
    let naive = db::open_sqlite(path, pool_size(load)).await?;
    let batched = db::open_sqlite(&batched_path, pool_size(load)).await?;
    let (naive_writer, batched_writer) = if load.single_writer {
        (db::open_sqlite(path, 1).await?, db::open_sqlite(&batched_path, 1).await?)
    } else {
        (naive.clone(), batched.clone())
    };
    let outcome =
        phases::<SqliteFiles>(config, load, [(&naive, &naive_writer), (&batched, &batched_writer)], index_check).await;
    for pool in [naive, batched, naive_writer, batched_writer] {
        pool.close().await;
    }
    report.load = Some(outcome?);
    Ok(report)
}

/// A server: two databases created, migrated without the indexes and seeded identically, the
/// batched one migrated with them; dropped whatever happens.
async fn server<B: Server + 'static>(config: &Config, load: &LoadConfig, url: &str) -> Result<Report, Error> {
    let base = run::server_base();
    let names = [format!("{base}_naive"), format!("{base}_batched")];
    let mut report = Report::new(B::BACKEND, &format!("{}, {} (created and dropped)", names[0], names[1]), config);
    let outcome = async {
        let mut index_check = IndexCheck::default();
        for (name, with_index_check) in [(&names[0], false), (&names[1], true)] {
            let setup = B::create_database(url, name).await?;
            B::migrate(&setup, false).await?;
            B::seed(&setup, config.seed, config.size).await?;
            if with_index_check {
                B::prepare_advisor(&setup).await;
                let folder = config.index_migration(B::BACKEND);
                index_check = run::index_phase(&setup, run::is_demo_loader, folder.as_deref()).await?;
            }
            setup.close().await;
        }
        let naive = B::connect(url, &names[0], pool_size(load)).await?;
        let batched = B::connect(url, &names[1], pool_size(load)).await?;
        let outcome = phases::<B>(config, load, [(&naive, &naive), (&batched, &batched)], index_check).await;
        naive.close().await;
        batched.close().await;
        outcome
    }
    .await;
    report.load = Some(run::drop_after::<B, _>(url, &names, outcome).await?);
    Ok(report)
}

/// The pool a phase reads through, and the one it writes through.
type Pools<'a, DB> = (&'a sqlx::Pool<DB>, &'a sqlx::Pool<DB>);

/// Both phases (`pools`: naive, batched) and the comparison.
async fn phases<S: Synthetic + 'static>(
    config: &Config,
    load: &LoadConfig,
    [naive_pools, batched_pools]: [Pools<'_, S::Database>; 2],
    index_check: IndexCheck,
) -> Result<LoadReport, Error> {
    let (naive, naive_sample) = phase::<S>(config, load, naive_pools, None).await?;
    let loaders = S::loaders(batched_pools.0);
    let (batched, batched_sample) = phase::<S>(config, load, batched_pools, Some(loaders)).await?;
    let sample_identical = naive_sample == batched_sample;
    let validation = LoadValidation::new(&naive, &batched, sample_identical, throughput_target(&config.target));
    Ok(LoadReport {
        workers: load.workers,
        duration_s: load.duration.as_secs_f64(),
        pool_size: pool_size(load),
        single_writer: load.single_writer && matches!(config.target, Target::Sqlite(_)),
        sample_operations: load.sample,
        index_check,
        naive,
        batched,
        validation,
        cache_hit_rate_note: Some(CACHE_HIT_RATE_NOTE.to_owned()),
        sample_output: naive_sample.iter().take(3).map(S::line).collect(),
    })
}

/// One message with the naive engine (`loaders` `None`) or the batched one.
async fn generate<S: Synthetic>(
    (pool, writer): Pools<'_, S::Database>,
    loaders: Option<&S::Loaders>,
    step: S::Step,
    history: i64,
) -> Result<S::Generated, Error> {
    let seconds = S::created_at_seconds(history, &step);
    match loaders {
        Some(loaders) => S::generate_batched(pool, writer, loaders, step, seconds).await,
        None => S::generate_naive(pool, writer, step, seconds).await,
    }
}

/// The seed of worker `worker`'s steps (the same in both phases).
fn worker_seed(seed: u64, worker: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (worker as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

fn progress_bar(config: &Config, load: &LoadConfig, label: &str) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let millis = u64::try_from(load.duration.as_millis()).unwrap_or(u64::MAX);
    let bar = ProgressBar::with_draw_target(Some(millis), ProgressDrawTarget::stdout());
    if let Ok(style) = ProgressStyle::with_template("{prefix:<8} [{bar:30}] {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label.to_owned());
    bar
}

/// One phase: the sample, one after another, then `load.workers` workers until the deadline.
/// Returns the phase's figures and the sample's outputs.
async fn phase<S: Synthetic + 'static>(
    config: &Config,
    load: &LoadConfig,
    pools: Pools<'_, S::Database>,
    loaders: Option<S::Loaders>,
) -> Result<(LoadPhase, Vec<S::Generated>), Error> {
    let handle = profile_handle().ok_or_else(|| {
        Error::Setup(
            "the batchload instrumentation layer is not installed (call botfeed::install_instrumentation)".into(),
        )
    })?;
    let (label, operation) =
        if loaders.is_some() { ("batched", "botfeed::batched") } else { ("naive", "botfeed::naive") };
    let history = config.size.messages;
    let chats = config.size.chats;
    let mut sample = Vec::with_capacity(load.sample);
    for step in S::plan(config.seed, load.sample, chats) {
        sample.push(generate::<S>(pools, loaders.as_ref(), step, history).await?);
    }
    let before = loaders.as_ref().map(S::loader_counts);

    handle.reset();
    let bar = progress_bar(config, load, label);
    let started = Instant::now();
    let deadline = started + load.duration;
    let recorder = Arc::new(Recorder::new(started));
    let next = Arc::new(AtomicUsize::new(load.sample));
    let mut workers = JoinSet::new();
    for worker in 0..load.workers {
        let (pool, writer) = (pools.0.clone(), pools.1.clone());
        let (loaders, recorder, next) = (loaders.clone(), recorder.clone(), next.clone());
        let mut rng = fastrand::Rng::with_seed(worker_seed(config.seed, worker));
        workers.spawn(async move {
            while Instant::now() < deadline {
                let step = S::step(next.fetch_add(1, Ordering::Relaxed), &mut rng, chats);
                let begun = Instant::now();
                let outcome = generate::<S>((&pool, &writer), loaders.as_ref(), step, history).await;
                let ended = Instant::now();
                recorder.record(ended - begun, ended, outcome.as_ref().map(|_| ()));
            }
        });
    }
    // Connections in use, sampled with the progress bar every 200 ms: (sum, samples).
    let in_use = Arc::new(std::sync::Mutex::new((0u64, 0u64)));
    let ticker = {
        let (bar, recorder, duration) = (bar.clone(), recorder.clone(), load.duration);
        let (pool, in_use) = (pools.0.clone(), in_use.clone());
        tokio::spawn(async move {
            loop {
                {
                    let busy = u64::from(pool.size()).saturating_sub(pool.num_idle() as u64);
                    let mut in_use = in_use.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    in_use.0 += busy;
                    in_use.1 += 1;
                }
                let elapsed = started.elapsed();
                let (ops, errors) = recorder.counts();
                bar.set_position(u64::try_from(elapsed.min(duration).as_millis()).unwrap_or(u64::MAX));
                bar.set_message(format!(
                    "{:.0} s / {:.0} s, {} ops, {} errors",
                    elapsed.as_secs_f64(),
                    duration.as_secs_f64(),
                    crate::table::grouped(ops as f64, 0),
                    errors
                ));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let mut failed = None;
    while let Some(joined) = workers.join_next().await {
        if let Err(error) = joined {
            failed.get_or_insert_with(|| Error::Setup(format!("a load worker of the {label} phase failed: {error}")));
        }
    }
    let wall = started.elapsed();
    ticker.abort();
    bar.finish_and_clear();
    if let Some(error) = failed {
        return Err(error);
    }
    let profile = handle.report();
    let queries_per_op = match profile.operation(operation) {
        Some(op) if op.calls > 0 => op.queries_total as f64 / op.calls as f64,
        _ => 0.0,
    };
    let mut phase = LoadPhase::new(operation, recorder.finish(), wall.as_secs_f64(), queries_per_op);
    let (busy, samples) = *in_use.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    phase.pool_in_use_mean = if samples > 0 { busy as f64 / samples as f64 } else { 0.0 };
    if let Some(op) = profile.operation(operation).filter(|op| op.calls > 0) {
        phase.mean_ms = op.wall_time_total_us as f64 / op.calls as f64 / 1_000.0;
        phase.statement_ms_per_op = op.db_time_total_us as f64 / op.calls as f64 / 1_000.0;
    }
    phase.statements = profile
        .fingerprints
        .iter()
        .filter(|fingerprint| matches!(fingerprint.kind, StatementKind::Query))
        .take(5)
        .map(|fingerprint| StatementTime {
            summary: fingerprint.summary.clone(),
            calls: fingerprint.calls,
            p50_ms: fingerprint.time.p50_us as f64 / 1_000.0,
            p99_ms: fingerprint.time.p99_us as f64 / 1_000.0,
            total_ms: fingerprint.total_time_us as f64 / 1_000.0,
        })
        .collect();
    if let (Some(loaders), Some((statements_before, keys_before, hits_before, misses_before))) = (&loaders, before) {
        let (statements, keys, hits, misses) = S::loader_counts(loaders);
        let statements = statements - statements_before;
        phase.loader_statements = Some(statements);
        phase.keys_per_loader_statement =
            Some(if statements > 0 { (keys - keys_before) as f64 / statements as f64 } else { 0.0 });
        let (hits, misses) = (hits - hits_before, misses - misses_before);
        phase.cache_hit_rate = (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64);
    }
    Ok((phase, sample))
}
