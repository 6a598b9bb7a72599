//! Summary statistics of a set of measurements.

/// Count, mean, median, min and max of a non-empty set of finite values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// How many values.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median: the middle value, or the mean of the two middle values for an even count.
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Stats {
    /// The statistics of `values`, or `None` when there are none. Non-finite values (NaN,
    /// infinities) are left out, so they can never reach a table.
    pub fn of(values: &[f64]) -> Option<Stats> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len();
        let mid = count / 2;
        let median = if count % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(Stats {
            count,
            mean: sorted.iter().sum::<f64>() / count as f64,
            median,
            min: sorted[0],
            max: sorted[count - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Stats;

    #[test]
    fn odd_even_and_empty() {
        let s = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(
            (s.count, s.mean, s.median, s.min, s.max),
            (3, 2.0, 2.0, 1.0, 3.0)
        );
        let s = Stats::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(
            (s.count, s.mean, s.median, s.min, s.max),
            (4, 2.5, 2.5, 1.0, 4.0)
        );
        assert_eq!(Stats::of(&[]), None);
        assert_eq!(Stats::of(&[f64::NAN, f64::INFINITY]), None);
        let s = Stats::of(&[5.0, f64::NAN]).unwrap();
        assert_eq!((s.count, s.median), (1, 5.0));
    }
}
