//! `botfeed --load` on SQLite (WAL), through the built binary: 4 workers, 3 s per phase; the
//! JSON report's `load` object has the fields scripts read, zero errors in both phases and the
//! statement counts of the two engines.

#[path = "common/load.rs"]
mod load_common;

#[test]
fn a_short_load_on_sqlite_reports_throughput_latency_and_no_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let json = load_common::run_load(dir.path(), None);
    load_common::assert_load_report(&json, "sqlite");
}
