//! The streaming section: a reply of 64 MiB streamed in 64 KiB writes (`stream64`), by
//! ruchy-lambda (`ResponseStream`), a std-only floor writing the chunked `/response` by hand, and
//! `lambda_runtime` (`streaming::channel`).
//!
//! Each bootstrap runs under the local Lambda (its own Runtime API server, output discarded),
//! warm: one unmeasured stream, then one per round, the runtimes in rotating order. The server
//! records each streamed reply as it reads it; from its clock: time to first byte = event handed
//! out → first body byte read; throughput = the bytes over event handed out → last chunk read.
//! Every reply is checked byte for byte.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use ruchy_lambda_local::{
    Event, Function, FunctionConfig, InvocationRecord, Outcome, Output, StreamRecord,
};

use crate::figures::Target;
use crate::measure::rotation;
use crate::report::{number, targets_table};
use crate::stats::Summary;
use crate::subjects::{Config, Runtime};

/// The size of each write.
pub const WRITE: usize = 64 * 1024;
/// The function timeout: a stream must end within it.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The target: ours ≥ this × the floor's throughput.
const THROUGHPUT_BOUND: f64 = 0.8;
/// What the prelude of an HTTP integration reply ends with.
const PRELUDE_END: [u8; 8] = [0; 8];

/// How much of the section a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Writes of [`WRITE`] bytes per reply.
    pub writes: usize,
    /// Measured streams per runtime.
    pub rounds: usize,
}

impl Plan {
    pub fn full() -> Plan {
        Plan {
            writes: 1024,
            rounds: 15,
        }
    }

    pub fn smoke() -> Plan {
        Plan {
            writes: 16,
            rounds: 2,
        }
    }

    /// The bytes of a reply.
    pub fn bytes(&self) -> usize {
        self.writes * WRITE
    }

    fn event(&self) -> Vec<u8> {
        format!("{{\"writes\":{}}}", self.writes).into_bytes()
    }
}

/// One streamed reply, as the server saw it.
#[derive(Debug, Clone)]
pub struct Round {
    /// Hand-out → first body byte.
    pub first_byte: Duration,
    /// Hand-out → last chunk read.
    pub total: Duration,
    /// The reply's bytes (without a prelude).
    pub bytes: u64,
    /// Chunks the server read.
    pub chunks: u64,
    /// CPU time the runtime process used for the stream (all its threads), when readable.
    pub cpu: Option<Duration>,
}

/// What was measured of one runtime.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub runtime: Runtime,
    /// The stripped binary, bytes.
    pub size: u64,
    pub rounds: Vec<Round>,
    /// `VmHWM` after the streams, kB.
    pub rss_kb: Option<u64>,
    /// Bytes of an HTTP integration prelude before the body (the peer's), 0 without.
    pub prelude: usize,
}

/// The streaming figures of a run.
#[derive(Debug, Clone)]
pub struct Streaming {
    /// The configuration they were measured in.
    pub config: Config,
    pub plan: Plan,
    pub measured: Vec<Streamed>,
}

/// A running bootstrap.
struct Subject {
    runtime: Runtime,
    name: String,
    function: Function,
    size: u64,
    rounds: Vec<Round>,
    prelude: usize,
}

