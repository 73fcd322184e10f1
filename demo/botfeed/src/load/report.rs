//! The load test's report: per phase throughput, tail latency, statements per operation,
//! errors by kind and one point per second; the comparison batched vs naive. Serialized as the
//! JSON report's top-level `load` object and rendered as text.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::Serialize;

use super::recorder::{PercentilePoint, Recorded, SecondPoint};
use crate::index_check::IndexCheck;
use crate::table::{self, Align, Table};

/// What `cache_hit_rate` measures.
pub const CACHE_HIT_RATE_NOTE: &str = "cache_hit_rate: share of the long-lived loaders' key lookups of the phase \
     answered from their caches (LoaderStats cache_hits / (cache_hits + cache_misses)); null for the naive engine";

/// The load test: naive and batched, each under the same concurrent load.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Concurrent workers per phase.
    pub workers: usize,
    /// Requested duration of each phase, seconds.
    pub duration_s: f64,
    /// Connections of each phase's pool (one per worker).
    pub pool_size: u32,
    /// SQLite: the inserts went through a second pool of one connection (see
    /// `LoadConfig::single_writer`).
    pub single_writer: bool,
    /// The messages written one after another at the start of both phases, whose outputs
    /// are compared byte for byte.
    pub sample_operations: usize,
    /// The index check of the batched phase's database (before and after the advisor's migration).
    pub index_check: IndexCheck,
    /// The naive engine on the schema before the index migration.
    pub naive: LoadPhase,
    /// The batched engine (long-lived loaders) on the schema after it.
    pub batched: LoadPhase,
    /// Batched against naive.
    pub validation: LoadValidation,
    /// Why the cache hit rate is not measured (while the engine has no hit/miss counters).
    pub cache_hit_rate_note: Option<String>,
    /// The first lines of the sample's output (identical in both phases when
    /// `validation.sample_identical`).
    pub sample_output: Vec<String>,
}

/// One phase under load.
#[derive(Debug, Clone, Serialize)]
pub struct LoadPhase {
    /// The `#[timed]` operation (`botfeed::naive`, `botfeed::batched`).
    pub operation: String,
    /// Operations that succeeded.
    pub ops: u64,
    /// Successful operations per second of the phase's wall time.
    pub ops_per_s: f64,
    /// Wall time from the first worker's start to the last one's end (the operations running at
    /// the deadline are finished, not cut), seconds.
    pub wall_s: f64,
    /// Median latency of the successful operations (measured around each call), ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest operation, ms.
    pub max_ms: f64,
    /// Failed operations.
    pub errors: u64,
    /// Failed operations by kind: `pool_timeout`, `busy_locked`, `deadlock`, `other`.
    pub errors_by_kind: BTreeMap<String, u64>,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// Statements per operation, from the instrumentation profile of the phase.
    pub queries_per_op: f64,
    /// Share of the long-lived loaders' key lookups in the phase answered from their caches
    /// (`LoaderStats::cache_hits / (cache_hits + cache_misses)`); `null` for the naive engine,
    /// which has no loaders.
    pub cache_hit_rate: Option<f64>,
    /// The loaders' statements in the phase (batched engine only).
    pub loader_statements: Option<u64>,
    /// Distinct keys per loader statement (batched engine only): how many operations' lookups
    /// one statement served.
    pub keys_per_loader_statement: Option<f64>,
    /// Mean wall time per operation (from the instrumentation profile), ms.
    pub mean_ms: f64,
    /// Mean time per operation inside its statements (their database time summed), ms; the
    /// rest of `mean_ms` is spent waiting for a pool connection, for a loader's batch, or for
    /// the CPU.
    pub statement_ms_per_op: f64,
    /// Connections of the (reading) pool in use, on average (sampled every 200 ms): near the
    /// pool size, operations wait for connections.
    pub pool_in_use_mean: f64,
    /// The statement shapes with the most database time in the phase.
    pub statements: Vec<StatementTime>,
    /// The latency-percentile curve (p50, p75, p90, p95, p99, p99.9, max).
    pub latency_percentiles: Vec<PercentilePoint>,
    /// One point per second of the phase.
    pub timeline: Vec<SecondPoint>,
}

impl LoadPhase {
    /// The phase's figures from what its workers recorded in `wall_s` seconds and its profile.
    pub(crate) fn new(operation: &str, recorded: Recorded, wall_s: f64, queries_per_op: f64) -> Self {
        Self {
            operation: operation.to_owned(),
            ops: recorded.ops,
            ops_per_s: if wall_s > 0.0 { recorded.ops as f64 / wall_s } else { 0.0 },
            wall_s,
            p50_ms: recorded.p50_ms,
            p95_ms: recorded.p95_ms,
            p99_ms: recorded.p99_ms,
            max_ms: recorded.max_ms,
            errors: recorded.errors,
            errors_by_kind: recorded.errors_by_kind,
            first_error: recorded.first_error,
            queries_per_op,
            cache_hit_rate: None,
            loader_statements: None,
            keys_per_loader_statement: None,
            mean_ms: 0.0,
            statement_ms_per_op: 0.0,
            pool_in_use_mean: 0.0,
            statements: Vec::new(),
            latency_percentiles: recorded.percentiles,
            timeline: recorded.timeline,
        }
    }

