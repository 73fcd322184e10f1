//! The operation guard used by `#[timed]` code and the check helpers: starts an operation on
//! its span, and at its end (or when dropped: cancelled) reports it, records it in the
//! profile and metrics, and returns what deny mode must fail with.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tracing::Span;
use tracing_subscriber::Registry;
use tracing_subscriber::registry::LookupSpan;

use super::budget::BudgetReport;
use super::context::{Clock, OpHandle, OpState, Shared, take_created};
use super::detect::detect;
use super::layer::InstrumentLayer;
use super::metrics;
use super::outcome::Outcome;
use super::report::{NotObserved, OperationReport, Violation};
use super::span_fields::{self, SpanFields};
use super::state::{self, Config, Mode, SQLX_TARGET, lock};

/// Whether any instrumentation layer was installed: the one atomic load `#[timed]` pays when
/// nothing is.
#[inline]
pub fn enabled() -> bool {
    state::installed()
}

/// The static description of one `#[timed]` function, generated as a `static`.
pub struct OperationSite {
    name: &'static str,
    max_queries: Option<u64>,
    threshold: Option<u32>,
    warned: AtomicBool,
    /// The span fields recorded at the end, resolved once (the span's callsite is fixed).
    fields: OnceLock<Option<SpanFields>>,
    /// The `metrics` keys of the operation histograms, built once.
    metric_keys: OnceLock<metrics::SiteKeys>,
}

impl std::fmt::Debug for OperationSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationSite")
            .field("name", &self.name)
            .field("max_queries", &self.max_queries)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl OperationSite {
    /// `name`: the operation name; `max_queries` and `threshold`: the attribute's options.
    pub const fn new(name: &'static str, max_queries: Option<u64>, threshold: Option<u32>) -> Self {
        Self {
            name,
            max_queries,
            threshold,
            warned: AtomicBool::new(false),
            fields: OnceLock::new(),
            metric_keys: OnceLock::new(),
        }
    }

    /// True the first time only: unobservable operations warn once per function.
    fn first_warning(&self) -> bool {
        !self.warned.swap(true, Ordering::Relaxed)
    }
}

/// The `#[timed]` function of `site` ran with no instrumentation installed at all: its
/// budget cannot be checked. Warns once per function (on whatever subscriber exists).
pub fn unobserved(site: &'static OperationSite) {
    if site.max_queries.is_some() && site.first_warning() {
        tracing::warn!(
            target: "batchload::budget",
            operation = site.name,
            "query budget of operation `{}` not checked: {}",
            site.name,
            NotObserved::NotInstalled
        );
    }
}

#[derive(Clone, Copy)]
enum Role {
    /// A `#[timed]` function: modes come from the layer.
    Timed(&'static OperationSite),
    /// A check helper: never warns or panics, its caller inspects the report.
    Check,
}

/// One running operation. Holds its span (not entered) and its state; `Send + Sync`, so the
/// future of a `#[timed]` async fn stays `Send`.
pub struct Operation {
    span: Span,
    state: Result<Arc<OpState>, NotObserved>,
    name: Cow<'static, str>,
    max_queries: Option<u64>,
    threshold: Option<u32>,
    role: Role,
    clock: Clock,
    finished: bool,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation").field("name", &self.name).field("span", &self.span).finish_non_exhaustive()
    }
}

/// Finds the state the layer attached to `span`.
fn lookup(span: &Span) -> Result<Arc<OpState>, NotObserved> {
    if span.is_disabled() {
        return Err(NotObserved::SpanDisabled);
    }
    // The usual case: the layer just attached the state to this span, on this thread.
    if let Some(state) = span.id().and_then(|id| take_created(&id)) {
        return Ok(state);
    }
    span.with_subscriber(|(id, dispatch)| {
        if dispatch.downcast_ref::<InstrumentLayer>().is_none() {
            return Err(NotObserved::LayerMissing);
        }
        let registry = dispatch.downcast_ref::<Registry>().ok_or(NotObserved::NoRegistry)?;
        let data = registry.span(id).ok_or(NotObserved::SpanDisabled)?;
        let extensions = data.extensions();
        extensions.get::<OpHandle>().map(|handle| Arc::clone(&handle.0)).ok_or(NotObserved::SpanDisabled)
    })
    .unwrap_or(Err(NotObserved::SpanDisabled))
}

