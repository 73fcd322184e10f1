//! Case-insensitive keys on SQLite (`COLLATE NOCASE`): the shared body of `tests/shared/case_insensitive.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/case_insensitive.rs");

/// The derived statement compares like the column (`COLLATE NOCASE`).
#[tokio::test]
async fn rows_matched_by_a_case_insensitive_comparison_are_counted_not_delivered() {
    derived_loader_counts_rows_matched_case_insensitively().await;
}
