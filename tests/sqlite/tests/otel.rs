//! OpenTelemetry export of an operation and a loader batch, through `tracing-opentelemetry`
//! into the SDK's in-memory span exporter, checked against the database semantic conventions
//! (stable since semantic conventions 1.33: `db.system.name`, `db.collection.name`,
//! `db.operation.name`, `db.query.summary`, `db.query.text`, ...).
//!
//! The only test of this binary: it installs the global subscriber (SQLite's statement events
//! fire on the connection's worker thread, which a scoped subscriber would not reach).

use std::collections::BTreeMap;

use batchload::timed;
use batchload_tests_sqlite::{BotStanceByBotId, TestDb, seed};
use futures_util::future::try_join_all;
use opentelemetry::trace::{SpanId, SpanKind, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use sqlx::SqlitePool;
use tracing_subscriber::prelude::*;

/// The `db.*` span attributes the stable database conventions define. Anything else under
/// `db.` would be a made-up or deprecated name (such as `db.system` or `db.statement`).
const DB_ATTRIBUTES: [&str; 10] = [
    "db.system.name",
    "db.collection.name",
    "db.namespace",
    "db.operation.name",
    "db.query.summary",
    "db.query.text",
    "db.response.status_code",
    "db.response.returned_rows",
    "db.operation.batch.size",
    "db.stored_procedure.name",
];

/// One hand-written statement, then one loader batch for the 20 bots.
#[timed]
async fn stances_of_all_bots(pool: &SqlitePool) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM bots ORDER BY id").fetch_all(pool).await?;
    let loader = BotStanceByBotId::new(pool.clone());
    let stances = try_join_all(ids.iter().map(|&id| loader.load(id))).await?;
    Ok(stances.iter().map(Vec::len).sum())
}

/// The finished spans once every one of `names` has ended. A span ends when its last handle
/// drops, and the batch's task (which holds the operation's span as its parent context) may
/// be dropped by its worker thread just after the operation returned: wait for it, 5 s at most.
async fn finished(provider: &SdkTracerProvider, exporter: &InMemorySpanExporter, names: &[&str]) -> Vec<SpanData> {
    for _ in 0..500 {
        provider.force_flush().expect("flush");
        let spans = exporter.get_finished_spans().expect("finished spans");
        if names.iter().all(|name| spans.iter().any(|span| span.name == *name)) {
            return spans;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("spans {names:?} did not end within 5 s");
}

/// A span `#[timed]` opened around one `.await` of its body: named after the operation (a
/// function of this file), inside it.
fn is_await(span: &SpanData) -> bool {
    span.name.starts_with("otel::") && span.parent_span_id != SpanId::INVALID
}

fn attributes(span: &SpanData) -> BTreeMap<&str, &Value> {
    span.attributes.iter().map(|KeyValue { key, value, .. }| (key.as_str(), value)).collect()
}

fn string(value: &str) -> Value {
    Value::from(value.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_and_its_loader_batch_export_as_database_spans() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    tracing_subscriber::registry()
        .with(batchload::instrument::layer())
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("batchload-tests")))
        .init();

    let db = TestDb::new(1).await;
    seed::bots(&db.pool, 20).await.expect("seed bots");
    seed::stances(&db.pool, 20).await.expect("seed stances");
    assert_eq!(stances_of_all_bots(&db.pool).await.expect("operation"), 30);
    let spans = finished(&provider, &exporter, &["otel::stances_of_all_bots", "SELECT bot_stances"]).await;
    // `#[timed]` locates each `.await` of its body with a TRACE span named after the operation
    // (target `batchload::await`, for the N+1 detector's call paths): the operation is the root
    // span of that name, the others are its awaits.
    let named = |name: &str| -> &SpanData {
        let found: Vec<&SpanData> = spans.iter().filter(|span| span.name == name && !is_await(span)).collect();
        assert_eq!(
            found.len(),
            1,
            "one span named `{name}` expected among {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        found[0]
    };

    // The operation: an INTERNAL span named after the function, the trace's root.
    let operation = named("otel::stances_of_all_bots");
    assert_eq!(operation.span_kind, SpanKind::Internal);
    assert_eq!(operation.parent_span_id, SpanId::INVALID);
    let fields = attributes(operation);
    assert_eq!(fields["db.system.name"], &string("sqlite"));
    assert_eq!(fields["db.operation.name"], &string("SELECT"));
    assert_eq!(fields["db.query.summary"], &string("SELECT bots; SELECT bot_stances"));
    assert_eq!(fields["batchload.queries"], &Value::I64(2));
    assert_eq!(fields["batchload.transaction_statements"], &Value::I64(0));
    assert_eq!(fields["batchload.n_plus_one"], &Value::I64(0));
    assert_eq!(fields["batchload.outcome"], &string("ok"));
    assert!(matches!(fields["batchload.db_time_us"], Value::I64(_)));

    // The loader batch: a CLIENT span named by its query summary, child of the operation.
    let batch = named("SELECT bot_stances");
    assert_eq!(batch.span_kind, SpanKind::Client);
    // Its parent is the await span of the `try_join_all` line, a child of the operation.
    let awaited = spans.iter().find(|span| span.span_context.span_id() == batch.parent_span_id).expect("batch parent");
    assert!(is_await(awaited), "{awaited:?}");
    assert_eq!(awaited.parent_span_id, operation.span_context.span_id());
    assert_eq!(spans.iter().filter(|span| is_await(span)).count(), 2, "one await span per `.await` of the body");
    assert_eq!(batch.span_context.trace_id(), operation.span_context.trace_id());
    let fields = attributes(batch);
    assert_eq!(fields["db.system.name"], &string("sqlite"));
    assert_eq!(fields["db.collection.name"], &string("bot_stances"));
    assert_eq!(fields["db.operation.name"], &string("SELECT"));
    assert_eq!(fields["db.query.summary"], &string("SELECT bot_stances"));
    assert_eq!(fields["db.query.text"], &string(BotStanceByBotId::SQL));
    assert_eq!(fields["batchload.loader"], &string("BotStanceByBotId"));
    // 20 distinct keys in one statement: batchload's own attribute, not
    // `db.operation.batch.size` (a batch of that name holds two or more statements).
    assert_eq!(fields["batchload.batch.size"], &Value::I64(20));
    assert!(!fields.contains_key("db.operation.batch.size"));
    // `otel.*` fields are instructions to tracing-opentelemetry, not attributes.
    assert!(!fields.keys().any(|key| key.starts_with("otel.")), "{fields:?}");

    for span in [operation, batch] {
        for key in attributes(span).keys().filter(|key| key.starts_with("db.")) {
            assert!(DB_ATTRIBUTES.contains(key), "`{key}` of span `{}` is not a database convention", span.name);
        }
    }
}
