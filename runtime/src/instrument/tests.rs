//! Unit tests of the layer with synthetic sqlx statement events in scoped subscribers: no
//! database, no macro, deterministic. The SQLite integration tests (`tests/sqlite/tests/timed.rs`)
//! cover the same paths through `#[timed]`, real sqlx events and loaders.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};

use super::*;
use crate::instrument::operation::{Operation, OperationSite};

/// Emits the event sqlx emits when a statement finishes.
fn statement(sql: &str, rows: u64, micros: u64) {
    let words: Vec<&str> = sql.split_whitespace().take(4).collect();
    let summary = words.join(" ");
    let full = if summary == sql { String::new() } else { format!("\n\n{sql}\n") };
    let summary = if full.is_empty() { summary } else { format!("{summary} …") };
    tracing::event!(
        target: "sqlx::query",
        tracing::Level::DEBUG,
        summary,
        db.statement = full,
        rows_affected = 0u64,
        rows_returned = rows,
        elapsed_secs = micros as f64 / 1e6,
    );
}

/// Records `target: message` of WARN events.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().unwrap().push(format!("{}: {}", event.metadata().target(), message.0));
        }
    }
}

/// Runs `f` with a subscriber made of the layer from `builder` and a WARN recorder.
fn with_layer<T>(builder: LayerBuilder, f: impl FnOnce(&ProfileHandle, &Warnings) -> T) -> T {
    let layer = builder.build();
    let profile = layer.inner().profile();
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry().with(layer).with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || f(&profile, &warnings))
}

/// What `#[timed]` generates for a sync fn, with a site and span named `$name`.
macro_rules! timed {
    ($name:literal, $max_queries:expr, $body:expr) => {{
        static SITE: OperationSite = OperationSite::new($name, $max_queries, None);
        let operation = Operation::start(&SITE, crate::__operation_span!(INFO, $name));
        {
            let _entered = operation.enter();
            $body();
        }
        operation.finish(Outcome::Ok)
    }};
}

fn check(max_queries: Option<u64>, body: impl FnOnce()) -> Result<OperationReport, NotObserved> {
    let span = crate::__operation_span!(@ INFO, "batchload::check", "unit check");
    let operation = Operation::start_check(span, "unit check".to_owned(), max_queries, TEST_THRESHOLD);
    {
        let _entered = operation.enter();
        body();
    }
    operation.finish_check(Outcome::Ok)
}

#[test]
fn statements_are_recorded_in_the_nearest_operation_and_roll_up() {
    let _serial = serial();
    static OUTER: OperationSite = OperationSite::new("unit::outer", None, None);
    with_layer(builder(), |profile, _| {
        statement("SELECT 1", 1, 10);
        let report = check(None, || {
            statement("SELECT * FROM bots WHERE id = 1", 1, 100);
            let inner = Operation::start(&OUTER, crate::__operation_span!(INFO, "unit::outer"));
            {
                let _entered = inner.enter();
                statement("SELECT * FROM bot_stances WHERE bot_id = 7", 3, 200);
                statement("BEGIN", 0, 5);
            }
            assert_eq!(inner.finish(Outcome::Ok), None);
        })
        .expect("observed");
        assert_eq!(report.name, "unit check");
        assert_eq!((report.queries, report.transaction_statements, report.rows_returned), (2, 1, 4));
        assert_eq!(report.db_time_us, 305);
        let summaries: Vec<(&str, u64)> = report.statements.iter().map(|s| (s.summary.as_str(), s.count)).collect();
        assert_eq!(summaries, [("SELECT bots", 1), ("SELECT bot_stances", 1), ("BEGIN", 1)]);
        assert_eq!(report.statements[0].call_site, "unit check");
        let nested = &report.statements[1].call_site;
        assert!(nested.starts_with("runtime/src/instrument/tests.rs:"), "{nested}");
        assert!(nested.ends_with(" (unit::outer) <- unit check"), "{nested}");
        assert_eq!(report.slowest.iter().map(|s| s.time_us).collect::<Vec<_>>(), [200, 100, 5]);

        let profile = profile.report();
        assert_eq!((profile.statements, profile.statements_outside_operations), (4, 1));
        let inner = profile.operation("unit::outer").expect("nested operation profiled");
        assert_eq!((inner.calls, inner.queries_total), (1, 1));
        assert_eq!(profile.operation("unit check").expect("check operation profiled").queries_total, 2);
    });
}

