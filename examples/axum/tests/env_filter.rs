//! The `EnvFilter` trap: a *global* `EnvFilter` at `info` drops sqlx's DEBUG statement events
//! before batchload's layer sees them. The operation then says so in its report instead of
//! reporting zero statements. Alone in its binary: it installs that (wrong) subscriber
//! globally; `tests/requests.rs` runs the right one (the filter on the `fmt` layer only).

mod common;

use axum::http::StatusCode;
use batchload::instrument::{CheckError, NotObserved};
use common::Service;
use metrics_exporter_prometheus::PrometheusBuilder;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::TestWriter;
use tracing_subscriber::prelude::*;

#[tokio::test]
async fn a_global_env_filter_hides_the_statements_and_the_report_says_so() {
    // What many services write: one filter for everything. Do not: see `telemetry::subscriber`.
    let subscriber = tracing_subscriber::registry()
        .with(EnvFilter::new("info"))
        .with(tracing_subscriber::fmt::layer().with_writer(TestWriter::new()))
        .with(batchload::instrument::layer());
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this binary");

    let service = Service::new(PrometheusBuilder::new().build_recorder().handle()).await;
    let (status, _, report) = service.get("/bots").await;
    assert_eq!(status, StatusCode::OK, "the service works; only its statements are invisible");
    let error = report.expect_err("a global `info` filter hides every statement");
    assert!(matches!(error, CheckError::NotObserved { reason: NotObserved::SqlxEventsFiltered, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("filtered out by a global filter"), "{message}");
    assert!(message.contains("`fmt::layer().with_filter(...)`"), "{message}");
}
