//! The in-process profile: per operation and per fingerprint, calls, time percentiles, rows,
//! N+1 findings and the slowest statements, rendered as a text table or JSON.
//!
//! Memory is bounded: at most `max_fingerprints` shapes (default 1,024, about 8 KiB each with
//! their latency histogram, at most 13 KiB) and `max_operations` operation names (default 1,024); statements
//! of shapes first seen beyond the cap are counted as overflow only. Percentiles come from
//! HdrHistograms with 2 significant digits (1% precision) over microseconds.

use std::collections::HashMap;

/// The profile's maps: hashed with `foldhash` (an operation name is hashed on every call).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::capture::Captured;
use super::fingerprint::Fingerprint;
use super::n_plus_one::FindingKind;
use super::outcome::Outcome;
use super::report::OperationReport;
use super::state::lock;
use super::statement::StatementKind;
use super::stats::{SlowStatement, TOP_SLOWEST, micros};

/// Most distinct N+1 findings kept per operation in the profile.
const MAX_FINDINGS_PER_OPERATION: usize = 16;

/// Most operation names listed per fingerprint.
const MAX_OPERATIONS_PER_FINGERPRINT: usize = 8;

/// Longest normalized statement text kept, in bytes.
const MAX_STATEMENT_TEXT: usize = 1_000;

fn histogram() -> Histogram<u32> {
    // 2 significant digits, auto-resizing: small until large values are recorded.
    Histogram::new(2).unwrap_or_else(|_| unreachable!("2 significant digits are valid"))
}

/// Largest value recorded as is: one hour in microseconds (larger ones are clamped), which
/// bounds a histogram to about 13 KiB (about 7 KiB while values stay under a second).
const MAX_RECORDED: u64 = 3_600_000_000;

/// Records `value` (clamped to [`MAX_RECORDED`]), growing the histogram as needed.
fn record(histogram: &mut Histogram<u32>, value: u64) {
    let value = value.min(MAX_RECORDED);
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

fn truncate(text: &str) -> String {
    if text.len() <= MAX_STATEMENT_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_STATEMENT_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} …", &text[..end])
}

/// Latency percentiles of a histogram of microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Percentiles {
    /// Median, in microseconds.
    pub p50_us: u64,
    /// 95th percentile, in microseconds.
    pub p95_us: u64,
    /// 99th percentile, in microseconds.
    pub p99_us: u64,
    /// Maximum, in microseconds.
    pub max_us: u64,
}

impl Percentiles {
    fn of(histogram: &Histogram<u32>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        Self {
            p50_us: histogram.value_at_quantile(0.50),
            p95_us: histogram.value_at_quantile(0.95),
            p99_us: histogram.value_at_quantile(0.99),
            max_us: histogram.max(),
        }
    }
}

struct OperationEntry {
    calls: u64,
    ok: u64,
    errors: u64,
    cancelled: u64,
    wall: Histogram<u32>,
    wall_total: u64,
    queries: Histogram<u32>,
    queries_total: u64,
    db_time_total: u64,
    rows: u64,
    n_plus_one: u64,
    findings: Vec<FindingSummary>,
    budget_exceeded: u64,
    slowest: Vec<SlowStatement>,
}

struct FingerprintEntry {
    summary: String,
    statement: String,
    kind: StatementKind,
    calls: u64,
    time: Histogram<u32>,
    total: u64,
    stream_open: u64,
    rows: u64,
    n_plus_one: u64,
    operations: Vec<String>,
}

