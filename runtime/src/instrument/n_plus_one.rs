//! N+1 findings: the same statement shape from the same call path repeated `threshold` times
//! or more inside one operation, whether the repeats ran one after another or concurrently
//! (they are counted, not timed). Only queries count; chunks of one loader batch are one
//! round trip. Repeated reads and repeated writes are different findings with different fixes.

use std::fmt;

use serde::Serialize;

use super::fingerprint::Fingerprint;

/// What was repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A read (`SELECT`) per item: fixed by a loader or one statement for all keys.
    Read,
    /// A write (`INSERT`, `UPDATE`, `DELETE`) per item: fixed by one multi-row statement.
    Write,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FindingKind::Read => "N+1",
            FindingKind::Write => "repeated write",
        })
    }
}

/// One N+1 finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NPlusOne {
    /// Repeated reads or repeated writes.
    pub kind: FindingKind,
    /// The operation it was found in (the outermost one).
    pub operation: String,
    /// The repeated shape.
    pub fingerprint: Fingerprint,
    /// `db.query.summary` of the statement, e.g. `SELECT bot_stances`.
    pub summary: String,
    /// The normalized statement.
    pub statement: String,
    /// Where the repeats came from: the line that awaited them inside a `#[timed]` function
    /// and the path of callers around it (see [`StatementStats::call_site`](super::StatementStats::call_site)).
    pub call_site: String,
    /// Round trips of this shape from this call path.
    pub count: u64,
    /// The threshold that was reached.
    pub threshold: u32,
    /// Their database time, summed, in microseconds.
    pub total_time_us: u64,
    /// Loaders (derived or registered by hand) that read the table the statement's key
    /// belongs to by that key column, sorted.
    pub loaders: Vec<String>,
    /// How to fix it, e.g. "use `BotStanceByBotId::load` ...".
    pub fix: String,
}

impl fmt::Display for NPlusOne {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in operation `{}`: `{}` ran {} times (threshold {}), {:.3} ms in total\n  statement: {}\n  call site: {}\n  fix: {}",
            self.kind,
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
