//! Call paths: where a statement came from, as the chain of spans between it and the
//! outermost operation.
//!
//! `#[timed]` wraps every `.await` of the function's body in a span located at that line
//! (target [`AWAIT_TARGET`], level TRACE), so a statement awaited in a loop is located at the
//! loop's line, and a helper (instrumented or not) awaited from five lines gives five call
//! paths. Loader batches add their loader and, when known, the line that called `load`.
//! N+1 findings are keyed by (fingerprint, call path), like prosopite keys on the call stack.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::sync::Arc;

use tracing::Metadata;

use super::state::{CHECK_SPAN_NAME, LOADER_TARGET, OPERATION_TARGET};

/// Target of the spans `#[timed]` puts around each `.await` of its body.
pub(crate) const AWAIT_TARGET: &str = "batchload::await";

/// One span between a statement and the outermost operation, by its static metadata.
#[derive(Clone, Copy)]
pub(crate) struct Frame(pub(crate) &'static Metadata<'static>);

impl PartialEq for Frame {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Frame {}

impl Hash for Frame {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::ptr::hash(self.0, state);
    }
}

impl Frame {
    fn is(&self, target: &str) -> bool {
        self.0.target() == target
    }

    fn location(&self) -> Option<String> {
        Some(format!("{}:{} ({})", self.0.file()?, self.0.line()?, self.0.name()))
    }
}

/// Where statements of one shape came from.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct CallPath {
    /// Spans from the statement outwards, innermost first, up to the outermost operation.
    frames: Arc<[Frame]>,
    /// The name of the check helper's operation on the path, else of the nearest operation
    /// (check helpers' spans share one static name, so they are shown by this name).
    operation: Cow<'static, str>,
    /// The loader whose batch ran the statements.
    loader: Option<Arc<str>>,
    /// The line that called the loader's `load`, when the loader recorded it.
    loaded_at: Option<&'static Location<'static>>,
}

impl fmt::Debug for CallPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl CallPath {
    pub(crate) fn new(
        frames: Vec<Frame>,
        operation: Cow<'static, str>,
        loader: Option<Arc<str>>,
        loaded_at: Option<&'static Location<'static>>,
    ) -> Self {
        Self { frames: frames.into(), operation, loader, loaded_at }
    }

    /// The loader whose batch ran the statements.
    pub(crate) fn loader(&self) -> Option<&str> {
        self.loader.as_deref()
    }
}

impl fmt::Display for CallPath {
    /// `loader Name at file:line (operation) <- file:line (caller) <- ...`: the lines that
    /// awaited the statement, innermost first; an operation's own location (its `#[timed]`
    /// attribute) only when no awaited line inside it is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(location) = self.loaded_at {
            parts.push(format!("{}:{}", location.file(), location.line()));
        }
        let mut previous_was_await = false;
        for frame in self.frames.iter() {
            if frame.is(LOADER_TARGET) {
                continue;
            }
            let is_await = frame.is(AWAIT_TARGET);
            if frame.is(OPERATION_TARGET) {
                if !previous_was_await {
                    let part = if frame.0.name() == CHECK_SPAN_NAME {
                        // Only the nearest operation can be a check helper's, with its own name.
                        Some(self.operation.to_string())
                    } else {
                        frame.location()
                    };
                    parts.extend(part);
                }
            } else if let Some(location) = frame.location() {
                let duplicate = self.loaded_at.is_some_and(|loaded| {
                    parts.len() == 1 && frame.0.line() == Some(loaded.line()) && frame.0.file() == Some(loaded.file())
                });
                if duplicate {
                    parts[0] = location;
                } else {
                    parts.push(location);
                }
            }
            previous_was_await = is_await;
        }
        if parts.is_empty() {
            parts.push(self.operation.to_string());
        }
        match &self.loader {
            Some(loader) => write!(f, "loader {loader} at {}", parts.join(" <- ")),
            None => f.write_str(&parts.join(" <- ")),
        }
    }
}

thread_local! {
    /// The location of the `load` call being polled on this thread (set by [`Located`]).
    static LOAD_SITE: std::cell::Cell<Option<&'static Location<'static>>> = const { std::cell::Cell::new(None) };
}

/// The location of the `load` call being polled on this thread, if any.
pub(crate) fn current_load_site() -> Option<&'static Location<'static>> {
    LOAD_SITE.with(std::cell::Cell::get)
}

pin_project_lite::pin_project! {
    /// A loader's `load` future that makes the line that called `load` the current load site
    /// while it is polled, so a batch it dispatches records that line (see
    /// [`located`]).
    pub struct Located<F> {
        #[pin]
        future: F,
        location: &'static Location<'static>,
    }
}

impl<F> fmt::Debug for Located<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Located").field("location", &self.location).finish_non_exhaustive()
    }
}

/// Wraps `future` (a loader's `load`, called at `location`) so the batch it dispatches records
/// `location`: one thread-local write before and after each poll.
pub fn located<F: std::future::Future>(location: &'static Location<'static>, future: F) -> Located<F> {
    Located { future, location }
}

impl<F: std::future::Future> std::future::Future for Located<F> {
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        let this = self.project();
        let previous = LOAD_SITE.with(|site| site.replace(Some(*this.location)));
        let poll = this.future.poll(cx);
        LOAD_SITE.with(|site| site.set(previous));
        poll
    }
}