impl OperationEntry {
    /// Adds one call of the operation (`report`) to this entry, and its findings to the
    /// fingerprints they repeat.
    fn record(&mut self, report: &OperationReport, fingerprints: &mut Map<Fingerprint, FingerprintEntry>) {
        self.calls += 1;
        match report.outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Cancelled => self.cancelled += 1,
        }
        record(&mut self.wall, report.wall_time_us);
        self.wall_total = self.wall_total.saturating_add(report.wall_time_us);
        record(&mut self.queries, report.queries);
        self.queries_total += report.queries;
        self.db_time_total = self.db_time_total.saturating_add(report.db_time_us);
        self.rows += report.rows_returned + report.rows_affected;
        self.n_plus_one += report.n_plus_one.len() as u64;
        self.budget_exceeded += u64::from(report.budget.as_ref().is_some_and(|budget| budget.exceeded));
        for finding in &report.n_plus_one {
            let known = self
                .findings
                .iter()
                .position(|known| known.fingerprint == finding.fingerprint && known.call_site == finding.call_site);
            match known {
                Some(index) => {
                    let known = &mut self.findings[index];
                    known.times += 1;
                    // The fix quotes a repeat count: keep the one of the largest repeat.
                    if finding.count > known.max_count {
                        known.max_count = finding.count;
                        known.fix.clone_from(&finding.fix);
                    }
                }
                None if self.findings.len() < MAX_FINDINGS_PER_OPERATION => self.findings.push(FindingSummary {
                    kind: finding.kind,
                    fingerprint: finding.fingerprint,
                    summary: finding.summary.clone(),
                    call_site: finding.call_site.clone(),
                    times: 1,
                    max_count: finding.count,
                    fix: finding.fix.clone(),
                }),
                None => {}
            }
            if let Some(fingerprint) = fingerprints.get_mut(&finding.fingerprint) {
                fingerprint.n_plus_one += 1;
            }
        }
        for slow in &report.slowest {
            keep_slowest(&mut self.slowest, slow.clone());
        }
    }
}

/// The profile store, owned by the layer.
pub(crate) struct Profile {
    started: SystemTime,
    max_fingerprints: usize,
    max_operations: usize,
    operations: Map<String, OperationEntry>,
    fingerprints: Map<Fingerprint, FingerprintEntry>,
    statements: u64,
    outside_operations: u64,
    fingerprint_overflow: u64,
    operation_overflow: u64,
    slowest: Vec<SlowStatement>,
}

fn keep_slowest(list: &mut Vec<SlowStatement>, candidate: SlowStatement) {
    if list.len() < TOP_SLOWEST || list.last().is_some_and(|last| candidate.time_us > last.time_us) {
        let at = list.partition_point(|kept| kept.time_us >= candidate.time_us);
        list.insert(at, candidate);
        list.truncate(TOP_SLOWEST);
    }
}

impl Profile {
    pub(crate) fn new(max_fingerprints: usize, max_operations: usize) -> Self {
        Self {
            started: SystemTime::now(),
            max_fingerprints,
            max_operations,
            operations: Map::default(),
            fingerprints: Map::default(),
            statements: 0,
            outside_operations: 0,
            fingerprint_overflow: 0,
            operation_overflow: 0,
            slowest: Vec::new(),
        }
    }

    pub(crate) fn record_statement(&mut self, statement: &Captured, operation: Option<&str>) {
        self.statements += 1;
        if operation.is_none() {
            self.outside_operations += 1;
        }
        let shape = &statement.shape.statement;
        let time_us = micros(statement.elapsed);
        let kind = shape.shape.kind;
        if !self.fingerprints.contains_key(&shape.fingerprint) {
            if self.fingerprints.len() >= self.max_fingerprints {
                self.fingerprint_overflow += 1;
                return;
            }
            self.fingerprints.insert(
                shape.fingerprint,
                FingerprintEntry {
                    summary: shape.summary.clone(),
                    statement: truncate(&shape.text),
                    kind,
                    calls: 0,
                    time: histogram(),
                    total: 0,
                    stream_open: 0,
                    rows: 0,
                    n_plus_one: 0,
                    operations: Vec::new(),
                },
            );
        }
        let Some(entry) = self.fingerprints.get_mut(&shape.fingerprint) else { return };
        entry.calls += 1;
        entry.total = entry.total.saturating_add(time_us);
        entry.stream_open = entry.stream_open.saturating_add(micros(statement.stream_open));
        record(&mut entry.time, time_us);
        entry.rows += statement.rows_returned + statement.rows_affected;
        if let Some(operation) = operation
            && entry.operations.len() < MAX_OPERATIONS_PER_FINGERPRINT
            && !entry.operations.iter().any(|known| known == operation)
        {
            entry.operations.push(operation.to_owned());
        }
        keep_slowest(
            &mut self.slowest,
            SlowStatement {
                fingerprint: shape.fingerprint,
                summary: shape.summary.clone(),
                statement: entry.statement.clone(),
                operation: operation.unwrap_or_default().to_owned(),
                time_us,
            },
        );
    }

