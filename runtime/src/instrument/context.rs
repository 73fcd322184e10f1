//! Operation context: the state the layer keeps in the extensions of each operation span, and
//! the report built from it when the operation ends.
//!
//! An operation span (created by `#[timed]` or a check helper, target `batchload::operation`)
//! gets an [`OpState`] when the layer sees it; a statement event is recorded into the nearest
//! enclosing operation and every operation above it, so nested operations roll up. Context
//! travels with the span, i.e. with the instrumented future, never with a thread.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::call_path::CallPath;
use super::capture::{Captured, Shape, ShapeCache};
use super::fingerprint::Fingerprint;
use super::lexer::Dialect;
use super::outcome::Outcome;
use super::profile::Profile;
use super::report::OperationReport;
use super::state::{Config, lock};
use super::statement::StatementKind;
use super::stats::{SlowStatement, StatementStats, TOP_SLOWEST, micros};
use super::warn::Warnings;

/// Most distinct (fingerprint, call path) groups kept per operation; further statements are
/// counted in totals only.
pub(crate) const MAX_GROUPS_PER_OPERATION: usize = 512;

/// State shared by the layer, its operations and its profile handles.
pub(crate) struct Shared {
    pub(crate) config: Arc<Config>,
    pub(crate) profile: Arc<Mutex<Profile>>,
    pub(crate) shapes: ShapeCache,
    /// OpenTelemetry `db.system.name`, when known.
    pub(crate) db_system: Option<&'static str>,
    /// How statements are lexed (from `db_system`).
    pub(crate) dialect: Dialect,
    /// Warn mode's de-duplication of findings.
    pub(crate) warnings: Warnings,
}

/// One operation as seen by the layer.
pub(crate) struct OpState {
    pub(crate) name: Cow<'static, str>,
    pub(crate) parent: Option<Arc<OpState>>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) data: Mutex<OpData>,
    /// Where the operation is defined (its `#[timed]` attribute), formatted only for the
    /// reports check helpers hand out.
    pub(crate) location: Option<(&'static str, u32)>,
}

