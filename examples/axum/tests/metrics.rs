//! `/metrics` after known requests: the Prometheus text of batchload's histograms, their
//! buckets and labels. Alone in its binary: it installs the process-wide `metrics` recorder
//! and tracing subscriber, and counts exact totals.

mod common;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use batchload::instrument::DURATION_BUCKETS;
use batchload_example_axum::telemetry::{self, QUERY_BUCKETS};
use common::Service;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::TestWriter;

/// One sample line of the text format: `name{label="value",...} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|line| !line.is_empty() && !line.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("`series value`");
        let value = value.parse().expect("numeric sample value");
        let (name, mut rest) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').expect("closing brace")),
            None => (series, ""),
        };
        let mut labels = BTreeMap::new();
        while !rest.is_empty() {
            let (key, after) = rest.split_once("=\"").expect("label=\"value\"");
            let end = after.find('"').expect("closing quote (no escapes in these values)");
            labels.insert(key.to_owned(), after[..end].to_owned());
            rest = after[end + 1..].trim_start_matches(',');
        }
        samples.push(Sample { name: name.to_owned(), labels, value });
    }
    samples
}

/// The samples named `name` whose labels include all of `labels`.
fn select<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|sample| sample.name == name)
        .filter(|sample| labels.iter().all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value)))
        .collect()
}

/// The single value of `name` with `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found = select(samples, name, labels);
    assert_eq!(found.len(), 1, "one `{name}` {labels:?} expected: {found:#?}");
    found[0].value
}

/// `(le, cumulative count)` of histogram `name` with `labels`, by bound.
fn buckets(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
    let mut buckets: Vec<(f64, f64)> = select(samples, &format!("{name}_bucket"), labels)
        .into_iter()
        .map(|sample| {
            let le = &sample.labels["le"];
            (if le == "+Inf" { f64::INFINITY } else { le.parse().expect("numeric le") }, sample.value)
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    buckets
}

fn bounds(buckets: &[(f64, f64)]) -> Vec<f64> {
    buckets.iter().map(|(le, _)| *le).collect()
}

const BOTS_OP: &str = "batchload_example_axum::routes::bots";
const CHAT_OP: &str = "batchload_example_axum::routes::chat_messages";

#[tokio::test]
async fn metrics_text_has_the_histograms_with_buckets_and_low_cardinality_labels() {
    // The recorder first: the layer describes its metrics to the recorder installed then.
    let recorder = telemetry::prometheus_recorder().expect("buckets");
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).expect("the only recorder of this binary");
    tracing::subscriber::set_global_default(telemetry::subscriber(EnvFilter::new("error"), TestWriter::new()))
        .expect("the only subscriber of this binary");

    let service = Service::new(handle).await;
    for _ in 0..3 {
        assert_eq!(service.get_plain("/bots").await.0, StatusCode::OK);
    }
    assert_eq!(service.get_plain("/chats/1/messages").await.0, StatusCode::OK);
    assert_eq!(service.get_plain("/chats/99/messages").await.0, StatusCode::NOT_FOUND);

    let (status, content_type, text) = service.get_plain("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/plain; version=0.0.4");
    for line in [
        "# TYPE batchload_operation_queries histogram",
        "# TYPE batchload_operation_duration histogram",
        "# TYPE db_client_operation_duration histogram",
        "# HELP db_client_operation_duration Duration of database client operations (one statement), as measured by sqlx.",
    ] {
        assert!(text.lines().any(|text_line| text_line == line), "missing `{line}` in:\n{text}");
    }
    let samples = parse(&text);

    // Statements per operation: /bots runs 2 (3 calls), /chats/1/messages 4, /chats/99 2.
    let queries = "batchload_operation_queries";
    let bots = [("batchload_operation", BOTS_OP)];
    let expected_bounds: Vec<f64> = QUERY_BUCKETS.iter().copied().chain([f64::INFINITY]).collect();
    let bots_buckets = buckets(&samples, queries, &bots);
    assert_eq!(bounds(&bots_buckets), expected_bounds);
    assert_eq!(bots_buckets.iter().map(|(_, count)| *count).collect::<Vec<_>>(), [0., 3., 3., 3., 3., 3., 3., 3., 3.]);
    assert_eq!(value(&samples, &format!("{queries}_sum"), &bots), 6.0);
    assert_eq!(value(&samples, &format!("{queries}_count"), &bots), 3.0);
    let chat = [("batchload_operation", CHAT_OP)];
    let chat_buckets = buckets(&samples, queries, &chat);
    assert_eq!(chat_buckets.iter().map(|(_, count)| *count).collect::<Vec<_>>(), [0., 1., 1., 2., 2., 2., 2., 2., 2.]);
    assert_eq!(value(&samples, &format!("{queries}_sum"), &chat), 6.0);

    // Wall time per operation and outcome (a 404 is an `Err` of the handler: outcome error).
    let duration = "batchload_operation_duration";
    let ok = [("batchload_operation", BOTS_OP), ("batchload_outcome", "ok")];
    let expected_bounds: Vec<f64> = DURATION_BUCKETS.iter().copied().chain([f64::INFINITY]).collect();
    assert_eq!(bounds(&buckets(&samples, duration, &ok)), expected_bounds);
    assert_eq!(value(&samples, &format!("{duration}_count"), &ok), 3.0);
    let chat_ok = [("batchload_operation", CHAT_OP), ("batchload_outcome", "ok")];
    assert_eq!(value(&samples, &format!("{duration}_count"), &chat_ok), 1.0);
    let chat_error = [("batchload_operation", CHAT_OP), ("batchload_outcome", "error")];
    assert_eq!(value(&samples, &format!("{duration}_count"), &chat_error), 1.0);

    // Database time per statement, labelled by system, summary and operation: never SQL text.
    let statements = "db_client_operation_duration";
    for (summary, count) in [("SELECT bots", 3.0), ("SELECT bot_stances", 3.0)] {
        let labels = [("db_system_name", "sqlite"), ("db_query_summary", summary), ("batchload_operation", BOTS_OP)];
        let statement_buckets = buckets(&samples, statements, &labels);
        assert_eq!(bounds(&statement_buckets), expected_bounds);
        assert!(statement_buckets.windows(2).all(|pair| pair[0].1 <= pair[1].1), "cumulative: {statement_buckets:?}");
        assert_eq!(statement_buckets.last().map(|(_, count)| *count), Some(count));
        assert_eq!(value(&samples, &format!("{statements}_count"), &labels), count);
    }
    // The queries of /bots, and nothing else but the session setup (`PRAGMA`s) of a pool
    // connection the request may have opened.
    let mut bot_summaries: Vec<&str> = select(&samples, &format!("{statements}_count"), &bots)
        .iter()
        .map(|sample| sample.labels["db_query_summary"].as_str())
        .filter(|summary| !summary.starts_with("PRAGMA"))
        .collect();
    bot_summaries.sort_unstable();
    assert_eq!(bot_summaries, ["SELECT bot_stances", "SELECT bots"]);
    for sample in samples.iter().filter(|sample| sample.name.starts_with(statements)) {
        let keys: Vec<&str> = sample.labels.keys().map(String::as_str).collect();
        let expected: &[&str] = if sample.name.ends_with("_bucket") {
            &["batchload_operation", "db_query_summary", "db_system_name", "le"]
        } else {
            &["batchload_operation", "db_query_summary", "db_system_name"]
        };
        assert_eq!(keys, expected, "{sample:?}");
        let summary = &sample.labels["db_query_summary"];
        assert!(summary.split(' ').count() <= 3 && !summary.contains('?'), "a summary, not SQL: {summary}");
    }
}
