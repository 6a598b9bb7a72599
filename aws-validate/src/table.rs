//! The figures as a markdown table, one row per example, architecture and memory size, with the
//! columns of lambda-perf's comparison (init duration, cold starts, warm duration, memory used).

use std::fmt::Write as _;

use crate::report::Report;
use crate::stats::Stats;

/// One measured invocation: which function ran it and what its `REPORT` line said.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The example's name, e.g. `minimal`.
    pub example: String,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    /// The invocation's parsed `REPORT` line.
    pub report: Report,
}

/// The summary of the samples of one example, architecture and memory size.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The example's name.
    pub example: String,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    /// `Memory Size` from the `REPORT` lines, in MB.
    pub memory_size_mb: u32,
    /// `Init Duration` of the cold invocations (those whose line has it).
    pub init_duration: Option<Stats>,
    /// `Duration` of the cold invocations.
    pub cold_duration: Option<Stats>,
    /// `Duration` of the warm invocations.
    pub warm_duration: Option<Stats>,
    /// The highest `Max Memory Used` of all invocations, in MB.
    pub max_memory_used_mb: u32,
}

impl Row {
    /// How many invocations were cold starts.
    pub fn cold_count(&self) -> usize {
        self.init_duration.map_or(0, |s| s.count)
    }

    /// How many invocations were warm.
    pub fn warm_count(&self) -> usize {
        self.warm_duration.map_or(0, |s| s.count)
    }
}

/// Groups samples by example, architecture and memory size (in order of first appearance) and
/// summarises each group. An invocation counts as cold when its line has `Init Duration`.
pub fn summarize(samples: &[Sample]) -> Vec<Row> {
    let mut keys: Vec<(&str, &str, u32)> = Vec::new();
    for s in samples {
        let key = (
            s.example.as_str(),
            s.architecture.as_str(),
            s.report.memory_size_mb,
        );
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|(example, architecture, memory_size_mb)| {
            let group: Vec<&Report> = samples
                .iter()
                .filter(|s| {
                    s.example == example
                        && s.architecture == architecture
                        && s.report.memory_size_mb == memory_size_mb
                })
                .map(|s| &s.report)
                .collect();
            let init: Vec<f64> = group.iter().filter_map(|r| r.init_duration_ms).collect();
            let cold: Vec<f64> = group
                .iter()
                .filter(|r| r.is_cold())
                .map(|r| r.duration_ms)
                .collect();
            let warm: Vec<f64> = group
                .iter()
                .filter(|r| !r.is_cold())
                .map(|r| r.duration_ms)
                .collect();
            Row {
                example: example.to_owned(),
                architecture: architecture.to_owned(),
                memory_size_mb,
                init_duration: Stats::of(&init),
                cold_duration: Stats::of(&cold),
                warm_duration: Stats::of(&warm),
                max_memory_used_mb: group
                    .iter()
                    .map(|r| r.max_memory_used_mb)
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect()
}

/// The rows as a markdown table. Durations are in milliseconds with two decimals, as in the
/// `REPORT` lines; a figure with no sample behind it is `-`.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| example | architecture | memory (MB) | cold starts | init duration mean (ms) | init min (ms) \
         | init max (ms) | cold duration mean (ms) | warm invocations | warm duration mean (ms) \
         | warm duration median (ms) | warm duration max (ms) | max memory used (MB) |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let ms = |s: Option<Stats>, pick: fn(&Stats) -> f64| {
        s.map_or("-".to_owned(), |s| format!("{:.2}", pick(&s)))
    };
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.example,
            r.architecture,
            r.memory_size_mb,
            r.cold_count(),
            ms(r.init_duration, |s| s.mean),
            ms(r.init_duration, |s| s.min),
            ms(r.init_duration, |s| s.max),
            ms(r.cold_duration, |s| s.mean),
            r.warm_count(),
            ms(r.warm_duration, |s| s.mean),
            ms(r.warm_duration, |s| s.median),
            ms(r.warm_duration, |s| s.max),
            r.max_memory_used_mb,
        );
    }
    out
}
