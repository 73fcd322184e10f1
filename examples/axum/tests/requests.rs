//! Requests through the router, with the statements of each request read from batchload's
//! own report. All tests of this binary share one global subscriber: the example's own
//! ([`telemetry::subscriber`], `EnvFilter` on the `fmt` layer only); each test reads only the
//! report of its own requests.

mod common;

use std::collections::BTreeMap;
use std::sync::Once;

use axum::http::StatusCode;
use batchload::instrument::{OperationReport, StatementKind};
use batchload_example_axum::telemetry;
use common::{BOTS, MESSAGES_PER_CHAT, Service};
use metrics_exporter_prometheus::PrometheusBuilder;
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::TestWriter;

/// Installs the example's subscriber once, printing only errors (per layer: batchload still
/// sees sqlx's DEBUG statement events).
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing::subscriber::set_global_default(telemetry::subscriber(EnvFilter::new("error"), TestWriter::new()))
            .expect("the only global subscriber of this test binary");
    });
}

async fn service() -> Service {
    install();
    // A recorder that is not installed: `/metrics` renders nothing here (see tests/metrics.rs).
    Service::new(PrometheusBuilder::new().build_recorder().handle()).await
}

/// Counted statements by summary (`SELECT bots` -> 1).
fn by_summary(report: &OperationReport) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for stats in report.statements.iter().filter(|stats| stats.kind == StatementKind::Query) {
        *counts.entry(stats.summary.clone()).or_default() += stats.count;
    }
    counts
}

fn summaries(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(summary, count)| ((*summary).to_owned(), *count)).collect()
}

#[tokio::test]
async fn chat_messages_take_four_statements_for_fifty_messages() {
    let service = service().await;
    let (status, body, report) = service.get("/chats/2/messages").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report = report.expect("the example's subscriber observes its requests");
    assert_eq!(report.queries, 4, "{report:#?}");
    assert_eq!(
        by_summary(&report),
        summaries(&[("SELECT bot_stances", 1), ("SELECT bots", 1), ("SELECT chats", 1), ("SELECT messages", 1)])
    );
    assert!(report.n_plus_one.is_empty());

    let body: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["id"], 2);
    assert_eq!(body["title"], "chat 2");
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len() as i64, MESSAGES_PER_CHAT);
    // Message 5 of chat 2: author bot 6 (6 % 3 = 0 stances); message 4: bot 5 (2 stances).
    assert_eq!(
        messages[5],
        json!({"id": 2005, "body": "message 5 in chat 2", "created_at": "2026-01-01T00:00:05Z",
               "author": {"id": 6, "name": "bot-6", "stances": []}})
    );
    assert_eq!(
        messages[4]["author"],
        json!({"id": 5, "name": "bot-5", "stances": [
            {"topic": "topic-0", "stance": "stance-5-0"}, {"topic": "topic-1", "stance": "stance-5-1"}]})
    );
    let ids: Vec<i64> = messages.iter().map(|message| message["id"].as_i64().expect("id")).collect();
    assert_eq!(ids, (2000..2000 + MESSAGES_PER_CHAT).collect::<Vec<_>>(), "creation order");
}

#[tokio::test]
async fn unknown_chat_is_404_after_two_statements() {
    let service = service().await;
    let (status, body, report) = service.get("/chats/99/messages").await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, ""));
    let report = report.expect("observed");
    assert_eq!(by_summary(&report), summaries(&[("SELECT chats", 1), ("SELECT messages", 1)]));
}

#[tokio::test]
async fn loaders_answer_like_the_per_item_route_in_two_statements_instead_of_twenty_one() {
    let service = service().await;
    let (status, batched, report) = service.get("/bots").await;
    assert_eq!(status, StatusCode::OK);
    let report = report.expect("observed");
    assert_eq!(by_summary(&report), summaries(&[("SELECT bot_stances", 1), ("SELECT bots", 1)]));
    assert!(report.n_plus_one.is_empty());

    let (status, per_item, report) = service.get("/bots/per-item").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(per_item, batched, "same answer");
    let report = report.expect("observed");
    assert_eq!(report.queries as i64, 1 + BOTS);
    assert_eq!(by_summary(&report), summaries(&[("SELECT bot_stances", BOTS as u64), ("SELECT bots", 1)]));
    // The N+1 is reported with the loader that fixes it.
    let [finding] = report.n_plus_one.as_slice() else { panic!("one finding expected: {report:#?}") };
    assert_eq!(finding.summary, "SELECT bot_stances");
    assert_eq!(finding.count as i64, BOTS);
    assert_eq!(finding.loaders, ["BotStanceByBotId"]);
    assert!(finding.fix.contains("BotStanceByBotId::load"), "{}", finding.fix);

    let bots: Value = serde_json::from_str(&batched).expect("JSON");
    let bots = bots.as_array().expect("array");
    assert_eq!(bots.len() as i64, BOTS);
    assert_eq!(
        bots[4],
        json!({"id": 5, "name": "bot-5", "stances": [
            {"topic": "topic-0", "stance": "stance-5-0"}, {"topic": "topic-1", "stance": "stance-5-1"}]})
    );
}

#[tokio::test]
async fn every_request_gets_fresh_loaders() {
    let service = service().await;
    let (_, first, _) = service.get("/chats/1/messages").await;
    // A write between two requests: the second request's loaders read it (no cache shared
    // across requests).
    sqlx::query("UPDATE bots SET name = 'renamed' WHERE id = 1").execute(&service.pool).await.expect("update");
    let (_, second, report) = service.get("/chats/1/messages").await;
    assert_eq!(report.expect("observed").queries, 4, "nothing served from another request's cache");
    let first: Value = serde_json::from_str(&first).expect("JSON");
    let second: Value = serde_json::from_str(&second).expect("JSON");
    assert_eq!(first["messages"][0]["author"]["name"], "bot-1");
    assert_eq!(second["messages"][0]["author"]["name"], "renamed");
}
