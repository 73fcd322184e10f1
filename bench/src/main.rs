//! The quick, machine-readable benchmark mode:
//! `cargo run --release -p batchload-bench -- --quick --json` (the full benchmarks are
//! `cargo bench -p batchload-bench`).

use batchload_bench::quick;
use clap::Parser;

/// batchload benchmarks, quick mode: the loader against the hand-written query, the N+1
/// loop and async-graphql's DataLoader, measured interleaved; medians.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run the reduced set (N = 100 and 1,000; SQLite, and PostgreSQL when a server is
    /// given). Required: the full set is `cargo bench -p batchload-bench`.
    #[arg(long)]
    quick: bool,
    /// Print one JSON document on stdout (otherwise a table of ratios).
    #[arg(long)]
    json: bool,
    /// PostgreSQL server to measure on (a fresh database is created there and dropped).
    #[arg(long, env = batchload_bench::PG_URL_VAR)]
    database_url: Option<String>,
    /// Measured rounds per backend and key count.
    #[arg(long, default_value_t = quick::Options::default().rounds)]
    rounds: usize,
    /// Key counts to measure.
    #[arg(long, value_delimiter = ',', default_values_t = quick::Options::default().sizes)]
    sizes: Vec<usize>,
    /// Instead of measuring, repeat one workload (`handwritten`, `loader_concurrent`, ...,
    /// on SQLite with the first of `--sizes` keys) or `timed` / `instrument`, for
    /// `valgrind --tool=callgrind`.
    #[arg(long)]
    profile: Option<quick::Profiled>,
    /// Repetitions of `--profile`.
    #[arg(long, default_value_t = 100)]
    iterations: u32,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(profiled) = args.profile {
        quick::profile(profiled, args.sizes.first().copied().unwrap_or(1_000), args.iterations);
        return std::process::ExitCode::SUCCESS;
    }
    if !args.quick {
        eprintln!("only the quick mode runs here (--quick); the full benchmarks: cargo bench -p batchload-bench");
        return std::process::ExitCode::FAILURE;
    }
    let options = quick::Options {
        sizes: args.sizes,
        rounds: args.rounds,
        postgres_url: args.database_url,
        ..quick::Options::default()
    };
    let started = std::time::Instant::now();
    let document = quick::run(&options);
    eprintln!("quick mode: {:.1} s", started.elapsed().as_secs_f64());
    let ratios = quick::ratios(&document);
    if args.json {
        for (name, value) in &ratios {
            eprintln!("{name}: {value:.2}");
        }
        println!("{document}");
    } else {
        for (name, value) in &ratios {
            println!("{name}: {value:.2}");
        }
    }
    std::process::ExitCode::SUCCESS
}
