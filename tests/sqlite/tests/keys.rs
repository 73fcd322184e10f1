//! Key types and very large key lists on sqlite: the shared body in `tests/shared/keys.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/keys.rs");
