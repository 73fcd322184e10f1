//! `metrics` histograms and counters, with low-cardinality labels only: the operation name
//! (a function path), the statement summary (`SELECT bot_stances`), the database system and
//! the outcome. Never SQL text, literals or keys.
//!
//! Buckets are configured by the exporter, not here; [`DURATION_BUCKETS`] are the OpenTelemetry
//! buckets recommended for the duration histograms, e.g. for `metrics-exporter-prometheus`:
//! `PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("duration".into()), &batchload::instrument::DURATION_BUCKETS)`.

use std::borrow::Cow;
use std::sync::Arc;

use metrics::{Key, Label, Level, Metadata, SharedString, Unit};

use super::capture::Captured;
use super::outcome::Outcome;
use super::report::OperationReport;

/// Histogram of each statement's execution time in seconds (OpenTelemetry
/// `db.client.operation.duration`): sqlx's time from sending the statement to closing its
/// result stream, minus the consumer's pauses of a stream wrapped in
/// [`timed_stream`](super::timed_stream) (stream-open time is never recorded here). Labels: `db.system.name` (when known),
/// `db.query.summary`, `batchload.operation` (empty outside operations).
pub const DB_CLIENT_OPERATION_DURATION: &str = "db.client.operation.duration";

/// Histogram of the queries each operation executed (transaction control and session setup
/// excluded). Labels: `batchload.operation`.
pub const OPERATION_QUERIES: &str = "batchload.operation.queries";

/// Histogram of each operation's wall time in seconds. Labels: `batchload.operation`,
/// `batchload.outcome` (`ok`, `error`, `cancelled`).
pub const OPERATION_DURATION: &str = "batchload.operation.duration";

/// Counter of N+1 findings. Labels: `batchload.operation`, `db.query.summary`.
pub const N_PLUS_ONE_FINDINGS: &str = "batchload.n_plus_one.findings";

/// Recommended bucket boundaries, in seconds, for [`DB_CLIENT_OPERATION_DURATION`] and
/// [`OPERATION_DURATION`] (OpenTelemetry's for `db.client.operation.duration`); exporter
/// builders take `&DURATION_BUCKETS`.
pub const DURATION_BUCKETS: [f64; 9] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];

/// Registers units and descriptions with the installed recorder (called when the layer is
/// added to a subscriber; recorders installed later miss them, which only loses the text).
pub(crate) fn describe() {
    metrics::describe_histogram!(
        DB_CLIENT_OPERATION_DURATION,
        Unit::Seconds,
        "Duration of database client operations (one statement), as measured by sqlx."
    );
    metrics::describe_histogram!(OPERATION_QUERIES, Unit::Count, "Queries executed per batchload operation.");
    metrics::describe_histogram!(OPERATION_DURATION, Unit::Seconds, "Wall time of batchload operations.");
    metrics::describe_counter!(N_PLUS_ONE_FINDINGS, Unit::Count, "N+1 findings in batchload operations.");
}

fn operation_label(name: Option<&Cow<'static, str>>) -> SharedString {
    match name {
        Some(Cow::Borrowed(name)) => SharedString::const_str(name),
        Some(Cow::Owned(name)) => SharedString::from(name.clone()),
        None => SharedString::const_str(""),
    }
}

pub(crate) fn record_statement(
    system: Option<&'static str>,
    statement: &Captured,
    operation: Option<&Cow<'static, str>>,
) {
    let mut labels = Vec::with_capacity(3);
    if let Some(system) = system {
        labels.push(Label::from_static_parts("db.system.name", system));
    }
    labels.push(Label::new("db.query.summary", SharedString::from_shared(Arc::clone(&statement.shape.summary))));
    labels.push(Label::new("batchload.operation", operation_label(operation)));
    metrics::histogram!(DB_CLIENT_OPERATION_DURATION, labels).record(statement.elapsed.as_secs_f64());
}

// The `Cow` (not `&str`) tells whether the label can borrow a `'static` name.
#[allow(clippy::ptr_arg)]
pub(crate) fn record_operation(name: &Cow<'static, str>, report: &OperationReport) {
    let operation = operation_label(Some(name));
    metrics::histogram!(OPERATION_QUERIES, "batchload.operation" => operation.clone()).record(report.queries as f64);
    metrics::histogram!(
        OPERATION_DURATION,
        "batchload.operation" => operation.clone(),
        "batchload.outcome" => report.outcome.as_str()
    )
    .record(report.wall_time_us as f64 / 1e6);
    record_findings(&operation, report);
}

fn record_findings(operation: &SharedString, report: &OperationReport) {
    for finding in &report.n_plus_one {
        metrics::counter!(
            N_PLUS_ONE_FINDINGS,
            "batchload.operation" => operation.clone(),
            "db.query.summary" => finding.summary.clone()
        )
        .increment(1);
    }
}

/// The `metrics` metadata of the operation histograms (what `metrics::histogram!` would
/// generate in this module).
static OPERATION_METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The keys of one `#[timed]` function's operation histograms, built once per function
/// (its name is static): recording an operation then allocates nothing, which matters
/// most when no recorder is installed and every call would build and drop label vectors
/// for the no-op recorder.
pub(crate) struct SiteKeys {
    queries: Key,
    /// `batchload.operation.duration`, per outcome (`ok`, `error`, `cancelled`).
    duration: [Key; 3],
}

impl SiteKeys {
    pub(crate) fn new(name: &'static str) -> Self {
        let operation = || Label::from_static_parts("batchload.operation", name);
        let duration = |outcome: &'static str| {
            Key::from_parts(
                OPERATION_DURATION,
                vec![operation(), Label::from_static_parts("batchload.outcome", outcome)],
            )
        };
        Self {
            queries: Key::from_parts(OPERATION_QUERIES, vec![operation()]),
            duration: [duration("ok"), duration("error"), duration("cancelled")],
        }
    }
}

/// [`record_operation`] for a `#[timed]` function whose keys are built: the same histograms
/// with the same labels.
pub(crate) fn record_site_operation(keys: &SiteKeys, name: &'static str, report: &OperationReport) {
    let duration = match report.outcome {
        Outcome::Ok => &keys.duration[0],
        Outcome::Error => &keys.duration[1],
        Outcome::Cancelled => &keys.duration[2],
    };
    metrics::with_recorder(|recorder| {
        recorder.register_histogram(&keys.queries, &OPERATION_METADATA).record(report.queries as f64);
        recorder.register_histogram(duration, &OPERATION_METADATA).record(report.wall_time_us as f64 / 1e6);
    });
    if !report.n_plus_one.is_empty() {
        record_findings(&operation_label(Some(&Cow::Borrowed(name))), report);
    }
}
