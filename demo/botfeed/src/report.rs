//! The report: per workload the four phases (baseline, index check, batched, validation),
//! rendered as a text table (`Display`) and JSON (`serde`).

use std::fmt;

use batchload::instrument::{ProfileReport, StatementKind};
use serde::Serialize;

use crate::run::{Config, PhaseRun};

/// Phase 2 of a workload report made with [`WorkloadReport::new`] until the run sets it (the
/// run checks every workload's loaders with the index advisor).
pub const INDEX_CHECK_UNAVAILABLE: &str = "not run for this workload";

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `"sqlite"`, `"postgresql"` or `"mysql"`.
    pub backend: String,
    /// The synthetic workload's (naive) database file, or the PostgreSQL databases.
    pub database: String,
    /// Seed of the synthetic data and workload.
    pub seed: u64,
    /// Messages generated per synthetic run.
    pub messages: usize,
    /// Whether `--no-indexes` was given (the synthetic run then skips the index migration).
    pub no_indexes: bool,
    /// Wall time of the whole run (setup included), seconds.
    pub wall_time_s: f64,
    /// The workloads that ran.
    pub workloads: Vec<WorkloadReport>,
    /// Workloads that did not run, with the reason.
    pub skipped: Vec<Skipped>,
}

/// A workload that did not run.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// One workload, naive vs batched.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadReport {
    /// `botfeed`, `chinook-invoices`, `chinook-playlists`.
    pub name: String,
    /// What one operation does.
    pub description: String,
    /// Operations per phase.
    pub operations: usize,
    /// Both phases produced byte-identical output, with no failed operation.
    pub identical_output: bool,
    /// Failed operations, both phases.
    pub errors: u64,
    /// Phase 1: the baseline (naive) profile.
    pub naive: PhaseReport,
    /// Phase 2: the index check.
    pub index_check: String,
    /// Phase 3: the batched profile.
    pub batched: PhaseReport,
    /// Phase 4: batched vs naive.
    pub validation: Validation,
    /// A few lines of the output (the same in both phases when `identical_output`).
    pub sample_output: Vec<String>,
}

/// The profile figures of one phase.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseReport {
    /// The `#[timed]` operation.
    pub operation: String,
    /// Statements per operation (transaction control and session setup not counted).
    pub queries_per_op: f64,
    /// Median statements per operation.
    pub queries_p50: u64,
    /// Most statements in one operation.
    pub queries_max: u64,
    /// Median wall time per operation (from the instrumentation profile), ms.
    pub p50_ms: f64,
    /// 95th percentile wall time per operation, ms.
    pub p95_ms: f64,
    /// 99th percentile wall time per operation, ms.
    pub p99_ms: f64,
    /// Distinct N+1 findings.
    pub n_plus_one_findings: usize,
    /// The findings, each naming the loader to use.
    pub findings: Vec<Finding>,
    /// The five statement fingerprints with the most database time.
    pub slowest: Vec<SlowFingerprint>,
    /// Operations over their `max_queries` budget.
    pub budget_exceeded: u64,
    /// Failed operations.
    pub errors: u64,
    /// The first error message, if any.
    pub first_error: Option<String>,
    /// Wall time of the phase, ms.
    pub wall_ms: f64,
    /// Wall time per operation as measured around each call, microseconds (for charts).
    #[serde(skip)]
    pub latencies_us: Vec<u64>,
}

/// One N+1 finding of the instrumentation layer.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `SELECT bots`.
    pub summary: String,
    /// Where the repeats came from.
    pub call_site: String,
    /// Most repeats in one operation.
    pub max_count: u64,
    /// Operations with this finding.
    pub operations: u64,
    /// The fix (names the loader).
    pub fix: String,
}

/// One statement fingerprint.
#[derive(Debug, Clone, Serialize)]
pub struct SlowFingerprint {
    /// Fingerprint (16 hex digits).
    pub fingerprint: String,
    /// `db.query.summary`.
    pub summary: String,
    /// Normalized statement text.
    pub statement: String,
    /// Database time, summed, ms.
    pub total_ms: f64,
    /// Executions.
    pub calls: u64,
    /// Median database time, ms.
    pub p50_ms: f64,
}

