//! Order statistics over samples: median, percentiles (nearest rank), min and max.

use std::time::Duration;

/// A summary of a set of samples (in whatever unit they were given).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many samples.
    pub count: usize,
    pub min: f64,
    pub p5: f64,
    pub median: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// `None` when there are no samples.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            count: sorted.len(),
            min: sorted[0],
            p5: percentile(&sorted, 0.05),
            median: median(&sorted),
            p95: percentile(&sorted, 0.95),
            p99: percentile(&sorted, 0.99),
            max: sorted[sorted.len() - 1],
        })
    }

    /// Durations, in microseconds.
    pub fn of_micros(samples: &[Duration]) -> Option<Summary> {
        let micros: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        Summary::of(&micros)
    }

    /// Durations, in milliseconds.
    pub fn of_millis(samples: &[Duration]) -> Option<Summary> {
        let millis: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        Summary::of(&millis)
    }
}

/// Nearest-rank percentile of sorted samples: the smallest sample with at least `q` of the samples
/// at or below it.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The middle sample, or the mean of the two middle ones.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes() {
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = Summary::of(&samples).unwrap();
        assert_eq!((s.count, s.min, s.max), (100, 1.0, 100.0));
        assert_eq!((s.p5, s.median, s.p95, s.p99), (5.0, 50.5, 95.0, 99.0));
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.p5, s.median, s.p99), (1.0, 2.0, 3.0));
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn durations_in_micros() {
        let s = Summary::of_micros(&[Duration::from_millis(1)]).unwrap();
        assert_eq!(s.median, 1000.0);
        let s = Summary::of_millis(&[Duration::from_micros(2500)]).unwrap();
        assert_eq!(s.median, 2.5);
    }
}
