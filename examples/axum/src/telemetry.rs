//! Telemetry set up the way batchload's README recommends: one `tracing` registry holding
//! your output layer, **filtered per layer**, and `batchload::instrument::layer()`; a
//! `metrics` recorder installed **before** that layer (the layer describes its metrics, units
//! and help texts, to the recorder installed when it is added).
//!
//! Why per layer: `#[timed]` learns about statements from sqlx's DEBUG events on target
//! `sqlx::query`. A global filter (`tracing_subscriber::fmt().with_env_filter("info")`, or an
//! `EnvFilter` added with `.with(filter)` on the registry) drops those events before any layer
//! sees them, and every operation then reports `NotObserved::SqlxEventsFiltered` instead of
//! its statements (its budget check fails rather than passing). An `EnvFilter` attached with
//! `.with_filter(..)` to the `fmt` layer filters only what is printed, as [`subscriber`] does;
//! the test `tests/env_filter.rs` shows both.

use batchload::instrument::{DB_CLIENT_OPERATION_DURATION, DURATION_BUCKETS, OPERATION_DURATION, OPERATION_QUERIES};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// Bucket bounds of the `batchload.operation.queries` histogram (statements per operation).
pub const QUERY_BUCKETS: [f64; 8] = [1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// A Prometheus recorder whose histograms have buckets: without them
/// `metrics-exporter-prometheus` renders summaries. The two duration histograms (seconds) get
/// OpenTelemetry's recommended bounds ([`DURATION_BUCKETS`]: 0.001 to 10), the statements per
/// operation [`QUERY_BUCKETS`]. Metric names are rendered with `_` for `.`
/// (`db_client_operation_duration_bucket{le="0.005",...}`), and so are label names.
///
/// # Errors
/// [`BuildError`] if a bucket list is empty (never with these constants).
pub fn prometheus_recorder() -> Result<PrometheusRecorder, BuildError> {
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DB_CLIENT_OPERATION_DURATION.to_owned()), &DURATION_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(OPERATION_DURATION.to_owned()), &DURATION_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(OPERATION_QUERIES.to_owned()), &QUERY_BUCKETS)?
        .build_recorder())
}

/// The filter of the `fmt` output: `RUST_LOG` when set (e.g. `RUST_LOG=debug,sqlx=warn`),
/// `info` otherwise. Whatever it says, it never hides sqlx's events from batchload, because
/// [`subscriber`] attaches it to the `fmt` layer only.
pub fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The service's subscriber: a `fmt` layer writing to `writer`, filtered by `filter` **per
/// layer**, next to batchload's instrumentation layer (which carries its own per-layer
/// filter letting sqlx's statement events through).
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(writer).with_filter(filter))
        .with(batchload::instrument::layer())
}

/// Installs the Prometheus recorder and then the subscriber ([`subscriber`] with
/// [`env_filter`], writing to stderr) as the process's globals, and returns the handle that
/// renders the metrics text.
///
/// # Errors
/// When a global recorder or subscriber is already installed.
pub fn init() -> Result<PrometheusHandle, Box<dyn std::error::Error + Send + Sync>> {
    let recorder = prometheus_recorder()?;
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)?;
    tracing::subscriber::set_global_default(subscriber(env_filter(), std::io::stderr))?;
    Ok(handle)
}
