//! Composite keys, top-N per parent and many-to-many loaders on postgres: the shared body in
//! `tests/shared/relations.rs`.

use batchload_tests_postgres as backend;

include!("../../shared/relations.rs");
