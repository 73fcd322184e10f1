//! Hand-written loaders (context and tuple keys) on MySQL/MariaDB: the shared body of `tests/shared/handwritten.rs`.

use batchload_tests_mysql as backend;

include!("../../shared/handwritten.rs");
