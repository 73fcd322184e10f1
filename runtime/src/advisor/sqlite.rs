//! SQLite: `EXPLAIN QUERY PLAN` of the statement, read at the row of the key table's alias (a
//! view's base table alias, from the view's definition); the what-if proof on an in-memory copy
//! of the schema and its statistics.

use std::str::FromStr as _;

use futures_util::future::BoxFuture;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _, Pool, Row as _, Sqlite};

use super::statement::{LoaderStatement, alias_of, bare, parameters};
use super::suggestion::{Suggestion, Verification};
use super::view::{Origin, origin};
use super::{Access, Inspection, PlanDatabase, Target, describe};

impl PlanDatabase for Sqlite {
    fn inspect<'a>(pool: &'a Pool<Self>, statement: &'a LoaderStatement) -> BoxFuture<'a, Inspection> {
        Box::pin(async move {
            match pool.acquire().await {
                Ok(mut connection) => {
                    inspect(&mut connection, statement).await.unwrap_or_else(Inspection::not_analyzed)
                }
                Err(error) => Inspection::not_analyzed(describe(&error)),
            }
        })
    }

    fn verify<'a>(
        pool: &'a Pool<Self>,
        statement: &'a LoaderStatement,
        suggestion: &'a Suggestion,
        assumed: &'a [Suggestion],
    ) -> BoxFuture<'a, Verification> {
        Box::pin(async move {
            let verification = match pool.acquire().await {
                Ok(mut connection) => verify(&mut connection, statement, suggestion, assumed).await,
                Err(error) => Err(describe(&error)),
            };
            verification.unwrap_or_else(|reason| Verification::NotVerified { reason })
        })
    }
}

/// Where the key's rows come from: the alias the plan shows, the base table and its column.
enum Source {
    Table { alias: String, table: String, column: String, is_view: bool },
    Computed(String),
}

async fn resolve(connection: &mut SqliteConnection, statement: &LoaderStatement) -> Result<Source, String> {
    let row =
        sqlx::query("SELECT type, sql FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view')")
            .bind(statement.bare_table())
            .persistent(false)
            .fetch_optional(&mut *connection)
            .await
            .map_err(|error| describe(&error))?
            .ok_or_else(|| format!("no table or view named {} in this database", statement.table))?;
    let (kind, sql): (String, String) = (row.get(0), row.get(1));
    let key = &statement.key_columns[0];
    if kind == "table" {
        return Ok(Source::Table {
            alias: alias_of(&statement.sql, &statement.table, key),
            table: statement.bare_table().to_owned(),
            column: key.clone(),
            is_view: false,
        });
    }
    match origin(&sql, key) {
        Some(Origin::Column { alias, table, column }) => {
            Ok(Source::Table { alias, table: bare(&table).to_owned(), column, is_view: true })
        }
        Some(Origin::Computed(expression)) => Ok(Source::Computed(expression)),
        None => Err(format!("column {key} of view {} is not understood from the view's definition", statement.table)),
    }
}

/// `EXPLAIN QUERY PLAN` rows (id, parent, detail) with `'[]'` bound to the key list and `NULL`
/// to every other parameter; never cached (a cached plan would outlive a new index).
async fn query_plan(connection: &mut SqliteConnection, sql: &str) -> Result<Vec<(i64, i64, String)>, String> {
    // An EXPLAIN program never checks the schema cookie: a read first makes this connection
    // reload a schema another connection changed (a new index).
    sqlx::query("SELECT count(*) FROM sqlite_schema")
        .persistent(false)
        .fetch_one(&mut *connection)
        .await
        .map_err(|error| describe(&error))?;
    let count = parameters(sql).into_iter().max().unwrap_or(0);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"))).persistent(false);
    for number in 1..=count {
        query = if number == 1 { query.bind("[]") } else { query.bind(None::<String>) };
    }
    let rows = query.fetch_all(&mut *connection).await.map_err(|error| describe(&error))?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(3)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(|error| describe(&error))
}

