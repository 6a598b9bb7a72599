//! The figures of a run, and the rows they make in the tables, the chart and the result file.

use std::time::Duration;

use crate::stats::Summary;
use crate::subjects::{Config, Handler, Runtime};

/// Everything measured for one runtime in one build configuration.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Binary size in bytes, per handler ([`Handler::index`]).
    pub size: [u64; 3],
    /// Zip size in bytes, per handler; `None` without a `zip` program.
    pub zip: [Option<u64>; 3],
    /// Init (spawn → first `/next`) of each cold start, per handler.
    pub init: [Vec<Duration>; 3],
    /// Peak RSS (kB) after the first invocation of each cold start, per handler.
    pub cold_rss_kb: [Vec<u64>; 3],
    /// Warm `echo` invocations: hand-out → answer.
    pub warm: Vec<Duration>,
    /// `echo` invocations per second, one figure per round.
    pub throughput: Vec<f64>,
    /// Peak RSS (kB) of the `echo` process after the warm and throughput runs.
    pub warm_rss_kb: Option<u64>,
    /// `fibonacci` invocations with `{"n":35}`: hand-out → answer.
    pub fib: Vec<Duration>,
}

/// The figures of every runtime (by [`Runtime::index`]; `None` when not run) in one
/// configuration.
#[derive(Debug, Clone)]
pub struct ConfigResults {
    pub config: Config,
    pub figures: [Option<Figures>; 3],
}

/// How a row's spread is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// One exact figure (sizes).
    Exact,
    /// Median (p5–p95).
    Percentiles,
    /// Median (min–max).
    MinMax,
    /// A single reading.
    Single,
}

/// One figure of one runtime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub center: f64,
    pub low: f64,
    pub high: f64,
    pub count: usize,
}

/// One figure for the three runtimes.
#[derive(Debug, Clone)]
pub struct Row {
    /// A stable key (`size-minimal`, `warm-median`, …) for targets and the result file.
    pub key: String,
    pub label: String,
    pub unit: &'static str,
    pub spread: Spread,
    pub higher_is_better: bool,
    /// By [`Runtime::index`].
    pub values: [Option<Value>; 3],
}

impl Row {
    pub fn value(&self, runtime: Runtime) -> Option<Value> {
        self.values[runtime.index()]
    }

    /// `runtime`'s figure over `base`'s (medians).
    pub fn ratio(&self, runtime: Runtime, base: Runtime) -> Option<f64> {
        let (a, b) = (self.value(runtime)?, self.value(base)?);
        (b.center > 0.0).then(|| a.center / b.center)
    }
}

/// Keys of the rows the chart shows.
pub const CHART_KEYS: [&str; 8] = [
    "size-minimal",
    "zip-minimal",
    "init-minimal",
    "warm-median",
    "warm-p99",
    "throughput",
    "rss-warm",
    "fib",
];

/// The rows of one configuration, in table order.
pub fn rows(results: &ConfigResults) -> Vec<Row> {
    let all = &results.figures;
    let mut rows = Vec::new();
    let mut push = |key: String,
                    label: String,
                    unit: &'static str,
                    spread: Spread,
                    higher_is_better: bool,
                    value: &dyn Fn(&Figures) -> Option<Value>| {
        let values = [0, 1, 2].map(|i| all[i].as_ref().and_then(value));
        if values.iter().any(Option::is_some) {
            rows.push(Row {
                key,
                label,
                unit,
                spread,
                higher_is_better,
                values,
            });
        }
    };
    for h in Handler::ALL {
        let i = h.index();
        push(
            format!("size-{}", h.name()),
            format!("binary size, `{}`", h.name()),
            "kB",
            Spread::Exact,
            false,
            &|f| Some(exact(f.size[i] as f64 / 1000.0)),
        );
    }
    for h in Handler::ALL {
        let i = h.index();
        push(
            format!("zip-{}", h.name()),
            format!("zip size, `{}`", h.name()),
            "kB",
            Spread::Exact,
            false,
            &|f| f.zip[i].map(|z| exact(z as f64 / 1000.0)),
        );
    }
    for h in Handler::ALL {
        let i = h.index();
        push(
            format!("init-{}", h.name()),
            format!("init (spawn → first `/next`), `{}`", h.name()),
            "ms",
            Spread::Percentiles,
            false,
            &|f| percentiles(&Summary::of_micros(&f.init[i])?, 1e-3),
        );
    }
    push(
        "rss-cold".to_owned(),
        "peak RSS after the first invocation, `minimal`".to_owned(),
        "KiB",
        Spread::MinMax,
        false,
        &|f| {
            let kb: Vec<f64> = f.cold_rss_kb[0].iter().map(|&k| k as f64).collect();
            min_max(&Summary::of(&kb)?)
        },
    );
    push(
        "warm-median".to_owned(),
        "warm invocation, `echo`: median".to_owned(),
        "µs",
        Spread::Percentiles,
        false,
        &|f| percentiles(&Summary::of_micros(&f.warm)?, 1.0),
    );
    push(
        "warm-p99".to_owned(),
        "warm invocation, `echo`: p99".to_owned(),
        "µs",
        Spread::Single,
        false,
        &|f| {
            let s = Summary::of_micros(&f.warm)?;
            Some(Value {
                center: s.p99,
                low: s.p99,
                high: s.p99,
                count: s.count,
            })
        },
    );
    push(
        "throughput".to_owned(),
        "throughput, `echo`, one process".to_owned(),
        "inv/s",
        Spread::MinMax,
        true,
        &|f| min_max(&Summary::of(&f.throughput)?),
    );
    push(
        "rss-warm".to_owned(),
        "peak RSS after the warm run, `echo`".to_owned(),
        "KiB",
        Spread::Single,
        false,
        &|f| f.warm_rss_kb.map(|k| exact(k as f64)),
    );
    push(
        "fib".to_owned(),
        "`fibonacci` invocation, `{\"n\":35}`".to_owned(),
        "µs",
        Spread::Percentiles,
        false,
        &|f| percentiles(&Summary::of_micros(&f.fib)?, 1.0),
    );
    rows
}

