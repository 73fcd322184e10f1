//! `#[timed]` N+1 detection on mysql: the shared body in `tests/shared/n_plus_one.rs`.

use batchload_tests_mysql as backend;

include!("../../shared/n_plus_one.rs");