/// Measures `stream64` of each runtime (with its path).
pub fn measure(bootstraps: &[(Runtime, PathBuf)], plan: &Plan) -> Result<Vec<Streamed>, String> {
    let event = plan.event();
    let block = block();
    let mut subjects = Vec::with_capacity(bootstraps.len());
    for (runtime, path) in bootstraps {
        let name = format!("{} `stream64`", runtime.name());
        let config = FunctionConfig {
            timeout: TIMEOUT,
            clear_env: true,
            output: Output::Null,
            ..FunctionConfig::default()
        };
        let mut function = Function::start(path, config).map_err(|e| format!("{name}: {e}"))?;
        // The first stream, unmeasured, starts the process.
        let report = function
            .invoke(Event::new(event.clone()))
            .map_err(|e| format!("{name}: {e}"))?;
        let body = report
            .streamed_body()
            .ok_or_else(|| format!("{name}: the reply was not streamed"))?;
        let prelude = check(&name, &report.outcome, body, plan, &block)?;
        function.server().clear_history();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        subjects.push(Subject {
            runtime: *runtime,
            name,
            function,
            size,
            rounds: Vec::with_capacity(plan.rounds),
            prelude,
        });
    }
    eprintln!(
        "streaming: {} rounds of {} MiB from {} bootstraps",
        plan.rounds,
        plan.bytes() / (1024 * 1024),
        subjects.len()
    );
    for round in 0..plan.rounds {
        for i in rotation(subjects.len(), round) {
            let s = &mut subjects[i];
            let server = s.function.server();
            let pid = s.function.pid();
            let cpu_before = pid.and_then(cpu_time);
            let record = server
                .invoke(Event::new(event.clone()), TIMEOUT)
                .map_err(|e| format!("{}: {e}", s.name))?;
            let cpu_after = pid.and_then(cpu_time);
            server.clear_history();
            let mut measured = round_of(&s.name, &record, plan, &block)?;
            measured.cpu = cpu_before
                .zip(cpu_after)
                .map(|(before, after)| after.saturating_sub(before));
            s.rounds.push(measured);
        }
    }
    let mut measured = Vec::with_capacity(subjects.len());
    for mut s in subjects {
        // One more stream, for the peak RSS after streaming.
        let report = s
            .function
            .invoke(Event::new(event.clone()))
            .map_err(|e| format!("{}: {e}", s.name))?;
        s.function.stop();
        if !report.is_success() {
            return Err(format!("{}: {:?}", s.name, report.outcome));
        }
        measured.push(Streamed {
            runtime: s.runtime,
            size: s.size,
            rounds: s.rounds,
            rss_kb: report.max_memory_used_kb,
            prelude: s.prelude,
        });
    }
    Ok(measured)
}

/// The figures of one measured stream.
fn round_of(
    name: &str,
    record: &InvocationRecord,
    plan: &Plan,
    block: &[u8],
) -> Result<Round, String> {
    let body = record
        .streamed_body()
        .ok_or_else(|| format!("{name}: the reply was not streamed"))?;
    let prelude = check(name, &record.outcome, body, plan, block)?;
    let stream: &StreamRecord = record.stream.as_ref().ok_or("no stream record")?;
    let out = record
        .handed_out_at
        .ok_or_else(|| format!("{name}: no hand-out time"))?;
    let first = stream
        .first_byte_at
        .ok_or_else(|| format!("{name}: no first byte"))?;
    let end = stream
        .ended_at
        .or(record.completed_at)
        .ok_or_else(|| format!("{name}: no end of stream"))?;
    Ok(Round {
        first_byte: first.saturating_duration_since(out),
        total: end.saturating_duration_since(out),
        bytes: (body.len() - prelude) as u64,
        chunks: stream.chunks,
        cpu: None,
    })
}

/// The CPU time process `pid` has used, all its threads together: the first field of each
/// thread's `/proc/<pid>/task/<tid>/schedstat` (ns on the CPU).
fn cpu_time(pid: u32) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// Checks a streamed reply: it succeeded, and after any HTTP integration prelude it is the
/// plan's blocks, byte for byte. Returns the prelude's length.
fn check(
    name: &str,
    outcome: &Outcome,
    body: &[u8],
    plan: &Plan,
    block: &[u8],
) -> Result<usize, String> {
    if !matches!(outcome, Outcome::Response(_)) {
        return Err(format!("{name}: the stream failed: {outcome:?}"));
    }
    let prelude = if body.first() == Some(&b'{') {
        body.windows(PRELUDE_END.len())
            .position(|w| w == PRELUDE_END)
            .map_or(0, |at| at + PRELUDE_END.len())
    } else {
        0
    };
    let payload = &body[prelude..];
    if payload.len() != plan.bytes() {
        return Err(format!(
            "{name}: streamed {} bytes, expected {}",
            payload.len(),
            plan.bytes()
        ));
    }
    if !payload.chunks(WRITE).all(|chunk| chunk == block) {
        return Err(format!("{name}: the streamed bytes are not the blocks"));
    }
    Ok(prelude)
}

