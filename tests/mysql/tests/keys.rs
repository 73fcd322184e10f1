//! Key types and very large key lists on mysql: the shared body in `tests/shared/keys.rs`.

use batchload_tests_mysql as backend;

include!("../../shared/keys.rs");