#[test]
fn repeats_from_one_call_site_are_an_n_plus_one_and_distinct_statements_are_not() {
    let _serial = serial();
    with_layer(builder(), |_, _| {
        let report = check(None, || {
            for id in 0..20 {
                statement(&format!("SELECT * FROM bots WHERE id = {id}"), 1, 10);
            }
            statement("SELECT * FROM messages WHERE chat_id = 1", 0, 10);
            statement("SELECT * FROM bot_holdings WHERE bot_id = 1", 0, 10);
        })
        .expect("observed");
        assert_eq!(report.n_plus_one.len(), 1, "{:#?}", report.n_plus_one);
        let finding = &report.n_plus_one[0];
        assert_eq!((finding.summary.as_str(), finding.count, finding.total_time_us), ("SELECT bots", 20, 200));
        assert_eq!(finding.statement, "SELECT * FROM bots WHERE id = ?");
        assert_eq!(finding.threshold, TEST_THRESHOLD);
        assert_eq!(
            finding.fix,
            "fetch the rows in one statement, or derive a loader: `#[derive(Batched)] #[batched(table = \"bots\")]` with `#[batched(key)]` or `#[batched(group)]` on the `id` field"
        );
        assert!(finding.to_string().starts_with("N+1 in operation `unit check`: `SELECT bots` ran 20 times (threshold 2), 0.200 ms in total\n  statement: SELECT * FROM bots WHERE id = ?\n"), "{finding}");
    });
}

#[test]
fn chunks_of_one_loader_batch_are_one_round_trip() {
    let _serial = serial();
    with_layer(builder(), |_, _| {
        let report = check(None, || {
            for _batch in 0..2 {
                let span =
                    tracing::info_span!(target: "batchload::loader", "batchload.batch", batchload.loader = "BotById");
                let _entered = span.enter();
                for _chunk in 0..3 {
                    statement("SELECT * FROM bots AS t WHERE t.id IN (SELECT value FROM json_each(?1))", 5, 10);
                }
            }
        })
        .expect("observed");
        assert_eq!(report.statements.len(), 1);
        let stats = &report.statements[0];
        assert_eq!((stats.count, stats.round_trips, stats.call_site.as_str()), (6, 2, "loader BotById at unit check"));
        assert_eq!(report.n_plus_one.len(), 1);
        assert_eq!(report.n_plus_one[0].count, 2);
        assert!(report.n_plus_one[0].fix.contains("call `BotById::load_many` once"), "{}", report.n_plus_one[0].fix);
    });
}

/// A batch whose connection the pool opened for it: the connection's setup (`PRAGMA ...`, a
/// session statement in the batch span) is not the batch's round trip, so four batches awaited
/// one at a time are four round trips whichever of them opened a connection.
#[test]
fn a_new_connection_s_setup_does_not_take_the_batch_s_round_trip() {
    let _serial = serial();
    with_layer(builder(), |_, _| {
        let report = check(None, || {
            for batch in 0..4 {
                let span =
                    tracing::info_span!(target: "batchload::loader", "batchload.batch", batchload.loader = "BotById");
                let _entered = span.enter();
                if batch % 2 == 1 {
                    statement("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", 1, 10);
                }
                statement("SELECT * FROM bots AS t WHERE t.id IN (SELECT value FROM json_each(?1))", 5, 10);
            }
        })
        .expect("observed");
        let select = report.statements.iter().find(|stats| stats.summary == "SELECT bots").expect("the batches");
        assert_eq!((select.count, select.round_trips), (4, 4));
        let setup = report.statements.iter().find(|stats| stats.summary == "PRAGMA").expect("the setups");
        assert_eq!((setup.count, setup.round_trips), (2, 2));
        assert_eq!(report.n_plus_one.len(), 1, "{:#?}", report.n_plus_one);
        assert_eq!(report.n_plus_one[0].count, 4);
    });
}

