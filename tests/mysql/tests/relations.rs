//! Composite keys, top-N per parent and many-to-many loaders on mysql: the shared body in
//! `tests/shared/relations.rs`.

use batchload_tests_mysql as backend;

include!("../../shared/relations.rs");
