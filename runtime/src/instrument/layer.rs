//! The `tracing_subscriber` layer: sees operation spans, loader batch spans and sqlx's
//! statement events, and keeps the per-operation state and the profile.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{Filtered, LevelFilter};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::registry::LookupSpan;

use super::capture::{BatchMarker, Captured, LOADER_TARGET, LoaderName, SQLX_TARGET, ShapeCache, StatementFields};
use super::config::{self, Config};
use super::context::{CallSite, OpHandle, OpState, lock};
use super::profile::{Profile, ProfileHandle};

/// Target of operation spans (`#[timed]` and the check helpers).
pub(crate) const OPERATION_TARGET: &str = "batchload::operation";

/// The instrumentation layer as returned by [`layer`](super::layer) and
/// [`LayerBuilder::build`](super::LayerBuilder::build): an [`InstrumentLayer`] behind its
/// per-layer [`InstrumentFilter`].
pub type Instrumentation<S> = Filtered<InstrumentLayer, InstrumentFilter, S>;

/// The per-layer filter of [`InstrumentLayer`]: enables sqlx's statement events (target
/// `sqlx::query`, every level) and batchload's operation and loader spans for this layer
/// only. Other layers keep their own filters, so adding it never makes them see DEBUG events.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstrumentFilter;

/// sqlx's statement events, and batchload's operation and loader batch spans (not the
/// loader's own `batch completed` events, which share the loader target).
fn wanted(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    target == SQLX_TARGET || (metadata.is_span() && (target == OPERATION_TARGET || target == LOADER_TARGET))
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

/// State shared by the layer, its operations and its profile handles.
pub(crate) struct Shared {
    pub(crate) config: Arc<Config>,
    pub(crate) profile: Mutex<Profile>,
    pub(crate) shapes: ShapeCache,
    /// OpenTelemetry `db.system.name`, when known.
    pub(crate) db_system: Option<&'static str>,
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
    pub(crate) fn new(config: Config) -> Self {
        let db_system = config.db_system.or_else(super::loaders::registered_system);
        let profile = Profile::new(config.max_fingerprints, config.max_operations);
        Self {
            shared: Arc::new(Shared {
                config: Arc::new(config),
                profile: Mutex::new(profile),
                shapes: ShapeCache::default(),
                db_system,
            }),
        }
    }

    /// A handle on this layer's profile, to read or reset it from anywhere (it stays valid
    /// after the layer is moved into a subscriber).
    pub fn profile(&self) -> ProfileHandle {
        ProfileHandle::new(Arc::clone(&self.shared))
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
        if metadata.name() == super::check::CHECK_SPAN_NAME {
            attrs.record(&mut visitor);
        }
        // Check helpers name their operation in a field (with the caller's location in it);
        // `#[timed]` spans are named after the operation and located at the attribute.
        let site = match visitor.0 {
            Some(name) => CallSite::Operation { name: Cow::Owned(name), file: None, line: None },
            None => CallSite::Operation {
                name: Cow::Borrowed(metadata.name()),
                file: metadata.file(),
                line: metadata.line(),
            },
        };
        let CallSite::Operation { name, .. } = &site else { return };
        let name = name.clone();
        let parent = span.scope().skip(1).find_map(|ancestor| ancestor.extensions().get::<OpHandle>().cloned());
        let state = OpState::new(name, site, parent.map(|handle| handle.0), Arc::clone(&self.shared));
        span.extensions_mut().insert(OpHandle(Arc::new(state)));
    }

    fn new_batch<S>(&self, attrs: &Attributes<'_>, id: &Id, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let Some(span) = ctx.span(id) else { return };
        let mut visitor = LoaderName::default();
        attrs.record(&mut visitor);
        let loader = visitor.0.unwrap_or_else(|| Arc::from("loader"));
        span.extensions_mut().insert(BatchMarker { loader, counted: false.into() });
    }

    fn statement<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let mut fields = StatementFields::default();
        event.record(&mut fields);
        let shape = self.shared.shapes.get(fields.sql());
        // sqlx-sqlite reports `sqlite3_changes()` for every statement, i.e. the rows of the
        // connection's previous write for a SELECT: a SELECT affects no rows.
        let rows_affected = if shape.statement.operation == "SELECT" { 0 } else { fields.rows_affected };
        let captured =
            Captured { shape, elapsed: fields.elapsed(), rows_returned: fields.rows_returned, rows_affected };
        // The nearest operation, and the loader batch in between if any.
        let mut batch: Option<(Arc<str>, bool)> = None;
        let mut operation: Option<Arc<OpState>> = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                let extensions = span.extensions();
                if let Some(handle) = extensions.get::<OpHandle>() {
                    operation = Some(Arc::clone(&handle.0));
                    break;
                }
                if batch.is_none()
                    && let Some(marker) = extensions.get::<BatchMarker>()
                {
                    batch = Some((Arc::clone(&marker.loader), marker.first_statement()));
                }
            }
        }
        if let Some(op) = &operation {
            let (call_site, new_round_trip) = match batch {
                Some((loader, first)) => (CallSite::Loader { loader }, first),
                None => (op.site.clone(), true),
            };
            for enclosing in op.chain() {
                enclosing.record(&captured, &call_site, new_round_trip);
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
        config::mark_installed(&self.shared.config);
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
