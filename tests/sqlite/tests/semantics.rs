//! The batching engine's contract on SQLite: the shared body of `tests/shared/semantics.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/semantics.rs");
