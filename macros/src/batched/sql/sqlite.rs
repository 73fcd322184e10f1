//! SQLite: the keys are one JSON array read by `json_each(?1)`.

use super::{Dialect, KeyKind};

pub(super) struct Sqlite;

impl Dialect for Sqlite {
    /// Backticks, never double quotes: SQLite reads an unknown double-quoted identifier as a
    /// string literal, which would hide a wrong column name from the compile-time check.
    fn quote(&self, identifier: &str) -> String {
        identifier.split('.').map(|part| format!("`{part}`")).collect::<Vec<_>>().join(".")
    }

    fn alias(&self, field: &str) -> String {
        format!("\"{field}\"")
    }

    /// `json_each` yields JSON numbers as INTEGER and strings as TEXT; UUIDs (stored by sqlx as
    /// 16-byte BLOBs) travel as 32 hex digits and are turned back into BLOBs with `unhex`.
    /// No column of `json_each` reaches the result (sqlx cannot describe virtual tables).
    fn key_filter(&self, key_column: &str, kind: KeyKind) -> String {
        let value = if kind == KeyKind::Uuid { "unhex(value)" } else { "value" };
        format!("{key_column} IN (SELECT {value} FROM json_each(?1))")
    }

    /// `(t.a, t.b) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM
    /// json_each(?1))`: row-value `IN` de-duplicates and is served by an index on the columns.
    fn tuple_filter(&self, columns: &[String], kinds: &[KeyKind]) -> String {
        let values = kinds
            .iter()
            .enumerate()
            .map(|(index, kind)| {
                let value = format!("json_extract(value, '$[{index}]')");
                if *kind == KeyKind::Uuid { format!("unhex({value})") } else { value }
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("({}) IN (SELECT {values} FROM json_each(?1))", columns.join(", "))
    }
}
