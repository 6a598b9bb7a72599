//! The logs section: what ruchy-lambda's logger costs in size (each feature choice), and in warm
//! latency a handler that writes ten INFO records per invocation in Lambda's JSON log format,
//! against the floor writing the same ten lines by hand and `lambda_runtime` with its JSON
//! `tracing` subscriber; and the same handler of ours at level WARN, where the records are
//! rejected before anything is formatted, against the same handler without records.
//!
//! Every bootstrap runs under the local Lambda with `AWS_LAMBDA_LOG_FORMAT=JSON` and
//! `AWS_LAMBDA_LOG_LEVEL`, its stdout and stderr going to pipes that the local Lambda reads line
//! by line as they come (as Lambda's own log capture does): a write costs what it costs on
//! Lambda, a pipe write, and a runtime that wrote more than the pipe holds would wait for the
//! reader. The lines are counted, and each bootstrap must have written exactly its records.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ruchy_lambda_local::{Output, OutputLine, Stream};

use crate::figures::Target;
use crate::measure::{Subject, rotation};
use crate::report::{number, targets_table};
use crate::stats::Summary;
use crate::subjects::{Config, Handler, Runtime};

/// How long the records of a stopped bootstrap may take to reach the line counter.
const LINES_SETTLE: Duration = Duration::from_secs(3);

/// The target: our `log10` at WARN against our `nolog`, warm medians.
const WARN_BOUND: f64 = 1.05;

/// How much of the section a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Warm invocations per bootstrap.
    pub warm: usize,
    /// Warm invocations in a row before the next bootstrap takes its turn.
    pub block: usize,
    /// Unmeasured warm invocations first.
    pub warmup: usize,
    /// The feature choices whose sizes are measured.
    pub features: Vec<Features>,
}

impl Plan {
    pub fn full() -> Plan {
        Plan {
            warm: 10_000,
            block: 500,
            warmup: 500,
            features: Features::ALL.to_vec(),
        }
    }

    pub fn smoke() -> Plan {
        Plan {
            warm: 40,
            block: 20,
            warmup: 5,
            features: vec![Features::None, Features::Log],
        }
    }
}

/// A feature choice of the examples package (which passes them to ruchy-lambda).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Features {
    None,
    Log,
    LogKv,
    Tracing,
    LogKvTracing,
}

impl Features {
    pub const ALL: [Features; 5] = [
        Features::None,
        Features::Log,
        Features::LogKv,
        Features::Tracing,
        Features::LogKvTracing,
    ];

    /// A short name for directories and result files.
    pub fn tag(self) -> &'static str {
        match self {
            Features::None => "none",
            Features::Log => "log",
            Features::LogKv => "log-kv",
            Features::Tracing => "tracing",
            Features::LogKvTracing => "log-kv-tracing",
        }
    }

    /// Cargo's arguments.
    pub fn args(self) -> &'static [&'static str] {
        match self {
            Features::None => &["--no-default-features"],
            Features::Log => &[],
            Features::LogKv => &["--features", "log-kv"],
            Features::Tracing => &["--features", "tracing"],
            Features::LogKvTracing => &["--features", "log-kv,tracing"],
        }
    }

    fn label(self) -> &'static str {
        match self {
            Features::None => "`--no-default-features` (no logger)",
            Features::Log => "default (`log`)",
            Features::LogKv => "`--features log-kv`",
            Features::Tracing => "`--features tracing` (and `log`)",
            Features::LogKvTracing => "`--features log-kv,tracing`",
        }
    }
}

/// The stripped sizes of the `minimal` and `logging` examples built with one feature choice.
#[derive(Debug, Clone)]
pub struct FeatureSizes {
    pub features: Features,
    pub minimal: u64,
    pub logging: u64,
}

/// A bootstrap of the latency table.
#[derive(Debug, Clone, Copy)]
pub struct Bench {
    pub runtime: Runtime,
    /// The binary.
    pub binary: &'static str,
    /// A short name for the result file (with the runtime).
    pub key: &'static str,
    /// `AWS_LAMBDA_LOG_LEVEL`.
    pub level: &'static str,
    /// Lines written per invocation.
    pub records: usize,
}

