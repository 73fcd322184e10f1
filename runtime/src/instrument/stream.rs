//! Honest times for streamed results: [`timed_stream`] tells the time a statement's result
//! stream spends in the database from the time its consumer spends between rows.
//!
//! sqlx measures a statement from its start until its result stream is closed. For a `fetch`
//! stream whose consumer is slow (a `.await` or heavy work per row), that includes the
//! consumer's time: a 1 ms query read by a consumer that spends 20 ms per row over 20 rows is
//! recorded as about 400 ms. sqlx cannot tell the two apart, so the layer cannot either unless
//! the stream is wrapped: the wrapper measures each pause between handing out a row and being
//! polled again, and the layer subtracts those pauses from the statement's time. They are
//! reported apart as stream-open time (`stream_open_us`), never in execution time, "slowest
//! statements" or `db.client.operation.duration`.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::Stream;
use tracing::Span;
use tracing_subscriber::Registry;
use tracing_subscriber::registry::LookupSpan;

/// Target of the span a [`TimedStream`] polls its stream in.
pub(crate) const STREAM_TARGET: &str = "batchload::stream";

/// No pause in progress.
const NOT_PAUSED: u64 = u64::MAX;

/// The consumer's pauses of one stream, shared with the layer through the stream's span.
#[derive(Debug)]
pub(crate) struct StreamClock {
    origin: Instant,
    /// Nanoseconds since `origin` when the consumer last received a row and has not polled
    /// again since, or [`NOT_PAUSED`].
    paused_at: AtomicU64,
    /// Completed pauses, in nanoseconds.
    paused: AtomicU64,
}

impl StreamClock {
    fn new() -> Self {
        Self { origin: Instant::now(), paused_at: AtomicU64::new(NOT_PAUSED), paused: AtomicU64::new(0) }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(NOT_PAUSED - 1)
    }

    fn resume(&self) {
        let since = self.paused_at.swap(NOT_PAUSED, Ordering::AcqRel);
        if since != NOT_PAUSED {
            self.paused.fetch_add(self.now().saturating_sub(since), Ordering::AcqRel);
        }
    }

    fn pause(&self) {
        self.paused_at.store(self.now(), Ordering::Release);
    }

    /// The consumer's time between rows so far, the pause in progress included.
    pub(crate) fn consumer_time(&self) -> Duration {
        let mut nanos = self.paused.load(Ordering::Acquire);
        let since = self.paused_at.load(Ordering::Acquire);
        if since != NOT_PAUSED {
            nanos = nanos.saturating_add(self.now().saturating_sub(since));
        }
        Duration::from_nanos(nanos)
    }
}

/// The span extension through which the layer finds a stream's clock.
pub(crate) struct StreamHandle(pub(crate) Arc<StreamClock>);

/// A result stream whose consumer's pauses are measured; made by [`timed_stream`].
pub struct TimedStream<S> {
    /// Boxed so that dropping it early can happen inside `span` (sqlx records a statement
    /// when its stream is dropped).
    stream: Option<Pin<Box<S>>>,
    span: Span,
    clock: Arc<StreamClock>,
}

impl<S> Drop for TimedStream<S> {
    fn drop(&mut self) {
        let _entered = self.span.enter();
        self.stream = None;
    }
}

impl<S> std::fmt::Debug for TimedStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimedStream").field("consumer_time", &self.clock.consumer_time()).finish_non_exhaustive()
    }
}

/// Wraps a statement's result stream (`query.fetch(&pool)`) so its statement is recorded with
/// the database's time only: the time the consumer spends between rows is measured and
/// reported apart as stream-open time. Yields the same items in the same order.
///
/// The stream is polled inside a TRACE span (target `batchload::stream`) that carries the
/// measurement to the layer; it costs two clock reads per row. Without an instrumentation
/// layer it only forwards the items.
///
/// ```ignore
/// use futures_util::TryStreamExt;
///
/// let mut rows = batchload::instrument::timed_stream(sqlx::query("SELECT id FROM bots").fetch(&pool));
/// while let Some(row) = rows.try_next().await? {
///     slow_work(row).await; // not counted as database time
/// }
/// ```
pub fn timed_stream<S: Stream>(stream: S) -> TimedStream<S> {
    let span = tracing::trace_span!(target: STREAM_TARGET, "batchload.stream");
    let clock = Arc::new(StreamClock::new());
    span.with_subscriber(|(id, dispatch)| {
        if let Some(data) = dispatch.downcast_ref::<Registry>().and_then(|registry| registry.span(id)) {
            data.extensions_mut().insert(StreamHandle(Arc::clone(&clock)));
        }
    });
    TimedStream { stream: Some(Box::pin(stream)), span, clock }
}

impl<S: Stream> Stream for TimedStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        let Some(stream) = this.stream.as_mut() else { return Poll::Ready(None) };
        this.clock.resume();
        let poll = {
            let _entered = this.span.enter();
            stream.as_mut().poll_next(cx)
        };
        if let Poll::Ready(Some(_)) = &poll {
            this.clock.pause();
        }
        poll
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.as_ref().map_or((0, Some(0)), |stream| stream.size_hint())
    }
}
