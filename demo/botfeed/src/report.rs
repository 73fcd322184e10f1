//! The report: per workload the four phases (baseline, index check, batched, validation),
//! rendered as a text table (`Display`) and JSON (`serde`).

use std::fmt;
use std::path::Path;

use batchload::instrument::{ProfileReport, StatementKind};
use serde::Serialize;

use crate::index_check::IndexCheck;
use crate::load::LoadReport;
use crate::run::{Config, PhaseRun};
use crate::table::{self, Align, Table};

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
    /// Engine ticks per `tick` run.
    pub ticks: usize,
    /// Chats written per tick (K).
    pub tick_chats: usize,
    /// Whether `--no-indexes` was given (the synthetic run then skips the index migration).
    pub no_indexes: bool,
    /// Wall time of the whole run (setup included), seconds.
    pub wall_time_s: f64,
    /// The workloads that ran.
    pub workloads: Vec<WorkloadReport>,
    /// Workloads that did not run, with the reason.
    pub skipped: Vec<Skipped>,
    /// The load test (`--load`; the workloads are not run then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadReport>,
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
    pub index_check: IndexCheck,
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
        let index_check = IndexCheck { summary: INDEX_CHECK_UNAVAILABLE.to_owned(), ..IndexCheck::default() };
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
            ticks: config.ticks,
            tick_chats: config.tick_chats,
            no_indexes: config.no_indexes,
            wall_time_s: 0.0,
            workloads: Vec::new(),
            skipped: Vec::new(),
            load: None,
        }
    }

    /// Every workload ran with identical output and no error, and the load test (if any)
    /// passed its validation.
    pub fn all_ok(&self) -> bool {
        self.workloads.iter().all(|workload| workload.identical_output && workload.errors == 0)
            && self.load.as_ref().is_none_or(|load| load.validation.passed)
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
        "    {} statements/op (p50 {}, max {}), latency p50 {}, p95 {}, {} N+1 finding(s), {} error(s), {} in total",
        table::grouped(phase.queries_per_op, 1),
        table::grouped(phase.queries_p50 as f64, 0),
        table::grouped(phase.queries_max as f64, 0),
        table::ms(phase.p50_ms),
        table::ms(phase.p95_ms),
        phase.n_plus_one_findings,
        phase.errors,
        table::ms(phase.wall_ms)
    )?;
    if let Some(error) = &phase.first_error {
        writeln!(f, "    first error: {error}")?;
    }
    if !details {
        return Ok(());
    }
    writeln!(f, "    5 slowest fingerprints (by total database time):")?;
    let mut slowest =
        Table::new(&[("", Align::Right), ("", Align::Left), ("", Align::Right), ("", Align::Right), ("", Align::Left)]);
    for (number, slow) in phase.slowest.iter().enumerate() {
        slowest.row(vec![
            format!("{}.", number + 1),
            clip(&slow.summary, 24),
            table::ms(slow.total_ms),
            format!("{} calls", table::grouped(slow.calls as f64, 0)),
            clip(&slow.statement, 90),
        ]);
    }
    writeln!(f, "{}", slowest.render("      "))?;
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

/// The closing table: one row per workload, skipped ones included.
fn summary_table(report: &Report) -> Table {
    let mut summary = Table::new(&[
        ("workload", Align::Left),
        ("ops", Align::Right),
        ("naive q", Align::Right),
        ("batch q", Align::Right),
        ("naive p50", Align::Right),
        ("batch p50", Align::Right),
        ("naive p95", Align::Right),
        ("batch p95", Align::Right),
        ("n+1", Align::Right),
        ("output", Align::Left),
        ("errors", Align::Right),
    ]);
    for w in &report.workloads {
        summary.row(vec![
            w.name.clone(),
            table::grouped(w.operations as f64, 0),
            table::grouped(w.naive.queries_per_op, 1),
            table::grouped(w.batched.queries_per_op, 1),
            table::ms(w.naive.p50_ms),
            table::ms(w.batched.p50_ms),
            table::ms(w.naive.p95_ms),
            table::ms(w.batched.p95_ms),
            w.naive.n_plus_one_findings.to_string(),
            if w.identical_output { "identical" } else { "DIFFERENT" }.to_owned(),
            w.errors.to_string(),
        ]);
    }
    for skipped in &report.skipped {
        let mut row = vec![skipped.name.clone()];
        row.extend(std::iter::repeat_n("-".to_owned(), 8));
        row.extend(["skipped".to_owned(), "-".to_owned()]);
        summary.row(row);
    }
    summary
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(load) = &self.load {
            writeln!(
                f,
                "botfeed --load: naive vs batched under {} concurrent workers, {:.0} s per phase, pool of {} \
                 connections{}, on {} ({}), seed {}",
                load.workers,
                load.duration_s,
                load.pool_size,
                if load.single_writer { " plus one writer connection" } else { "" },
                self.backend,
                self.database,
                self.seed
            )?;
            load.render(f)?;
            writeln!(f)?;
            return write!(f, "wall time: {:.1} s", self.wall_time_s);
        }
        writeln!(
            f,
            "botfeed: naive vs batched on {} ({}), seed {}, {} messages, {} ticks of {} chats",
            self.backend, self.database, self.seed, self.messages, self.ticks, self.tick_chats
        )?;
        for workload in &self.workloads {
            writeln!(f)?;
            writeln!(f, "== {} ({} operations): {}", workload.name, workload.operations, workload.description)?;
            writeln!(f, "  1. baseline (naive, `{}`):", workload.naive.operation)?;
            phase_lines(f, &workload.naive, true)?;
            writeln!(f, "  2. index check: {}", workload.index_check.summary)?;
            write!(f, "{}", workload.index_check.fix_lines("    "))?;
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
        if !self.workloads.is_empty() || !self.skipped.is_empty() {
            writeln!(f)?;
            writeln!(f, "{}", summary_table(self).render(""))?;
        }
        writeln!(f)?;
        write!(f, "wall time: {:.1} s", self.wall_time_s)
    }
}

