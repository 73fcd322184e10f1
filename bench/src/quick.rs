//! The quick mode: a reduced set of the benchmarks, measured interleaved, as one JSON
//! document (see [`run`]).

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::measure::{interleaved, median};
use crate::overhead;
use crate::workload::{Backend, Workload};

/// What the quick mode runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Key counts measured on every backend.
    pub sizes: Vec<usize>,
    /// Measured rounds per backend and key count (each round runs every workload once).
    pub rounds: usize,
    /// Discarded rounds before them (statement caches, pool connections, page cache).
    pub warmup: usize,
    /// The PostgreSQL server, if any (a fresh database is created on it and dropped).
    pub postgres_url: Option<String>,
    /// Measured repetitions of the `timed_overhead` row.
    pub overhead_rounds: usize,
    /// Calls per repetition of the `timed_overhead` row.
    pub overhead_calls: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sizes: vec![100, 1_000],
            rounds: 21,
            warmup: 3,
            postgres_url: None,
            overhead_rounds: 31,
            overhead_calls: 20_000,
        }
    }
}

/// Runs the quick mode and returns its document:
/// `{"sqlite": {"100": {"handwritten_us": ..., ...}, ...}, "postgres": {...},
/// "timed_overhead_ns": {"timed": ..., "instrument": ..., "timed_disabled": ...}}`
/// (`postgres` only when a server was given and reachable). Every figure is the median of
/// its repetitions; progress goes to stderr.
///
/// # Panics
/// On a database error, or if an instrumentation layer already exists in the process.
pub fn run(options: &Options) -> Value {
    // First, before anything could create an instrumentation layer.
    let timed_disabled = timed_disabled(options);

    let runtime = crate::runtime();
    let mut document = Map::new();
    eprintln!("sqlite: seeding {} bots", crate::BOTS);
    let sqlite = runtime.block_on(Backend::sqlite());
    document.insert("sqlite".to_owned(), backend(&runtime, &sqlite, options));
    drop(sqlite);
    if let Some(url) = &options.postgres_url {
        eprintln!("postgres: seeding {} bots", crate::BOTS);
        if let Some(postgres) = runtime.block_on(Backend::postgres(url)) {
            document.insert("postgres".to_owned(), backend(&runtime, &postgres, options));
        }
    }

    let (timed, instrument) = timed_vs_instrument(options);
    document.insert(
        "timed_overhead_ns".to_owned(),
        json!({
            "timed": nanos(timed),
            "instrument": nanos(instrument),
            "timed_disabled": nanos(timed_disabled),
        }),
    );
    Value::Object(document)
}

/// Every workload at every key count on `backend`, interleaved per key count.
fn backend(runtime: &tokio::runtime::Runtime, backend: &Backend, options: &Options) -> Value {
    let mut by_size = Map::new();
    for &size in &options.sizes {
        let started = Instant::now();
        let keys: Vec<Vec<i64>> = Workload::ALL.iter().map(|workload| workload.keys(size)).collect();
        let samples = interleaved(Workload::ALL.len(), options.warmup, options.rounds, |side| {
            // Measured like criterion's `to_async(..).iter`: the workload's future runs on the
            // calling thread (`block_on`), batches on the runtime's 2 workers. (`--profile`
            // runs it as a task instead; see `profile`.)
            runtime.block_on(async {
                let started = Instant::now();
                backend.run(Workload::ALL[side], &keys[side]).await;
                started.elapsed()
            })
        });
        let mut row = Map::new();
        for (workload, samples) in Workload::ALL.iter().zip(&samples) {
            row.insert(format!("{}_us", workload.name()), micros(median(samples)));
        }
        eprintln!("{} N={size}: {:.1} s", backend.name(), started.elapsed().as_secs_f64());
        by_size.insert(size.to_string(), Value::Object(row));
    }
    Value::Object(by_size)
}

/// The `#[timed]` fast path with nothing installed, per call.
fn timed_disabled(options: &Options) -> f64 {
    assert!(overhead::nothing_installed(), "no instrumentation layer may exist before the fast-path measurement");
    let calls = options.overhead_calls;
    let samples = interleaved(1, 1, options.overhead_rounds, |_| {
        let started = Instant::now();
        for _ in 0..calls {
            black_box(crate::poll_ready!(overhead::timed_empty_uninstalled(black_box(1))));
        }
        started.elapsed()
    });
    per_call(median(&samples[0]), calls)
}

/// `#[timed]` and `#[tracing::instrument]` under the same subscriber, per call, interleaved.
fn timed_vs_instrument(options: &Options) -> (f64, f64) {
    let calls = options.overhead_calls;
    let samples = tracing::subscriber::with_default(overhead::subscriber(), || {
        interleaved(2, 1, options.overhead_rounds, |side| {
            let started = Instant::now();
            if side == 0 {
                for _ in 0..calls {
                    black_box(crate::poll_ready!(overhead::timed_empty(black_box(1))));
                }
            } else {
                for _ in 0..calls {
                    black_box(crate::poll_ready!(overhead::instrumented_empty(black_box(1))));
                }
            }
            started.elapsed()
        })
    });
    (per_call(median(&samples[0]), calls), per_call(median(&samples[1]), calls))
}