    pub(crate) fn record_operation(&mut self, report: &OperationReport) {
        // One lookup for a known name (every call but the first).
        if let Some(entry) = self.operations.get_mut(report.name.as_str()) {
            entry.record(report, &mut self.fingerprints);
            return;
        }
        if self.operations.len() >= self.max_operations {
            self.operation_overflow += 1;
            return;
        }
        self.operations
            .entry(report.name.clone())
            .or_insert_with(|| OperationEntry {
                calls: 0,
                ok: 0,
                errors: 0,
                cancelled: 0,
                wall: histogram(),
                wall_total: 0,
                queries: histogram(),
                queries_total: 0,
                db_time_total: 0,
                rows: 0,
                n_plus_one: 0,
                findings: Vec::new(),
                budget_exceeded: 0,
                slowest: Vec::new(),
            })
            .record(report, &mut self.fingerprints);
    }

    pub(crate) fn report(&self) -> ProfileReport {
        let mut operations: Vec<OperationProfile> = self
            .operations
            .iter()
            .map(|(name, entry)| OperationProfile {
                name: name.clone(),
                calls: entry.calls,
                ok: entry.ok,
                errors: entry.errors,
                cancelled: entry.cancelled,
                wall_time_total_us: entry.wall_total,
                wall_time: Percentiles::of(&entry.wall),
                queries_total: entry.queries_total,
                queries_p50: entry.queries.value_at_quantile(0.50),
                queries_max: entry.queries.max(),
                db_time_total_us: entry.db_time_total,
                rows: entry.rows,
                n_plus_one: entry.n_plus_one,
                findings: entry.findings.clone(),
                budget_exceeded: entry.budget_exceeded,
                slowest: entry.slowest.clone(),
            })
            .collect();
        operations.sort_by(|a, b| b.wall_time_total_us.cmp(&a.wall_time_total_us).then_with(|| a.name.cmp(&b.name)));
        let mut fingerprints: Vec<FingerprintProfile> = self
            .fingerprints
            .iter()
            .map(|(fingerprint, entry)| FingerprintProfile {
                fingerprint: *fingerprint,
                summary: entry.summary.clone(),
                statement: entry.statement.clone(),
                kind: entry.kind,
                calls: entry.calls,
                total_time_us: entry.total,
                stream_open_us: entry.stream_open,
                time: Percentiles::of(&entry.time),
                rows: entry.rows,
                n_plus_one: entry.n_plus_one,
                operations: entry.operations.clone(),
            })
            .collect();
        fingerprints
            .sort_by(|a, b| b.total_time_us.cmp(&a.total_time_us).then_with(|| a.fingerprint.cmp(&b.fingerprint)));
        ProfileReport {
            since_unix_ms: self.started.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64),
            statements: self.statements,
            statements_outside_operations: self.outside_operations,
            fingerprint_cap: self.max_fingerprints,
            fingerprint_overflow: self.fingerprint_overflow,
            operation_cap: self.max_operations,
            operation_overflow: self.operation_overflow,
            operations,
            fingerprints,
            slowest: self.slowest.clone(),
        }
    }
}

/// A handle on a layer's profile; cheap to clone. Get one from
/// [`InstrumentLayer::profile`](super::InstrumentLayer::profile) or
/// [`profile_handle`](super::profile_handle).
#[derive(Clone)]
pub struct ProfileHandle {
    profile: Arc<Mutex<Profile>>,
    max_fingerprints: usize,
    max_operations: usize,
}

impl fmt::Debug for ProfileHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileHandle").finish_non_exhaustive()
    }
}

impl ProfileHandle {
    pub(crate) fn new(profile: Arc<Mutex<Profile>>, max_fingerprints: usize, max_operations: usize) -> Self {
        Self { profile, max_fingerprints, max_operations }
    }

    /// A snapshot of the profile (takes the profile's lock while copying).
    pub fn report(&self) -> ProfileReport {
        lock(&self.profile).report()
    }

    /// Forgets everything recorded so far.
    pub fn reset(&self) {
        *lock(&self.profile) = Profile::new(self.max_fingerprints, self.max_operations);
    }
}

