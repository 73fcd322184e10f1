//! The fields an operation's span receives when it ends: OpenTelemetry database names and
//! batchload's counts, recorded in one subscriber call.

use std::sync::OnceLock;

use tracing::Span;
use tracing::field::Field;

use super::report::OperationReport;
use super::statement::StatementKind;

/// The names of the fields recorded when an operation ends, in the order `operation_span!`
/// declares them.
const SPAN_FIELDS: [&str; 8] = [
    "db.system.name",
    "db.operation.name",
    "db.query.summary",
    "batchload.queries",
    "batchload.transaction_statements",
    "batchload.db_time_us",
    "batchload.n_plus_one",
    "batchload.outcome",
];

/// The fields of [`SPAN_FIELDS`] in a span's metadata.
pub(crate) type SpanFields = [Field; 8];

/// Resolves [`SPAN_FIELDS`] in `metadata`; `None` when a span does not declare them all.
fn span_fields(metadata: &tracing::Metadata<'_>) -> Option<SpanFields> {
    let fields = metadata.fields();
    let resolved: [Option<Field>; 8] = std::array::from_fn(|index| fields.field(SPAN_FIELDS[index]));
    if resolved.iter().any(Option::is_none) {
        return None;
    }
    Some(resolved.map(|field| field.unwrap_or_else(|| unreachable!("checked above"))))
}

/// Records the operation's fields on `span` (declared `Empty` by `operation_span!`). `cache`:
/// the resolved fields of a `#[timed]` function's span (one callsite), resolved on first use.
pub(crate) fn record(
    span: &Span,
    cache: Option<&OnceLock<Option<SpanFields>>>,
    db_system: Option<&'static str>,
    report: &OperationReport,
) {
    let Some(metadata) = span.metadata() else { return };
    let mut operations: Vec<&str> = Vec::new();
    let mut summaries: Vec<&str> = Vec::new();
    for stats in report.statements_of(StatementKind::Query) {
        let operation = stats.summary.split(' ').next().unwrap_or_default();
        if !operations.contains(&operation) {
            operations.push(operation);
        }
        if !summaries.contains(&stats.summary.as_str()) {
            summaries.push(&stats.summary);
        }
    }
    let operation = match operations.as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => Some("BATCH"),
    };
    let summary = (!summaries.is_empty()).then(|| {
        let mut summary = summaries.iter().take(5).copied().collect::<Vec<_>>().join("; ");
        if summaries.len() > 5 {
            summary.push_str("; …");
        }
        summary
    });
    // Counts are recorded as `i64`: OpenTelemetry attributes have no unsigned integer, and
    // `tracing-opentelemetry` exports a `u64` field as its text.
    let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    let (queries, transaction_statements, db_time_us) =
        (count(report.queries), count(report.transaction_statements), count(report.db_time_us));
    let n_plus_one = count(report.n_plus_one.len() as u64);
    let outcome = report.outcome.as_str();
    let values: [Option<&dyn tracing::Value>; 8] = [
        db_system.as_ref().map(|system| system as &dyn tracing::Value),
        operation.as_ref().map(|name| name as &dyn tracing::Value),
        summary.as_ref().map(|summary| summary as &dyn tracing::Value),
        Some(&queries),
        Some(&transaction_statements),
        Some(&db_time_us),
        Some(&n_plus_one),
        Some(&outcome),
    ];
    let computed;
    let resolved = match cache {
        Some(cache) => cache.get_or_init(|| span_fields(metadata)).as_ref(),
        None => {
            computed = span_fields(metadata);
            computed.as_ref()
        }
    };
    match resolved {
        Some(resolved) => {
            let entries: [(&Field, Option<&dyn tracing::Value>); 8] =
                std::array::from_fn(|index| (&resolved[index], values[index]));
            span.record_all(&metadata.fields().value_set(&entries));
        }
        None => {
            // A span not created by `operation_span!`: record what it declares.
            for (name, value) in SPAN_FIELDS.into_iter().zip(values) {
                if let Some(value) = value {
                    span.record(name, value);
                }
            }
        }
    }
}
