//! MySQL / MariaDB: classified from the catalog (an index led by the key column, on a view's
//! base table), with the `EXPLAIN` rows kept for the report; the what-if proof in a scratch
//! database holding copies of the tables' definitions and a sample of their rows. On small
//! tables MariaDB plans a full scan whatever the indexes, so the plan alone cannot say whether
//! an index could serve the filter.

use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::BoxFuture;
use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::{AssertSqlSafe, Column as _, ConnectOptions as _, Connection as _, MySql, Pool, Row as _, TypeInfo as _};

use super::statement::{LoaderStatement, alias_of, bare, parameters};
use super::suggestion::{Suggestion, Verification};
use super::view::{Origin, origin, read_tables};
use super::{Access, Inspection, PlanDatabase, Target, describe};

/// Rows copied per table into the scratch database of the what-if check.
const SAMPLE_ROWS: u32 = 10_000;

impl PlanDatabase for MySql {
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
            verify(pool, statement, suggestion, assumed)
                .await
                .unwrap_or_else(|reason| Verification::NotVerified { reason })
        })
    }
}

/// `(schema, table)` of a name written `schema.table` or `table` (schema `None`: the
/// connection's database).
fn split(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('.') {
        Some((schema, table)) => (Some(schema), table),
        None => (None, name),
    }
}

/// `BASE TABLE`, `VIEW` or `SYSTEM VIEW` for a relation, `None` when missing.
async fn table_type(connection: &mut MySqlConnection, name: &str) -> Result<Option<String>, String> {
    let (schema, table) = split(name);
    sqlx::query_scalar("SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?")
        .bind(schema)
        .bind(table)
        .fetch_optional(&mut *connection)
        .await
        .map_err(|error| describe(&error))
}

async fn view_definition(connection: &mut MySqlConnection, name: &str) -> Result<String, String> {
    let (schema, table) = split(name);
    let definition: Option<String> = sqlx::query_scalar(
        "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?",
    )
    .bind(schema)
    .bind(table)
    .fetch_optional(&mut *connection)
    .await
    .map_err(|error| describe(&error))?;
    match definition {
        Some(definition) if !definition.is_empty() => Ok(definition),
        _ => Err(format!("the definition of view {name} is not readable (SHOW VIEW privilege)")),
    }
}

/// One index of a table: name, unique, columns in order (`None` for an expression).
struct Index {
    name: String,
    unique: bool,
    columns: Vec<Option<String>>,
}