/// The block every bootstrap writes: `a`…`z` over and over.
fn block() -> Vec<u8> {
    (0..WRITE).map(|i| b'a' + (i % 26) as u8).collect()
}

/// The figures of one runtime over its rounds.
struct Figures {
    /// MB/s (10⁶ bytes).
    throughput: Summary,
    /// ms.
    first_byte: Summary,
    /// ms.
    total: Summary,
    chunks: Summary,
    /// ms; `None` when not readable.
    cpu: Option<Summary>,
}

impl Streamed {
    fn figures(&self) -> Option<Figures> {
        let of = |f: &dyn Fn(&Round) -> f64| {
            Summary::of(&self.rounds.iter().map(f).collect::<Vec<f64>>())
        };
        Some(Figures {
            throughput: of(&|r| r.bytes as f64 / 1e6 / r.total.as_secs_f64())?,
            first_byte: of(&|r| r.first_byte.as_secs_f64() * 1e3)?,
            total: of(&|r| r.total.as_secs_f64() * 1e3)?,
            chunks: of(&|r| r.chunks as f64)?,
            cpu: Summary::of(
                &self
                    .rounds
                    .iter()
                    .filter_map(|r| r.cpu.map(|c| c.as_secs_f64() * 1e3))
                    .collect::<Vec<f64>>(),
            ),
        })
    }
}

impl Streaming {
    fn figures(&self, runtime: Runtime) -> Option<Figures> {
        self.measured
            .iter()
            .find(|m| m.runtime == runtime)
            .and_then(Streamed::figures)
    }

    /// The targets, checked against this run's figures.
    pub fn targets(&self) -> Vec<Target> {
        let ratio = self
            .figures(Runtime::Ours)
            .zip(self.figures(Runtime::Floor))
            .map(|(o, f)| o.throughput.median / f.throughput.median);
        vec![Target {
            what: format!("`stream64`: throughput ≥ {THROUGHPUT_BOUND}× floor"),
            found: ratio.map_or_else(|| "not measured".to_owned(), |r| format!("{r:.2}× floor")),
            pass: ratio.map(|r| r >= THROUGHPUT_BOUND),
        }]
    }
}