/// Batched vs naive.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// batched / naive statements per operation.
    pub queries_ratio: f64,
    /// batched / naive median latency.
    pub p50_ratio: f64,
    /// batched / naive 95th percentile latency.
    pub p95_ratio: f64,
    /// Identical output in both phases.
    pub identical_output: bool,
    /// No failed operation in either phase.
    pub zero_errors: bool,
    /// The target: at least 50% less median latency.
    pub latency_halved: bool,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1_000.0
}

fn ratio(batched: f64, naive: f64) -> f64 {
    if naive > 0.0 { batched / naive } else { 0.0 }
}

impl PhaseReport {
    fn of<T>(run: &PhaseRun<T>) -> Self {
        let profile: &ProfileReport = &run.profile;
        let operation = profile.operation(run.operation);
        let queries_per_op = match operation {
            Some(op) if op.calls > 0 => op.queries_total as f64 / op.calls as f64,
            _ => 0.0,
        };
        let findings = operation
            .map(|op| {
                op.findings
                    .iter()
                    .map(|finding| Finding {
                        summary: finding.summary.clone(),
                        call_site: finding.call_site.clone(),
                        max_count: finding.max_count,
                        operations: finding.times,
                        fix: finding.fix.clone(),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let slowest = profile
            .fingerprints
            .iter()
            .filter(|fp| matches!(fp.kind, StatementKind::Query))
            .take(5)
            .map(|fp| SlowFingerprint {
                fingerprint: fp.fingerprint.to_string(),
                summary: fp.summary.clone(),
                statement: fp.statement.clone(),
                total_ms: ms(fp.total_time_us),
                calls: fp.calls,
                p50_ms: ms(fp.time.p50_us),
            })
            .collect();
        Self {
            operation: run.operation.to_owned(),
            queries_per_op,
            queries_p50: operation.map_or(0, |op| op.queries_p50),
            queries_max: operation.map_or(0, |op| op.queries_max),
            p50_ms: operation.map_or(0.0, |op| ms(op.wall_time.p50_us)),
            p95_ms: operation.map_or(0.0, |op| ms(op.wall_time.p95_us)),
            p99_ms: operation.map_or(0.0, |op| ms(op.wall_time.p99_us)),
            n_plus_one_findings: findings.len(),
            findings,
            slowest,
            budget_exceeded: operation.map_or(0, |op| op.budget_exceeded),
            errors: run.errors,
            first_error: run.first_error.clone(),
            wall_ms: run.wall.as_secs_f64() * 1_000.0,
            latencies_us: run.latencies_us.clone(),
        }
    }
}

impl WorkloadReport {
    /// The report of one workload from its two phases.
    pub fn new<T>(
        name: &str,
        description: &str,
        naive: &PhaseRun<T>,
        batched: &PhaseRun<T>,
        identical_output: bool,
        sample_output: Vec<String>,
    ) -> Self {
        let naive = PhaseReport::of(naive);
        let batched = PhaseReport::of(batched);
        let errors = naive.errors + batched.errors;
        let validation = Validation {
            queries_ratio: ratio(batched.queries_per_op, naive.queries_per_op),
            p50_ratio: ratio(batched.p50_ms, naive.p50_ms),
            p95_ratio: ratio(batched.p95_ms, naive.p95_ms),
            identical_output,
            zero_errors: errors == 0,
            latency_halved: batched.p50_ms <= naive.p50_ms * 0.5,
        };
        let index_check = INDEX_CHECK_UNAVAILABLE.to_owned();
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            operations: naive.latencies_us.len(),
            identical_output,
            errors,
            naive,
            index_check,
            batched,
            validation,
            sample_output,
        }
    }
}

impl Report {
    /// An empty report for `config`.
    pub fn new(backend: &str, database: &str, config: &Config) -> Self {
        Self {
            backend: backend.to_owned(),
            database: database.to_owned(),
            seed: config.seed,
            messages: config.messages,
            no_indexes: config.no_indexes,
            wall_time_s: 0.0,
            workloads: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Every workload ran with identical output and no error.
    pub fn all_ok(&self) -> bool {
        self.workloads.iter().all(|workload| workload.identical_output && workload.errors == 0)
    }

    /// The JSON document (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

fn phase_lines(f: &mut fmt::Formatter<'_>, phase: &PhaseReport, details: bool) -> fmt::Result {
    writeln!(
        f,
        "    {:.1} statements/op (p50 {}, max {}), latency p50 {:.3} ms, p95 {:.3} ms, {} N+1 finding(s), {} error(s), {:.0} ms in total",
        phase.queries_per_op,
        phase.queries_p50,
        phase.queries_max,
        phase.p50_ms,
        phase.p95_ms,
        phase.n_plus_one_findings,
        phase.errors,
        phase.wall_ms
    )?;
    if let Some(error) = &phase.first_error {
        writeln!(f, "    first error: {error}")?;
    }
    if !details {
        return Ok(());
    }
    writeln!(f, "    5 slowest fingerprints (by total database time):")?;
    for (number, slow) in phase.slowest.iter().enumerate() {
        writeln!(
            f,
            "      {}. {:<24} {:>9.1} ms {:>7} calls  {}",
            number + 1,
            clip(&slow.summary, 24),
            slow.total_ms,
            slow.calls,
            clip(&slow.statement, 90)
        )?;
    }
    if !phase.findings.is_empty() {
        writeln!(f, "    N+1 findings:")?;
        for finding in &phase.findings {
            writeln!(
                f,
                "      - `{}` up to {}x per operation (in {} ops): {}",
                finding.summary, finding.max_count, finding.operations, finding.fix
            )?;
        }
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "botfeed: naive vs batched on {} ({}), seed {}, {} messages",
            self.backend, self.database, self.seed, self.messages
        )?;
        for workload in &self.workloads {
            writeln!(f)?;
            writeln!(f, "== {} ({} operations): {}", workload.name, workload.operations, workload.description)?;
            writeln!(f, "  1. baseline (naive, `{}`):", workload.naive.operation)?;
            phase_lines(f, &workload.naive, true)?;
            writeln!(f, "  2. index check: {}", workload.index_check)?;
            writeln!(f, "  3. batched (`{}`):", workload.batched.operation)?;
            phase_lines(f, &workload.batched, true)?;
            let v = &workload.validation;
            writeln!(
                f,
                "  4. validation: statements x{:.3}, p50 x{:.2}, p95 x{:.2}; identical output: {}; errors: {}{}",
                v.queries_ratio,
                v.p50_ratio,
                v.p95_ratio,
                if v.identical_output { "yes" } else { "NO" },
                workload.errors,
                if workload.batched.budget_exceeded > 0 {
                    format!("; {} op(s) over budget", workload.batched.budget_exceeded)
                } else {
                    String::new()
                }
            )?;
            for line in &workload.sample_output {
                writeln!(f, "     | {}", clip(line, 150))?;
            }
        }
        for skipped in &self.skipped {
            writeln!(f)?;
            writeln!(f, "== {}: skipped: {}", skipped.name, skipped.reason)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<18} {:>6} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10} {:>5} {:>9} {:>6}",
            "workload",
            "ops",
            "naive q",
            "batch q",
            "naive p50",
            "batch p50",
            "naive p95",
            "batch p95",
            "n+1",
            "identical",
            "errors"
        )?;
        for w in &self.workloads {
            writeln!(
                f,
                "{:<18} {:>6} {:>9.1} {:>9.1} {:>7.3} ms {:>7.3} ms {:>7.3} ms {:>7.3} ms {:>5} {:>9} {:>6}",
                w.name,
                w.operations,
                w.naive.queries_per_op,
                w.batched.queries_per_op,
                w.naive.p50_ms,
                w.batched.p50_ms,
                w.naive.p95_ms,
                w.batched.p95_ms,
                w.naive.n_plus_one_findings,
                w.identical_output,
                w.errors
            )?;
        }
        writeln!(f)?;
        write!(f, "wall time: {:.1} s", self.wall_time_s)
    }
}