    fn errors_text(&self) -> String {
        let kinds: Vec<String> = self
            .errors_by_kind
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect();
        if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") }
    }
}

/// The time of one statement shape in a phase.
#[derive(Debug, Clone, Serialize)]
pub struct StatementTime {
    /// `db.query.summary`, e.g. `INSERT messages`.
    pub summary: String,
    /// Executions.
    pub calls: u64,
    /// Median database time per execution, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Database time summed, ms.
    pub total_ms: f64,
}

/// Batched against naive under load.
#[derive(Debug, Clone, Serialize)]
pub struct LoadValidation {
    /// batched / naive operations per second.
    pub throughput_ratio: f64,
    /// batched / naive median latency.
    pub p50_ratio: f64,
    /// batched / naive 99th percentile latency.
    pub p99_ratio: f64,
    /// Failed naive operations.
    pub naive_errors: u64,
    /// Failed batched operations.
    pub batched_errors: u64,
    /// The sample's outputs were byte-identical in both phases.
    pub sample_identical: bool,
    /// The target: batched p99 at most naive p50.
    pub batched_p99_within_naive_p50: bool,
    /// The throughput target for this backend (x3 on SQLite, x4 on the servers).
    pub throughput_target: f64,
    /// `throughput_ratio >= throughput_target`.
    pub throughput_target_met: bool,
    /// The run passes: batched has no more errors than naive and the sample is identical
    /// (the targets above are reported, not enforced).
    pub passed: bool,
}

fn ratio(batched: f64, naive: f64) -> f64 {
    if naive > 0.0 { batched / naive } else { 0.0 }
}

impl LoadValidation {
    /// The comparison of `batched` against `naive`, with the backend's throughput target.
    pub fn new(naive: &LoadPhase, batched: &LoadPhase, sample_identical: bool, throughput_target: f64) -> Self {
        let throughput_ratio = ratio(batched.ops_per_s, naive.ops_per_s);
        Self {
            throughput_ratio,
            p50_ratio: ratio(batched.p50_ms, naive.p50_ms),
            p99_ratio: ratio(batched.p99_ms, naive.p99_ms),
            naive_errors: naive.errors,
            batched_errors: batched.errors,
            sample_identical,
            batched_p99_within_naive_p50: batched.ops > 0 && batched.p99_ms <= naive.p50_ms,
            throughput_target,
            throughput_target_met: throughput_ratio >= throughput_target,
            passed: batched.errors <= naive.errors && sample_identical,
        }
    }
}

fn yes(value: bool) -> &'static str {
    if value { "yes" } else { "NO" }
}

/// Most lines of the text's latency-over-time table: longer runs get one line per several
/// seconds (the JSON and HTML keep one point per second).
const TIMELINE_LINES: usize = 30;

/// Operations and latency of `points` merged (operations summed; percentiles: the slowest
/// second's, an upper bound).
fn merged(points: &[SecondPoint]) -> (u64, f64, f64) {
    let ops = points.iter().map(|point| point.ops).sum();
    let p50 = points.iter().map(|point| point.p50_ms).fold(0.0, f64::max);
    let p99 = points.iter().map(|point| point.p99_ms).fold(0.0, f64::max);
    (ops, p50, p99)
}

/// The text's timeline: rows of `step` seconds up to the deadline (`duration_s`), then one row
/// for the seconds after it, when the operations running at the deadline finished ("drain").
fn timeline_table(naive: &LoadPhase, batched: &LoadPhase, duration_s: f64) -> (usize, Table) {
    let seconds = naive.timeline.len().max(batched.timeline.len());
    let until_deadline = (duration_s.ceil() as usize).min(seconds);
    let step = until_deadline.div_ceil(TIMELINE_LINES).max(1);
    let mut timeline = Table::new(&[
        ("seconds", Align::Right),
        ("naive ops/s", Align::Right),
        ("naive p50", Align::Right),
        ("naive p99", Align::Right),
        ("batched ops/s", Align::Right),
        ("batched p50", Align::Right),
        ("batched p99", Align::Right),
    ]);
    let mut rows: Vec<(usize, usize, &str)> =
        (0..until_deadline).step_by(step).map(|start| (start, (start + step).min(until_deadline), "")).collect();
    if seconds > until_deadline {
        rows.push((until_deadline, seconds, " (drain)"));
    }
    for (start, end, note) in rows {
        let mut cells = vec![format!("{start}-{end}{note}")];
        for phase in [naive, batched] {
            let points = phase.timeline.get(start..end.min(phase.timeline.len())).unwrap_or_default();
            let (ops, p50, p99) = merged(points);
            cells.push(table::grouped(ops as f64 / (end - start) as f64, 1));
            cells.push(table::ms(p50));
            cells.push(table::ms(p99));
        }
        timeline.row(cells);
    }
    (step, timeline)
}