#[test]
fn budget_counts_queries_only_and_lists_them_numbered() {
    let _serial = serial();
    with_layer(builder(), |_, _| {
        let report = check(Some(3), || {
            statement("BEGIN", 0, 1);
            statement("SELECT * FROM bots WHERE id = 1", 1, 1);
            statement("SELECT * FROM bots WHERE id = 2", 1, 1);
            statement("UPDATE bots SET name = 'x' WHERE id = 1", 0, 1);
            statement("SELECT COUNT(*) FROM bot_stances", 1, 1);
            statement("COMMIT", 0, 1);
        })
        .expect("observed");
        let budget = report.budget.expect("a budget");
        assert!(budget.exceeded);
        assert_eq!((budget.queries, budget.max_queries), (4, 3));
        assert_eq!(
            budget.to_string(),
            "query budget exceeded in operation `unit check`: 4 queries, budget max_queries = 3\n   \
             1. 2x SELECT bots: SELECT * FROM bots WHERE id = ?  (at unit check)\n   \
             2. 1x UPDATE bots: UPDATE bots SET name = ? WHERE id = ?  (at unit check)\n   \
             3. 1x SELECT bot_stances: SELECT COUNT(*) FROM bot_stances  (at unit check)\n  \
             not counted: 1x BEGIN (transaction), 1x COMMIT (transaction)"
        );
        let kept = check(Some(4), || {
            statement("SELECT 1", 1, 1);
        })
        .expect("observed");
        assert!(!kept.budget.expect("a budget").exceeded);
    });
}

#[test]
fn modes_off_warn_and_deny() {
    let _serial = serial();
    let run = || {
        timed!("unit::modes", Some(1), || {
            for id in 0..3 {
                statement(&format!("SELECT * FROM bots WHERE id = {id}"), 1, 1);
            }
        })
    };
    with_layer(builder().n_plus_one(Mode::Off).budget(Mode::Off), |profile, warnings| {
        assert_eq!(run(), None);
        assert_eq!(warnings.take(), Vec::<String>::new());
        assert_eq!(profile.report().operation("unit::modes").expect("profiled").n_plus_one, 0);
    });
    with_layer(builder().threshold(3), |profile, warnings| {
        assert_eq!(run(), None);
        let warnings = warnings.take();
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(
            warnings[0].starts_with(
                "batchload::n_plus_one: N+1 in operation `unit::modes`: `SELECT bots` ran 3 times (threshold 3)"
            ),
            "{warnings:#?}"
        );
        assert!(
            warnings[1].starts_with(
                "batchload::budget: query budget exceeded in operation `unit::modes`: 3 queries, budget max_queries = 1"
            ),
            "{warnings:#?}"
        );
        let profiled = profile.report();
        let operation = profiled.operation("unit::modes").expect("profiled");
        assert_eq!((operation.n_plus_one, operation.budget_exceeded), (1, 1));
        assert_eq!(operation.findings[0].max_count, 3);
    });
    with_layer(builder().n_plus_one(Mode::Deny).budget(Mode::Deny), |_, warnings| {
        let violation = run().expect("deny mode reports a violation");
        assert_eq!(violation.n_plus_one.len(), 0, "threshold 5 by default");
        assert_eq!(violation.budget.as_ref().map(|budget| budget.queries), Some(3));
        assert_eq!(warnings.take(), Vec::<String>::new());
    });
    with_layer(builder().n_plus_one(Mode::Deny).threshold(2), |_, warnings| {
        let violation = run().expect("deny mode reports a violation");
        assert_eq!(violation.n_plus_one.len(), 1);
        assert!(violation.to_string().starts_with("N+1 in operation `unit::modes`"), "{violation}");
        // The budget stayed in warn mode.
        assert_eq!(warnings.take().len(), 1);
    });
}

#[test]
fn a_dropped_operation_is_cancelled_and_never_fails() {
    let _serial = serial();
    static SITE: OperationSite = OperationSite::new("unit::cancelled", Some(0), None);
    with_layer(builder().budget(Mode::Deny), |profile, warnings| {
        let operation = Operation::start(&SITE, crate::__operation_span!(INFO, "unit::cancelled"));
        {
            let _entered = operation.enter();
            statement("SELECT 1", 1, 1);
        }
        drop(operation);
        let profiled = profile.report();
        let cancelled = profiled.operation("unit::cancelled").expect("profiled");
        assert_eq!((cancelled.calls, cancelled.cancelled, cancelled.ok), (1, 1, 0));
        // Deny degrades to a warning for a cancelled operation.
        assert_eq!(warnings.take().len(), 1);
    });
}