/// Nanoseconds per call of a repetition of `calls` calls that took `total`.
fn per_call(total: Duration, calls: u32) -> f64 {
    total.as_secs_f64() * 1e9 / f64::from(calls)
}

fn micros(duration: Duration) -> Value {
    json!((duration.as_secs_f64() * 1e7).round() / 10.0)
}

fn nanos(nanos: f64) -> Value {
    json!((nanos * 100.0).round() / 100.0)
}

/// The ratios of the README table and of the targets, computed from a document
/// [`run`] produced: `(name, value)` in a stable order.
pub fn ratios(document: &Value) -> Vec<(String, f64)> {
    let mut ratios = Vec::new();
    for backend in ["sqlite", "postgres"] {
        let Some(sizes) = document.get(backend).and_then(Value::as_object) else {
            continue;
        };
        for (size, row) in sizes {
            let figure = |name: &str| row.get(format!("{name}_us")).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let loader = figure("loader_concurrent");
            for (name, value) in [
                ("loader_concurrent / handwritten", loader / figure("handwritten")),
                ("loader_shared / handwritten", figure("loader_shared") / figure("handwritten")),
                ("handwritten_joined / handwritten", figure("handwritten_joined") / figure("handwritten")),
                ("loader_many / handwritten", figure("loader_many") / figure("handwritten")),
                ("n_plus_one / loader_concurrent", figure("n_plus_one") / loader),
                ("loader_concurrent / async_graphql", loader / figure("async_graphql")),
                ("loader_concurrent / async_graphql_zero_delay", loader / figure("async_graphql_zero_delay")),
                (
                    "loader_chunked / async_graphql_zero_delay",
                    figure("loader_chunked") / figure("async_graphql_zero_delay"),
                ),
                ("loader_bounded / loader_concurrent", figure("loader_bounded") / loader),
                (
                    "group_loader_concurrent / group_handwritten",
                    figure("group_loader_concurrent") / figure("group_handwritten"),
                ),
            ] {
                ratios.push((format!("{backend} N={size}: {name}"), value));
            }
        }
    }
    if let Some(overhead) = document.get("timed_overhead_ns") {
        let figure = |name: &str| overhead.get(name).and_then(Value::as_f64).unwrap_or(f64::NAN);
        ratios.push(("timed / instrument".to_owned(), figure("timed") / figure("instrument")));
    }
    ratios
}

/// What `--profile` repeats (for `valgrind --tool=callgrind`, which counts instructions
/// repeatably on a noisy machine): a database workload on SQLite, or one of the empty
/// functions of the `timed_overhead` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profiled {
    /// A database workload, on SQLite.
    Workload(Workload),
    /// `#[timed]` under the overhead subscriber.
    Timed,
    /// `#[tracing::instrument]` under the overhead subscriber.
    Instrument,
}

impl std::str::FromStr for Profiled {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "timed" => Ok(Self::Timed),
            "instrument" => Ok(Self::Instrument),
            _ => Workload::ALL
                .into_iter()
                .find(|workload| workload.name() == name)
                .map(Self::Workload)
                .ok_or_else(|| format!("unknown workload `{name}`")),
        }
    }
}

/// Marks the start of the measured section of `--profile` (after the setup and one
/// warm-up iteration): `valgrind --tool=callgrind --zero-before=batchload_bench::quick::profile_begin
/// --dump-before=batchload_bench::quick::profile_end` counts that section only, on every
/// thread.
#[inline(never)]
pub fn profile_begin() {
    // Distinct bodies, so the linker cannot fold the two markers into one function.
    black_box(0x5eed_u32);
}

/// Marks the end of the measured section of `--profile` (see [`profile_begin`]).
#[inline(never)]
pub fn profile_end() {
    black_box(0xd0e5_u64);
}

/// Runs `profiled` `iterations` times (keys: `size`), after the same setup as the quick mode
/// and one warm-up iteration, between [`profile_begin`] and [`profile_end`].
///
/// # Panics
/// On a database error.
pub fn profile(profiled: Profiled, size: usize, iterations: u32) {
    match profiled {
        Profiled::Workload(workload) => {
            let runtime = crate::runtime();
            let sqlite = runtime.block_on(Backend::sqlite());
            let keys = workload.keys(size);
            // As a task on a worker, as a server's request handler runs: a batch's dispatcher
            // fires there without polling the waiters again, which a `block_on` outside the
            // workers cannot do (docs/decisions.md, "One dispatcher per batch").
            runtime
                .block_on(runtime.spawn(async move {
                    sqlite.run(workload, &keys).await;
                    profile_begin();
                    for _ in 0..iterations {
                        sqlite.run(workload, &keys).await;
                    }
                    profile_end();
                }))
                .expect("the profiled task");
        }
        Profiled::Timed | Profiled::Instrument => {
            tracing::subscriber::with_default(overhead::subscriber(), || {
                let call = || {
                    if profiled == Profiled::Timed {
                        black_box(crate::poll_ready!(overhead::timed_empty(black_box(1))));
                    } else {
                        black_box(crate::poll_ready!(overhead::instrumented_empty(black_box(1))));
                    }
                };
                call();
                profile_begin();
                for _ in 0..iterations {
                    call();
                }
                profile_end();
            });
        }
    }
}
