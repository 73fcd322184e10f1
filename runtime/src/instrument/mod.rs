//! Instrumentation behind [`#[timed]`](crate::timed): operations, statement capture,
//! fingerprints, N+1 detection, query budgets, `metrics` and an in-process profile.
//!
//! # Setup: one line
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! tracing_subscriber::registry().with(batchload::instrument::layer()).init();
//! ```
//!
//! or add [`layer()`] to the subscriber you already build (`.with(batchload::instrument::layer())`
//! next to your `fmt` or OpenTelemetry layers). Use [`builder()`] to change modes, the N+1
//! threshold or the profile's caps.
//!
//! # How it works
//!
//! The layer listens to sqlx's own statement events (target `sqlx::query`, emitted at DEBUG
//! when each statement finishes, with its SQL, rows and elapsed time) and to the spans
//! `#[timed]` creates (target `batchload::operation`). Each statement is attributed to the
//! nearest enclosing operation span, so the context follows the instrumented future across
//! threads and never mixes concurrent operations on one thread. Loader batches run on a task
//! spawned by the engine; that task is instrumented with the span of the caller that
//! dispatched the batch, under a `batchload.batch` span (an OpenTelemetry client span named
//! by its `db.query.summary`; `batchload.batch.size` = distinct keys), so loader statements
//! count in the operation that asked for them.
//!
//! **sqlx's DEBUG events must reach the layer.** [`layer()`] carries a per-layer filter that
//! enables them for this layer only, so it works next to a `fmt` layer filtered at INFO:
//! `registry().with(fmt::layer().with_filter(LevelFilter::INFO)).with(batchload::instrument::layer())`.
//! A *global* filter (`fmt().with_env_filter("info")`, or an `EnvFilter` added with `.with(...)`
//! without `with_filter`) drops them before any layer sees them; operations then report
//! [`NotObserved::SqlxEventsFiltered`] (a budget check fails instead of passing). Allow
//! `sqlx::query=debug` in the global filter, or move the filter onto your output layer.
//! Turning sqlx's statement logging off on the connection options
//! (`log_statements(LevelFilter::Off)`) cannot be detected: no statement is seen.
//!
//! Spawned tasks carry no span unless you give them one: `tokio::spawn(fut.in_current_span())`
//! keeps their statements in the operation.
//!
//! # Operations
//!
//! The outermost `#[timed]` call on a task is an operation; nested `#[timed]` calls are child
//! operations whose statements also count in every enclosing one. When an operation ends it
//! is reported with an [`Outcome`] (`ok`, `error` for `Result::Err` or a panic, `cancelled`
//! when its future is dropped first), recorded in the [`profile()`], the `metrics`
//! histograms and its span's fields (`db.system.name`, `db.operation.name`,
//! `db.query.summary`, `batchload.queries`, `batchload.outcome`, ...).
//!
//! # N+1 and budgets
//!
//! At the end of an outermost operation, every statement shape ([`Fingerprint`]) repeated
//! `threshold` times or more from one call path is an [`NPlusOne`] finding (concurrent repeats
//! count like sequential ones; the chunks of one loader batch are one round trip). The call
//! path is the line of the `#[timed]` function that awaited the statement (`#[timed]` puts a
//! TRACE span around each `.await` of its body), the line that called a loader's `load`, and
//! the lines of the enclosing `#[timed]` callers: a helper awaited from five lines is five
//! findings, each naming its caller. Repeated reads and repeated writes are different
//! [`FindingKind`]s, each with its fix: the loader that exists for the table the key belongs
//! to, a context loader for statements with several parameters, a multi-row statement for
//! writes. `#[timed(max_queries = N)]` allows at most `N` queries: transaction control (BEGIN,
//! COMMIT, ROLLBACK, SAVEPOINT, RELEASE) and session setup (such as the PRAGMAs sqlx runs on a
//! new SQLite connection) are reported apart and never counted. With [`Mode::Warn`] (default)
//! each distinct problem is one WARN event on target `batchload::n_plus_one` /
//! `batchload::budget`, then a summary with a count at growing intervals
//! ([`LayerBuilder::warn_interval`]); with [`Mode::Deny`] the `#[timed]` function panics with
//! the report when it completes, which fails the test running it.
//!
//! # Times
//!
//! A statement's time is sqlx's: from sending it to closing its result stream. For a `fetch`
//! stream read by a slow consumer that includes the consumer's pauses; wrap such streams in
//! [`timed_stream`] to keep those pauses out of execution times, the slowest statements and
//! `db.client.operation.duration` (they are reported as stream-open time).
//!
//! In tests, [`assert_max_queries`], [`assert_no_n_plus_one`] and [`observe`] run a block as an
//! operation and return a `Result` (threshold 2). They fail when nothing observed the block.
//!
//! # Cost
//!
//! With no layer installed a `#[timed]` function costs one atomic load. With the layer, an
//! operation costs one span plus its bookkeeping, and each statement a normalization (cached
//! per SQL text) and a few locks; see the `timed` benchmark.

