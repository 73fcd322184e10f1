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

    /// `(t.a, t.b) IN (SELECT (k.value->>0)::int8, (k.value->>1)::text FROM
    /// json_array_elements($1::text::json) AS k)`: one text parameter like the other
    /// backends, so the statement keeps exactly one bind parameter (see docs/decisions.md).
    fn tuple_filter(&self, columns: &[String], kinds: &[KeyKind]) -> String {
        let values = kinds
            .iter()
            .enumerate()
            .map(|(index, kind)| format!("(k.value->>{index})::{}", kind.postgres_type().unwrap_or("text")))
            .collect::<Vec<_>>()
            .join(", ");
        format!("({}) IN (SELECT {values} FROM json_array_elements($1::text::json) AS k)", columns.join(", "))
    }
}
