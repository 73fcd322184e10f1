//! The load test run through the built binary, and the assertions on its JSON report.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `botfeed --load` with 4 workers for 3 s per phase on `database_url` (or the SQLite
/// file `dir/load.db`), writing the JSON and HTML reports into `dir`; asserts exit code 0 and
/// returns the JSON report.
pub(crate) fn run_load(dir: &Path, database_url: Option<&str>) -> Value {
    let url = database_url.map_or_else(|| format!("sqlite://{}", dir.join("load.db").display()), str::to_owned);
    let json = dir.join("load.json");
    let html = dir.join("load.html");
    let output = Command::new(env!("CARGO_BIN_EXE_botfeed"))
        .args(["--load", "--workers", "4", "--duration", "3s", "--database-url", &url, "--report-json"])
        .arg(&json)
        .arg("--report-html")
        .arg(&html)
        .output()
        .expect("botfeed runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("validation: throughput x"), "{stdout}");
    let page = std::fs::read_to_string(&html).expect("HTML report");
    for caption in ["throughput over time", "latency percentiles (log axis)", "latency over time (log axis)"] {
        assert!(page.contains(caption), "the HTML report has the chart {caption:?}");
    }
    serde_json::from_str(&std::fs::read_to_string(&json).expect("JSON report")).expect("the JSON report parses")
}

fn number(value: &Value, field: &str) -> f64 {
    value[field].as_f64().unwrap_or_else(|| panic!("`{field}` is a number in {value}"))
}

/// The `load` object of a 4-worker, 3-second run on `backend`: the fields scripts read, zero
/// errors, the statement counts of the two engines, one point per second.
pub(crate) fn assert_load_report(json: &Value, backend: &str) {
    assert_eq!(json["backend"], backend);
    assert_eq!(json["workloads"], serde_json::json!([]), "a load run runs no sequential workload");
    let load = &json["load"];
    assert_eq!(load["workers"], 4);
    assert_eq!(load["pool_size"], 4);
    assert_eq!(number(load, "duration_s"), 3.0);
    assert_eq!(load["sample_operations"], 20);
    assert_eq!(load["validation"]["sample_identical"], true);
    assert_eq!(load["validation"]["passed"], true);
    assert_eq!(load["validation"]["naive_errors"], 0);
    assert_eq!(load["validation"]["batched_errors"], 0);
    assert_eq!(
        load["index_check"]["summary"],
        "before the advisor's migration: 4 of 9 loader statements scan their table (BotStanceByBotId, \
         HoldingByBotId, MessageByBotId, MessageByChatId); after the advisor's migration: all 9 indexed"
    );
    for name in ["naive", "batched"] {
        let phase = &load[name];
        assert_eq!(phase["errors"], 0, "{name}: {}", phase["first_error"]);
        assert_eq!(
            phase["errors_by_kind"],
            serde_json::json!({"busy_locked": 0, "deadlock": 0, "other": 0, "pool_timeout": 0}),
            "{name}"
        );
        if name == "naive" {
            assert_eq!(phase["cache_hit_rate"], Value::Null, "the naive engine has no loaders");
        } else {
            // Measured from the loaders' counters (their exactness is tested in the engine's
            // unit tests); the share itself depends on how the workers interleave.
            let rate = number(phase, "cache_hit_rate");
            assert!((0.0..=1.0).contains(&rate), "batched cache hit rate {rate}");
        }
        let ops = phase["ops"].as_u64().expect("ops");
        assert!(ops > 0, "{name}: operations ran");
        let wall_s = number(phase, "wall_s");
        assert!(wall_s >= 3.0, "{name}: the phase ran its 3 s: {wall_s}");
        // serde_json's float parsing may be 1 ulp off: compare with a relative tolerance.
        let ops_per_s = number(phase, "ops_per_s");
        assert!((ops_per_s - ops as f64 / wall_s).abs() <= 1e-12 * ops_per_s, "{name}: {ops_per_s}");
        let (p50, p95, p99, max) =
            (number(phase, "p50_ms"), number(phase, "p95_ms"), number(phase, "p99_ms"), number(phase, "max_ms"));
        assert!(0.0 < p50 && p50 <= p95 && p95 <= p99 && p99 <= max, "{name}: {p50} {p95} {p99} {max}");
        let timeline = phase["timeline"].as_array().expect("timeline");
        assert!((3..=4).contains(&timeline.len()), "{name}: one point per second: {}", timeline.len());
        let timeline_ops: u64 = timeline.iter().map(|point| point["ops"].as_u64().expect("ops")).sum();
        assert_eq!(timeline_ops, ops, "{name}: every operation is in its second");
        let percentiles: Vec<f64> =
            phase["latency_percentiles"].as_array().expect("percentiles").iter().map(|p| number(p, "ms")).collect();
        assert_eq!(percentiles.len(), 7);
        assert_eq!(percentiles[6], max, "{name}: the curve ends at the slowest operation");
    }
    // Naive: the history, a profile per context author, stances and holdings per speaker and
    // for the next speaker, the insert: 15 to 19 statements.
    let naive = number(&load["naive"], "queries_per_op");
    assert!((15.0..=19.0).contains(&naive), "naive statements per operation: {naive}");
    // Batched: the history and the insert per operation, plus the loaders' statements (shared
    // by every operation of their batch).
    let batched = &load["batched"];
    let ops = batched["ops"].as_u64().expect("ops") as f64;
    let loader_statements = batched["loader_statements"].as_u64().expect("loader statements") as f64;
    assert_eq!(
        (number(batched, "queries_per_op") * ops).round(),
        2.0 * ops + loader_statements,
        "batched statements: 2 per operation plus the loaders'"
    );
    assert!(number(batched, "keys_per_loader_statement") >= 1.0);
    assert_eq!(load["naive"]["loader_statements"], Value::Null);
}