/// Every bootstrap of the latency table, in its order. Each one answers `minimal`'s reply.
pub const BENCHES: [Bench; 9] = [
    Bench {
        runtime: Runtime::Floor,
        binary: "log10",
        key: "log10",
        level: "INFO",
        records: 10,
    },
    Bench {
        runtime: Runtime::Ours,
        binary: "log10",
        key: "log10",
        level: "INFO",
        records: 10,
    },
    Bench {
        runtime: Runtime::Ours,
        binary: "log10-tracing",
        key: "log10-tracing",
        level: "INFO",
        records: 10,
    },
    Bench {
        runtime: Runtime::Peer,
        binary: "log10",
        key: "log10",
        level: "INFO",
        records: 10,
    },
    Bench {
        runtime: Runtime::Ours,
        binary: "log10",
        key: "log10-warn",
        level: "WARN",
        records: 0,
    },
    Bench {
        runtime: Runtime::Ours,
        binary: "nolog",
        key: "nolog",
        level: "INFO",
        records: 0,
    },
    Bench {
        runtime: Runtime::Ours,
        binary: "nolog",
        key: "nolog-again",
        level: "INFO",
        records: 0,
    },
    Bench {
        runtime: Runtime::Floor,
        binary: "minimal",
        key: "minimal",
        level: "INFO",
        records: 0,
    },
    Bench {
        runtime: Runtime::Peer,
        binary: "minimal",
        key: "minimal",
        level: "INFO",
        records: 0,
    },
];

impl Bench {
    fn name(self) -> String {
        format!(
            "{} `{}` at {}",
            self.runtime.name(),
            self.binary,
            self.level
        )
    }
}

/// What was measured of one [`Bench`].
#[derive(Debug, Clone)]
pub struct Measured {
    pub bench: Bench,
    /// The stripped binary, bytes.
    pub size: u64,
    /// Hand-out → answer of every measured warm invocation.
    pub samples: Vec<Duration>,
    /// The first line it wrote, and where.
    pub first_line: Option<String>,
}

/// The logs figures of a run.
#[derive(Debug, Clone)]
pub struct Logs {
    /// The configuration they were measured in.
    pub config: Config,
    pub plan: Plan,
    pub sizes: Vec<FeatureSizes>,
    /// `minimal` of the floor and the peer (when built).
    pub minimal_sizes: Vec<(Runtime, u64)>,
    pub measured: Vec<Measured>,
}

/// The lines a bootstrap wrote: how many, and the first one.
#[derive(Default)]
struct Lines {
    count: AtomicUsize,
    first: Mutex<Option<String>>,
}

impl Lines {
    fn output(self: &Arc<Lines>) -> Output {
        let lines = Arc::clone(self);
        Output::lines(move |line: OutputLine| {
            if lines.count.fetch_add(1, Ordering::Relaxed) == 0 {
                let stream = match line.stream {
                    Stream::Stdout => "stdout",
                    Stream::Stderr => "stderr",
                };
                if let Ok(mut first) = lines.first.lock() {
                    *first = Some(format!("{stream}: {}", line.text));
                }
            }
        })
    }

    /// Waits until `expected` lines have come (or [`LINES_SETTLE`]), then a little more for any
    /// beyond them; returns the count.
    fn settle(&self, expected: usize) -> usize {
        let deadline = Instant::now() + LINES_SETTLE;
        while self.count.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.count.load(Ordering::Relaxed)
    }
}

/// Measures every bootstrap of `benches` (with its path): all are started, then take turns in
/// blocks of warm invocations.
pub fn measure(benches: &[(Bench, PathBuf)], plan: &Plan) -> Result<Vec<Measured>, String> {
    let mut subjects = Vec::with_capacity(benches.len());
    for (bench, path) in benches {
        let lines = Arc::new(Lines::default());
        let env = vec![
            ("AWS_LAMBDA_LOG_FORMAT".to_owned(), "JSON".to_owned()),
            ("AWS_LAMBDA_LOG_LEVEL".to_owned(), bench.level.to_owned()),
        ];
        let mut subject =
            Subject::with_output(path, bench.name(), Handler::Minimal, env, lines.output())?;
        subject.start_warm()?;
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        subjects.push((*bench, subject, lines, size));
    }
    eprintln!(
        "logs: {} warm invocations of {} bootstraps",
        plan.warm,
        subjects.len()
    );
    let mut discard = Vec::new();
    for (_, subject, _, _) in &mut subjects {
        subject.invoke_warm(plan.warmup, &mut discard)?;
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(plan.warm); subjects.len()];
    let blocks = plan.warm.div_ceil(plan.block);
    for block in 0..blocks {
        let size = plan.block.min(plan.warm - block * plan.block);
        for i in rotation(subjects.len(), block) {
            subjects[i].1.invoke_warm(size, &mut samples[i])?;
        }
    }
    let invocations = 1 + plan.warmup + plan.warm;
    let mut measured = Vec::with_capacity(subjects.len());
    for (i, (bench, mut subject, lines, size)) in subjects.into_iter().enumerate() {
        subject.stop();
        let expected = bench.records * invocations;
        let count = lines.settle(expected);
        if count != expected {
            return Err(format!(
                "{}: wrote {count} lines in {invocations} invocations, expected {expected}",
                bench.name()
            ));
        }
        let first_line = lines.first.lock().ok().and_then(|f| f.clone());
        measured.push(Measured {
            bench,
            size,
            samples: std::mem::take(&mut samples[i]),
            first_line,
        });
    }
    Ok(measured)
}