/// Writes the JSON report to `json` and the HTML page to `html` (each when given). Each is
/// attempted whatever happened to the other: one that can be written is written. Returns, per
/// report asked for, the line to print (`JSON report: PATH`) or the error message naming the
/// path.
pub fn write_reports(report: &Report, json: Option<&Path>, html: Option<&Path>) -> Vec<Result<String, String>> {
    let mut outcomes = Vec::new();
    if let Some(path) = json {
        outcomes.push(write_one("JSON report", path, &report.to_json()));
    }
    if let Some(path) = html {
        outcomes.push(write_one("HTML report", path, &crate::html::render(report)));
    }
    outcomes
}

fn write_one(what: &str, path: &Path, contents: &str) -> Result<String, String> {
    match std::fs::write(path, contents) {
        Ok(()) => Ok(format!("{what}: {}", path.display())),
        Err(error) => Err(format!("cannot write the {what} to {}: {error}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(operation: &str, queries_per_op: f64, p50_ms: f64, p95_ms: f64) -> PhaseReport {
        PhaseReport {
            operation: operation.to_owned(),
            queries_per_op,
            queries_p50: queries_per_op as u64,
            queries_max: queries_per_op as u64,
            p50_ms,
            p95_ms,
            p99_ms: p95_ms,
            n_plus_one_findings: 0,
            findings: Vec::new(),
            slowest: Vec::new(),
            budget_exceeded: 0,
            errors: 0,
            first_error: None,
            wall_ms: 0.0,
            latencies_us: Vec::new(),
        }
    }

    fn workload(name: &str, naive: PhaseReport, batched: PhaseReport) -> WorkloadReport {
        WorkloadReport {
            name: name.to_owned(),
            description: "test".to_owned(),
            operations: 18,
            identical_output: true,
            errors: 0,
            naive,
            index_check: IndexCheck::default(),
            batched,
            validation: Validation {
                queries_ratio: 0.0,
                p50_ratio: 0.0,
                p95_ratio: 0.0,
                identical_output: true,
                zero_errors: true,
                latency_halved: true,
            },
            sample_output: Vec::new(),
        }
    }

    fn report() -> Report {
        let mut config = Config::new(Path::new("target"));
        config.messages = 500;
        let mut report = Report::new("sqlite", "botfeed.db", &config);
        report.workloads.push(workload("botfeed", phase("n", 19.0, 3.407, 4.159), phase("b", 2.4, 0.571, 3.503)));
        report.workloads.push(workload(
            "chinook-playlists",
            phase("n", 1_454.5, 4.799, 1_234.567),
            phase("b", 4.3, 1.055, 88.575),
        ));
        report.skipped.push(Skipped { name: "chinook-invoices".into(), reason: "no script".into() });
        report
    }

    /// The closing table of the text report: every column right-aligned on one edge, also
    /// past 1,000 ms, and the skipped workload as a row.
    #[test]
    fn the_summary_stays_aligned_past_a_thousand_ms_and_lists_skipped_workloads() {
        let text = report().to_string();
        let table: Vec<&str> = text.lines().skip_while(|line| !line.starts_with("workload ")).take(4).collect();
        assert_eq!(
            table,
            [
                "workload           ops  naive q  batch q  naive p50  batch p50     naive p95  batch p95  n+1  output     errors",
                "botfeed             18     19.0      2.4   3.407 ms   0.571 ms      4.159 ms   3.503 ms    0  identical       0",
                "chinook-playlists   18  1,454.5      4.3   4.799 ms   1.055 ms  1,234.567 ms  88.575 ms    0  identical       0",
                "chinook-invoices     -        -        -          -          -             -          -    -  skipped         -",
            ]
        );
        assert!(text.contains("== chinook-invoices: skipped: no script"), "{text}");
    }

    #[test]
    fn a_report_that_can_be_written_is_written_when_the_other_cannot() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let json = dir.path().join("missing").join("report.json");
        let html = dir.path().join("report.html");
        let outcomes = write_reports(&report(), Some(&json), Some(&html));
        assert_eq!(outcomes.len(), 2);
        let error = outcomes[0].as_ref().expect_err("the JSON folder is missing");
        assert!(error.starts_with(&format!("cannot write the JSON report to {}: ", json.display())), "{error}");
        assert_eq!(outcomes[1], Ok(format!("HTML report: {}", html.display())));
        let page = std::fs::read_to_string(&html).expect("the HTML report was written");
        assert!(page.contains("<td class=\"skipped text\" colspan=\"11\">skipped: no script</td>"), "{page}");
    }
}
