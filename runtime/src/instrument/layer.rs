//! The `tracing_subscriber` layer and its builder: sees operation spans, loader batch spans,
//! `#[timed]`'s await spans and sqlx's statement events, and keeps the per-operation state and
//! the profile.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{Filtered, LevelFilter};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::registry::LookupSpan;

use super::call_path::{AWAIT_TARGET, CallPath, Frame};
use super::capture::{BatchMarker, Captured, LoaderName, ShapeCache, StatementFields};
use super::context::{OpHandle, OpState, Shared};
use super::lexer::Dialect;
use super::profile::{Profile, ProfileHandle};
use super::state::{self, CHECK_SPAN_NAME, Config, LOADER_TARGET, Mode, OPERATION_TARGET, SQLX_TARGET, lock};
use super::statement::StatementKind;
use super::stream::{STREAM_TARGET, StreamHandle};
use super::warn::{DEFAULT_WARN_INTERVAL, Warnings};

/// The instrumentation layer as returned by [`layer`](super::layer) and
/// [`LayerBuilder::build`](super::LayerBuilder::build): an [`InstrumentLayer`] behind its
/// per-layer [`InstrumentFilter`].
pub type Instrumentation<S> = Filtered<InstrumentLayer, InstrumentFilter, S>;

/// The per-layer filter of [`InstrumentLayer`]: enables sqlx's statement events (target
/// `sqlx::query`, every level) and batchload's operation and loader spans for this layer
/// only. Other layers keep their own filters, so adding it never makes them see DEBUG events.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstrumentFilter;

/// sqlx's statement events, and batchload's operation, loader batch, await and stream spans
/// (not the loader's own `batch completed` events, which share the loader target).
fn wanted(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    target == SQLX_TARGET
        || (metadata.is_span()
            && (target == OPERATION_TARGET
                || target == LOADER_TARGET
                || target == AWAIT_TARGET
                || target == STREAM_TARGET))
}

impl<S> Filter<S> for InstrumentFilter {
    fn enabled(&self, metadata: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        wanted(metadata)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if wanted(metadata) { Interest::always() } else { Interest::never() }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // sqlx's statement level is configurable (`log_statements`), so any level may carry
        // statements.
        Some(LevelFilter::TRACE)
    }
}

/// The `tracing_subscriber` layer behind `#[timed]`: turns operation spans into operations,
/// records every sqlx statement into the operation it ran in, and keeps the in-process
/// profile. Build it with [`layer`](super::layer) or [`builder`](super::builder), which wrap
/// it in its per-layer filter.
pub struct InstrumentLayer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for InstrumentLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstrumentLayer").field("config", &self.shared.config).finish_non_exhaustive()
    }
}

impl InstrumentLayer {
    fn new(config: Config, warn_interval: Duration) -> Self {
        let db_system = config.db_system.or_else(super::loaders::registered_system);
        let profile = Profile::new(config.max_fingerprints, config.max_operations);
        Self {
            shared: Arc::new(Shared {
                config: Arc::new(config),
                profile: Arc::new(Mutex::new(profile)),
                shapes: ShapeCache::default(),
                db_system,
                dialect: Dialect::of_system(db_system),
                warnings: Warnings::new(warn_interval),
            }),
        }
    }

    /// A handle on this layer's profile, to read or reset it from anywhere (it stays valid
    /// after the layer is moved into a subscriber).
    pub fn profile(&self) -> ProfileHandle {
        let config = &self.shared.config;
        ProfileHandle::new(Arc::clone(&self.shared.profile), config.max_fingerprints, config.max_operations)
    }

    fn new_operation<S>(&self, attrs: &Attributes<'_>, id: &Id, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let Some(span) = ctx.span(id) else { return };
        let metadata = attrs.metadata();
        let mut visitor = OperationName(None);
        // Only check helpers set the `batchload.operation` field (`#[timed]` spans declare it
        // empty): skip visiting the other spans' fields.
        if metadata.name() == CHECK_SPAN_NAME {
            attrs.record(&mut visitor);
        }
        // Check helpers name their operation in a field (with the caller's location in it);
        // `#[timed]` spans are named after the operation and located at the attribute.
        let (name, location) = match visitor.0 {
            Some(name) => (Cow::Owned(name), None),
            None => (Cow::Borrowed(metadata.name()), metadata.file().zip(metadata.line())),
        };
        // The nearest enclosing operation (a root span, the usual case, costs no lookup).
        let mut parent = None;
        let mut ancestor = span.parent();
        while let Some(current) = ancestor {
            if let Some(handle) = current.extensions().get::<OpHandle>() {
                parent = Some(handle.clone());
                break;
            }
            ancestor = current.parent();
        }
        let state = OpState::new(name, location, parent.map(|handle| handle.0), Arc::clone(&self.shared));
        let state = Arc::new(state);
        super::context::hand_over(id, &state);
        span.extensions_mut().insert(OpHandle(state));
    }

