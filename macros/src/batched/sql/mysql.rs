//! MySQL 8 / MariaDB 10.6+: the keys are one JSON array turned into rows by `JSON_TABLE`.

use super::{Dialect, KeyKind};

pub(super) struct Mysql;

impl Dialect for Mysql {
    fn quote(&self, identifier: &str) -> String {
        identifier.split('.').map(|part| format!("`{part}`")).collect::<Vec<_>>().join(".")
    }

    fn alias(&self, field: &str) -> String {
        format!("`{field}`")
    }

    /// The `JSON_TABLE` column has the SQL type of the key (so comparisons are typed, not
    /// textual); UUIDs (stored by sqlx as `BINARY(16)`) travel as 32 hex digits and go back
    /// to bytes with `UNHEX`.
    fn key_filter(&self, key_column: &str, kind: KeyKind) -> String {
        let (sql_type, value) = match kind {
            KeyKind::Uuid => ("CHAR(32)", "UNHEX(k.k)"),
            other => (other.mysql_type(), "k.k"),
        };
        format!("{key_column} IN (SELECT {value} FROM JSON_TABLE(?, '$[*]' COLUMNS (k {sql_type} PATH '$')) AS k)")
    }

    /// `(t.a, t.b) IN (SELECT k.k0, k.k1 FROM JSON_TABLE(?, '$[*]' COLUMNS (k0 <type> PATH
    /// '$[0]', k1 <type> PATH '$[1]')) AS k)`.
    fn tuple_filter(&self, columns: &[String], kinds: &[KeyKind]) -> String {
        let mut values = Vec::with_capacity(kinds.len());
        let mut definitions = Vec::with_capacity(kinds.len());
        for (index, kind) in kinds.iter().enumerate() {
            let (sql_type, value) = match kind {
                KeyKind::Uuid => ("CHAR(32)", format!("UNHEX(k.k{index})")),
                other => (other.mysql_type(), format!("k.k{index}")),
            };
            values.push(value);
            definitions.push(format!("k{index} {sql_type} PATH '$[{index}]'"));
        }
        format!(
            "({}) IN (SELECT {} FROM JSON_TABLE(?, '$[*]' COLUMNS ({})) AS k)",
            columns.join(", "),
            values.join(", "),
            definitions.join(", ")
        )
    }
}