// Modules in dependency order: each imports only modules above it (checked by
// `import_graph.rs`); `state`, `outcome` and `lexer` are leaves.
mod advice;
mod budget;
mod call_path;
mod capture;
mod check;
mod context;
mod detect;
mod fingerprint;
pub(crate) mod generated;
mod layer;
mod lexer;
pub(crate) mod loaders;
mod metrics;
mod n_plus_one;
mod operation;
mod outcome;
mod profile;
mod report;
mod span_fields;
mod state;
mod statement;
mod stats;
mod stream;
mod warn;

#[cfg(test)]
mod import_graph;
#[cfg(test)]
mod tests;

use tracing::Subscriber;
use tracing_subscriber::registry::LookupSpan;

pub use budget::BudgetReport;
pub use check::{CheckError, TEST_THRESHOLD, assert_max_queries, assert_no_n_plus_one, observe};
pub use fingerprint::Fingerprint;
pub use layer::{InstrumentFilter, InstrumentLayer, Instrumentation, LayerBuilder};
pub use metrics::{
    DB_CLIENT_OPERATION_DURATION, DURATION_BUCKETS, N_PLUS_ONE_FINDINGS, OPERATION_DURATION, OPERATION_QUERIES,
};
pub use n_plus_one::{FindingKind, NPlusOne};
pub use outcome::Outcome;
pub use profile::{FindingSummary, FingerprintProfile, OperationProfile, Percentiles, ProfileHandle, ProfileReport};
pub use report::{NotObserved, OperationReport, Violation};
pub use state::{DEFAULT_THRESHOLD, Mode};
pub use statement::StatementKind;
pub use stats::{SlowStatement, StatementStats};
pub use stream::{TimedStream, timed_stream};

pub(crate) use capture::{BatchCaller, in_batch_span};

/// The instrumentation layer with the default configuration (N+1 and budgets in
/// [`Mode::Warn`], threshold [`DEFAULT_THRESHOLD`], profile caps of 1,024), behind its
/// per-layer filter. Add it to a `tracing_subscriber::registry()`.
///
/// Keep your level filters per layer, e.g.
/// `.with(fmt::layer().with_filter(EnvFilter::from_default_env()))`: a global filter
/// (`fmt().with_env_filter(..)`, or `.with(EnvFilter)` on the registry) drops sqlx's DEBUG
/// statement events before this layer sees them, and every operation then reports
/// [`NotObserved::SqlxEventsFiltered`] instead of its statements. The axum example
/// (`examples/axum`, `telemetry.rs`) shows the setup, and its tests both cases.
pub fn layer<S>() -> Instrumentation<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    builder().build()
}

/// A builder for the layer, starting from the defaults of [`layer`].
pub fn builder() -> LayerBuilder {
    LayerBuilder::default()
}

/// A snapshot of the profile of the layer installed in the current default subscriber, or
/// `None` when it has none. Render it with `to_string()` (text table) or
/// [`ProfileReport::to_json`].
pub fn profile() -> Option<ProfileReport> {
    profile_handle().map(|handle| handle.report())
}

/// A handle on the profile of the layer installed in the current default subscriber.
pub fn profile_handle() -> Option<ProfileHandle> {
    tracing::dispatcher::get_default(|dispatch| {
        dispatch.downcast_ref::<InstrumentLayer>().map(InstrumentLayer::profile)
    })
}
