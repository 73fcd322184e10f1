//! The leaf of `instrument/`: the configuration, the process-wide install flag, the tracing
//! targets and the lock helper. It imports nothing from its sibling modules, so every other
//! module may import it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

/// Target of sqlx's statement events.
pub(crate) const SQLX_TARGET: &str = "sqlx::query";

/// Target of operation spans (`#[timed]` and the check helpers).
pub(crate) const OPERATION_TARGET: &str = "batchload::operation";

/// Target of the loader batch spans.
pub(crate) const LOADER_TARGET: &str = "batchload::loader";

/// The name of the check helpers' operation spans (their operation name is in the
/// `batchload.operation` field).
pub(crate) const CHECK_SPAN_NAME: &str = "batchload::check";

/// Default N+1 threshold of [`LayerBuilder::threshold`](super::LayerBuilder::threshold): 5
/// repeats of one statement shape from one call path inside one operation. The test helpers
/// use 2.
pub const DEFAULT_THRESHOLD: u32 = 5;

/// Default cap on distinct fingerprints kept by the profile (about 8 KiB each, so about
/// 8 MiB at the cap); statements of new shapes beyond it are counted as overflow.
pub(crate) const DEFAULT_MAX_FINGERPRINTS: usize = 1_024;

/// Default cap on distinct operation names kept by the profile.
pub(crate) const DEFAULT_MAX_OPERATIONS: usize = 1_024;

/// Locks `mutex`, ignoring poisoning (the data behind every lock of this module stays
/// consistent between statements: a panic never leaves it half-written).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What happens when an N+1 is found or a query budget is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// No check (for budgets: `max_queries` is ignored).
    Off,
    /// A `tracing` WARN event on target `batchload::n_plus_one` or `batchload::budget` for the
    /// first occurrence of each distinct problem, then a summary with the count of repeats at
    /// exponentially growing intervals (see [`LayerBuilder::n_plus_one`](super::LayerBuilder::n_plus_one));
    /// every occurrence is kept in the profile. The default.
    #[default]
    Warn,
    /// As `Warn`, and the `#[timed]` function panics with the report when the operation
    /// completes (a cancelled operation only warns), so the test running it fails. Meant for
    /// test and CI subscribers.
    Deny,
}

/// The layer's configuration, fixed when it is built.
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

/// Set once any instrumentation layer has been added to a subscriber; `#[timed]` checks it
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

/// Records that a layer with `config` was added to a subscriber.
pub(crate) fn mark_installed(config: &Arc<Config>) {
    *LAST_CONFIG.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(config));
    INSTALLED.store(true, Ordering::Relaxed);
}

/// The configuration of the last installed layer, or the defaults.
pub(crate) fn last_config() -> Arc<Config> {
    LAST_CONFIG.read().unwrap_or_else(PoisonError::into_inner).clone().unwrap_or_else(|| Arc::new(Config::default()))
}
