//! `metrics` histograms and counters, with low-cardinality labels only: the operation name
//! (a function path), the statement summary (`SELECT bot_stances`), the database system and
//! the outcome. Never SQL text, literals or keys.
//!
//! Buckets are configured by the exporter, not here; [`DURATION_BUCKETS`] are the OpenTelemetry
//! buckets recommended for the duration histograms, e.g. for `metrics-exporter-prometheus`:
//! `PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("duration".into()), batchload::instrument::duration_buckets())`.

use std::borrow::Cow;
use std::sync::Arc;

use metrics::{Label, SharedString, Unit};

use super::capture::Captured;
use super::report::OperationReport;

/// Histogram of each statement's database time in seconds (OpenTelemetry
/// `db.client.operation.duration`). Labels: `db.system.name` (when known),
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
/// [`OPERATION_DURATION`] (OpenTelemetry's for `db.client.operation.duration`).
pub const DURATION_BUCKETS: [f64; 9] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];

/// [`DURATION_BUCKETS`] as a slice, for exporter builders.
pub fn duration_buckets() -> &'static [f64] {
    &DURATION_BUCKETS
}

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
    for finding in &report.n_plus_one {
        metrics::counter!(
            N_PLUS_ONE_FINDINGS,
            "batchload.operation" => operation.clone(),
            "db.query.summary" => finding.summary.clone()
        )
        .increment(1);
    }
}
