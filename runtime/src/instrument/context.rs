//! Operation context: the state the layer keeps in the extensions of each operation span.
//!
//! An operation span (created by `#[timed]` or a check helper, target
//! [`OPERATION_TARGET`](super::layer::OPERATION_TARGET)) gets an [`OpState`] when the layer
//! sees it; a statement event is recorded into the nearest enclosing operation and every
//! operation above it, so nested operations roll up. Context travels with the span, i.e.
//! with the instrumented future, never with a thread.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::capture::Captured;
use super::fingerprint::{Fingerprint, StatementKind};
use super::layer::Shared;

/// Most distinct (fingerprint, call site) groups kept per operation; further statements are
/// counted in totals only.
pub(crate) const MAX_GROUPS_PER_OPERATION: usize = 512;

/// How many slowest statements reports keep.
pub(crate) const TOP_SLOWEST: usize = 5;

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Returned normally (anything but `Result::Err`).
    Ok,
    /// Returned `Result::Err`, or panicked.
    Error,
    /// Its future was dropped before it completed.
    Cancelled,
}

impl Outcome {
    /// `"ok"`, `"error"` or `"cancelled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where statements of one shape came from: the nearest enclosing `#[timed]` function (or
/// check helper), or the derived loader whose batch ran them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum CallSite {
    Operation { name: Cow<'static, str>, file: Option<&'static str>, line: Option<u32> },
    Loader { loader: Arc<str> },
}

impl CallSite {
    pub(crate) fn loader(&self) -> Option<&str> {
        match self {
            CallSite::Loader { loader } => Some(loader),
            CallSite::Operation { .. } => None,
        }
    }
}

impl fmt::Display for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallSite::Operation { name, file: Some(file), line: Some(line) } => write!(f, "{file}:{line} ({name})"),
            CallSite::Operation { name, .. } => write!(f, "{name}"),
            CallSite::Loader { loader } => write!(f, "loader {loader}"),
        }
    }
}

/// One operation as seen by the layer.
pub(crate) struct OpState {
    pub(crate) name: Cow<'static, str>,
    pub(crate) site: CallSite,
    pub(crate) parent: Option<Arc<OpState>>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) data: Mutex<OpData>,
}

/// The span extension that marks an operation span.
#[derive(Clone)]
pub(crate) struct OpHandle(pub(crate) Arc<OpState>);

/// Statements of one shape from one call site inside one operation.
pub(crate) struct Group {
    pub(crate) shape: Arc<super::capture::Shape>,
    pub(crate) call_site: CallSite,
    /// Statements executed.
    pub(crate) statements: u64,
    /// Separate round trips: statements, except that the chunks of one loader batch count once.
    pub(crate) occurrences: u64,
    pub(crate) db_time: Duration,
    pub(crate) max_time: Duration,
    pub(crate) rows_returned: u64,
    pub(crate) rows_affected: u64,
}

#[derive(Default)]
pub(crate) struct OpData {
    pub(crate) groups: Vec<Group>,
    index: HashMap<(Fingerprint, CallSite), usize>,
    pub(crate) queries: u64,
    pub(crate) transaction: u64,
    pub(crate) session: u64,
    pub(crate) ungrouped: u64,
    pub(crate) db_time: Duration,
    pub(crate) rows_returned: u64,
    pub(crate) rows_affected: u64,
    /// Slowest statements, slowest first: (time, group index).
    pub(crate) slowest: Vec<(Duration, usize)>,
    pub(crate) finished: bool,
    /// Statements that completed after the operation finished (e.g. a loader batch it
    /// dispatched and then stopped waiting for).
    pub(crate) late: u64,
}

impl OpState {
    pub(crate) fn new(
        name: Cow<'static, str>,
        site: CallSite,
        parent: Option<Arc<OpState>>,
        shared: Arc<Shared>,
    ) -> Self {
        Self { name, site, parent, shared, data: Mutex::new(OpData::default()) }
    }

    /// This operation and every operation enclosing it, innermost first.
    pub(crate) fn chain(&self) -> impl Iterator<Item = &OpState> {
        std::iter::successors(Some(self), |op| op.parent.as_deref())
    }

    /// Records one statement executed inside this operation (or a child of it).
    pub(crate) fn record(&self, statement: &Captured, call_site: &CallSite, new_round_trip: bool) {
        let mut data = lock(&self.data);
        if data.finished {
            data.late += 1;
            return;
        }
        match statement.shape.statement.kind {
            StatementKind::Query => {
                data.queries += 1;
                data.rows_returned += statement.rows_returned;
                data.rows_affected += statement.rows_affected;
            }
            StatementKind::Transaction => data.transaction += 1,
            StatementKind::Session => data.session += 1,
        }
        data.db_time += statement.elapsed;
        let key = (statement.shape.statement.fingerprint, call_site.clone());
        let index = match data.index.get(&key) {
            Some(&index) => index,
            None if data.groups.len() < MAX_GROUPS_PER_OPERATION => {
                data.groups.push(Group {
                    shape: Arc::clone(&statement.shape),
                    call_site: call_site.clone(),
                    statements: 0,
                    occurrences: 0,
                    db_time: Duration::ZERO,
                    max_time: Duration::ZERO,
                    rows_returned: 0,
                    rows_affected: 0,
                });
                let index = data.groups.len() - 1;
                data.index.insert(key, index);
                index
            }
            None => {
                data.ungrouped += 1;
                return;
            }
        };
        let group = &mut data.groups[index];
        group.statements += 1;
        group.occurrences += u64::from(new_round_trip);
        group.db_time += statement.elapsed;
        group.max_time = group.max_time.max(statement.elapsed);
        group.rows_returned += statement.rows_returned;
        group.rows_affected += statement.rows_affected;
        let slowest = &mut data.slowest;
        if slowest.len() < TOP_SLOWEST || slowest.last().is_some_and(|&(time, _)| statement.elapsed > time) {
            let at = slowest.partition_point(|&(time, _)| time >= statement.elapsed);
            slowest.insert(at, (statement.elapsed, index));
            slowest.truncate(TOP_SLOWEST);
        }
    }
}

/// Measures wall time from the operation's start; kept by the guard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock(Instant);

impl Clock {
    pub(crate) fn start() -> Self {
        Self(Instant::now())
    }

    pub(crate) fn elapsed(self) -> Duration {
        self.0.elapsed()
    }
}
