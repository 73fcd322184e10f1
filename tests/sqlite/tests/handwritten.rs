//! Hand-written loaders (context and tuple keys) on SQLite: the shared body of `tests/shared/handwritten.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/handwritten.rs");