fn plan_text(lines: &[(i64, i64, String)]) -> String {
    lines
        .iter()
        .map(|(_, parent, detail)| {
            let mut depth = 0;
            let mut parent = *parent;
            while parent != 0 && depth < lines.len() {
                depth += 1;
                parent = lines.iter().find(|(id, _, _)| *id == parent).map_or(0, |(_, up, _)| *up);
            }
            format!("{}{detail}", "  ".repeat(depth))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The access of the plan row reading `alias` (`SCAN a ...` / `SEARCH a ...`; older SQLite
/// writes `TABLE name AS a`): `Ok(index)` when an index led by `column` (or, for a composite
/// key, by any of `others`, the key's other columns) serves it, `Err(why)`
/// for a scan, `None` for rows about other tables. `rowid` is the table's INTEGER PRIMARY KEY
/// column (a search by `rowid` serves only that column).
fn classify(
    detail: &str,
    alias: &str,
    column: &str,
    others: &[String],
    rowid: Option<&str>,
) -> Option<Result<String, String>> {
    let words: Vec<&str> = detail.split_whitespace().collect();
    let verb = *words.first()?;
    if verb != "SCAN" && verb != "SEARCH" {
        return None;
    }
    let is_alias = |word: &str| word.eq_ignore_ascii_case(alias);
    let matches = match &words[1..] {
        [first, ..] if is_alias(first) => true,
        [_, as_word, second, ..] if *as_word == "AS" && is_alias(second) => true,
        ["TABLE", _, as_word, second, ..] if *as_word == "AS" && is_alias(second) => true,
        ["TABLE", name, ..] if is_alias(name) => true,
        _ => false,
    };
    if !matches {
        return None;
    }
    if verb == "SCAN" {
        return Some(Err(detail.to_owned()));
    }
    if detail.contains("AUTOMATIC") {
        return Some(Err(format!("{detail}: an automatic index built from a full scan at every run")));
    }
    // The constraint list `(col=? ...)`: its first term must be the key column (or the rowid
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
        None => return Some(Err(detail.to_owned())),
    };
    let key_columns = || std::iter::once(column).chain(others.iter().map(String::as_str));
    let is_rowid = rowid.is_some_and(|rowid| key_columns().any(|key| rowid.eq_ignore_ascii_case(key)));
    let on_key = key_columns().any(|key| first.eq_ignore_ascii_case(key))
        || (index == "INTEGER PRIMARY KEY" && first == "rowid" && is_rowid);
    Some(if on_key { Ok(index) } else { Err(format!("{detail}: the index is not led by {column}")) })
}

/// The INTEGER PRIMARY KEY column of `table` (the rowid's alias), if it has one.
async fn rowid_column(connection: &mut SqliteConnection, table: &str) -> Result<Option<String>, String> {
    let primary: Vec<(String, String)> =
        sqlx::query_as("SELECT name, type FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
            .bind(table)
            .persistent(false)
            .fetch_all(&mut *connection)
            .await
            .map_err(|error| describe(&error))?;
    Ok(match primary.as_slice() {
        [(name, kind)] if kind.eq_ignore_ascii_case("INTEGER") => Some(name.clone()),
        _ => None,
    })
}

async fn inspect(connection: &mut SqliteConnection, statement: &LoaderStatement) -> Result<Inspection, String> {
    let source = resolve(connection, statement).await?;
    let lines = query_plan(connection, &statement.sql).await?;
    let mut inspection = Inspection { plan: plan_text(&lines), ..Inspection::default() };
    let (alias, table, column, is_view) = match source {
        Source::Computed(expression) => {
            inspection.access = Some(Access::NotIndexable);
            inspection.reason = Some(format!(
                "the view computes {} as `{expression}`: no index on a column can serve it",
                statement.key_columns[0]
            ));
            return Ok(inspection);
        }
        Source::Table { alias, table, column, is_view } => (alias, table, column, is_view),
    };
    let rowid = rowid_column(connection, &table).await?;
    // A composite key's other columns (a view's key is read through its definition: one column).
    let others = statement.other_key_columns(is_view);
    let verdict = lines.iter().find_map(|(_, _, detail)| classify(detail, &alias, &column, others, rowid.as_deref()));
    // A view SQLite does not flatten is computed whole (a co-routine or a materialized table)
    // and its result scanned under the statement's own alias: unless the key filter was pushed
    // into it (then the base row is a SEARCH), no index can serve the filter.
    let view_alias = alias_of(&statement.sql, &statement.table, &statement.key_columns[0]);
    let view_scanned = is_view
        && lines
            .iter()
            .any(|(_, _, detail)| classify(detail, &view_alias, "", &[], None).is_some_and(|verdict| verdict.is_err()));
    let verdict = match verdict {
        Some(Err(_)) if view_scanned => {
            inspection.access = Some(Access::NotIndexable);
            inspection.reason = Some(format!(
                "SQLite computes the view {} whole before the key filter (it is not flattened into the statement): no index can serve it",
                statement.table
            ));
            None
        }
        Some(verdict) => Some(verdict),
        None => {
            inspection.access = Some(Access::NotAnalyzed);
            inspection.reason = Some(format!("the plan has no row reading {table} (alias {alias}): not understood"));
            None
        }
    };
    match verdict {
        Some(Ok(index)) => {
            inspection.access = Some(Access::Indexed);
            inspection.index = Some(index);
        }
        Some(Err(reason)) => {
            inspection.access = Some(Access::FullScan);
            inspection.reason = Some(reason);
            let columns = if is_view { vec![column.clone()] } else { statement.index_columns() };
            inspection.target(Target { table: table.clone(), columns, partitioned: false });
            index_notes(connection, &table, &column, &mut inspection).await?;
        }
        None => {}
    }
    if statement.unique {
        if is_view {
            inspection.findings.push("uniqueness of a view's key column is not checked".to_owned());
        } else {
            uniqueness(connection, statement, &mut inspection).await?;
        }
    }
    Ok(inspection)
}

/// The indexes of `table`: name, unique, partial, and their columns (`None` for an expression).
async fn indexes(
    connection: &mut SqliteConnection,
    table: &str,
) -> Result<Vec<(String, bool, bool, Vec<Option<String>>)>, String> {
    let rows = sqlx::query("SELECT name, \"unique\", partial FROM pragma_index_list(?1) ORDER BY name")
        .bind(table)
        .persistent(false)
        .fetch_all(&mut *connection)
        .await
        .map_err(|error| describe(&error))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, unique, partial): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
        let columns: Vec<Option<String>> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
            .bind(&name)
            .persistent(false)
            .fetch_all(&mut *connection)
            .await
            .map_err(|error| describe(&error))?;
        out.push((name, unique, partial, columns));
    }
    Ok(out)
}

/// Findings for partial indexes led by the key column and expression indexes on the table.
async fn index_notes(
    connection: &mut SqliteConnection,
    table: &str,
    column: &str,
    inspection: &mut Inspection,
) -> Result<(), String> {
    for (name, _, partial, columns) in indexes(connection, table).await? {
        let leads = columns
            .first()
            .is_some_and(|first| first.as_deref().is_some_and(|first| first.eq_ignore_ascii_case(column)));
        if partial && leads {
            inspection.findings.push(format!(
                "partial index {name} cannot serve this statement: its WHERE does not imply the index's predicate"
            ));
        } else if columns.first().is_some_and(Option::is_none) {
            inspection.findings.push(format!("index {name} leads with an expression: not checked"));
        }
    }
    Ok(())
}

async fn uniqueness(
    connection: &mut SqliteConnection,
    statement: &LoaderStatement,
    inspection: &mut Inspection,
) -> Result<(), String> {
    let table = statement.bare_table();
    let keys = &statement.key_columns;
    let covered = |columns: &[Option<String>]| {
        !columns.is_empty()
            && columns.iter().all(|column| {
                column.as_deref().is_some_and(|column| keys.iter().any(|key| key.eq_ignore_ascii_case(column)))
            })
    };
    // An INTEGER PRIMARY KEY (the rowid) is in no index list.
    if let Some(rowid) = rowid_column(connection, table).await?
        && covered(&[Some(rowid)])
    {
        return Ok(());
    }
    let mut partial_unique = None;
    for (name, unique, partial, columns) in indexes(connection, table).await? {
        if unique && covered(&columns) {
            if !partial {
                return Ok(());
            }
            partial_unique = Some(name);
        }
    }
    let detail = partial_unique.map(|name| format!(" (unique index {name} is partial)")).unwrap_or_default();
    inspection.not_unique(statement, &detail);
    Ok(())
}

/// The what-if check on an in-memory copy of the schema (tables, indexes, views) and of
/// `sqlite_stat1`: the suggested index is created there and the statement planned again.
async fn verify(
    connection: &mut SqliteConnection,
    statement: &LoaderStatement,
    suggestion: &Suggestion,
    assumed: &[Suggestion],
) -> Result<Verification, String> {
    let objects: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('table', 'index', 'view') \
         AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
    )
    .persistent(false)
    .fetch_all(&mut *connection)
    .await
    .map_err(|error| describe(&error))?;
    let has_stats: bool = sqlx::query_scalar("SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'sqlite_stat1'")
        .persistent(false)
        .fetch_one(&mut *connection)
        .await
        .map_err(|error| describe(&error))?;
    let stats: Vec<(String, Option<String>, String)> = if has_stats {
        sqlx::query_as("SELECT tbl, idx, stat FROM sqlite_stat1")
            .persistent(false)
            .fetch_all(&mut *connection)
            .await
            .map_err(|error| describe(&error))?
    } else {
        Vec::new()
    };
    let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(|error| describe(&error))?;
    let mut copy = options.connect().await.map_err(|error| describe(&error))?;
    let outcome = async {
        for (name, sql) in &objects {
            if let Err(error) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut copy).await {
                // Virtual tables of modules this build lacks are left out; the key table must copy.
                if name.eq_ignore_ascii_case(statement.bare_table()) || name.eq_ignore_ascii_case(&suggestion.table) {
                    return Err(format!("copying {name} into memory failed: {}", describe(&error)));
                }
            }
        }
        if !stats.is_empty() {
            sqlx::raw_sql("ANALYZE; DELETE FROM sqlite_stat1")
                .execute(&mut copy)
                .await
                .map_err(|error| describe(&error))?;
            for (table, index, stat) in &stats {
                sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)")
                    .bind(table)
                    .bind(index)
                    .bind(stat)
                    .execute(&mut copy)
                    .await
                    .map_err(|error| describe(&error))?;
            }
            sqlx::raw_sql("ANALYZE sqlite_schema").execute(&mut copy).await.map_err(|error| describe(&error))?;
        }
        for other in assumed {
            sqlx::raw_sql(sqlx::AssertSqlSafe(other.ddl().to_owned()))
                .execute(&mut copy)
                .await
                .map_err(|error| format!("an assumed index fails on the copy: {}", describe(&error)))?;
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(suggestion.ddl().to_owned()))
            .execute(&mut copy)
            .await
            .map_err(|error| format!("the suggested index fails on the copy: {}", describe(&error)))?;
        let Source::Table { alias, column, is_view, .. } = resolve(&mut copy, statement).await? else {
            return Err("the key is computed".to_owned());
        };
        let lines = query_plan(&mut copy, &statement.sql).await?;
        let rowid = rowid_column(&mut copy, &suggestion.table).await?;
        let others = statement.other_key_columns(is_view);
        Ok(match lines.iter().find_map(|(_, _, detail)| classify(detail, &alias, &column, others, rowid.as_deref())) {
            Some(Ok(index)) if index == suggestion.name() => Verification::Verified {
                method: "in-memory copy of the schema",
                cost_before: None,
                cost_after: None,
                assumed: assumed.iter().map(|other| other.name().to_owned()).collect(),
            },
            Some(Ok(index)) => Verification::Rejected { reason: format!("the planner uses {index} instead") },
            Some(Err(row)) => Verification::Rejected { reason: format!("the planner would not use it: {row}") },
            None => Verification::Rejected { reason: format!("the plan has no row for {alias}") },
        })
    }
    .await;
    let _ = copy.close().await;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_rows() {
        let scan = |detail: &str| Some(Err(detail.to_owned()));
        assert_eq!(classify("SCAN t", "t", "bot_id", &[], Some("id")), scan("SCAN t"));
        assert_eq!(classify("SCAN json_each VIRTUAL TABLE INDEX 1:", "t", "bot_id", &[], Some("id")), None);
        assert_eq!(
            classify("SEARCH t USING INDEX idx_bot_stances_bot_id (bot_id=?)", "t", "bot_id", &[], Some("id")),
            Some(Ok("idx_bot_stances_bot_id".to_owned()))
        );
        assert_eq!(
            classify("SEARCH t USING COVERING INDEX i (bot_id=? AND created_at>?)", "t", "bot_id", &[], Some("id")),
            Some(Ok("i".to_owned()))
        );
        assert_eq!(
            classify("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "t", "id", &[], Some("id")),
            Some(Ok("INTEGER PRIMARY KEY".to_owned()))
        );
        assert!(matches!(
            classify("SEARCH t USING AUTOMATIC COVERING INDEX (bot_id=?)", "t", "bot_id", &[], Some("id")),
            Some(Err(_))
        ));
        assert!(matches!(
            classify("SEARCH TABLE bots AS t USING INDEX other (name=?)", "t", "bot_id", &[], Some("id")),
            Some(Err(_))
        ));
        assert_eq!(
            classify("SCAN p USING COVERING INDEX adv_posts_kind_editor", "p", "editor_id", &[], Some("id")),
            scan("SCAN p USING COVERING INDEX adv_posts_kind_editor")
        );
        assert!(matches!(
            classify(
                "SEARCH p USING INDEX adv_posts_kind_editor (ANY(kind) AND editor_id=?)",
                "p",
                "editor_id",
                &[],
                Some("id")
            ),
            Some(Err(_))
        ));
        assert_eq!(classify("SEARCH p USING INDEX x (a=?)", "t", "a", &[], Some("id")), None);
        // A composite key `(topic_id, bot_id)` is served by an index led by any of its columns.
        let others = ["bot_id".to_owned()];
        assert_eq!(
            classify("SEARCH t USING PRIMARY KEY (bot_id=? AND topic_id=?)", "t", "topic_id", &others, None),
            Some(Ok("PRIMARY KEY".to_owned()))
        );
        assert_eq!(
            classify("SEARCH t USING INDEX by_position (position=?)", "t", "topic_id", &others, None),
            Some(Err("SEARCH t USING INDEX by_position (position=?): the index is not led by topic_id".to_owned()))
        );
        // A rowid search serves the INTEGER PRIMARY KEY column only (a join's lookup is not the key).
        assert!(matches!(
            classify("SEARCH a USING INTEGER PRIMARY KEY (rowid=?)", "a", "name", &[], Some("id")),
            Some(Err(_))
        ));
    }
}