fn exact(v: f64) -> Value {
    Value {
        center: v,
        low: v,
        high: v,
        count: 1,
    }
}

fn percentiles(s: &Summary, scale: f64) -> Option<Value> {
    Some(Value {
        center: s.median * scale,
        low: s.p5 * scale,
        high: s.p95 * scale,
        count: s.count,
    })
}

fn min_max(s: &Summary) -> Option<Value> {
    Some(Value {
        center: s.median,
        low: s.min,
        high: s.max,
        count: s.count,
    })
}

/// A target: ours compared with the floor (or with itself) in one configuration.
#[derive(Debug, Clone)]
pub struct Target {
    pub what: String,
    /// The figure found, e.g. `1.04× floor`.
    pub found: String,
    /// `None` when a figure is missing.
    pub pass: Option<bool>,
}

/// The targets, checked against this run's figures.
pub fn targets(rows: &[Row]) -> Vec<Target> {
    let row = |key: &str| rows.iter().find(|r| r.key == key);
    let ratio = |key: &str| row(key).and_then(|r| r.ratio(Runtime::Ours, Runtime::Floor));
    let mut targets = Vec::new();
    let mut at_most = |what: String, found: Option<f64>, limit: f64, unit: &str| {
        targets.push(Target {
            what,
            found: found.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}{unit}")),
            pass: found.map(|v| v <= limit),
        });
    };
    for h in Handler::ALL {
        let key = format!("size-{}", h.name());
        at_most(
            format!("size, `{}` ≤ 1.10× floor", h.name()),
            ratio(&key),
            1.10,
            "× floor",
        );
    }
    let minimal = row("size-minimal").and_then(|r| r.value(Runtime::Ours));
    at_most(
        "size, `minimal` < 340 kB".to_owned(),
        minimal.map(|v| v.center),
        340.0 - 1e-9,
        " kB",
    );
    for h in Handler::ALL {
        let key = format!("init-{}", h.name());
        at_most(
            format!("init, `{}` ≤ 1.25× floor", h.name()),
            ratio(&key),
            1.25,
            "× floor",
        );
    }
    at_most(
        "warm median ≤ 1.3× floor".to_owned(),
        ratio("warm-median"),
        1.3,
        "× floor",
    );
    let p99_over_median = |runtime: Runtime| {
        row("warm-p99")
            .and_then(|r| r.value(runtime))
            .zip(row("warm-median").and_then(|r| r.value(runtime)))
            .map(|(p99, median)| p99.center / median.center)
    };
    let ours = p99_over_median(Runtime::Ours);
    let floor = p99_over_median(Runtime::Floor)
        .map_or_else(String::new, |f| format!(" (the floor's own: {f:.2}×)"));
    let p99_target = Target {
        what: "warm p99 ≤ 3× our median".to_owned(),
        found: ours.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}× our median{floor}")),
        pass: ours.map(|v| v <= 3.0),
    };
    at_most(
        "peak RSS after the warm run ≤ 1.2× floor".to_owned(),
        ratio("rss-warm"),
        1.2,
        "× floor",
    );
    targets.push(p99_target);
    let throughput = ratio("throughput");
    targets.push(Target {
        what: "throughput ≥ 0.8× floor".to_owned(),
        found: throughput.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}× floor")),
        pass: throughput.map(|v| v >= 0.8),
    });
    targets
}