async fn indexes(connection: &mut MySqlConnection, name: &str) -> Result<Vec<Index>, String> {
    let (schema, table) = split(name);
    let rows = sqlx::query(
        "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? \
         ORDER BY INDEX_NAME <> 'PRIMARY', NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(&mut *connection)
    .await
    .map_err(|error| describe(&error))?;
    let mut out: Vec<Index> = Vec::new();
    for row in rows {
        let name: String = row.try_get_unchecked(0).map_err(|error| describe(&error))?;
        let non_unique: i64 = row.try_get_unchecked(1).map_err(|error| describe(&error))?;
        let column: Option<String> = row.try_get_unchecked(2).map_err(|error| describe(&error))?;
        match out.last_mut() {
            Some(index) if index.name == name => index.columns.push(column),
            _ => out.push(Index { name, unique: non_unique == 0, columns: vec![column] }),
        }
    }
    Ok(out)
}

/// `EXPLAIN` of `sql` with `'[]'` bound to the key list and `NULL` to every other parameter,
/// one line per row (`column=value ...`).
async fn explain(connection: &mut MySqlConnection, sql: &str) -> Result<Vec<MySqlRow>, sqlx::Error> {
    let count = parameters(sql).len();
    let mut query = sqlx::query(AssertSqlSafe(format!("EXPLAIN {sql}")));
    for number in 1..=count {
        query = if number == 1 { query.bind("[]") } else { query.bind(None::<String>) };
    }
    query.fetch_all(&mut *connection).await
}

fn rows_text(rows: &[MySqlRow]) -> String {
    rows.iter()
        .map(|row| {
            row.columns()
                .iter()
                .map(|column| format!("{}={}", column.name(), cell(row, column.ordinal())))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One `EXPLAIN` cell as text, whatever its type (`NULL` for SQL NULL).
fn cell(row: &MySqlRow, index: usize) -> String {
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

fn named(row: &MySqlRow, column: &str) -> String {
    row.columns().iter().find(|c| c.name() == column).map(|c| cell(row, c.ordinal())).unwrap_or_default()
}

/// The key's base table (a view resolved through its definition), the alias plans show for
/// it, and its column; `Err` with the reason for a computed view column.
async fn resolve(
    connection: &mut MySqlConnection,
    statement: &LoaderStatement,
) -> Result<Result<(String, String, String, bool), String>, String> {
    let key = &statement.key_columns[0];
    match table_type(connection, &statement.table).await?.as_deref() {
        None => Err(format!("no table or view named {} in this database", statement.table)),
        Some("VIEW") => {
            let definition = view_definition(connection, &statement.table).await?;
            match origin(&definition, key) {
                Some(Origin::Column { alias, table, column }) => {
                    // A view's tables are written `db`.`table`: bare when in this database.
                    let current: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
                        .fetch_one(&mut *connection)
                        .await
                        .map_err(|error| describe(&error))?;
                    let table = match split(&table) {
                        (Some(schema), name) if Some(schema) == current.as_deref() => name.to_owned(),
                        _ => table,
                    };
                    Ok(Ok((table, alias, column, true)))
                }
                Some(Origin::Computed(expression)) => Ok(Err(expression)),
                None => Err(format!("column {key} of view {} is not understood from its definition", statement.table)),
            }
        }
        Some(_) => {
            Ok(Ok((statement.table.clone(), alias_of(&statement.sql, &statement.table, key), key.clone(), false)))
        }
    }
}

async fn inspect(connection: &mut MySqlConnection, statement: &LoaderStatement) -> Result<Inspection, String> {
    let resolved = resolve(connection, statement).await?;
    let plan = match explain(connection, &statement.sql).await {
        Ok(rows) => rows_text(&rows),
        Err(error) => format!("EXPLAIN failed: {}", describe(&error)),
    };
    let mut inspection = Inspection { plan, ..Inspection::default() };
    let (table, _alias, column, is_view) = match resolved {
        Err(expression) => {
            inspection.access = Some(Access::NotIndexable);
            inspection.reason = Some(format!(
                "the view computes {} as `{expression}`: no index on a column can serve it",
                statement.key_columns[0]
            ));
            return Ok(inspection);
        }
        Ok(found) => found,
    };
    let all = indexes(connection, &table).await?;
    // A composite key `(a, b)` is served by an index led by any of its columns.
    let others = statement.other_key_columns(is_view);
    let is_key =
        |name: &str| name.eq_ignore_ascii_case(&column) || others.iter().any(|other| name.eq_ignore_ascii_case(other));
    let leads = |index: &Index| index.columns.first().is_some_and(|first| first.as_deref().is_some_and(&is_key));
    if let Some(index) = all.iter().find(|index| leads(index)) {
        inspection.access = Some(Access::Indexed);
        inspection.index = Some(index.name.clone());
    } else {
        let others: Vec<String> = all
            .iter()
            .filter(|index| index.columns.iter().any(|c| c.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(&column))))
            .map(|index| format!("{} is led by {}", index.name, index.columns[0].as_deref().unwrap_or("an expression")))
            .collect();
        inspection.access = Some(Access::FullScan);
        inspection.reason = Some(if others.is_empty() {
            format!("no index of {table} is led by {column}")
        } else {
            format!("no index of {table} is led by {column} ({})", others.join(", "))
        });
        let columns = if is_view { vec![column.clone()] } else { statement.index_columns() };
        inspection.target(Target { table: table.clone(), columns, partitioned: false });
        for index in &all {
            if index.columns.first().is_some_and(Option::is_none) {
                inspection.findings.push(format!("index {} leads with an expression: not checked", index.name));
            }
        }
    }
    if statement.unique {
        if is_view {
            inspection.findings.push("uniqueness of a view's key column is not checked".to_owned());
        } else {
            let keys = &statement.key_columns;
            let unique = all.iter().any(|index| {
                index.unique
                    && index.columns.iter().all(|column| {
                        column.as_deref().is_some_and(|column| keys.iter().any(|key| key.eq_ignore_ascii_case(column)))
                    })
            });
            if !unique {
                inspection.not_unique(statement, "");
            }
        }
    }
    Ok(inspection)
}

/// `Last_query_cost` of the last statement planned on `connection`.
async fn last_cost(connection: &mut MySqlConnection) -> Result<Option<f64>, String> {
    let row = sqlx::query("SHOW SESSION STATUS LIKE 'Last_query_cost'")
        .fetch_optional(&mut *connection)
        .await
        .map_err(|error| describe(&error))?;
    Ok(row.and_then(|row| row.try_get_unchecked::<String, _>(1).ok()).and_then(|value| value.parse().ok()))
}

/// The what-if check: a scratch database with the tables the statement reads (definitions,
/// up to [`SAMPLE_ROWS`] rows each, `ANALYZE TABLE`) and its views; `EXPLAIN` before and after
/// creating the index there. The scratch database is dropped afterwards.
async fn verify(
    pool: &Pool<MySql>,
    statement: &LoaderStatement,
    suggestion: &Suggestion,
    assumed: &[Suggestion],
) -> Result<Verification, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let scratch = format!("batchload_whatif_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut connection = pool.acquire().await.map_err(|error| describe(&error))?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT DATABASE()").fetch_one(&mut *connection).await.map_err(|error| describe(&error))?;
    let current = current.ok_or("the pool's connections have no current database")?;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE `{scratch}`")))
        .execute(&mut *connection)
        .await
        .map_err(|error| format!("creating the scratch database failed: {}", describe(&error)))?;
    let outcome = async {
        // The tables to copy: those the statement reads, a view's own tables, recursively.
        let mut pending = read_tables(&statement.sql);
        let mut views: Vec<(String, String)> = Vec::new();
        let mut copied: Vec<String> = Vec::new();
        while let Some(name) = pending.pop() {
            let name = match split(&name) {
                (Some(schema), table) if schema == current => table.to_owned(),
                (Some(_), _) => return Err(format!("{name} is in another database: not copied")),
                (None, table) => table.to_owned(),
            };
            if copied.contains(&name) || views.iter().any(|(view, _)| *view == name) {
                continue;
            }
            match table_type(&mut connection, &name).await?.as_deref() {
                Some("VIEW") => {
                    let definition = view_definition(&mut connection, &name).await?;
                    pending.extend(read_tables(&definition));
                    views.push((name, definition));
                }
                Some(_) => {
                    let copy = format!(
                        "CREATE TABLE `{scratch}`.`{name}` LIKE `{current}`.`{name}`; \
                         INSERT INTO `{scratch}`.`{name}` SELECT * FROM `{current}`.`{name}` LIMIT {SAMPLE_ROWS}; \
                         ANALYZE TABLE `{scratch}`.`{name}`"
                    );
                    sqlx::raw_sql(AssertSqlSafe(copy))
                        .execute(&mut *connection)
                        .await
                        .map_err(|error| format!("copying {name} failed: {}", describe(&error)))?;
                    copied.push(name);
                }
                None => return Err(format!("no table or view named {name}")),
            }
        }
        let options = pool.connect_options().as_ref().clone().database(&scratch);
        let mut copy = options.connect().await.map_err(|error| describe(&error))?;
        let checked = async {
            // Views in creation order (a view read by another comes first), pointed at the copies.
            for (name, definition) in views.iter().rev() {
                let definition = definition.replace(&format!("`{current}`."), &format!("`{scratch}`."));
                sqlx::raw_sql(AssertSqlSafe(format!("CREATE VIEW `{name}` AS {definition}")))
                    .execute(&mut copy)
                    .await
                    .map_err(|error| format!("copying view {name} failed: {}", describe(&error)))?;
            }
            let mut assumed_names = Vec::new();
            for other in assumed {
                // Only indexes on the copied tables can change this statement's plan.
                if copied.iter().any(|table| table.eq_ignore_ascii_case(bare(&other.table))) {
                    let ddl = Suggestion::new("MySQL", bare(&other.table), other.columns.clone(), false);
                    sqlx::raw_sql(AssertSqlSafe(ddl.ddl().to_owned()))
                        .execute(&mut copy)
                        .await
                        .map_err(|error| format!("an assumed index fails on the copy: {}", describe(&error)))?;
                    assumed_names.push(other.name().to_owned());
                }
            }
            explain(&mut copy, &statement.sql).await.map_err(|error| describe(&error))?;
            let before = last_cost(&mut copy).await?;
            let ddl = Suggestion::new("MySQL", bare(&suggestion.table), suggestion.columns.clone(), false);
            sqlx::raw_sql(AssertSqlSafe(format!("{}; ANALYZE TABLE `{}`", ddl.ddl(), bare(&suggestion.table))))
                .execute(&mut copy)
                .await
                .map_err(|error| format!("the suggested index fails on the copy: {}", describe(&error)))?;
            let rows = explain(&mut copy, &statement.sql).await.map_err(|error| describe(&error))?;
            let after = last_cost(&mut copy).await?;
            let used = rows.iter().any(|row| {
                named(row, "key") == ddl.name()
                    && ["ref", "eq_ref", "range", "ref_or_null"].contains(&named(row, "type").as_str())
            });
            let plan = rows_text(&rows);
            // `Last_query_cost` prices the outer join only (not derived tables or materialized
            // subqueries), so the verdict is the optimizer's choice of the index; the costs are
            // reported as they are.
            Ok(if used {
                Verification::Verified {
                    method: "scratch copy of the tables with a sample of their rows",
                    cost_before: before,
                    cost_after: after,
                    assumed: assumed_names,
                }
            } else {
                Verification::Rejected { reason: format!("the optimizer would not use it on the sample: {plan}") }
            })
        }
        .await;
        let _ = copy.close().await;
        checked
    }
    .await;
    let _ =
        sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{scratch}`"))).execute(&mut *connection).await;
    outcome
}
