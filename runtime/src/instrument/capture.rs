//! Statement capture: sqlx's statement events (target `sqlx::query`) turned into recorded
//! statements, the loader batch span that attributes a batch's statements to the operation
//! that dispatched it, and [`timed_stream`], which tells a result stream's database time from
//! its consumer's time.
//!
//! sqlx emits one event per executed statement when it finishes (at DEBUG by default, at
//! WARN when slower than its slow-statement threshold) with the fields `summary` (first four
//! words), `db.statement` (the full SQL when longer than the summary, else empty),
//! `rows_affected`, `rows_returned` and `elapsed_secs`. The event fires inside the span that
//! was current when the statement was issued (for SQLite, the connection's worker thread
//! enters the caller's span), so the layer finds the operation by walking the event's scope.
//!
//! `elapsed_secs` runs from the start of the statement until its result stream is closed: for
//! `fetch_all`, `fetch_one`, `execute` that is the database's time (plus decoding), but for a
//! `fetch` stream it includes every pause the consumer makes between rows, which sqlx cannot
//! tell apart. [`timed_stream`] measures those pauses so the layer can take them out.

use std::collections::HashMap;
use std::future::Future;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Instrument, Span};
use tracing_subscriber::Registry;
use tracing_subscriber::registry::LookupSpan;

use super::fingerprint::{Normalized, normalize};
use super::lexer::Dialect;
use super::state::{LOADER_TARGET, lock};
use crate::BatchQuery;

/// A normalized statement, shared by every execution of the same SQL text.
#[derive(Debug)]
pub(crate) struct Shape {
    pub(crate) statement: Normalized,
    /// `statement.summary`, shared for metric labels.
    pub(crate) summary: Arc<str>,
}

/// One executed statement.
pub(crate) struct Captured {
    pub(crate) shape: Arc<Shape>,
    /// sqlx's elapsed time minus the consumer's time between rows (when measured).
    pub(crate) elapsed: Duration,
    /// The consumer's time between rows while the result stream was open (zero unless the
    /// stream was wrapped in [`timed_stream`](super::timed_stream)).
    pub(crate) stream_open: Duration,
    pub(crate) rows_returned: u64,
    pub(crate) rows_affected: u64,
}

/// The fields of one sqlx statement event.
#[derive(Default)]
pub(crate) struct StatementFields {
    summary: String,
    statement: String,
    pub(crate) rows_returned: u64,
    pub(crate) rows_affected: u64,
    pub(crate) elapsed_secs: f64,
}

impl StatementFields {
    /// The full SQL text: `db.statement` when sqlx filled it in, else the summary (sqlx leaves
    /// `db.statement` empty when the statement is its own summary).
    pub(crate) fn sql(&self) -> &str {
        let statement = self.statement.trim();
        if statement.is_empty() { self.summary.trim() } else { statement }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        Duration::try_from_secs_f64(self.elapsed_secs).unwrap_or(Duration::ZERO)
    }
}

impl Visit for StatementFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => value.clone_into(&mut self.summary),
            "db.statement" => value.clone_into(&mut self.statement),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "rows_returned" => self.rows_returned = value,
            "rows_affected" => self.rows_affected = value,
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, u64::try_from(value).unwrap_or(0));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

/// SQL texts longer than this are normalized on every execution instead of being cached.
const MAX_CACHED_SQL_LEN: usize = 4_096;

/// Most SQL texts whose normalization is cached; the cache is cleared when it is full.
const MAX_CACHED_SQL: usize = 1_024;

/// Normalizations by exact SQL text: prepared statements (loaders, `query!`) repeat the same
/// text, so each is normalized once.
#[derive(Default)]
pub(crate) struct ShapeCache {
    shapes: Mutex<HashMap<Box<str>, Arc<Shape>>>,
}

impl ShapeCache {
    pub(crate) fn get(&self, sql: &str, dialect: Dialect) -> Arc<Shape> {
        if let Some(shape) = lock(&self.shapes).get(sql) {
            return Arc::clone(shape);
        }
        let statement = normalize(sql, dialect);
        let shape = Arc::new(Shape { summary: Arc::from(statement.summary.as_str()), statement });
        if sql.len() <= MAX_CACHED_SQL_LEN {
            let mut shapes = lock(&self.shapes);
            if shapes.len() >= MAX_CACHED_SQL {
                shapes.clear();
            }
            shapes.insert(Box::from(sql), Arc::clone(&shape));
        }
        shape
    }
}

/// The span extension that marks a loader batch span.
pub(crate) struct BatchMarker {
    pub(crate) loader: Arc<str>,
    /// The line that called `load` and opened the batch, when known.
    pub(crate) loaded_at: Option<&'static Location<'static>>,
    /// Set by the batch's first statement: the other chunks of the batch are the same round
    /// trip for N+1 counting.
    pub(crate) counted: AtomicBool,
}

