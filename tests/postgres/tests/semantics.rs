//! The batching engine's contract on PostgreSQL: the shared body of
//! `tests/shared/semantics.rs` (skipped when no server is reachable, unless `CI=true`).

use batchload_tests_postgres as backend;

include!("../../shared/semantics.rs");
