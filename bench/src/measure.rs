//! Interleaved repetitions and medians (the quick mode).
//!
//! The machine is shared and noisy: a slow minute must hit every side of a comparison alike.
//! So the sides are run in rounds, one repetition of each side per round (A B C, B C A,
//! C A B, ...: the starting side rotates so no side always runs right after the same other
//! one), and each side's figure is the median of its repetitions, which ignores the outliers
//! a burst of other work produces.

use std::time::Duration;

/// Runs `warmup` discarded rounds, then `rounds` measured rounds of `sides` (one call of
/// each per round, the starting side rotating); returns the durations each side measured,
/// in the order of `sides`.
pub fn interleaved<F>(sides: usize, warmup: usize, rounds: usize, mut measure: F) -> Vec<Vec<Duration>>
where
    F: FnMut(usize) -> Duration,
{
    let mut samples = vec![Vec::with_capacity(rounds); sides];
    for round in 0..warmup + rounds {
        for offset in 0..sides {
            let side = (round + offset) % sides;
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
    fn rounds_rotate_and_skip_the_warmup() {
        let mut order = Vec::new();
        let samples = interleaved(3, 1, 2, |side| {
            order.push(side);
            Duration::from_micros(side as u64)
        });
        assert_eq!(order, [0, 1, 2, 1, 2, 0, 2, 0, 1]);
        assert!(samples.iter().all(|side| side.len() == 2));
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let us = Duration::from_micros;
        assert_eq!(median(&[us(5), us(1), us(3)]), us(3));
        assert_eq!(median(&[us(4), us(1), us(3), us(2)]), Duration::from_nanos(2_500));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