impl BatchMarker {
    /// True for the first statement of the batch.
    pub(crate) fn first_statement(&self) -> bool {
        !self.counted.swap(true, Ordering::Relaxed)
    }
}

/// Reads the `batchload.loader` field of a loader batch span.
#[derive(Default)]
pub(crate) struct LoaderName(pub(crate) Option<Arc<str>>);

impl Visit for LoaderName {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "batchload.loader" {
            self.0 = Some(Arc::from(value));
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

/// Whose batch it is: the span and `load` call site of the caller that dispatches a batch,
/// and the tracing dispatcher to use when it was captured away from where the batch starts
/// (a batch dispatcher fires outside the caller's poll, where a dispatcher the caller's
/// future set, e.g. with `WithSubscriber`, is not the default).
#[derive(Clone)]
pub(crate) struct BatchCaller {
    span: Span,
    load_site: Option<&'static Location<'static>>,
    dispatch: Option<tracing::Dispatch>,
}

impl BatchCaller {
    /// The caller being polled on this thread, for a batch started here.
    pub(crate) fn current() -> Self {
        Self { span: Span::current(), load_site: super::call_path::current_load_site(), dispatch: None }
    }

    /// The caller being polled on this thread, with its dispatcher, for a batch started later
    /// elsewhere.
    pub(crate) fn captured() -> Self {
        Self { dispatch: Some(tracing::dispatcher::get_default(Clone::clone)), ..Self::current() }
    }
}

/// Wraps the task that runs one loader batch so that its statements belong to the operation
/// that dispatched it: the task runs inside the `caller`'s span and, under it, a
/// `batchload.batch` span (both created and polled with the caller's dispatcher when it was
/// captured).
///
/// The batch span describes one database client call in OpenTelemetry's database semantic
/// conventions (the stable `db.*` attributes): `otel.kind = "client"` and
/// `otel.name = db.query.summary` (read by `tracing-opentelemetry` as the span kind and name),
/// `db.system.name`, `db.collection.name` (the table as written in the derive),
/// `db.operation.name` (`SELECT`), `db.query.summary` (`SELECT {table}`) and `db.query.text`
/// (the loader's parameterized SQL: the key list is a bind parameter, so the text holds no
/// value). `keys`, the number of distinct keys, is recorded as `batchload.batch.size`, not as
/// `db.operation.batch.size`: the conventions reserve that one for batches of two or more
/// *statements*, and a loader batch is one statement with many operands (a batch larger than
/// `max_batch_size` runs a few statements, one per chunk, under the same span). Recorded as
/// an `i64`: `tracing-opentelemetry` exports `u64` fields as text.
pub(crate) fn in_batch_span<Q: BatchQuery, F: Future>(
    caller: BatchCaller,
    keys: usize,
    task: F,
) -> impl Future<Output = F::Output> {
    let BatchCaller { span: caller, load_site, dispatch } = caller;
    match dispatch {
        None => futures_util::future::Either::Left(in_batch_span_here::<Q, F>(caller, load_site, keys, task)),
        Some(dispatch) => {
            let task = tracing::dispatcher::with_default(&dispatch, || {
                in_batch_span_here::<Q, F>(caller, load_site, keys, task)
            });
            futures_util::future::Either::Right(tracing::instrument::WithSubscriber::with_subscriber(task, dispatch))
        }
    }
}

/// [`in_batch_span`] with the current dispatcher.
fn in_batch_span_here<Q: BatchQuery, F: Future>(
    caller: Span,
    load_site: Option<&'static Location<'static>>,
    keys: usize,
    task: F,
) -> impl Future<Output = F::Output> {
    let batch = tracing::info_span!(
        target: LOADER_TARGET,
        parent: &caller,
        "batchload.batch",
        otel.name = tracing::field::display(format_args!("SELECT {}", Q::TABLE)),
        otel.kind = "client",
        batchload.loader = Q::LOADER,
        batchload.batch.size = i64::try_from(keys).unwrap_or(i64::MAX),
        db.system.name = super::loaders::otel_system_name(Q::DATABASE),
        db.collection.name = Q::TABLE,
        db.operation.name = "SELECT",
        db.query.summary = tracing::field::display(format_args!("SELECT {}", Q::TABLE)),
        db.query.text = Q::SQL,
    );
    if let Some(location) = load_site {
        with_extensions(&batch, |extensions| {
            if let Some(marker) = extensions.get_mut::<BatchMarker>() {
                marker.loaded_at = Some(location);
            }
        });
    }
    // The outer span keeps the caller's context even when the batch span is disabled.
    task.instrument(batch).instrument(caller)
}

/// Runs `f` on the registry extensions of `span`, when the current subscriber keeps them.
fn with_extensions(span: &Span, f: impl FnOnce(&mut tracing_subscriber::registry::ExtensionsMut<'_>)) {
    span.with_subscriber(|(id, dispatch)| {
        if let Some(data) = dispatch.downcast_ref::<Registry>().and_then(|registry| registry.span(id)) {
            f(&mut data.extensions_mut());
        }
    });
}