#[test]
fn unobservable_operations_fail_their_checks() {
    let _serial = serial();
    // A global INFO filter: sqlx's DEBUG statement events never reach any layer.
    let layer = builder().budget(Mode::Deny).build();
    let subscriber = tracing_subscriber::registry().with(LevelFilter::INFO).with(layer);
    tracing::subscriber::with_default(subscriber, || {
        assert_eq!(check(Some(1), || statement("SELECT 1", 1, 1)), Err(NotObserved::SqlxEventsFiltered));
        let violation = timed!("unit::hidden", Some(1), || statement("SELECT 1", 1, 1)).expect("deny mode fails");
        assert_eq!(violation.not_observed, Some(NotObserved::SqlxEventsFiltered));
        assert!(
            violation.to_string().starts_with("operation `unit::hidden` could not be checked: sqlx's statement events"),
            "{violation}"
        );
    });
    // Warn mode: one warning per function, whatever the number of calls.
    let warnings = Warnings::default();
    let subscriber =
        tracing_subscriber::registry().with(LevelFilter::INFO).with(builder().build()).with(warnings.clone());
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..3 {
            assert_eq!(timed!("unit::hidden_warn", Some(1), || statement("SELECT 1", 1, 1)), None);
            assert_eq!(timed!("unit::hidden_no_budget", None, || statement("SELECT 1", 1, 1)), None);
        }
    });
    assert_eq!(
        warnings.take(),
        [
            "batchload::budget: query budget of operation `unit::hidden_warn` not checked: sqlx's statement events \
             (target `sqlx::query`, level DEBUG) are filtered out by a global filter, so no statement can be seen; put \
             your level filter on your output layer only (`fmt::layer().with_filter(...)`) or allow `sqlx::query=debug`",
            "batchload::n_plus_one: operation `unit::hidden_no_budget` not checked for N+1 queries: sqlx's statement \
             events (target `sqlx::query`, level DEBUG) are filtered out by a global filter, so no statement can be seen; \
             put your level filter on your output layer only (`fmt::layer().with_filter(...)`) or allow `sqlx::query=debug`",
        ]
    );
    // A subscriber without the layer (installed elsewhere in the process).
    drop(tracing_subscriber::registry().with(builder().build()));
    tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        assert_eq!(check(Some(1), || statement("SELECT 1", 1, 1)), Err(NotObserved::LayerMissing));
    });
    // A per-layer filter on another layer does not hide anything from this one.
    let layer = builder().build();
    let profile = layer.inner().profile();
    let subscriber =
        tracing_subscriber::registry().with(Warnings::default().with_filter(LevelFilter::INFO)).with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let report = check(Some(1), || statement("SELECT 1", 1, 1)).expect("observed");
        assert_eq!(report.queries, 1);
    });
    assert_eq!(profile.report().statements, 1);
}

#[test]
fn profile_renders_as_text_and_json_and_caps_fingerprints() {
    let _serial = serial();
    with_layer(builder().max_fingerprints(2), |profile, _| {
        check(None, || {
            for id in 0..4 {
                statement(&format!("SELECT * FROM bots WHERE id = {id}"), 1, 10_000 * (id + 1));
            }
            statement("SELECT * FROM messages WHERE id = 1", 2, 50);
            statement("SELECT * FROM bot_holdings WHERE id = 1", 0, 50);
        })
        .expect("observed");
        let report = profile.report();
        assert_eq!((report.fingerprints.len(), report.fingerprint_overflow), (2, 1));
        let bots = report.fingerprint(Fingerprint::of("SELECT * FROM bots WHERE id = 9")).expect("profiled");
        assert_eq!((bots.calls, bots.total_time_us, bots.rows, bots.n_plus_one), (4, 100_000, 4, 1));
        // 2 significant digits: within 1%.
        assert_eq!((bots.time.p50_us / 1000, bots.time.p95_us / 1000, bots.time.max_us / 1000), (20, 40, 40));
        assert_eq!(
            report.slowest.iter().map(|slow| slow.time_us).collect::<Vec<_>>(),
            [40_000, 30_000, 20_000, 10_000, 50]
        );

        let text = report.to_string();
        assert!(text.starts_with("batchload profile: 1 operations, 2 fingerprints, 6 statements (0 outside operations, 1 over the 2-fingerprint cap)"), "{text}");
        assert!(text.contains("SELECT * FROM bots WHERE id = ?"), "{text}");
        assert!(
            text.contains(
                "N+1 findings\n  unit check: N+1 `SELECT bots` up to 4 times per call, in 1 call(s), at unit check"
            ),
            "{text}"
        );

        let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
        assert_eq!(json["fingerprints"][0]["summary"], "SELECT bots");
        assert_eq!(json["fingerprints"][0]["time"]["p99_us"].as_u64().map(|us| us / 1000), Some(40));
        assert_eq!(json["operations"][0]["name"], "unit check");
        assert_eq!(json["operations"][0]["findings"][0]["max_count"], 4);
        assert_eq!(json["fingerprints"][0]["fingerprint"].as_str().map(str::len), Some(16));

        profile.reset();
        assert_eq!(profile.report().statements, 0);
    });
}