/// One distinct N+1 finding of an operation, aggregated over its calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FindingSummary {
    /// Repeated reads or repeated writes.
    pub kind: FindingKind,
    /// The repeated shape.
    pub fingerprint: Fingerprint,
    /// Its `db.query.summary`.
    pub summary: String,
    /// Where the repeats came from.
    pub call_site: String,
    /// Calls of the operation with this finding.
    pub times: u64,
    /// Most repeats seen in one call.
    pub max_count: u64,
    /// How to fix it.
    pub fix: String,
}

/// Profile of one operation name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OperationProfile {
    /// Operation name.
    pub name: String,
    /// Completed calls (all outcomes).
    pub calls: u64,
    /// Calls that returned normally.
    pub ok: u64,
    /// Calls that returned `Err` or panicked.
    pub errors: u64,
    /// Calls cancelled (future dropped).
    pub cancelled: u64,
    /// Wall time summed over calls, in microseconds.
    pub wall_time_total_us: u64,
    /// Wall time percentiles per call.
    pub wall_time: Percentiles,
    /// Queries summed over calls.
    pub queries_total: u64,
    /// Median queries per call.
    pub queries_p50: u64,
    /// Most queries in one call.
    pub queries_max: u64,
    /// Database time summed over calls, in microseconds.
    pub db_time_total_us: u64,
    /// Rows returned or affected, summed.
    pub rows: u64,
    /// N+1 findings, summed over calls.
    pub n_plus_one: u64,
    /// Distinct findings (at most 16).
    pub findings: Vec<FindingSummary>,
    /// Calls that exceeded their `max_queries` budget.
    pub budget_exceeded: u64,
    /// The five slowest statements of this operation, slowest first.
    pub slowest: Vec<SlowStatement>,
}

/// Profile of one statement shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FingerprintProfile {
    /// The shape's fingerprint.
    pub fingerprint: Fingerprint,
    /// `db.query.summary`.
    pub summary: String,
    /// The normalized statement (at most 1,000 bytes).
    pub statement: String,
    /// Query, transaction control or session setup.
    pub kind: StatementKind,
    /// Executions.
    pub calls: u64,
    /// Execution time summed, in microseconds: sqlx's time from sending each statement to
    /// closing its result stream, minus the consumer's pauses of streams wrapped in
    /// [`timed_stream`](super::timed_stream).
    pub total_time_us: u64,
    /// Time result streams of this shape stayed open while their consumer processed rows
    /// (measured for wrapped streams only), summed, in microseconds: not in `total_time_us`,
    /// `time` or the slowest statements.
    pub stream_open_us: u64,
    /// Execution time percentiles per execution.
    pub time: Percentiles,
    /// Rows returned or affected, summed.
    pub rows: u64,
    /// N+1 findings involving this shape.
    pub n_plus_one: u64,
    /// Operations it ran in (at most 8 listed).
    pub operations: Vec<String>,
}

/// A snapshot of the profile. `Display` renders the text table; [`to_json`](Self::to_json)
/// the JSON document (the serde serialization of this struct).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProfileReport {
    /// When recording started (layer creation or last reset), milliseconds since the Unix epoch.
    pub since_unix_ms: u64,
    /// Statements recorded.
    pub statements: u64,
    /// Statements that ran outside any operation.
    pub statements_outside_operations: u64,
    /// The cap on distinct fingerprints.
    pub fingerprint_cap: usize,
    /// Statements not profiled because their shape was first seen beyond the cap.
    pub fingerprint_overflow: u64,
    /// The cap on distinct operation names.
    pub operation_cap: usize,
    /// Operation calls not profiled because their name was first seen beyond the cap.
    pub operation_overflow: u64,
    /// Per operation, most total wall time first.
    pub operations: Vec<OperationProfile>,
    /// Per fingerprint, most total database time first.
    pub fingerprints: Vec<FingerprintProfile>,
    /// The five slowest statements overall, slowest first.
    pub slowest: Vec<SlowStatement>,
}

impl ProfileReport {
    /// The profile of operation `name`, if it ran.
    pub fn operation(&self, name: &str) -> Option<&OperationProfile> {
        self.operations.iter().find(|operation| operation.name == name)
    }

    /// The profile of the shape with `fingerprint`, if it ran.
    pub fn fingerprint(&self, fingerprint: Fingerprint) -> Option<&FingerprintProfile> {
        self.fingerprints.iter().find(|profile| profile.fingerprint == fingerprint)
    }