/// The "Streaming" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, s: &Streaming) {
    let p = &s.plan;
    let _ = writeln!(md, "## Streaming\n");
    let _ = writeln!(
        md,
        "A reply of {} MiB streamed in {} writes of 64 KiB (`stream64`, `{{\"writes\":{}}}`), \
         {}:\n\n\
         - **floor**: `benches/floor/`, the chunked `POST /response` by hand (std only: \
         `Lambda-Runtime-Function-Response-Mode: streaming`, `Transfer-Encoding: chunked`, the \
         error trailers declared), each write one chunk sent at once;\n\
         - **ruchy-lambda**: `benches/ours/`, a handler taking `&mut ResponseStream`, one \
         `write_all` per block;\n\
         - **lambda_runtime**: `benches/peer/`, `streaming::channel()` and a task sending each \
         block, the `Body` returned as a `streaming::Response` (the crate sends a JSON prelude \
         and 8 NUL bytes before the body, as a function URL's HTTP integration response: \
         not counted in the bytes, but its first byte is the prelude's).\n",
        p.bytes() / (1024 * 1024),
        p.writes,
        p.writes,
        s.config.label()
    );
    let _ = writeln!(
        md,
        "Each bootstrap warm under the local Lambda (no bandwidth cap): one unmeasured stream, \
         then {} rounds, the runtimes in rotating order; every reply checked byte for byte. By \
         the server's clock: **time to first byte** = event handed out → first body byte read; \
         **throughput** = the reply's bytes (MB = 10⁶ bytes) over event handed out → last chunk \
         read; median (min–max). **CPU**: the time the runtime process spent on the CPU during \
         the stream, all its threads (`/proc/<pid>/task/*/schedstat`). Peak RSS: `VmHWM` after \
         one more stream.\n\n\
         The throughput is what the local Lambda's reader takes in (it runs in the harness and \
         keeps every byte): when it is the same for all three, the reader is the bottleneck, \
         and the runtimes differ in the CPU they spend to keep up.\n",
        p.rounds
    );
    let _ = writeln!(
        md,
        "| runtime | size (kB) | throughput (MB/s; higher is better) | time to first byte (ms) | \
         whole reply (ms) | chunks read | CPU (ms) | peak RSS (KiB) | throughput ÷ floor | \
         throughput ÷ peer | CPU ÷ floor |"
    );
    let _ = writeln!(
        md,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let floor = s.figures(Runtime::Floor);
    let peer = s.figures(Runtime::Peer);
    let spread = |x: Summary| format!("{} ({}–{})", number(x.median), number(x.min), number(x.max));
    for m in &s.measured {
        let Some(f) = m.figures() else {
            continue;
        };
        let ratio = |base: &Option<Figures>| {
            base.as_ref().map_or_else(
                || "—".to_owned(),
                |b| format!("{:.2}×", f.throughput.median / b.throughput.median),
            )
        };
        let cpu_ratio = f.cpu.zip(floor.as_ref().and_then(|b| b.cpu)).map_or_else(
            || "—".to_owned(),
            |(c, b)| format!("{:.2}×", c.median / b.median),
        );
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {cpu_ratio} |",
            m.runtime.name(),
            number(m.size as f64 / 1000.0),
            spread(f.throughput),
            spread(f.first_byte),
            spread(f.total),
            number(f.chunks.median),
            f.cpu.map_or_else(|| "—".to_owned(), spread),
            m.rss_kb.map_or_else(|| "—".to_owned(), |kb| kb.to_string()),
            ratio(&floor),
            ratio(&peer),
        );
    }
    let _ = writeln!(md);
    if let Some(m) = s.measured.iter().find(|m| m.prelude > 0) {
        let _ = writeln!(
            md,
            "{}'s replies began with a prelude of {} bytes.\n",
            m.runtime.name(),
            m.prelude
        );
    }
    targets_table(md, "Streaming", s.targets());
}

/// The streaming rows of the result file.
pub fn tsv(out: &mut String, s: &Streaming) {
    let config = s.config.tag();
    for m in &s.measured {
        let Some(f) = m.figures() else {
            continue;
        };
        let runtime = m.runtime.tag();
        let rows = [
            ("stream-throughput", "MB/s", Some(f.throughput)),
            ("stream-first-byte", "ms", Some(f.first_byte)),
            ("stream-total", "ms", Some(f.total)),
            ("stream-chunks", "chunks", Some(f.chunks)),
            ("stream-cpu", "ms", f.cpu),
        ];
        for (key, unit, x) in rows {
            let Some(x) = x else {
                continue;
            };
            let _ = writeln!(
                out,
                "{config}\t{key}\t{unit}\t{runtime}\t{}\t{}\t{}\t{}\tmin-max",
                x.median, x.min, x.max, x.count
            );
        }
        if let Some(kb) = m.rss_kb {
            let _ = writeln!(
                out,
                "{config}\tstream-rss\tKiB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\tsingle"
            );
        }
        let kb = m.size as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{config}\tstream-size\tkB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\texact"
        );
    }
}
