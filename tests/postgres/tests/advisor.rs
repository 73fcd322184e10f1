//! The index advisor on postgres: the shared body in `tests/shared/advisor.rs`.

use batchload_tests_postgres as backend;

include!("../../shared/advisor.rs");
