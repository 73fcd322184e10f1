//! Case-insensitive keys on PostgreSQL (`citext`): the shared body of `tests/shared/case_insensitive.rs`.

use batchload_tests_postgres as backend;

include!("../../shared/case_insensitive.rs");

/// The derived statement compares like the column (`citext[]` through `pg_type`).
#[tokio::test]
async fn rows_matched_by_a_case_insensitive_comparison_are_counted_not_delivered() {
    derived_loader_counts_rows_matched_case_insensitively().await;
}
