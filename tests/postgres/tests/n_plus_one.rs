//! `#[timed]` N+1 detection on postgres: the shared body in `tests/shared/n_plus_one.rs`.

use batchload_tests_postgres as backend;

include!("../../shared/n_plus_one.rs");
