//! The `timed_overhead` row: an empty async fn, plain, with `#[timed]` and with
//! `#[tracing::instrument]`, each polled once to completion on the measuring thread with
//! [`poll_ready!`](crate::poll_ready).
//!
//! * `timed_disabled`: [`timed_empty_uninstalled`] before any instrumentation layer exists in
//!   the process (the fast path: one atomic load); it must be measured first;
//! * `instrument` and `timed`: [`instrumented_empty`] and [`timed_empty`] under the same
//!   [`subscriber`]: a registry, a layer that enables every span (so `#[instrument]` spans
//!   are real) and batchload's instrumentation layer.

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt as _;

/// The floor: no attribute.
pub async fn plain_empty(value: u64) -> u64 {
    value
}

/// `#[timed]`, called only while a subscriber with batchload's layer is installed.
#[batchload::timed]
pub async fn timed_empty(value: u64) -> u64 {
    value
}

/// The same as [`timed_empty`], called only while nothing is installed (one call site per
/// fast-path candidate, so the compiler treats both alike).
#[batchload::timed]
pub async fn timed_empty_uninstalled(value: u64) -> u64 {
    value
}

/// `#[tracing::instrument]`, the baseline of `#[timed]`.
#[tracing::instrument]
pub async fn instrumented_empty(value: u64) -> u64 {
    value
}

/// Polls a future that completes on its first poll, pinned where it is created (no copy of
/// the future between creation and poll).
///
/// # Panics
/// If the future is not ready on its first poll.
#[macro_export]
macro_rules! poll_ready {
    ($future:expr) => {{
        let mut future = ::std::pin::pin!($future);
        match ::std::future::Future::poll(
            future.as_mut(),
            &mut ::std::task::Context::from_waker(::std::task::Waker::noop()),
        ) {
            ::std::task::Poll::Ready(output) => output,
            ::std::task::Poll::Pending => unreachable!("the benchmarked functions never wait"),
        }
    }};
}

/// A layer that enables every span and event and does nothing with them.
pub struct EnableAll;

impl<S: Subscriber> Layer<S> for EnableAll {}

/// The subscriber of the `timed` and `instrument` measurements: a registry, [`EnableAll`]
/// and batchload's instrumentation layer.
pub fn subscriber() -> impl Subscriber + Send + Sync {
    tracing_subscriber::registry().with(EnableAll).with(batchload::instrument::layer())
}

/// True while no batchload instrumentation layer exists in the process (the condition of the
/// `timed_disabled` measurement).
pub fn nothing_installed() -> bool {
    !batchload::__private::enabled()
}