#[test]
fn metrics_have_low_cardinality_labels() {
    let _serial = serial();
    use ::metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

    #[derive(Default)]
    struct Keys(Mutex<Vec<String>>);
    impl Recorder for Keys {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            self.0.lock().unwrap().push(key.to_string());
            Counter::noop()
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
            self.0.lock().unwrap().push(key.to_string());
            Histogram::noop()
        }
    }

    let recorder = Keys::default();
    ::metrics::with_local_recorder(&recorder, || {
        with_layer(builder().db_system_name("sqlite"), |_, _| {
            check(None, || statement("SELECT * FROM bots WHERE name = 'secret'", 1, 1)).expect("observed");
        });
    });
    let keys = recorder.0.lock().unwrap().clone();
    assert_eq!(
        keys,
        [
            "Key(db.client.operation.duration, [db.system.name = sqlite, db.query.summary = SELECT bots, batchload.operation = unit check])",
            "Key(batchload.operation.queries, [batchload.operation = unit check])",
            "Key(batchload.operation.duration, [batchload.operation = unit check, batchload.outcome = ok])",
        ]
    );
    assert!(keys.iter().all(|key| !key.contains("secret")));
    assert_eq!(DURATION_BUCKETS, [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]);
}

#[test]
fn operation_spans_carry_opentelemetry_fields() {
    let _serial = serial();
    /// Records the fields recorded on spans after their creation.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<String>>>);
    struct Fields<'a>(&'a mut Vec<String>);
    impl tracing::field::Visit for Fields<'_> {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            self.0.push(format!("{}={value:?}", field.name()));
        }
    }
    impl<S: Subscriber> Layer<S> for Recorded {
        fn on_record(&self, _id: &tracing::span::Id, values: &tracing::span::Record<'_>, _ctx: Context<'_, S>) {
            values.record(&mut Fields(&mut self.0.lock().unwrap()));
        }
    }

    let recorded = Recorded::default();
    let layer = builder().db_system_name("sqlite").build();
    let subscriber = tracing_subscriber::registry().with(layer).with(recorded.clone());
    tracing::subscriber::with_default(subscriber, || {
        let violation = timed!("unit::fields", None, || {
            statement("SELECT * FROM bots WHERE id = 1", 1, 7);
            statement("SELECT * FROM bot_stances WHERE bot_id = 1", 2, 5);
            statement("COMMIT", 0, 1);
        });
        assert_eq!(violation, None);
    });
    assert_eq!(
        *recorded.0.lock().unwrap(),
        [
            "db.system.name=\"sqlite\"",
            "db.operation.name=\"SELECT\"",
            "db.query.summary=\"SELECT bots; SELECT bot_stances\"",
            "batchload.queries=2",
            "batchload.transaction_statements=1",
            "batchload.db_time_us=13",
            "batchload.n_plus_one=0",
            "batchload.outcome=\"ok\"",
        ]
    );
}

