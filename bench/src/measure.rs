//! Interleaved repetitions and medians (the quick mode).
//!
//! The machine is shared and noisy: a slow minute must hit every side of a comparison alike.
//! So the sides are run in rounds, one repetition of each side per round, and each side's
//! figure is the median of its repetitions, which ignores the outliers a burst of other work
//! produces. Each round runs the sides in a new order (a seeded shuffle, the same in every
//! run), so no side always runs right after the same other one: a side leaves state behind
//! (a pool connection on its way back, one connection's page cache warm), and a fixed order
//! hands that state to the same successor every round. (Rotating the starting side, A B C,
//! B C A, C A B, does not do this: B still follows A in two rounds of three; it moved the
//! group loader's N = 10 ratio by about 0.1.)

use std::time::Duration;

/// The seed of the rounds' orders: a run repeats the orders of the previous one.
const ORDER_SEED: u64 = 0x6f72_6465_725f_7365;

/// Runs `warmup` discarded rounds, then `rounds` measured rounds of `sides` (one call of
/// each per round, in a shuffled order); returns the durations each side measured, in the
/// order of `sides`.
pub fn interleaved<F>(sides: usize, warmup: usize, rounds: usize, mut measure: F) -> Vec<Vec<Duration>>
where
    F: FnMut(usize) -> Duration,
{
    let mut samples = vec![Vec::with_capacity(rounds); sides];
    let mut rng = fastrand::Rng::with_seed(ORDER_SEED);
    let mut order: Vec<usize> = (0..sides).collect();
    for round in 0..warmup + rounds {
        rng.shuffle(&mut order);
        for &side in &order {
            let elapsed = measure(side);
            if round >= warmup {
                samples[side].push(elapsed);
            }
        }
    }
    samples
}

/// The median of `samples` (the mean of the two middle ones for an even count); zero when
/// empty.
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => Duration::ZERO,
        len if len % 2 == 1 => sorted[len / 2],
        len => (sorted[len / 2 - 1] + sorted[len / 2]) / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_shuffled_the_same_way_in_every_run_and_skip_the_warmup() {
        let run = || {
            let mut order = Vec::new();
            let samples = interleaved(3, 1, 200, |side| {
                order.push(side);
                Duration::from_micros(side as u64)
            });
            (order, samples)
        };
        let (order, samples) = run();
        assert_eq!(order, run().0, "the same orders in every run");
        assert_eq!(order.len(), 3 * 201);
        for round in order.chunks(3) {
            let mut sorted = round.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2], "each round runs every side once: {round:?}");
        }
        for (side, durations) in samples.iter().enumerate() {
            assert_eq!(durations.len(), 200, "the warmup round is not kept");
            assert!(durations.iter().all(|&d| d == Duration::from_micros(side as u64)));
        }
        // Every side follows every other side inside some round, and precedes it in others.
        for (before, after) in [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)] {
            assert!(
                order.chunks(3).any(|round| round.windows(2).any(|pair| pair == [before, after])),
                "{after} never runs right after {before}"
            );
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let us = Duration::from_micros;
        assert_eq!(median(&[us(5), us(1), us(3)]), us(3));
        assert_eq!(median(&[us(4), us(1), us(3), us(2)]), Duration::from_nanos(2_500));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
