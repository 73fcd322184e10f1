//! PostgreSQL: the plan with sequential scans disabled, so an index that *can* serve the key
//! filter is used even on a table small enough to be read sequentially.

use futures_util::future::BoxFuture;
use serde_json::Value;
use sqlx::{Pool, Postgres, Row as _};

use super::suggestion::mentions_column;
use super::{Access, Explained, PlanDatabase};
use crate::LoaderInfo;

impl PlanDatabase for Postgres {
    /// In a transaction that is rolled back: `SET LOCAL enable_seqscan = off`,
    /// `SET LOCAL jit = off`, then
    /// `EXPLAIN (FORMAT JSON)` (classified) and `EXPLAIN` (kept as text) of the loader SQL
    /// without its `ORDER BY` (so a walk of the primary key index in order is not preferred to
    /// the key's index) and with `$1` replaced by a sample of the key column itself,
    /// `ARRAY(SELECT t2."key" FROM "table" AS t2 LIMIT 3)`:
    /// an array of the column's own type whatever it is (enums and domains included), and not
    /// a constant the planner could fold.
    fn explain<'a>(pool: &'a Pool<Self>, loader: &'a LoaderInfo) -> BoxFuture<'a, Result<Explained, sqlx::Error>> {
        Box::pin(async move {
            let sql = representative_sql(loader);
            let mut transaction = pool.begin().await?;
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *transaction).await?;
            // The huge costs of disabled scans would otherwise add JIT details to the plan.
            sqlx::query("SET LOCAL jit = off").execute(&mut *transaction).await?;
            let json_row = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN (FORMAT JSON) {sql}")))
                .fetch_one(&mut *transaction)
                .await?;
            // `json` travels as its text in both wire formats.
            let json: String = json_row.try_get_unchecked(0)?;
            let text_rows =
                sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}"))).fetch_all(&mut *transaction).await?;
            transaction.rollback().await?;
            let plan =
                text_rows.iter().map(|row| row.try_get::<String, _>(0)).collect::<Result<Vec<_>, _>>()?.join("\n");
            let parsed: Value = serde_json::from_str(&json).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
            let bare_table = loader.table.rsplit('.').next().unwrap_or(loader.table);
            let root = parsed.get(0).and_then(|entry| entry.get("Plan")).unwrap_or(&Value::Null);
            let (access, index) = classify(root, bare_table, loader.key_column).unwrap_or((Access::FullScan, None));
            Ok(Explained { access, index, plan })
        })
    }
}

/// The loader SQL with its key-list parameter replaced by a sample of the key column.
fn representative_sql(loader: &LoaderInfo) -> String {
    let quote = |name: &str| name.split('.').map(|part| format!("\"{part}\"")).collect::<Vec<_>>().join(".");
    let sample = format!("ARRAY(SELECT t2.{} FROM {} AS t2 LIMIT 3)", quote(loader.key_column), quote(loader.table));
    let sql = loader.sql.replacen("$1", &sample, 1);
    // Without its ORDER BY: the question is whether an index serves the filter, and a group
    // loader ordered by the primary key would otherwise be planned as a full walk of the
    // primary key index (which returns rows in order) filtered row by row.
    match sql.rfind(" ORDER BY ") {
        Some(at) => sql[..at].to_owned(),
        None => sql,
    }
}

fn text<'v>(node: &'v Value, field: &str) -> &'v str {
    node.get(field).and_then(Value::as_str).unwrap_or("")
}

fn children(node: &Value) -> &[Value] {
    node.get("Plans").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The access of the scan of alias `t` on `table` in the plan tree under `node`.
fn classify(node: &Value, table: &str, key_column: &str) -> Option<(Access, Option<String>)> {
    if text(node, "Alias") == "t" && text(node, "Relation Name") == table {
        let on_key = |node: &Value| mentions_column(text(node, "Index Cond"), key_column);
        return Some(match text(node, "Node Type") {
            "Index Scan" | "Index Only Scan" if on_key(node) => {
                (Access::Indexed, Some(text(node, "Index Name").to_owned()))
            }
            "Bitmap Heap Scan" => match bitmap_index(node, key_column) {
                Some(index) => (Access::Indexed, Some(index)),
                None => (Access::FullScan, None),
            },
            _ => (Access::FullScan, None),
        });
    }
    children(node).iter().find_map(|child| classify(child, table, key_column))
}

/// The Bitmap Index Scan under a Bitmap Heap Scan whose condition is on the key column.
fn bitmap_index(node: &Value, key_column: &str) -> Option<String> {
    children(node).iter().find_map(|child| {
        if text(child, "Node Type") == "Bitmap Index Scan" && mentions_column(text(child, "Index Cond"), key_column) {
            Some(text(child, "Index Name").to_owned())
        } else {
            bitmap_index(child, key_column)
        }
    })
}
