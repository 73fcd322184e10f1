//! PostgreSQL: the keys are one array parameter, type-checked by sqlx (`&[K]` against the
//! column's array type).

use super::{Dialect, KeyKind};

pub(super) struct Postgres;

impl Dialect for Postgres {
    /// Double quotes: names match case-sensitively (write them as the catalog stores them,
    /// lowercase for unquoted DDL names).
    fn quote(&self, identifier: &str) -> String {
        identifier.split('.').map(|part| format!("\"{part}\"")).collect::<Vec<_>>().join(".")
    }

    fn alias(&self, field: &str) -> String {
        format!("\"{field}\"")
    }

    fn key_filter(&self, key_column: &str, _kind: KeyKind) -> String {
        format!("{key_column} = ANY($1)")
    }
}
