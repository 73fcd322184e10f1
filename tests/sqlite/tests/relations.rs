//! Composite keys, top-N per parent and many-to-many loaders on sqlite: the shared body in
//! `tests/shared/relations.rs`.

use batchload_tests_sqlite as backend;

include!("../../shared/relations.rs");
