//! Layer configuration: modes, the N+1 threshold and the profile's memory caps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use tracing::Subscriber;
use tracing_subscriber::registry::LookupSpan;

use super::layer::{InstrumentFilter, InstrumentLayer, Instrumentation};

/// Default N+1 threshold of [`LayerBuilder::threshold`]: 5 repeats of one statement shape
/// from one call site inside one operation. The test helpers use 2.
pub const DEFAULT_THRESHOLD: u32 = 5;

/// Default cap on distinct fingerprints kept by the profile (about 8 KiB each, so about
/// 8 MiB at the cap); statements of new shapes beyond it are counted as overflow.
pub const DEFAULT_MAX_FINGERPRINTS: usize = 1_024;

/// Default cap on distinct operation names kept by the profile.
pub const DEFAULT_MAX_OPERATIONS: usize = 1_024;

/// What happens when an N+1 is found or a query budget is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// No check (for budgets: `max_queries` is ignored).
    Off,
    /// A `tracing` WARN event on target `batchload::n_plus_one` or `batchload::budget` with
    /// the finding, and the finding in the profile. The default.
    #[default]
    Warn,
    /// As `Warn`, and the `#[timed]` function panics with the report when the operation
    /// completes (a cancelled operation only warns), so the test running it fails. Meant for
    /// test and CI subscribers.
    Deny,
}

/// Set once any [`InstrumentLayer`] has been added to a subscriber; `#[timed]` checks it
/// first, so with nothing installed an operation costs one atomic load.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Configuration of the most recently installed layer: modes used when an operation was not
/// observed by any layer (so it has no configuration of its own).
static LAST_CONFIG: RwLock<Option<Arc<Config>>> = RwLock::new(None);

/// Whether an instrumentation layer was ever added to a subscriber in this process.
#[inline]
pub(crate) fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

pub(crate) fn mark_installed(config: &Arc<Config>) {
    *LAST_CONFIG.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(config));
    INSTALLED.store(true, Ordering::Relaxed);
}

/// The configuration of the last installed layer, or the defaults.
pub(crate) fn last_config() -> Arc<Config> {
    LAST_CONFIG
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .unwrap_or_else(|| Arc::new(Config::default()))
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) n_plus_one: Mode,
    pub(crate) budget: Mode,
    pub(crate) threshold: u32,
    pub(crate) max_fingerprints: usize,
    pub(crate) max_operations: usize,
    pub(crate) metrics: bool,
    pub(crate) db_system: Option<&'static str>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            n_plus_one: Mode::Warn,
            budget: Mode::Warn,
            threshold: DEFAULT_THRESHOLD,
            max_fingerprints: DEFAULT_MAX_FINGERPRINTS,
            max_operations: DEFAULT_MAX_OPERATIONS,
            metrics: true,
            db_system: None,
        }
    }
}

/// Builds the instrumentation layer; start with [`builder`](super::builder).
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
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct LayerBuilder {
    config: Config,
}

impl LayerBuilder {
    /// What an N+1 finding does at the end of an outermost operation (default [`Mode::Warn`]).
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
    /// N+1 (default [`DEFAULT_THRESHOLD`], 5; `#[timed(threshold = N)]` overrides it per
    /// operation). Values below 2 are raised to 2: a single statement is never an N+1.
    pub fn threshold(mut self, repeats: u32) -> Self {
        self.config.threshold = repeats.max(2);
        self
    }

    /// Cap on distinct fingerprints kept by the profile (default [`DEFAULT_MAX_FINGERPRINTS`]).
    /// Statements of shapes first seen after the cap is reached are only counted as overflow.
    pub fn max_fingerprints(mut self, fingerprints: usize) -> Self {
        self.config.max_fingerprints = fingerprints;
        self
    }

    /// Cap on distinct operation names kept by the profile (default [`DEFAULT_MAX_OPERATIONS`]).
    pub fn max_operations(mut self, operations: usize) -> Self {
        self.config.max_operations = operations;
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
        InstrumentLayer::new(self.config)
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
