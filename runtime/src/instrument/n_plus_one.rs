//! N+1 detection: the same statement shape from the same call site repeated `threshold`
//! times or more inside one operation, whether the repeats ran one after another or
//! concurrently (they are counted, not timed). Only queries count; chunks of one loader
//! batch are one round trip.

use std::fmt;

use serde::Serialize;

use super::context::{CallSite, Group};
use super::fingerprint::{Fingerprint, StatementKind};
use super::loaders;

/// One N+1 finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NPlusOne {
    /// The operation it was found in (the outermost one).
    pub operation: String,
    /// The repeated shape.
    pub fingerprint: Fingerprint,
    /// `db.query.summary` of the statement, e.g. `SELECT bot_stances`.
    pub summary: String,
    /// The normalized statement.
    pub statement: String,
    /// Where the repeats came from: `file:line (function)` of the nearest `#[timed]`
    /// function, or `loader Name`.
    pub call_site: String,
    /// Round trips of this shape from this call site.
    pub count: u64,
    /// The threshold that was reached.
    pub threshold: u32,
    /// Their database time, summed, in microseconds.
    pub total_time_us: u64,
    /// Derived loaders that read the statement's table by its `WHERE` column, sorted.
    pub loaders: Vec<String>,
    /// How to fix it, e.g. "use `BotStanceByBotId::load` ...".
    pub fix: String,
}

impl NPlusOne {
    fn of(operation: &str, group: &Group, threshold: u32) -> Self {
        let statement = &group.shape.statement;
        let (loaders, fix) =
            fix(&group.call_site, statement.table.as_deref(), statement.where_column.as_deref(), group.occurrences);
        Self {
            operation: operation.to_owned(),
            fingerprint: statement.fingerprint,
            summary: statement.summary.clone(),
            statement: statement.text.clone(),
            call_site: group.call_site.to_string(),
            count: group.occurrences,
            threshold,
            total_time_us: u64::try_from(group.db_time.as_micros()).unwrap_or(u64::MAX),
            loaders,
            fix,
        }
    }
}

impl fmt::Display for NPlusOne {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "N+1 in operation `{}`: `{}` ran {} times (threshold {}), {:.3} ms in total\n  statement: {}\n  call site: {}\n  fix: {}",
            self.operation,
            self.summary,
            self.count,
            self.threshold,
            self.total_time_us as f64 / 1_000.0,
            self.statement,
            self.call_site,
            self.fix,
        )
    }
}

/// The findings among `groups` (an outermost operation's statements) at `threshold`.
pub(crate) fn detect(operation: &str, groups: &[Group], threshold: u32) -> Vec<NPlusOne> {
    groups
        .iter()
        .filter(|group| group.shape.statement.kind == StatementKind::Query)
        .filter(|group| group.occurrences >= u64::from(threshold))
        .map(|group| NPlusOne::of(operation, group, threshold))
        .collect()
}

fn fix(call_site: &CallSite, table: Option<&str>, column: Option<&str>, count: u64) -> (Vec<String>, String) {
    if let Some(loader) = call_site.loader() {
        let fix = format!(
            "the loads of `{loader}` were awaited one at a time, so each ran its own batch: issue them \
             concurrently (`join_all`/`try_join_all` over `load`) or call `{loader}::load_many` once"
        );
        return (vec![loader.to_owned()], fix);
    }
    let (Some(table), Some(column)) = (table, column) else {
        return (Vec::new(), "fetch the rows in one statement (a join, or `WHERE key IN (...)`)".to_owned());
    };
    let found: Vec<String> =
        loaders::loaders_reading(table, column).iter().map(|info| info.loader.to_owned()).collect();
    let fix = match found.as_slice() {
        [] => format!(
            "fetch the rows in one statement, or derive a loader: `#[derive(Batched)] #[batched(table = \"{table}\")]` \
             with `#[batched(key)]` or `#[batched(group)]` on the `{column}` field"
        ),
        [only] => format!("use `{only}::load` (the {count} lookups become one statement)"),
        several => {
            let names: Vec<String> = several.iter().map(|name| format!("`{name}::load`")).collect();
            format!("use {} (the {count} lookups become one statement)", names.join(" or "))
        }
    };
    (found, fix)
}
