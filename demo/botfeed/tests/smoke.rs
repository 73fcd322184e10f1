//! Smoke test of the whole botfeed run on SQLite with a small message count and small ticks:
//! identical output, zero errors, the statement counts the issues ask for (exact per tick),
//! N+1 findings naming loaders, and the JSON report's documented fields.

mod common;

use botfeed::db::SeedSize;
use botfeed::{Config, Dataset, Target};
use serde_json::Value;

fn number(value: &Value, field: &str) -> f64 {
    value[field].as_f64().unwrap_or_else(|| panic!("`{field}` is a number in {value}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_run_is_identical_error_free_and_batched() {
    assert!(botfeed::install_instrumentation(), "the test installs the global subscriber");
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::new(dir.path());
    config.messages = 40;
    config.ticks = 4;
    config.tick_chats = 3;
    config.seed = 7;
    config.dataset = Dataset::All;
    config.progress = false;
    config.size = SeedSize { bots: 200, chats: 50, messages: 3_000 };
    let report = botfeed::run(&config).await.expect("the run completes");

    common::assert_synthetic(&report, 40, &dir.path().join("index-migration"));
    common::assert_tick(&report, 4, 3);
    if report.skipped.is_empty() {
        common::assert_chinook(&report);
    } else {
        eprintln!("Chinook skipped: {:?}", report.skipped);
    }

    // The JSON document has the documented shape.
    let json: Value = serde_json::from_str(&report.to_json()).expect("the JSON report parses");
    assert_eq!(json["backend"], "sqlite");
    let workloads = json["workloads"].as_array().expect("workloads array");
    assert!(!workloads.is_empty());
    for workload in workloads {
        assert!(workload["name"].is_string());
        assert!(workload["operations"].is_u64());
        assert_eq!(workload["identical_output"], true);
        assert_eq!(workload["errors"], 0);
        for phase in ["naive", "batched"] {
            let phase = &workload[phase];
            for field in ["queries_per_op", "p50_ms", "p95_ms"] {
                assert!(number(phase, field) >= 0.0);
            }
            assert!(phase["n_plus_one_findings"].is_u64());
            for slow in phase["slowest"].as_array().expect("slowest array") {
                assert!(slow["summary"].is_string());
                assert!(number(slow, "total_ms") >= 0.0);
                assert!(slow["calls"].is_u64());
            }
        }
    }

    let html = botfeed::html::render(&report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 2 * report.workloads.len(), "latency and statements charts per workload");
    assert!(!html.contains("<script"), "self-contained, no script");
    assert!(html.contains("latency per operation (cumulative, log time axis)"), "latency on a log axis");
    assert!(html.contains("<code>BotById::load</code>"), "the fixes' code is rendered as code");
    assert!(!html.contains("use `"), "no literal backticks around code in the findings");
    assert_eq!(
        html.matches("<th class=\"text\">DDL (the advisor's fix)</th>").count(),
        report.workloads.len(),
        "index check tables"
    );
    assert_eq!(
        html.matches("<td class=\"bad text\">full scan</td>").count(),
        2 * 4,
        "the 4 scans before 0002_indexes, in botfeed's and tick's index check"
    );

    let text = report.to_string();
    assert!(text.contains("4. validation"), "{text}");
    // The fixes, then the migration file's lines (`| `), in botfeed's and tick's phase 2.
    let create_index: Vec<&str> = text.lines().filter(|line| line.contains("CREATE INDEX")).collect();
    assert_eq!(create_index.len(), 2 * (4 + 4), "one CREATE INDEX per line: {create_index:#?}");
    assert!(create_index.iter().all(|line| line.matches("CREATE").count() == 1));
    let fixes = create_index.iter().filter(|line| line.trim_start().starts_with("CREATE INDEX `")).count();
    let written =
        create_index.iter().filter(|line| line.trim_start().starts_with("| CREATE INDEX IF NOT EXISTS `")).count();
    assert_eq!((fixes, written), (2 * 4, 2 * 4), "{create_index:#?}");
    let path = &report.workloads[0].index_check.migration_files[0].path;
    assert!(text.contains(&format!("written by the advisor (`write_migration`) and applied: {path}")), "{text}");
    assert_eq!(
        html.matches("<pre>-- Indexes suggested and verified by batchload's index advisor (SQLite).").count(),
        2,
        "the file in botfeed's and tick's index check"
    );
    assert_eq!(json["workloads"][0]["index_check"]["migration_files"][0]["path"], path.as_str());
}

#[test]
fn database_urls_pick_the_backend() {
    let dir = std::path::Path::new("target");
    let error = Target::from_url(Some("oracle://x"), dir).expect_err("not supported");
    assert!(error.to_string().contains("not supported"), "{error}");
    assert_eq!(
        Target::from_url(Some("postgres://postgres@127.0.0.1:5432/postgres"), dir).expect("postgres URL"),
        Target::Postgres("postgres://postgres@127.0.0.1:5432/postgres".into())
    );
    assert_eq!(
        Target::from_url(Some("mysql://root@127.0.0.1:3306/mysql"), dir).expect("mysql URL"),
        Target::MySql("mysql://root@127.0.0.1:3306/mysql".into())
    );
    assert_eq!(
        Target::from_url(Some("sqlite:///tmp/botfeed/x.db?mode=rwc"), dir).expect("sqlite URL"),
        Target::Sqlite("/tmp/botfeed/x.db".into())
    );
}
