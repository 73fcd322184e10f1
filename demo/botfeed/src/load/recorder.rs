//! What the workers of one load phase record: latency of every successful operation (overall
//! and per second of the phase), failed operations by kind, and live counters for the progress
//! bar. One lock taken once per operation (microseconds against the milliseconds an operation
//! takes); the counters the progress bar reads are atomics.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::errors::{ErrorKind, classify};
use crate::Error;

/// The percentiles of the latency-percentile chart and the JSON `latency_percentiles`.
pub const PERCENTILES: [f64; 7] = [50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0];

/// Largest latency recorded as is: one hour, in microseconds (longer ones are clamped).
const MAX_US: u64 = 3_600_000_000;

/// One second of a phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecondPoint {
    /// Seconds since the phase started (0 = the first second).
    pub second: u64,
    /// Operations that succeeded in this second.
    pub ops: u64,
    /// Operations that failed in this second.
    pub errors: u64,
    /// Median latency of this second's successful operations, ms (0 without any).
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
}

/// One point of the latency-percentile curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PercentilePoint {
    /// The percentile (50, 75, 90, 95, 99, 99.9, 100 = max).
    pub percentile: f64,
    /// Latency at it, ms.
    pub ms: f64,
}

struct Second {
    latency: Histogram<u32>,
    ops: u64,
    errors: u64,
}

struct Inner {
    /// 3 significant digits (0.1%).
    overall: Histogram<u64>,
    /// 2 significant digits (1%), about 7 KiB per second of the phase while latencies stay
    /// under a second: 8 MiB for a 10-minute run of both phases.
    seconds: Vec<Second>,
    errors: BTreeMap<ErrorKind, u64>,
    first_error: Option<String>,
}

/// The shared recorder of one phase.
pub(super) struct Recorder {
    started: Instant,
    inner: Mutex<Inner>,
    ops: AtomicU64,
    errors: AtomicU64,
}

fn histogram<T: hdrhistogram::Counter>(sigfig: u8) -> Histogram<T> {
    Histogram::new(sigfig).unwrap_or_else(|_| unreachable!("2 and 3 significant digits are valid"))
}

fn record<T: hdrhistogram::Counter>(histogram: &mut Histogram<T>, us: u64) {
    let us = us.min(MAX_US);
    if histogram.record(us).is_err() {
        histogram.saturating_record(us);
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1_000.0
}

/// What a phase recorded, ready for the report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recorded {
    /// Successful operations.
    pub ops: u64,
    /// Failed operations.
    pub errors: u64,
    /// Failed operations per kind (every kind present, zero included).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// Median latency of the successful operations, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
    /// The latency-percentile curve.
    pub percentiles: Vec<PercentilePoint>,
    /// One point per second of the phase.
    pub timeline: Vec<SecondPoint>,
}

impl Recorder {
    /// A recorder whose seconds count from `started`.
    pub(super) fn new(started: Instant) -> Self {
        Self {
            started,
            inner: Mutex::new(Inner {
                overall: histogram(3),
                seconds: Vec::new(),
                errors: BTreeMap::new(),
                first_error: None,
            }),
            ops: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        }
    }

    /// Records one operation that ended at `ended` after `latency`, with its outcome.
    pub(super) fn record(&self, latency: Duration, ended: Instant, outcome: Result<(), &Error>) {
        let second = usize::try_from(ended.saturating_duration_since(self.started).as_secs()).unwrap_or(usize::MAX);
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while inner.seconds.len() <= second {
            inner.seconds.push(Second { latency: histogram(2), ops: 0, errors: 0 });
        }
        match outcome {
            Ok(()) => {
                record(&mut inner.overall, us);
                let slot = &mut inner.seconds[second];
                record(&mut slot.latency, us);
                slot.ops += 1;
                self.ops.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => {
                inner.seconds[second].errors += 1;
                *inner.errors.entry(classify(error)).or_default() += 1;
                inner.first_error.get_or_insert_with(|| error.to_string());
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Successful and failed operations so far (for the progress bar).
    pub(super) fn counts(&self) -> (u64, u64) {
        (self.ops.load(Ordering::Relaxed), self.errors.load(Ordering::Relaxed))
    }

    /// The figures recorded so far.
    pub(super) fn finish(&self) -> Recorded {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = |histogram: &Histogram<u64>, percentile: f64| {
            if histogram.is_empty() { 0.0 } else { ms(histogram.value_at_percentile(percentile)) }
        };
        let overall = &inner.overall;
        let timeline = inner
            .seconds
            .iter()
            .enumerate()
            .map(|(second, slot)| {
                let quantile =
                    |q: f64| if slot.latency.is_empty() { 0.0 } else { ms(slot.latency.value_at_quantile(q)) };
                SecondPoint {
                    second: second as u64,
                    ops: slot.ops,
                    errors: slot.errors,
                    p50_ms: quantile(0.50),
                    p95_ms: quantile(0.95),
                    p99_ms: quantile(0.99),
                    max_ms: if slot.latency.is_empty() { 0.0 } else { ms(slot.latency.max()) },
                }
            })
            .collect();
        Recorded {
            ops: overall.len(),
            errors: inner.errors.values().sum(),
            errors_by_kind: ErrorKind::ALL
                .iter()
                .map(|kind| (kind.name().to_owned(), inner.errors.get(kind).copied().unwrap_or(0)))
                .collect(),
            first_error: inner.first_error.clone(),
            p50_ms: at(overall, 50.0),
            p95_ms: at(overall, 95.0),
            p99_ms: at(overall, 99.0),
            max_ms: if overall.is_empty() { 0.0 } else { ms(overall.max()) },
            percentiles: PERCENTILES
                .iter()
                .map(|&percentile| PercentilePoint {
                    percentile,
                    ms: if percentile >= 100.0 && !overall.is_empty() {
                        ms(overall.max())
                    } else {
                        at(overall, percentile)
                    },
                })
                .collect(),
            timeline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_land_in_their_second_and_errors_in_their_kind() {
        let started = Instant::now();
        let recorder = Recorder::new(started);
        // Values under 256 us are exact in both histograms (2 and 3 significant digits).
        for latency_us in [100, 150, 200, 250] {
            recorder.record(Duration::from_micros(latency_us), started + Duration::from_millis(100), Ok(()));
        }
        recorder.record(Duration::from_micros(1_000), started + Duration::from_millis(2_500), Ok(()));
        let timeout = Error::Database(sqlx::Error::PoolTimedOut);
        recorder.record(Duration::from_secs(30), started + Duration::from_millis(2_600), Err(&timeout));
        assert_eq!(recorder.counts(), (5, 1));
        let recorded = recorder.finish();
        assert_eq!(recorded.ops, 5);
        assert_eq!(recorded.errors, 1);
        assert_eq!(recorded.errors_by_kind["pool_timeout"], 1);
        assert_eq!(recorded.errors_by_kind["busy_locked"], 0);
        assert_eq!(
            recorded.first_error.as_deref(),
            Some("database error: pool timed out while waiting for an open connection")
        );
        assert_eq!(recorded.p50_ms, 0.2);
        assert_eq!(recorded.max_ms, 1.0);
        let ops: Vec<(u64, u64, u64)> = recorded.timeline.iter().map(|p| (p.second, p.ops, p.errors)).collect();
        assert_eq!(ops, [(0, 4, 0), (1, 0, 0), (2, 1, 1)]);
        assert_eq!(recorded.timeline[0].max_ms, 0.25);
        assert_eq!(recorded.timeline[1].p99_ms, 0.0);
        assert_eq!(recorded.percentiles.last().map(|point| point.ms), Some(1.0));
    }
}
