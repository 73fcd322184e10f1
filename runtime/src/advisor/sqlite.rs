//! SQLite: `EXPLAIN QUERY PLAN` of the loader statement, read at the row of alias `t`.

use futures_util::future::BoxFuture;
use sqlx::{Pool, Row as _, Sqlite};

use super::{Access, Explained, PlanDatabase};
use crate::LoaderInfo;

impl PlanDatabase for Sqlite {
    /// On one connection: `SELECT count(*) FROM sqlite_schema` (so the connection sees the
    /// current schema), then `EXPLAIN QUERY PLAN <sql>` with `'[]'` bound to `?1` (the plan
    /// does not depend on the keys), not cached.
    fn explain<'a>(pool: &'a Pool<Self>, loader: &'a LoaderInfo) -> BoxFuture<'a, Result<Explained, sqlx::Error>> {
        Box::pin(async move {
            let mut connection = pool.acquire().await?;
            // An EXPLAIN program never checks the schema cookie: a read first makes this
            // connection reload a schema another connection changed (a new index), and the
            // plan statement is never cached (a cached one would keep its stale plan).
            sqlx::query("SELECT count(*) FROM sqlite_schema").persistent(false).fetch_one(&mut *connection).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", loader.sql)))
                .bind("[]")
                .persistent(false)
                .fetch_all(&mut *connection)
                .await?;
            let mut lines = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = row.try_get(0)?;
                let parent: i64 = row.try_get(1)?;
                let detail: String = row.try_get(3)?;
                lines.push((id, parent, detail));
            }
            let plan = lines
                .iter()
                .map(|(_, parent, detail)| {
                    let depth = depth(&lines, *parent);
                    format!("{}{detail}", "  ".repeat(depth))
                })
                .collect::<Vec<_>>()
                .join("\n");
            let (access, index) = lines
                .iter()
                .find_map(|(_, _, detail)| classify(detail, loader.key_column))
                .unwrap_or((Access::FullScan, None));
            Ok(Explained { access, index, plan })
        })
    }
}

/// Nesting depth of a plan row whose parent is `parent` (0 at the top).
fn depth(lines: &[(i64, i64, String)], mut parent: i64) -> usize {
    let mut depth = 0;
    while parent != 0 && depth < lines.len() {
        depth += 1;
        parent = lines.iter().find(|(id, _, _)| *id == parent).map_or(0, |(_, up, _)| *up);
    }
    depth
}

/// The access of the row reading alias `t` (`SCAN t ...` / `SEARCH t ...`; older SQLite
/// writes `TABLE name AS t`), or `None` for rows about other tables.
fn classify(detail: &str, key_column: &str) -> Option<(Access, Option<String>)> {
    let words: Vec<&str> = detail.split_whitespace().collect();
    let verb = *words.first()?;
    if verb != "SCAN" && verb != "SEARCH" {
        return None;
    }
    let rest = &words[1..];
    let is_t = matches!(rest, ["t", ..] | [_, "AS", "t", ..] | ["TABLE", _, "AS", "t", ..]);
    if !is_t {
        return None;
    }
    if verb == "SCAN" || detail.contains("AUTOMATIC") {
        return Some((Access::FullScan, None));
    }
    // The constraint list `(col=? ...)`: the first term must be the key column (or the rowid
    // for an INTEGER PRIMARY KEY).
    let constraint = detail.rsplit_once('(').map_or("", |(_, inside)| inside);
    let first = constraint.split(['=', '>', '<', ' ', ')']).next().unwrap_or("");
    let index = if let Some(at) = words.iter().position(|word| *word == "INDEX") {
        if detail.contains("PRIMARY KEY") { None } else { words.get(at + 1).map(|name| (*name).to_owned()) }
    } else {
        None
    };
    let index = match index {
        Some(name) => name,
        None if detail.contains("INTEGER PRIMARY KEY") => "INTEGER PRIMARY KEY".to_owned(),
        None if detail.contains("PRIMARY KEY") => "PRIMARY KEY".to_owned(),
        None => return Some((Access::FullScan, None)),
    };
    let on_key = first.eq_ignore_ascii_case(key_column) || (index == "INTEGER PRIMARY KEY" && first == "rowid");
    Some(if on_key { (Access::Indexed, Some(index)) } else { (Access::FullScan, None) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_rows() {
        assert_eq!(classify("SCAN t", "bot_id"), Some((Access::FullScan, None)));
        assert_eq!(classify("SCAN json_each VIRTUAL TABLE INDEX 1:", "bot_id"), None);
        assert_eq!(
            classify("SEARCH t USING INDEX idx_bot_stances_bot_id (bot_id=?)", "bot_id"),
            Some((Access::Indexed, Some("idx_bot_stances_bot_id".to_owned())))
        );
        assert_eq!(
            classify("SEARCH t USING COVERING INDEX i (bot_id=? AND created_at>?)", "bot_id"),
            Some((Access::Indexed, Some("i".to_owned())))
        );
        assert_eq!(
            classify("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "id"),
            Some((Access::Indexed, Some("INTEGER PRIMARY KEY".to_owned())))
        );
        assert_eq!(
            classify("SEARCH t USING AUTOMATIC COVERING INDEX (bot_id=?)", "bot_id"),
            Some((Access::FullScan, None))
        );
        assert_eq!(
            classify("SEARCH TABLE bots AS t USING INDEX other (name=?)", "bot_id"),
            Some((Access::FullScan, None))
        );
    }
}