    fn new_batch<S>(&self, attrs: &Attributes<'_>, id: &Id, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = LoaderName::default();
        attrs.record(&mut visitor);
        let loader = visitor.0.unwrap_or_else(|| Arc::from("loader"));
        span.extensions_mut().insert(BatchMarker { loader, loaded_at: None, counted: false.into() });
    }

    fn statement<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let mut fields = StatementFields::default();
        event.record(&mut fields);
        let shape = self.shared.shapes.get(fields.sql(), self.shared.dialect);
        // sqlx-sqlite reports `sqlite3_changes()` for every statement, i.e. the rows of the
        // connection's previous write for a SELECT: a SELECT affects no rows.
        let rows_affected = if shape.statement.shape.operation == "SELECT" { 0 } else { fields.rows_affected };
        // The call path (every span up to the outermost operation), the nearest operation,
        // the loader batch and the timed stream in between if any.
        let mut frames: Vec<Frame> = Vec::new();
        let mut batch: Option<(Arc<str>, Option<&'static std::panic::Location<'static>>, bool)> = None;
        let mut operation: Option<Arc<OpState>> = None;
        let mut consumer_time = Duration::ZERO;
        let mut check_name: Option<Cow<'static, str>> = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                let extensions = span.extensions();
                let mut outermost = false;
                if let Some(handle) = extensions.get::<OpHandle>() {
                    outermost = handle.0.parent.is_none();
                    if span.metadata().name() == CHECK_SPAN_NAME {
                        check_name = Some(handle.0.name.clone());
                    }
                    if operation.is_none() {
                        operation = Some(Arc::clone(&handle.0));
                    }
                } else if operation.is_none() {
                    if batch.is_none()
                        && let Some(marker) = extensions.get::<BatchMarker>()
                    {
                        // A session statement in the batch span (the setup of a connection the
                        // pool opened for it) is a round trip of its own, not the batch's: it
                        // must not take the batch's first statement, or the batch's own
                        // statement would not count as a round trip (N+1 counts one short).
                        let new_round_trip =
                            shape.statement.shape.kind == StatementKind::Session || marker.first_statement();
                        batch = Some((Arc::clone(&marker.loader), marker.loaded_at, new_round_trip));
                    }
                    if let Some(StreamHandle(clock)) = extensions.get::<StreamHandle>() {
                        consumer_time = clock.consumer_time();
                    }
                }
                if span.metadata().target() != STREAM_TARGET {
                    frames.push(Frame(span.metadata()));
                }
                // The path ends at the outermost operation.
                if outermost {
                    break;
                }
            }
        }
        let elapsed = fields.elapsed();
        let stream_open = consumer_time.min(elapsed);
        let captured = Captured {
            shape,
            elapsed: elapsed - stream_open,
            stream_open,
            rows_returned: fields.rows_returned,
            rows_affected,
        };
        if let Some(op) = &operation {
            let (loader, loaded_at, new_round_trip) = match batch {
                Some((loader, loaded_at, first)) => (Some(loader), loaded_at, first),
                None => (None, None, true),
            };
            let name = check_name.unwrap_or_else(|| op.name.clone());
            let call_path = CallPath::new(frames, name, loader, loaded_at);
            for enclosing in op.chain() {
                enclosing.record(&captured, &call_path, new_round_trip);
            }
        }
        let operation_name = operation.as_ref().map(|op| &op.name);
        lock(&self.shared.profile).record_statement(&captured, operation_name.map(|name| name.as_ref()));
        if self.shared.config.metrics {
            super::metrics::record_statement(self.shared.db_system, &captured, operation_name);
        }
    }
}