    /// The JSON document: this struct serialized with serde, pretty-printed. Durations are in
    /// microseconds (`_us` fields), fingerprints are 16 hex digits.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
    }
}

fn ms(us: u64) -> String {
    format!("{:.3}", us as f64 / 1_000.0)
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

impl fmt::Display for ProfileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "batchload profile: {} operations, {} fingerprints, {} statements ({} outside operations, {} over the {}-fingerprint cap)",
            self.operations.len(),
            self.fingerprints.len(),
            self.statements,
            self.statements_outside_operations,
            self.fingerprint_overflow,
            self.fingerprint_cap,
        )?;
        writeln!(f)?;
        // Operation names are never cut: the column is as wide as the longest one.
        let width = self.operations.iter().map(|op| op.name.chars().count()).max().unwrap_or(0).max("operation".len());
        writeln!(
            f,
            "{:<width$} {:>6} {:>5} {:>5} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8} {:>11} {:>7} {:>4} {:>6}",
            "operation",
            "calls",
            "ok",
            "err",
            "cancel",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "q/call",
            "q max",
            "exec ms",
            "rows",
            "n+1",
            "budget"
        )?;
        for op in &self.operations {
            let per_call = if op.calls == 0 { 0.0 } else { op.queries_total as f64 / op.calls as f64 };
            writeln!(
                f,
                "{:<width$} {:>6} {:>5} {:>5} {:>6} {:>10} {:>10} {:>10} {:>8.1} {:>8} {:>11} {:>7} {:>4} {:>6}",
                op.name,
                op.calls,
                op.ok,
                op.errors,
                op.cancelled,
                ms(op.wall_time.p50_us),
                ms(op.wall_time.p95_us),
                ms(op.wall_time.p99_us),
                per_call,
                op.queries_max,
                ms(op.db_time_total_us),
                op.rows,
                op.n_plus_one,
                op.budget_exceeded,
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:<16} {:<28} {:>7} {:>11} {:>9} {:>9} {:>9} {:>11} {:>7} {:>4}  statement",
            "fingerprint", "summary", "calls", "exec ms", "p50 ms", "p95 ms", "p99 ms", "open ms", "rows", "n+1"
        )?;
        for fp in &self.fingerprints {
            writeln!(
                f,
                "{:<16} {:<28} {:>7} {:>11} {:>9} {:>9} {:>9} {:>11} {:>7} {:>4}  {}",
                fp.fingerprint.to_string(),
                clip(&fp.summary, 28),
                fp.calls,
                ms(fp.total_time_us),
                ms(fp.time.p50_us),
                ms(fp.time.p95_us),
                ms(fp.time.p99_us),
                ms(fp.stream_open_us),
                fp.rows,
                fp.n_plus_one,
                clip(&fp.statement, 100),
            )?;
        }
        let findings: Vec<(&str, &FindingSummary)> = self
            .operations
            .iter()
            .flat_map(|op| op.findings.iter().map(move |finding| (op.name.as_str(), finding)))
            .collect();
        if !findings.is_empty() {
            writeln!(f)?;
            writeln!(f, "N+1 findings")?;
            for (operation, finding) in findings {
                let mut line = String::new();
                let _ = write!(
                    line,
                    "  {operation}: {} `{}` up to {} times per call, in {} call(s), at {}; fix: {}",
                    finding.kind, finding.summary, finding.max_count, finding.times, finding.call_site, finding.fix
                );
                writeln!(f, "{line}")?;
            }
        }
        if !self.slowest.is_empty() {
            writeln!(f)?;
            writeln!(f, "slowest statements")?;
            for (number, slow) in self.slowest.iter().enumerate() {
                let operation = if slow.operation.is_empty() { "-" } else { slow.operation.as_str() };
                writeln!(
                    f,
                    "  {}. {:>9} ms  {:<width$} {}",
                    number + 1,
                    ms(slow.time_us),
                    operation,
                    clip(&slow.statement, 100)
                )?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "exec ms: sqlx's time from sending a statement to closing its result stream (for a `fetch` stream it \
             includes the consumer's time between rows unless the stream is wrapped in `instrument::timed_stream`); \
             open ms: the measured consumer time of wrapped streams, kept out of exec ms and the slowest statements"
        )?;
        Ok(())
    }
}
