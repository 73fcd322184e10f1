//! Key types and very large key lists on postgres: the shared body in `tests/shared/keys.rs`.

use batchload_tests_postgres as backend;

include!("../../shared/keys.rs");