thread_local! {
    /// The operation the layer just attached to a new span on this thread, handed to the
    /// `Operation` guard that created the span (saves it a registry lookup).
    static CREATED: std::cell::RefCell<Option<(tracing::span::Id, Arc<OpState>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Called by the layer when it attaches `state` to the new span `id`.
pub(crate) fn hand_over(id: &tracing::span::Id, state: &Arc<OpState>) {
    CREATED.with(|created| *created.borrow_mut() = Some((id.clone(), Arc::clone(state))));
}

/// The state the layer attached to span `id` on this thread, if it was the last one.
pub(crate) fn take_created(id: &tracing::span::Id) -> Option<Arc<OpState>> {
    CREATED.with(|created| match created.borrow_mut().take() {
        Some((created, state)) if created == *id => Some(state),
        _ => None,
    })
}

/// The span extension that marks an operation span.
#[derive(Clone)]
pub(crate) struct OpHandle(pub(crate) Arc<OpState>);

/// Statements of one shape from one call path inside one operation.
pub(crate) struct Group {
    pub(crate) shape: Arc<Shape>,
    pub(crate) call_path: CallPath,
    /// Statements executed.
    pub(crate) statements: u64,
    /// Separate round trips: statements, except that the chunks of one loader batch count once.
    pub(crate) occurrences: u64,
    pub(crate) db_time: Duration,
    pub(crate) max_time: Duration,
    pub(crate) stream_open: Duration,
    pub(crate) rows_returned: u64,
    pub(crate) rows_affected: u64,
}

#[derive(Default)]
pub(crate) struct OpData {
    pub(crate) groups: Vec<Group>,
    index: HashMap<(Fingerprint, CallPath), usize>,
    pub(crate) queries: u64,
    pub(crate) transaction: u64,
    pub(crate) session: u64,
    pub(crate) ungrouped: u64,
    pub(crate) db_time: Duration,
    pub(crate) stream_open: Duration,
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
        location: Option<(&'static str, u32)>,
        parent: Option<Arc<OpState>>,
        shared: Arc<Shared>,
    ) -> Self {
        Self { name, parent, shared, data: Mutex::new(OpData::default()), location }
    }

    /// `file:line (name)`, or the name when the location is not known.
    fn site(&self) -> String {
        match self.location {
            Some((file, line)) => format!("{file}:{line} ({})", self.name),
            None => self.name.to_string(),
        }
    }

    /// This operation and every operation enclosing it, innermost first.
    pub(crate) fn chain(&self) -> impl Iterator<Item = &OpState> {
        std::iter::successors(Some(self), |op| op.parent.as_deref())
    }

    /// Records one statement executed inside this operation (or a child of it).
    pub(crate) fn record(&self, statement: &Captured, call_path: &CallPath, new_round_trip: bool) {
        let mut data = lock(&self.data);
        if data.finished {
            data.late += 1;
            return;
        }
        match statement.shape.statement.shape.kind {
            StatementKind::Query => {
                data.queries += 1;
                data.rows_returned += statement.rows_returned;
                data.rows_affected += statement.rows_affected;
            }
            StatementKind::Transaction => data.transaction += 1,
            StatementKind::Session => data.session += 1,
        }
        data.db_time += statement.elapsed;
        data.stream_open += statement.stream_open;
        let key = (statement.shape.statement.fingerprint, call_path.clone());
        let index = match data.index.get(&key) {
            Some(&index) => index,
            None if data.groups.len() < MAX_GROUPS_PER_OPERATION => {
                data.groups.push(Group {
                    shape: Arc::clone(&statement.shape),
                    call_path: call_path.clone(),
                    statements: 0,
                    occurrences: 0,
                    db_time: Duration::ZERO,
                    max_time: Duration::ZERO,
                    stream_open: Duration::ZERO,
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
        group.stream_open += statement.stream_open;
        group.rows_returned += statement.rows_returned;
        group.rows_affected += statement.rows_affected;
        let slowest = &mut data.slowest;
        if slowest.len() < TOP_SLOWEST || slowest.last().is_some_and(|&(time, _)| statement.elapsed > time) {
            let at = slowest.partition_point(|&(time, _)| time >= statement.elapsed);
            slowest.insert(at, (statement.elapsed, index));
            slowest.truncate(TOP_SLOWEST);
        }
    }

    /// The report of this operation as of now, without findings or budget (the caller adds
    /// them). `with_call_site`: format the operation's own location (check helpers only).
    pub(crate) fn report(
        &self,
        data: &OpData,
        outcome: Outcome,
        wall_time: Duration,
        with_call_site: bool,
    ) -> OperationReport {
        OperationReport {
            name: self.name.to_string(),
            call_site: if with_call_site { self.site() } else { String::new() },
            outcome,
            nested: self.parent.is_some(),
            wall_time_us: micros(wall_time),
            db_time_us: micros(data.db_time),
            queries: data.queries,
            transaction_statements: data.transaction,
            session_statements: data.session,
            rows_returned: data.rows_returned,
            rows_affected: data.rows_affected,
            stream_open_us: micros(data.stream_open),
            statements: data.groups.iter().map(stats_of).collect(),
            ungrouped_statements: data.ungrouped,
            n_plus_one: Vec::new(),
            budget: None,
            slowest: data
                .slowest
                .iter()
                .map(|&(time, index)| {
                    let statement = &data.groups[index].shape.statement;
                    SlowStatement {
                        fingerprint: statement.fingerprint,
                        summary: statement.summary.clone(),
                        statement: statement.text.clone(),
                        operation: self.name.to_string(),
                        time_us: micros(time),
                    }
                })
                .collect(),
        }
    }
}

fn stats_of(group: &Group) -> StatementStats {
    let statement = &group.shape.statement;
    StatementStats {
        fingerprint: statement.fingerprint,
        summary: statement.summary.clone(),
        statement: statement.text.clone(),
        kind: statement.shape.kind,
        call_site: group.call_path.to_string(),
        count: group.statements,
        round_trips: group.occurrences,
        db_time_us: micros(group.db_time),
        max_time_us: micros(group.max_time),
        stream_open_us: micros(group.stream_open),
        rows_returned: group.rows_returned,
        rows_affected: group.rows_affected,
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