fn start(
    span: Span,
    name: Cow<'static, str>,
    max_queries: Option<u64>,
    threshold: Option<u32>,
    role: Role,
) -> Operation {
    let state = if enabled() {
        // sqlx asks the same question before emitting a statement event.
        if tracing::enabled!(target: SQLX_TARGET, tracing::Level::DEBUG) {
            lookup(&span)
        } else {
            Err(NotObserved::SqlxEventsFiltered)
        }
    } else {
        Err(NotObserved::NotInstalled)
    };
    Operation { span, state, name, max_queries, threshold, role, clock: Clock::start(), finished: false }
}

impl Operation {
    /// Starts the operation of `#[timed]` function `site` on `span` (created by the generated
    /// code with the attribute's level and name).
    pub fn start(site: &'static OperationSite, span: Span) -> Self {
        start(span, Cow::Borrowed(site.name), site.max_queries, site.threshold, Role::Timed(site))
    }

    pub(crate) fn start_check(span: Span, name: String, max_queries: Option<u64>, threshold: u32) -> Self {
        start(span, Cow::Owned(name), max_queries, Some(threshold), Role::Check)
    }

    /// The operation's span, to instrument the function's future with.
    pub fn span(&self) -> Span {
        self.span.clone()
    }

    /// Enters the span for a synchronous call.
    pub fn enter(&self) -> tracing::span::Entered<'_> {
        self.span.enter()
    }

    /// Ends the operation with `outcome`: records it and, in deny mode, returns the violation
    /// the generated code panics with.
    pub fn finish(mut self, outcome: Outcome) -> Option<Violation> {
        self.finished = true;
        self.conclude(outcome).1
    }

    /// Ends a check helper's operation: its report, or why there is none.
    pub(crate) fn finish_check(mut self, outcome: Outcome) -> Result<OperationReport, NotObserved> {
        self.finished = true;
        self.conclude(outcome).0
    }

    /// Ends the operation: builds its report, checks it for N+1s and its budget, records it
    /// on its span, in the profile and in the metrics, then warns or fails per the modes.
    fn conclude(&mut self, outcome: Outcome) -> (Result<OperationReport, NotObserved>, Option<Violation>) {
        let wall_time = self.clock.elapsed();
        let state = match &self.state {
            Ok(state) => Arc::clone(state),
            Err(reason) => {
                let reason = *reason;
                return (Err(reason), self.unobserved(reason, outcome));
            }
        };
        let shared = &state.shared;
        let config = Arc::clone(&shared.config);
        let mut report = self.report(&state, &config, outcome, wall_time);
        self.check_budget(&config, &mut report);
        let fields = match self.role {
            Role::Timed(site) => Some(&site.fields),
            Role::Check => None,
        };
        span_fields::record(&self.span, fields, shared.db_system, &report);
        lock(&shared.profile).record_operation(&report);
        if config.metrics {
            self.record_metrics(&state, &report);
        }
        let violation = match self.role {
            Role::Check => None,
            Role::Timed(_) => apply_modes(shared, &config, &report, outcome),
        };
        (Ok(report), violation)
    }

    /// The operation's report, with its N+1 findings when it is checked for them (outermost
    /// `#[timed]` operations and check helpers).
    fn report(
        &self,
        state: &OpState,
        config: &Config,
        outcome: Outcome,
        wall_time: std::time::Duration,
    ) -> OperationReport {
        let mut data = lock(&state.data);
        data.finished = true;
        // Only a check helper hands its report out: a `#[timed]` report feeds the profile,
        // which has no use for the (formatted) call site.
        let with_call_site = matches!(self.role, Role::Check);
        let mut report = state.report(&data, outcome, wall_time, with_call_site);
        let check_n_plus_one = match self.role {
            Role::Check => true,
            Role::Timed(_) => state.parent.is_none() && config.n_plus_one != Mode::Off,
        };
        if check_n_plus_one {
            let threshold = self.threshold.unwrap_or(config.threshold);
            report.n_plus_one = detect(&report.name, &data.groups, threshold);
        }
        report
    }

    /// Adds the budget verdict when the operation has a budget that is checked.
    fn check_budget(&self, config: &Config, report: &mut OperationReport) {
        let budget_checked = matches!(self.role, Role::Check) || config.budget != Mode::Off;
        if let Some(max_queries) = self.max_queries.filter(|_| budget_checked) {
            report.budget = Some(BudgetReport::check(&report.name, report.queries, &report.statements, max_queries));
        }
    }

    fn record_metrics(&self, state: &OpState, report: &OperationReport) {
        match self.role {
            Role::Timed(site) => {
                let keys = site.metric_keys.get_or_init(|| metrics::SiteKeys::new(site.name));
                metrics::record_site_operation(keys, site.name, report);
            }
            Role::Check => metrics::record_operation(&state.name, report),
        }
    }

    /// An operation no layer could observe: its budget (and, in deny mode, its N+1 check)
    /// fails instead of passing.
    fn unobserved(&self, reason: NotObserved, outcome: Outcome) -> Option<Violation> {
        let Role::Timed(site) = self.role else { return None };
        let config = state::last_config();
        let budget_mode = if self.max_queries.is_some() { config.budget } else { Mode::Off };
        let deny = outcome != Outcome::Cancelled && (budget_mode == Mode::Deny || config.n_plus_one == Mode::Deny);
        if deny {
            return Some(Violation {
                operation: self.name.to_string(),
                n_plus_one: Vec::new(),
                budget: None,
                not_observed: Some(reason),
            });
        }
        if budget_mode == Mode::Warn && site.first_warning() {
            tracing::warn!(
                target: "batchload::budget",
                operation = %self.name,
                "query budget of operation `{}` not checked: {reason}",
                self.name
            );
        } else if budget_mode == Mode::Off && config.n_plus_one == Mode::Warn && site.first_warning() {
            tracing::warn!(
                target: "batchload::n_plus_one",
                operation = %self.name,
                "operation `{}` not checked for N+1 queries: {reason}",
                self.name
            );
        }
        None
    }
}