/// Serializes the tests of this module: they install scoped subscribers, and tracing's
/// callsite interest and max-level hint are global, so parallel tests could see each other's
/// filters (a flaky `unobservable_operations_fail_their_checks` was seen on a fresh clone).
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn warn_mode_logs_one_warning_per_problem_then_a_count() {
    let _serial = serial();
    let interval = Duration::from_secs(2);
    with_layer(builder().threshold(2).warn_interval(interval), |profile, warnings| {
        let run = || {
            timed!("unit::repeated", Some(1), || {
                for id in 0..3 {
                    statement(&format!("SELECT * FROM bots WHERE id = {id}"), 1, 1);
                }
            })
        };
        let started = std::time::Instant::now();
        for _ in 0..100 {
            assert_eq!(run(), None);
        }
        assert!(started.elapsed() < interval, "the 100 operations must run within one interval");
        let logged = warnings.take();
        assert_eq!(logged.len(), 2, "one N+1 and one budget warning for 100 occurrences: {logged:#?}");
        assert!(
            logged[0]
                .starts_with("batchload::n_plus_one: N+1 in operation `unit::repeated`: `SELECT bots` ran 3 times"),
            "{logged:#?}"
        );
        assert!(logged[1].starts_with("batchload::budget: query budget exceeded in operation `unit::repeated`"));
        // The profile keeps every occurrence.
        let profiled = profile.report();
        let operation = profiled.operation("unit::repeated").expect("profiled");
        assert_eq!((operation.calls, operation.n_plus_one, operation.budget_exceeded), (100, 100, 100));
        assert_eq!(operation.findings[0].times, 100);
        // After the interval, the next occurrence logs one summary with the count.
        std::thread::sleep(interval + Duration::from_millis(100));
        assert_eq!(run(), None);
        let logged = warnings.take();
        assert_eq!(logged.len(), 2, "{logged:#?}");
        assert!(
            logged[0].ends_with("\n  repeated: 101 occurrences so far, 99 not logged since the last warning"),
            "{logged:#?}"
        );
        // The interval doubled: an occurrence now is counted only.
        assert_eq!(run(), None);
        assert_eq!(warnings.take(), Vec::<String>::new());
    });
}

#[test]
fn different_call_paths_are_different_findings_and_warnings() {
    let _serial = serial();
    with_layer(builder().threshold(2), |_, warnings| {
        let report = check(None, || {
            for caller in ["unit::first_caller", "unit::second_caller"] {
                // A span like the one `#[timed]` puts around an `.await`, one per caller line.
                let span = match caller {
                    "unit::first_caller" => tracing::trace_span!(target: "batchload::await", "unit::first_caller"),
                    _ => tracing::trace_span!(target: "batchload::await", "unit::second_caller"),
                };
                let _entered = span.enter();
                for id in 0..3 {
                    statement(&format!("SELECT * FROM bots WHERE id = {id}"), 1, 1);
                }
            }
        })
        .expect("observed");
        let sites: Vec<&str> = report.n_plus_one.iter().map(|finding| finding.call_site.as_str()).collect();
        assert_eq!(sites.len(), 2, "{sites:#?}");
        assert!(sites[0].starts_with("runtime/src/instrument/tests.rs:"), "{sites:#?}");
        // An await span names the operation it is in: the operation's own frame is not repeated.
        assert!(sites[0].ends_with(" (unit::first_caller)"), "{sites:#?}");
        assert!(sites[1].ends_with(" (unit::second_caller)"), "{sites:#?}");
        assert_ne!(sites[0], sites[1]);
        assert_eq!(warnings.take(), Vec::<String>::new(), "check helpers never warn");
    });
}

/// A hand-written loader, registered like the derive registers its loaders.
struct ArticleTagsByArticleId;

impl crate::BatchQuery for ArticleTagsByArticleId {
    type Key = i64;
    type Row = (i64, i64);
    const LOADER: &'static str = "ArticleTagsByArticleId";
    const TABLE: &'static str = "article_tags";
    const KEY_COLUMN: &'static str = "article_id";
    const SQL: &'static str =
        "SELECT article_id, tag_id FROM article_tags WHERE article_id IN (SELECT value FROM json_each(?1))";
    const DATABASE: &'static str = "SQLite";

    fn fetch<'a>(&'a self, _keys: &'a [i64]) -> crate::BoxFuture<'a, Result<Vec<(i64, i64)>, sqlx::Error>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn key_of(&self, row: &(i64, i64)) -> Option<i64> {
        Some(row.0)
    }
}

crate::register_loader!(crate::GroupLoader<ArticleTagsByArticleId>);