impl<S> Layer<S> for InstrumentLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_layer(&mut self, _subscriber: &mut S) {
        state::mark_installed(&self.shared.config);
        if self.shared.config.metrics {
            super::metrics::describe();
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        match attrs.metadata().target() {
            OPERATION_TARGET => self.new_operation(attrs, id, &ctx),
            LOADER_TARGET => self.new_batch(attrs, id, &ctx),
            _ => {}
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() == SQLX_TARGET {
            self.statement(event, &ctx);
        }
    }
}

/// Reads the `batchload.operation` field (set by the check helpers, whose names are not
/// static).
struct OperationName(Option<String>);

impl Visit for OperationName {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "batchload.operation" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

/// Builds the instrumentation layer; start with [`builder`](super::builder()).
///
/// ```
/// use batchload::instrument::{self, Mode};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// // A test subscriber: N+1 and budget violations fail the test.
/// let subscriber = tracing_subscriber::registry()
///     .with(instrument::builder().n_plus_one(Mode::Deny).budget(Mode::Deny).threshold(2).build());
/// # drop(subscriber);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct LayerBuilder {
    config: Config,
    warn_interval: Duration,
}

impl Default for LayerBuilder {
    fn default() -> Self {
        Self { config: Config::default(), warn_interval: DEFAULT_WARN_INTERVAL }
    }
}

impl LayerBuilder {
    /// What an N+1 finding does at the end of an outermost operation (default [`Mode::Warn`]:
    /// one WARN per distinct problem, see [`warn_interval`](Self::warn_interval)).
    pub fn n_plus_one(mut self, mode: Mode) -> Self {
        self.config.n_plus_one = mode;
        self
    }

    /// What exceeding `#[timed(max_queries = N)]` does (default [`Mode::Warn`]). With
    /// [`Mode::Deny`] an operation with a budget that the layer could not observe (its span or
    /// sqlx's statement events filtered out) fails too.
    pub fn budget(mut self, mode: Mode) -> Self {
        self.config.budget = mode;
        self
    }

    /// Repeats of one statement shape from one call site inside one operation that make an
    /// N+1 (default [`DEFAULT_THRESHOLD`](super::DEFAULT_THRESHOLD), 5; `#[timed(threshold = N)]` overrides it per
    /// operation). Values below 2 are raised to 2: a single statement is never an N+1.
    pub fn threshold(mut self, repeats: u32) -> Self {
        self.config.threshold = repeats.max(2);
        self
    }

    /// Cap on distinct fingerprints kept by the profile (default 1,024, about 8 KiB each).
    /// Statements of shapes first seen after the cap is reached are only counted as overflow.
    pub fn max_fingerprints(mut self, fingerprints: usize) -> Self {
        self.config.max_fingerprints = fingerprints;
        self
    }

    /// Cap on distinct operation names kept by the profile (default 1,024).
    pub fn max_operations(mut self, operations: usize) -> Self {
        self.config.max_operations = operations;
        self
    }

    /// Warn mode's first back-off interval (default 60 s). A problem (an N+1 finding keyed by
    /// operation, call path and fingerprint, or an operation's exceeded budget) is logged at
    /// its first occurrence; its next occurrence after `interval` logs one summary with the
    /// number of occurrences not logged since, and the interval doubles after each summary, up
    /// to 64 times `interval`. The profile counts every occurrence.
    pub fn warn_interval(mut self, interval: Duration) -> Self {
        self.warn_interval = interval;
        self
    }

    /// Records the `metrics` histograms (default on). With no `metrics` recorder installed
    /// they cost a no-op call each.
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.config.metrics = enabled;
        self
    }

    /// The OpenTelemetry `db.system.name` recorded on operation spans and metrics
    /// (`"sqlite"`, `"postgresql"`, `"mysql"`). By default it is taken from the derived
    /// loaders when they all use one database, and left out otherwise.
    pub fn db_system_name(mut self, name: &'static str) -> Self {
        self.config.db_system = Some(name);
        self
    }

    /// The unfiltered layer: it sees every span and event the rest of the subscriber enables.
    /// Prefer [`build`](Self::build), which adds the per-layer filter that lets sqlx's DEBUG
    /// statement events through without enabling DEBUG for other layers.
    pub fn build_unfiltered(self) -> InstrumentLayer {
        InstrumentLayer::new(self.config, self.warn_interval)
    }

    /// The layer with its per-layer filter: it receives sqlx's statement events (target
    /// `sqlx::query`, any level) and batchload's spans, and nothing else.
    pub fn build<S>(self) -> Instrumentation<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        tracing_subscriber::Layer::with_filter(self.build_unfiltered(), InstrumentFilter)
    }
}
