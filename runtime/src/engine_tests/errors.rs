//! Errors: a failed statement fails every waiter of its batch and nothing of it is cached; a
//! panicking statement abandons its batch; rows whose key matches no requested key are
//! counted and reported, never delivered.

use std::sync::{Arc, Mutex};

use futures_util::future::join_all;
use tracing_subscriber::layer::SubscriberExt as _;

use super::fake::{Row, Source, by_id, by_parent};
use super::{counts, within};
use crate::{Error, LoaderOptions};

pub(super) fn assert_failed(result: Result<impl std::fmt::Debug, Error>, loader_name: &str, key_count: usize) {
    match result {
        Err(Error::Database { loader, keys, source }) => {
            assert_eq!((loader, keys), (loader_name, key_count));
            assert_eq!(source.to_string(), "encountered unexpected or invalid data: fake statement failed");
        }
        other => panic!("expected Error::Database {{ {loader_name}, {key_count} }}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failed_batch_fails_every_waiter_and_is_not_cached() {
    within("errors", async {
        let source = Source::tree(30);
        let loader = by_parent(&source, LoaderOptions::new());
        source.fail_next(1);
        let keys: Vec<i64> = (1..=20).collect();
        for result in join_all(keys.iter().map(|&k| loader.load(k))).await {
            assert_failed(result, "FakeByParent", 20);
        }
        let stats = loader.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows, stats.failed_batches), (1, 1, 20, 0, 1));
        assert_eq!(loader.cached_keys(), 0, "failed keys are not cached");

        source.fail_next(1);
        assert_failed(loader.load_many([1, 2, 2, 21]).await, "FakeByParent", 3);

        // The next batch works, for the failed keys too.
        for (&key, answer) in keys.iter().zip(join_all(keys.iter().map(|&k| loader.load(k))).await) {
            assert_eq!(answer.expect("load after the failures"), source.by_parent(key), "key {key}");
        }
        let stats = loader.stats();
        assert_eq!((stats.batches, stats.failed_batches, loader.cached_keys()), (3, 2, 20));
    })
    .await;
}

#[tokio::test]
async fn a_failed_chunk_fails_the_whole_batch() {
    within("failed chunk", async {
        let source = Source::tree(30);
        let loader = by_id(&source, LoaderOptions::new().max_batch_size(4));
        source.fail_next(1);
        let results = join_all((1..=10).map(|k| loader.load(k))).await;
        for result in results {
            assert_failed(result, "FakeById", 10);
        }
        assert_eq!(counts(loader.stats()), (1, 3, 10));
        assert_eq!(loader.cached_keys(), 0);
    })
    .await;
}

/// A statement that panics kills its batch task, or (inline) is dropped by the waiter that
/// polled it, without unwinding into that caller: every waiter gets `Abandoned`, the next
/// batch works.
#[tokio::test]
async fn a_panicking_statement_abandons_its_waiters() {
    within("panicking statement", async {
        for options in [LoaderOptions::new(), LoaderOptions::new().max_inline_waiters(0)] {
            let source = Source::tree(30);
            let loader = by_id(&source, options.clone());
            source.panic_next();
            let results = join_all([1, 2, 3, 2].map(|k| loader.load(k))).await;
            for result in results {
                assert!(
                    matches!(result, Err(Error::Abandoned { loader: "FakeById", keys: 3 })),
                    "{options:?}: {result:?}"
                );
            }
            assert_eq!(loader.stats().failed_batches, 1);
            assert_eq!(loader.cached_keys(), 0);
            assert_eq!(loader.load(2).await.expect("next batch"), source.by_id(2));
            assert_eq!(counts(loader.stats()), (2, 2, 4));
        }
    })
    .await;
}

/// Records the WARN events of `batchload::loader` (message and fields), for one test.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields<'a>(&'a mut String);
        impl tracing::field::Visit for Fields<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write as _;
                let _ = write!(self.0, "{}={:?};", field.name(), value);
            }
        }
        if *event.metadata().level() == tracing::Level::WARN && event.metadata().target() == "batchload::loader" {
            let mut text = String::new();
            event.record(&mut Fields(&mut text));
            self.0.lock().expect("lock").push(text);
        }
    }
}

/// The source returns rows for keys nobody asked for (as a case-insensitive collation
/// does): they are counted, reported in one WARN per batch, and not delivered.
#[test]
fn rows_matching_no_requested_key_are_counted_and_reported() {
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    // A current-thread runtime: the batch task runs on this thread, under the subscriber.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(within("unmatched rows", async {
        let source = Source::tree(30);
        // Rows every statement returns: 500 belongs to parent 7, 501 and 502 to parent 99.
        source.set_extra(vec![Row::new(500, Some(7)), Row::new(501, Some(99)), Row::new(502, Some(99))]);
        let groups = by_parent(&source, LoaderOptions::new());
        let answers = join_all([7, 8].map(|k| groups.load(k))).await;
        let ids =
            |rows: &Result<Vec<Row>, Error>| rows.as_ref().expect("load").iter().map(|row| row.id).collect::<Vec<_>>();
        assert_eq!(ids(&answers[0]), [14, 15, 500], "row 500 has a requested key: delivered");
        assert_eq!(ids(&answers[1]), [16, 17]);
        let stats = groups.stats();
        assert_eq!((stats.rows, stats.unmatched_rows), (4 + 3, 2), "501 and 502 (key 99) were not asked for");
        assert_eq!(groups.cached_keys(), 2, "stray keys are not cached");

        let ones = by_id(&source, LoaderOptions::new());
        let answers = join_all([1, 2].map(|k| ones.load(k))).await;
        assert_eq!(answers[0].as_ref().expect("load"), &source.by_id(1));
        let stats = ones.stats();
        assert_eq!((stats.rows, stats.unmatched_rows), (2 + 3, 3), "{stats:?}");
        assert_eq!(ones.cached_keys(), 2, "stray keys are not cached");

        // With several chunks, a row counts for its own statement's keys only.
        let chunked = by_parent(&source, LoaderOptions::new().max_batch_size(1));
        let answers = join_all([99, 7].map(|k| chunked.load(k))).await;
        // Statement for [99]: extras 501 and 502 match, 500 (key 7) is another statement's.
        // Statement for [7]: rows 14 and 15, extra 500 match; 501 and 502 do not.
        assert_eq!(ids(&answers[0]), [501, 502]);
        assert_eq!(ids(&answers[1]), [14, 15, 500], "row 500 is not repeated");
        let stats = chunked.stats();
        assert_eq!((stats.statements, stats.rows, stats.unmatched_rows), (2, 3 + 5, 3), "{stats:?}");
    }));
    let warnings = warnings.0.lock().expect("lock").clone();
    assert_eq!(warnings.len(), 3, "one WARN per batch with unmatched rows: {warnings:#?}");
    assert!(warnings[0].contains("loader=\"FakeByParent\";"), "{}", warnings[0]);
    assert!(warnings[0].contains("unmatched_rows=2;") && warnings[0].contains("key=\"99\";"), "{}", warnings[0]);
    assert!(warnings[0].contains("case- or accent-insensitively"), "{}", warnings[0]);
    assert!(
        warnings[1].contains("loader=\"FakeById\";") && warnings[1].contains("unmatched_rows=3;"),
        "{}",
        warnings[1]
    );
    assert!(
        ["500", "501", "502"].iter().any(|key| warnings[1].contains(&format!("key=\"{key}\";"))),
        "{}",
        warnings[1]
    );
}
