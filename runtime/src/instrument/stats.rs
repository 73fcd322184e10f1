//! Per-shape statistics of an operation's statements, as reports hand them out.

use serde::Serialize;

use super::fingerprint::Fingerprint;
use super::statement::StatementKind;

/// Statements of one shape from one call path inside one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StatementStats {
    /// The shape's fingerprint.
    pub fingerprint: Fingerprint,
    /// OpenTelemetry `db.query.summary`, e.g. `SELECT bot_stances`.
    pub summary: String,
    /// The normalized statement (literals as `?`); never raw values.
    pub statement: String,
    /// Query, transaction control or session setup.
    pub kind: StatementKind,
    /// Where it ran: the line that awaited it inside a `#[timed]` function
    /// (`file:line (operation)`), preceded by `loader Name` for a loader's batch, followed by
    /// the enclosing call path (`<- file:line (caller)`).
    pub call_site: String,
    /// Statements executed.
    pub count: u64,
    /// Separate round trips: `count`, except that the chunks of one loader batch count once.
    pub round_trips: u64,
    /// Execution time, summed, in microseconds: sqlx's time from sending the statement to
    /// closing its result stream, minus the time a consumer wrapped in
    /// [`timed_stream`](super::timed_stream) spent between rows.
    pub db_time_us: u64,
    /// Slowest execution, in microseconds.
    pub max_time_us: u64,
    /// Time result streams of this shape stayed open while their consumer processed rows
    /// (measured for streams wrapped in [`timed_stream`](super::timed_stream)), summed, in
    /// microseconds. Not part of `db_time_us`.
    pub stream_open_us: u64,
    /// Rows returned, summed.
    pub rows_returned: u64,
    /// Rows affected, summed.
    pub rows_affected: u64,
}

/// One of the slowest statements of an operation (or of the whole profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SlowStatement {
    /// The statement's fingerprint.
    pub fingerprint: Fingerprint,
    /// `db.query.summary`.
    pub summary: String,
    /// The normalized statement.
    pub statement: String,
    /// The operation it ran in (empty outside operations).
    pub operation: String,
    /// Its execution time, in microseconds (stream-open time left out; see
    /// [`StatementStats::db_time_us`]).
    pub time_us: u64,
}

/// How many slowest statements reports keep.
pub(crate) const TOP_SLOWEST: usize = 5;

/// Microseconds of `duration`, saturating.
pub(crate) fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}
