//! MySQL / MariaDB: classified from the catalog (an index led by the key column), with the
//! `EXPLAIN` rows kept for the report. On small tables MariaDB plans a full scan whatever the
//! indexes, so the plan alone cannot say whether an index could serve the filter.

use futures_util::future::BoxFuture;
use sqlx::{Column as _, MySql, Pool, Row as _, TypeInfo as _};

use super::{Access, Explained, PlanDatabase};
use crate::LoaderInfo;

/// The indexes of a table whose first column is the key column, primary key first.
const INDEXES: &str = "SELECT INDEX_NAME FROM information_schema.STATISTICS \
     WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND COLUMN_NAME = ? AND SEQ_IN_INDEX = 1 \
     ORDER BY INDEX_NAME <> 'PRIMARY', NON_UNIQUE, INDEX_NAME";

impl PlanDatabase for MySql {
    /// Runs [`INDEXES`] (`information_schema.STATISTICS`, `SEQ_IN_INDEX = 1`, in the table's
    /// schema or `DATABASE()`) and `EXPLAIN <sql>` with `'[]'` bound.
    fn explain<'a>(pool: &'a Pool<Self>, loader: &'a LoaderInfo) -> BoxFuture<'a, Result<Explained, sqlx::Error>> {
        Box::pin(async move {
            let (schema, table) = match loader.table.rsplit_once('.') {
                Some((schema, table)) => (Some(schema), table),
                None => (None, loader.table),
            };
            let indexes = sqlx::query(INDEXES).bind(schema).bind(table).bind(loader.key_column).fetch_all(pool).await?;
            let index = match indexes.first() {
                Some(row) => Some(row.try_get_unchecked::<String, _>(0)?),
                None => None,
            };
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {}", loader.sql))).bind("[]").fetch_all(pool).await?;
            let plan = rows
                .iter()
                .map(|row| {
                    row.columns()
                        .iter()
                        .map(|column| format!("{}={}", column.name(), cell(row, column.ordinal())))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join("\n");
            let access = if index.is_some() { Access::Indexed } else { Access::FullScan };
            Ok(Explained { access, index, plan })
        })
    }
}

/// One `EXPLAIN` cell as text, whatever its type (`NULL` for SQL NULL).
fn cell(row: &sqlx::mysql::MySqlRow, index: usize) -> String {
    let type_name = row.columns()[index].type_info().name().to_ascii_uppercase();
    let value = if type_name.contains("INT") {
        row.try_get_unchecked::<Option<i64>, _>(index).map(|value| value.map(|value| value.to_string())).or_else(|_| {
            row.try_get_unchecked::<Option<u64>, _>(index).map(|value| value.map(|value| value.to_string()))
        })
    } else {
        row.try_get_unchecked::<Option<String>, _>(index)
    };
    value.ok().flatten().unwrap_or_else(|| "NULL".to_owned())
}