impl Logs {
    fn find(&self, runtime: Runtime, key: &str) -> Option<&Measured> {
        self.measured
            .iter()
            .find(|m| m.bench.runtime == runtime && m.bench.key == key)
    }

    fn median(&self, runtime: Runtime, key: &str) -> Option<f64> {
        self.find(runtime, key)
            .and_then(|m| Summary::of_micros(&m.samples))
            .map(|s| s.median)
    }

    /// The bootstrap of the same runtime that writes no record.
    fn baseline(runtime: Runtime) -> &'static str {
        match runtime {
            Runtime::Ours => "nolog",
            Runtime::Floor | Runtime::Peer => "minimal",
        }
    }

    /// `nolog` in a second process ÷ `nolog`: how far apart two processes of one binary are in
    /// this run.
    fn noise(&self) -> Option<f64> {
        self.median(Runtime::Ours, "nolog-again")
            .zip(self.median(Runtime::Ours, "nolog"))
            .map(|(again, first)| again / first)
    }

    /// The targets, checked against this run's figures.
    pub fn targets(&self) -> Vec<Target> {
        let ratio = self
            .median(Runtime::Ours, "log10-warn")
            .zip(self.median(Runtime::Ours, "nolog"))
            .map(|(warn, none)| (warn / none, warn, none));
        vec![Target {
            what: format!(
                "`log10` at WARN (records rejected) ≤ {WARN_BOUND}× `nolog`, warm median"
            ),
            found: ratio.map_or_else(
                || "not measured".to_owned(),
                |(r, warn, none)| {
                    let noise = self.noise().map_or_else(String::new, |n| {
                        format!("; `nolog` in a second process: {n:.3}×")
                    });
                    format!(
                        "{r:.3}× ({} µs vs {} µs{noise})",
                        number(warn),
                        number(none)
                    )
                },
            ),
            pass: ratio.map(|(r, _, _)| r <= WARN_BOUND),
        }]
    }
}

