//! The index advisor on sqlite: the shared body in `tests/shared/advisor.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/advisor.rs");