/// The findings of 3 repeats of each statement of `sqls` (one statement per id).
fn findings_of(sqls: &[&str]) -> Vec<NPlusOne> {
    with_layer(builder(), |_, _| {
        check(None, || {
            for sql in sqls {
                for id in 0..3 {
                    statement(&sql.replace("{id}", &id.to_string()), 1, 1);
                }
            }
        })
        .expect("observed")
        .n_plus_one
    })
}

#[test]
fn each_shape_gets_its_own_fix() {
    let _serial = serial();
    assert!(crate::registered_loaders().any(|info| info.loader == "ArticleTagsByArticleId"));
    let findings = findings_of(&[
        // A join: the key belongs to the joined table, which has a (hand-written) loader.
        "SELECT t.id, t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id WHERE at.article_id = {id}",
        // A table with a loader on the column.
        "SELECT article_id, tag_id FROM article_tags WHERE article_id = {id}",
        // A viewer-dependent statement: two parameters.
        "SELECT a.id, (SELECT COUNT(*) FROM likes l WHERE l.article_id = a.id AND l.user_id = $2) AS liked FROM article_tags a WHERE a.article_id = $1",
        // Writes.
        "INSERT INTO article_tags (article_id, tag_id) VALUES ({id}, 7)",
        "UPDATE tags SET uses = uses + 1 WHERE id = {id}",
        "DELETE FROM article_tags WHERE article_id = {id}",
    ]);
    let fixes: Vec<(FindingKind, &str, &[String])> =
        findings.iter().map(|finding| (finding.kind, finding.fix.as_str(), finding.loaders.as_slice())).collect();
    let loader = ["ArticleTagsByArticleId".to_owned()];
    assert_eq!(
        fixes,
        [
            (
                FindingKind::Read,
                "the key `article_id` belongs to the joined table `article_tags`: use `ArticleTagsByArticleId::load` on \
                 `article_tags`, then load the `tags` rows by their key: two statements instead of 3",
                &loader[..]
            ),
            (FindingKind::Read, "use `ArticleTagsByArticleId::load` (the 3 lookups become one statement)", &loader[..]),
            (
                FindingKind::Read,
                "the statement has 2 parameters, so a loader keyed by `article_id` alone would lose the other conditions \
                 (`ArticleTagsByArticleId::load` reads by `article_id` alone and would drop them): write a hand-written \
                 context loader, a `BatchQuery` whose SQL takes the whole key list plus the context (e.g. the viewer), \
                 create one per context, and register it with `batchload::register_loader!` so findings name it",
                &loader[..]
            ),
            (
                FindingKind::Write,
                "write the 3 rows with one multi-row statement: `INSERT INTO article_tags (...) VALUES (...), (...)` \
                 built with `sqlx::QueryBuilder::push_values` (chunked under the bind-parameter limit), or on PostgreSQL \
                 `INSERT INTO article_tags (...) SELECT * FROM UNNEST($1::type[], $2::type[], ...)` with one array per column",
                &[][..]
            ),
            (
                FindingKind::Write,
                "update the 3 rows with one statement: with the same new values, `UPDATE tags SET ... WHERE id IN (...)` \
                 (`= ANY($1)` on PostgreSQL); with per-row values, join a list of rows: `UPDATE tags SET ... FROM (VALUES \
                 ...)` built with `sqlx::QueryBuilder::push_values`, or `FROM UNNEST($1::type[], ...)` on PostgreSQL",
                &[][..]
            ),
            (
                FindingKind::Write,
                "delete the 3 rows with one statement: `DELETE FROM article_tags WHERE article_id IN (...)` built with \
                 `sqlx::QueryBuilder::separated`, or `WHERE article_id = ANY($1)` with one array on PostgreSQL",
                &[][..]
            ),
        ]
    );
    assert!(
        findings[3]
            .to_string()
            .starts_with("repeated write in operation `unit check`: `INSERT article_tags` ran 3 times")
    );
    // A join whose key has no loader names the table the key belongs to.
    let findings =
        findings_of(&["SELECT u.name FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.team_id = {id}"]);
    assert_eq!(
        findings[0].fix,
        "the key `team_id` belongs to the joined table `memberships`, not to `users`: derive a loader on `memberships` \
         (`#[derive(Batched)] #[batched(table = \"memberships\")]` with `#[batched(group)]` on the `team_id` field), \
         then load the `users` rows by their key: two statements instead of 3"
    );
}