/// Warns about (once per problem, see [`warn`](super::warn)) and, in deny mode, fails on the
/// findings and the budget of `report`.
fn apply_modes(shared: &Shared, config: &Config, report: &OperationReport, outcome: Outcome) -> Option<Violation> {
    if report.n_plus_one.is_empty() && !report.budget.as_ref().is_some_and(|budget| budget.exceeded) {
        return None;
    }
    let mut violation =
        Violation { operation: report.name.clone(), n_plus_one: Vec::new(), budget: None, not_observed: None };
    // A cancelled operation cannot fail its caller: deny degrades to warn.
    let deny = |mode: Mode| mode == Mode::Deny && outcome != Outcome::Cancelled;
    for finding in &report.n_plus_one {
        if deny(config.n_plus_one) {
            violation.n_plus_one.push(finding.clone());
        } else {
            shared.warnings.n_plus_one(finding);
        }
    }
    if let Some(budget) = report.budget.as_ref().filter(|budget| budget.exceeded) {
        if deny(config.budget) {
            violation.budget = Some(budget.clone());
        } else {
            shared.warnings.budget(budget);
        }
    }
    (!violation.is_empty()).then_some(violation)
}

impl Drop for Operation {
    fn drop(&mut self) {
        if !self.finished {
            // The future was dropped before completing (or the call unwound): cancelled, or
            // an error if a panic is unwinding. Never panics here.
            let outcome = if std::thread::panicking() { Outcome::Error } else { Outcome::Cancelled };
            if let (_, Some(violation)) = self.conclude(outcome) {
                tracing::warn!(target: "batchload::n_plus_one", operation = %self.name, "{violation}");
            }
        }
    }
}

/// `Outcome` of a value returned by a `#[timed]` function: autoref specialization picks
/// [`ViaResult`] for `Result`s (an `Err` is an error) and [`ViaAny`] for everything else.
pub trait ViaResult {
    /// The outcome of this value.
    fn __batchload_outcome(&self) -> Outcome;
}

impl<T, E> ViaResult for Result<T, E> {
    fn __batchload_outcome(&self) -> Outcome {
        if self.is_err() { Outcome::Error } else { Outcome::Ok }
    }
}

/// See [`ViaResult`]: every value that is not a `Result` is [`Outcome::Ok`].
pub trait ViaAny {
    /// The outcome of this value.
    fn __batchload_outcome(&self) -> Outcome;
}

impl<T: ?Sized> ViaAny for &T {
    fn __batchload_outcome(&self) -> Outcome {
        Outcome::Ok
    }
}
