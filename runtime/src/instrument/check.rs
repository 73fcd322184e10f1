//! Test helpers: run a block as an operation and check what it executed.
//!
//! They never warn or panic: they return a `Result` for the test to unwrap or inspect, and
//! they fail with [`CheckError::NotObserved`] when no instrumentation could observe the block
//! (layer missing, span or sqlx events filtered out), so a check can never pass by accident.
//! Their N+1 threshold is [`TEST_THRESHOLD`] (2).

use std::fmt;
use std::future::Future;
use std::panic::Location;

use tracing::Instrument;

use super::budget::BudgetReport;
use super::n_plus_one::NPlusOne;
use super::operation::Operation;
use super::outcome::Outcome;
use super::report::{NotObserved, OperationReport};
use super::state::CHECK_SPAN_NAME;

/// The N+1 threshold of the check helpers: a statement shape repeated twice from one call
/// site is already an N+1 in a test.
pub const TEST_THRESHOLD: u32 = 2;

/// Why a check helper failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// Nothing observed the block, so nothing could be checked.
    #[error("no instrumentation observed operation `{operation}`, so its statements could not be checked: {reason}")]
    NotObserved {
        /// The helper's operation name (`assert_max_queries at file:line`).
        operation: String,
        /// Why.
        reason: NotObserved,
    },
    /// More queries than allowed.
    #[error("{0}")]
    BudgetExceeded(Box<BudgetReport>),
    /// N+1 findings (threshold [`TEST_THRESHOLD`]).
    #[error("{}", Findings(.0))]
    NPlusOne(Vec<NPlusOne>),
}

struct Findings<'a>(&'a [NPlusOne]);

impl fmt::Display for Findings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, finding) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

/// Cancels the helper's operation if its future is dropped early (the `Operation` does it).
async fn run<F: Future>(
    name: String,
    max_queries: Option<u64>,
    future: F,
) -> (F::Output, Result<OperationReport, CheckError>) {
    let span = crate::__operation_span!(@ INFO, CHECK_SPAN_NAME, name.as_str());
    let operation = Operation::start_check(span.clone(), name.clone(), max_queries, TEST_THRESHOLD);
    let output = future.instrument(span).await;
    let report =
        operation.finish_check(Outcome::Ok).map_err(|reason| CheckError::NotObserved { operation: name, reason });
    (output, report)
}

fn name(helper: &str, location: &Location<'_>) -> String {
    format!("{helper} at {}:{}", location.file(), location.line())
}

/// Runs `future` as an operation named `observe at file:line` (the caller's location) and
/// returns its output with its [`OperationReport`] (N+1 findings at threshold
/// [`TEST_THRESHOLD`], no budget). The report is `Err(CheckError::NotObserved)` when no
/// instrumentation observed it. Statements of the future's spawned tasks count only if those
/// tasks are instrumented with the current span (`tokio::spawn(f.in_current_span())`).
#[track_caller]
pub fn observe<F: Future>(future: F) -> impl Future<Output = (F::Output, Result<OperationReport, CheckError>)> {
    run(name("observe", Location::caller()), None, future)
}

/// Runs `future` as an operation and checks that it executed at most `max_queries` queries
/// (transaction control and session setup statements are not counted).
///
/// # Errors
/// [`CheckError::BudgetExceeded`] with the numbered statement list when it executed more;
/// [`CheckError::NotObserved`] when no instrumentation observed it (the check never passes
/// silently).
#[track_caller]
pub fn assert_max_queries<F: Future>(
    max_queries: u64,
    future: F,
) -> impl Future<Output = Result<F::Output, CheckError>> {
    let name = name("assert_max_queries", Location::caller());
    async move {
        let (output, report) = run(name, Some(max_queries), future).await;
        match report?.budget {
            Some(budget) if budget.exceeded => Err(CheckError::BudgetExceeded(Box::new(budget))),
            _ => Ok(output),
        }
    }
}

/// Runs `future` as an operation and checks that no statement shape was repeated
/// [`TEST_THRESHOLD`] times (2) or more from one call site.
///
/// # Errors
/// [`CheckError::NPlusOne`] with the findings (each naming the loader that fixes it when one
/// exists); [`CheckError::NotObserved`] when no instrumentation observed it.
#[track_caller]
pub fn assert_no_n_plus_one<F: Future>(future: F) -> impl Future<Output = Result<F::Output, CheckError>> {
    let name = name("assert_no_n_plus_one", Location::caller());
    async move {
        let (output, report) = run(name, None, future).await;
        let report = report?;
        if report.n_plus_one.is_empty() { Ok(output) } else { Err(CheckError::NPlusOne(report.n_plus_one)) }
    }
}