impl LoadReport {
    /// The text report (without the run's header and wall time).
    pub fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  index check (batched database): {}", self.index_check.summary)?;
        write!(f, "{}", self.index_check.fix_lines("    "))?;
        writeln!(
            f,
            "  sample: {} messages written one after another at the start of both phases: identical output: {}",
            self.sample_operations,
            yes(self.validation.sample_identical)
        )?;
        for line in &self.sample_output {
            writeln!(f, "     | {line}")?;
        }
        writeln!(f)?;
        let mut phases = Table::new(&[
            ("phase", Align::Left),
            ("ops", Align::Right),
            ("ops/s", Align::Right),
            ("p50", Align::Right),
            ("p95", Align::Right),
            ("p99", Align::Right),
            ("max", Align::Right),
            ("stmts/op", Align::Right),
            ("keys/loader stmt", Align::Right),
            ("errors", Align::Right),
            ("cache hit rate", Align::Right),
        ]);
        for (name, phase) in [("naive", &self.naive), ("batched", &self.batched)] {
            phases.row(vec![
                name.to_owned(),
                table::grouped(phase.ops as f64, 0),
                table::grouped(phase.ops_per_s, 1),
                table::ms(phase.p50_ms),
                table::ms(phase.p95_ms),
                table::ms(phase.p99_ms),
                table::ms(phase.max_ms),
                table::grouped(phase.queries_per_op, 2),
                phase.keys_per_loader_statement.map_or_else(|| "-".to_owned(), |keys| table::grouped(keys, 1)),
                table::grouped(phase.errors as f64, 0),
                phase.cache_hit_rate.map_or_else(|| "n/a".to_owned(), |rate| format!("{:.1}%", rate * 100.0)),
            ]);
        }
        writeln!(f, "{}", phases.render("  "))?;
        writeln!(f)?;
        writeln!(f, "  errors by kind: naive: {}; batched: {}", self.naive.errors_text(), self.batched.errors_text())?;
        for (name, phase) in [("naive", &self.naive), ("batched", &self.batched)] {
            if let Some(error) = &phase.first_error {
                writeln!(f, "  first {name} error: {error}")?;
            }
        }
        writeln!(
            f,
            "  where the time goes (mean per operation; statement times as the database driver measures them):"
        )?;
        for (name, phase) in [("naive", &self.naive), ("batched", &self.batched)] {
            writeln!(
                f,
                "    {name}: {} per operation, {} of it in statements, {} waiting (pool, loader batch, CPU); \
                 {:.1} of {} connections in use on average",
                table::ms(phase.mean_ms),
                table::ms(phase.statement_ms_per_op),
                table::ms((phase.mean_ms - phase.statement_ms_per_op).max(0.0)),
                phase.pool_in_use_mean,
                self.pool_size
            )?;
            let mut statements = Table::new(&[
                ("statement", Align::Left),
                ("calls", Align::Right),
                ("p50", Align::Right),
                ("p99", Align::Right),
                ("total", Align::Right),
            ]);
            for statement in &phase.statements {
                statements.row(vec![
                    statement.summary.clone(),
                    table::grouped(statement.calls as f64, 0),
                    table::ms(statement.p50_ms),
                    table::ms(statement.p99_ms),
                    table::ms(statement.total_ms),
                ]);
            }
            writeln!(f, "{}", statements.render("      "))?;
        }
        if let Some(note) = &self.cache_hit_rate_note {
            writeln!(f, "  cache hit rate: {note}")?;
        }
        let (step, timeline) = timeline_table(&self.naive, &self.batched, self.duration_s);
        let per =
            if step == 1 { "per second".to_owned() } else { format!("per {step} s; p50/p99: the slowest second's") };
        writeln!(f, "  throughput and latency over time ({per}):")?;
        writeln!(f, "{}", timeline.render("    "))?;
        let v = &self.validation;
        let mut line = String::new();
        let _ = write!(
            line,
            "  validation: throughput x{:.2} (target x{:.0}: {}), p50 x{:.2}, p99 x{:.2}; batched p99 <= naive p50: {}; \
             errors: naive {}, batched {}; sample identical: {}",
            v.throughput_ratio,
            v.throughput_target,
            if v.throughput_target_met { "met" } else { "missed" },
            v.p50_ratio,
            v.p99_ratio,
            yes(v.batched_p99_within_naive_p50),
            v.naive_errors,
            v.batched_errors,
            yes(v.sample_identical)
        );
        writeln!(f, "{line}")?;
        if !v.passed {
            writeln!(f, "  FAILED: batched had more errors than naive, or the sample's outputs differ")?;
        }
        Ok(())
    }
}
