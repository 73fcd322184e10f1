//! `#[timed]` N+1 detection on sqlite: the shared body in `tests/shared/n_plus_one.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/n_plus_one.rs");
