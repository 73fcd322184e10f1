//! Hand-written loaders (context and tuple keys) on PostgreSQL: the shared body of `tests/shared/handwritten.rs`.

use batchload_tests_postgres as backend;

include!("../../shared/handwritten.rs");
