//! The fix an N+1 finding proposes, from the statement's shape and the registered loaders:
//!
//! - statements of a loader's batch: issue the loads concurrently or call `load_many`;
//! - repeated writes: one multi-row statement (`QueryBuilder::push_values`, `UNNEST` on
//!   PostgreSQL), never read advice;
//! - reads with more than one parameter: a loader keyed by one column would drop the others
//!   (a viewer-dependent condition, say): a hand-written context loader;
//! - reads by a column of a joined table: the loader on *that* table (the one the key belongs
//!   to), then the main table's rows by their key;
//! - reads by a column with a loader (derived, or hand-written and registered with
//!   [`register_loader!`](crate::register_loader)): that loader by name;
//! - otherwise: how to derive one.

use super::fingerprint::Normalized;
use super::lexer::{Dialect, tokenize};
use super::loaders;
use super::n_plus_one::FindingKind;
use super::statement::StatementShape;

/// What to tell the user about `count` repeats of `statement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Advice {
    pub(crate) kind: FindingKind,
    /// Existing loaders the fix names.
    pub(crate) loaders: Vec<String>,
    pub(crate) fix: String,
}

fn names(loaders: &[String]) -> String {
    let quoted: Vec<String> = loaders.iter().map(|name| format!("`{name}::load`")).collect();
    quoted.join(" or ")
}

/// The advice for `count` repeats of `statement`; `loader` is the loader whose batches ran it.
pub(crate) fn advise(statement: &Normalized, loader: Option<&str>, count: u64) -> Advice {
    let shape = &statement.shape;
    if let Some(loader) = loader {
        let fix = format!(
            "the loads of `{loader}` were awaited one at a time, so each ran its own batch: issue them \
             concurrently (`join_all`/`try_join_all` over `load`) or call `{loader}::load_many` once"
        );
        return Advice { kind: FindingKind::Read, loaders: vec![loader.to_owned()], fix };
    }
    if shape.is_write() {
        return Advice { kind: FindingKind::Write, loaders: Vec::new(), fix: write_fix(statement, count) };
    }
    let read = |loaders: Vec<String>, fix: String| Advice { kind: FindingKind::Read, loaders, fix };
    let Some(column) = shape.where_column.as_deref() else {
        return read(Vec::new(), "fetch the rows in one statement (a join, or `WHERE key IN (...)`)".to_owned());
    };
    let tables: Vec<&str> = shape.table.iter().chain(&shape.joined).map(String::as_str).collect();
    let candidates: Vec<&str> = match shape.key_table.as_deref() {
        Some(table) => vec![table],
        None => tables.clone(),
    };
    let mut found: Vec<String> = candidates
        .iter()
        .flat_map(|table| loaders::loaders_reading(table, column))
        .map(|info| info.loader.to_owned())
        .collect();
    found.sort();
    found.dedup();
    if shape.parameters <= 1 {
        // A single-key lookup is fixed by a loader keyed by that column alone: prefer those over
        // loaders that also read it but need more (a composite key, a viewer's context).
        let single: Vec<String> = candidates
            .iter()
            .flat_map(|table| loaders::loaders_reading(table, column))
            .filter(|info| keyed_by_alone(info.sql, column))
            .map(|info| info.loader.to_owned())
            .collect();
        if !single.is_empty() {
            found.retain(|name| single.contains(name));
        }
    }
    if shape.parameters > 1 {
        let existing = if found.is_empty() {
            String::new()
        } else {
            format!(" ({} reads by `{column}` alone and would drop them)", names(&found))
        };
        let fix = format!(
            "the statement has {} parameters, so a loader keyed by `{column}` alone would lose the other conditions{existing}: \
             write a hand-written context loader, a `BatchQuery` whose SQL takes the whole key list plus the context \
             (e.g. the viewer), create one per context, and register it with `batchload::register_loader!` so findings name it",
            shape.parameters
        );
        return read(found, fix);
    }
    let Some(key_table) = shape.key_table.as_deref() else {
        let fix = match found.as_slice() {
            [] => format!(
                "the statement joins {} and `{column}` is not qualified, so its table is not known: \
                 qualify it (`table.{column}`), then fetch the rows in one statement or derive a loader on that table \
                 with `#[batched(key)]` or `#[batched(group)]` on the `{column}` field",
                tables.iter().map(|table| format!("`{table}`")).collect::<Vec<_>>().join(", ")
            ),
            _ => format!("use {} (the {count} lookups become one statement)", names(&found)),
        };
        return read(found, fix);
    };
    let main = shape.table.as_deref().unwrap_or(key_table);
    let joined = !key_table.eq_ignore_ascii_case(main);
    let fix = match (found.as_slice(), joined) {
        ([], false) => format!(
            "fetch the rows in one statement, or derive a loader: `#[derive(Batched)] #[batched(table = \"{key_table}\")]` \
             with `#[batched(key)]` or `#[batched(group)]` on the `{column}` field"
        ),
        ([], true) => format!(
            "the key `{column}` belongs to the joined table `{key_table}`, not to `{main}`: derive a loader on \
             `{key_table}` (`#[derive(Batched)] #[batched(table = \"{key_table}\")]` with `#[batched(group)]` on the \
             `{column}` field), then load the `{main}` rows by their key: two statements instead of {count}"
        ),
        (_, false) => format!("use {} (the {count} lookups become one statement)", names(&found)),
        (_, true) => format!(
            "the key `{column}` belongs to the joined table `{key_table}`: use {} on `{key_table}`, then load the \
             `{main}` rows by their key: two statements instead of {count}",
            names(&found)
        ),
    };
    read(found, fix)
}

fn write_fix(statement: &Normalized, count: u64) -> String {
    let shape = &statement.shape;
    let table = shape.table.as_deref().unwrap_or("the table");
    match shape.operation.as_str() {
        "INSERT" | "REPLACE" => format!(
            "write the {count} rows with one multi-row statement: `INSERT INTO {table} (...) VALUES (...), (...)` \
             built with `sqlx::QueryBuilder::push_values` (chunked under the bind-parameter limit), or on PostgreSQL \
             `INSERT INTO {table} (...) SELECT * FROM UNNEST($1::type[], $2::type[], ...)` with one array per column"
        ),
        "UPDATE" => {
            let column = shape.where_column.as_deref().unwrap_or("key");
            format!(
                "update the {count} rows with one statement: with the same new values, `UPDATE {table} SET ... WHERE \
                 {column} IN (...)` (`= ANY($1)` on PostgreSQL); with per-row values, join a list of rows: \
                 `UPDATE {table} SET ... FROM (VALUES ...)` built with `sqlx::QueryBuilder::push_values`, or \
                 `FROM UNNEST($1::type[], ...)` on PostgreSQL"
            )
        }
        _ => {
            let column = shape.where_column.as_deref().unwrap_or("key");
            format!(
                "delete the {count} rows with one statement: `DELETE FROM {table} WHERE {column} IN (...)` built with \
                 `sqlx::QueryBuilder::separated`, or `WHERE {column} = ANY($1)` with one array on PostgreSQL"
            )
        }
    }
}

/// Whether a loader's statement `sql` filters on `column` alone with its one parameter (the key
/// list): not a composite key, not a context loader with more parameters.
fn keyed_by_alone(sql: &str, column: &str) -> bool {
    let shape = StatementShape::of(&tokenize(sql, Dialect::Generic));
    shape.parameters <= 1 && shape.where_column.as_deref().is_some_and(|found| found.eq_ignore_ascii_case(column))
}