/// The "Logs" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, logs: &Logs) {
    let p = &logs.plan;
    let _ = writeln!(md, "## Logs\n");
    let _ = writeln!(
        md,
        "ruchy-lambda writes log records the way Lambda reads them: one line each on stderr, in \
         `AWS_LAMBDA_LOG_FORMAT` (text or JSON), filtered by `AWS_LAMBDA_LOG_LEVEL`, with the \
         request id. Measured in one configuration: {}.\n",
        logs.config.label()
    );
    let _ = writeln!(md, "### Size, by feature choice\n");
    let _ = writeln!(
        md,
        "The stripped `minimal` and `logging` examples, built with each feature choice of the \
         examples package (passed to ruchy-lambda); the floor's and the peer's `minimal` for \
         scale. `logging` writes `log` records at every level with key-values (and a `tracing` \
         event with `tracing`).\n"
    );
    let _ = writeln!(
        md,
        "| build | `minimal` (kB) | `logging` (kB) | `minimal` − no logger (kB) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    let bare = logs
        .sizes
        .iter()
        .find(|s| s.features == Features::None)
        .map(|s| s.minimal as f64);
    let kb = |b: u64| number(b as f64 / 1000.0);
    for s in &logs.sizes {
        let delta = bare.map_or_else(
            || "—".to_owned(),
            |bare| format!("{:+.1}", (s.minimal as f64 - bare) / 1000.0),
        );
        let _ = writeln!(
            md,
            "| ruchy-lambda, {} | {} | {} | {delta} |",
            s.features.label(),
            kb(s.minimal),
            kb(s.logging)
        );
    }
    for (runtime, size) in &logs.minimal_sizes {
        let _ = writeln!(md, "| {} | {} | — | — |", runtime.name(), kb(*size));
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "### Warm latency with ten records per invocation\n");
    let _ = writeln!(
        md,
        "Each bootstrap answers `minimal`'s reply; `log10` also writes ten INFO records per \
         invocation (`record {{i}} of 10`) in the JSON format:\n\n\
         - **floor** `log10`: the lines by hand (a timestamp, the level, the request id, the \
         message), one `write` each on a locked stderr;\n\
         - **ruchy-lambda** `log10`: `log::info!` (the default `log` feature); \
         `log10-tracing`: `tracing::info!` (the `tracing` feature); `nolog`: the same handler \
         without records, the logger linked and installed (`benches/ours/`), run twice (two \
         processes of one binary: how far apart the same bootstrap lands in this run);\n\
         - **lambda_runtime** `log10`: `lambda_runtime::tracing::init_default_subscriber()` \
         (its `tracing-subscriber`, JSON lines on stdout when `AWS_LAMBDA_LOG_FORMAT` is \
         `JSON`) and `tracing::info!`;\n\
         - `minimal` of the floor and the peer: their handler without records.\n"
    );
    let _ = writeln!(
        md,
        "All run under the local Lambda with `AWS_LAMBDA_LOG_FORMAT=JSON` and the level shown; \
         their stdout and stderr are pipes that the local Lambda drains line by line as they \
         come, as Lambda's log capture does, the same for all three (not `/dev/null`: a pipe \
         write costs more, and a reader that falls behind holds the writer back; both are what \
         a function meets on Lambda). Every line is counted: each bootstrap wrote exactly its records per invocation. Warm \
         invocation: event handed out → answer received, by the server's clock; {} per \
         bootstrap after {} unmeasured ones, in blocks of {} taking turns; median (p5–p95), and \
         p99.\n",
        p.warm, p.warmup, p.block
    );
    let _ = writeln!(
        md,
        "| runtime | bootstrap | level | records per invocation | size (kB) | warm (µs, median \
         (p5–p95)) | p99 (µs) | ÷ floor `log10` | ÷ its own without records | the records' \
         cost (µs) |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let floor_log10 = logs.median(Runtime::Floor, "log10");
    for m in &logs.measured {
        let Some(s) = Summary::of_micros(&m.samples) else {
            continue;
        };
        let b = m.bench;
        let own = logs.median(b.runtime, Logs::baseline(b.runtime));
        let ratio = |base: Option<f64>| {
            base.filter(|_| b.records > 0)
                .map_or_else(|| "—".to_owned(), |x| format!("{:.2}×", s.median / x))
        };
        let is_baseline = b.key == Logs::baseline(b.runtime);
        let own_ratio = if is_baseline {
            "—".to_owned()
        } else {
            own.map_or_else(|| "—".to_owned(), |x| format!("{:.2}×", s.median / x))
        };
        let cost = if is_baseline || b.records == 0 {
            "—".to_owned()
        } else {
            own.map_or_else(|| "—".to_owned(), |x| format!("{:+.1}", s.median - x))
        };
        let again = if b.key.ends_with("-again") {
            " (a second process)"
        } else {
            ""
        };
        let _ = writeln!(
            md,
            "| {} | `{}`{again} | {} | {} | {} | {} ({}–{}) | {} | {} | {own_ratio} | {cost} |",
            b.runtime.name(),
            b.binary,
            b.level,
            b.records,
            kb(m.size),
            number(s.median),
            number(s.p5),
            number(s.p95),
            number(s.p99),
            ratio(floor_log10),
        );
    }
    let _ = writeln!(md);
    if let Some((ours, peer)) = logs
        .median(Runtime::Ours, "log10")
        .zip(logs.median(Runtime::Peer, "log10"))
    {
        let _ = writeln!(
            md,
            "ruchy-lambda `log10` ÷ lambda_runtime `log10`: {:.2}×.\n",
            ours / peer
        );
    }
    let _ = writeln!(md, "The first record each `log10` wrote in this run:\n");
    let _ = writeln!(md, "```text");
    for m in logs
        .measured
        .iter()
        .filter(|m| m.bench.records > 0 && m.bench.key == "log10")
    {
        if let Some(line) = &m.first_line {
            let _ = writeln!(md, "{}: {line}", m.bench.runtime.name());
        }
    }
    let _ = writeln!(md, "```\n");
    targets_table(md, "Logs", logs.targets());
}

/// The logs rows of the result file.
pub fn tsv(out: &mut String, logs: &Logs) {
    let config = logs.config.tag();
    for s in &logs.sizes {
        for (example, size) in [("minimal", s.minimal), ("logging", s.logging)] {
            let kb = size as f64 / 1000.0;
            let _ = writeln!(
                out,
                "{config}\tlogs-size-{}-{example}\tkB\tours\t{kb}\t{kb}\t{kb}\t1\texact",
                s.features.tag()
            );
        }
    }
    for (runtime, size) in &logs.minimal_sizes {
        let kb = *size as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{config}\tlogs-size-minimal\tkB\t{}\t{kb}\t{kb}\t{kb}\t1\texact",
            runtime.tag()
        );
    }
    for m in &logs.measured {
        let Some(s) = Summary::of_micros(&m.samples) else {
            continue;
        };
        let runtime = m.bench.runtime.tag();
        let key = m.bench.key;
        let _ = writeln!(
            out,
            "{config}\tlogs-warm-{key}\tµs\t{runtime}\t{}\t{}\t{}\t{}\tp5-p95",
            s.median, s.p5, s.p95, s.count
        );
        let _ = writeln!(
            out,
            "{config}\tlogs-warm-p99-{key}\tµs\t{runtime}\t{}\t{}\t{}\t{}\tsingle",
            s.p99, s.p99, s.p99, s.count
        );
    }
}
