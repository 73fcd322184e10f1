//! The index advisor on mysql: the shared body in `tests/shared/advisor.rs`.

use batchload_tests_mysql as backend;

include!("../../shared/advisor.rs");
