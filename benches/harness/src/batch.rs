//! The borrowed events section: what an event type that borrows from the invocation's body saves.
//! `examples/batch.rs` (`Batch<'a>`: `messageId` a `&str`, `body` a `Cow<str>`) against the same
//! handler on `String` fields (`benches/ours/`: `batch-owned`) and against `lambda_runtime` with
//! `aws_lambda_events`' `SqsEvent` (`benches/peer/`: `batch`), on two SQS events the harness
//! generates (about 256 KiB and 4 MiB, the same bytes on every run).
//!
//! Each bootstrap runs under the local Lambda (its own Runtime API server, output discarded).
//! For each event size, every bootstrap gets a fresh process: one invocation, unmeasured ones,
//! then the measured ones in blocks, the bootstraps taking turns (event handed out → answer
//! received, by the server's clock); then one more invocation, after which the process's peak
//! RSS (`VmHWM`) is read, and the process is stopped. Every reply is checked byte for byte
//! against the one the harness expects: the ids of the bodies it made not JSON.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::figures::Target;
use crate::measure::{Exchange, Subject, rotation};
use crate::report::{median_p5_p95, number, targets_table};
use crate::stats::Summary;
use crate::subjects::{Config, Runtime};

/// The target: borrowed ≤ this × owned, warm median, on the large event.
const LATENCY_BOUND: f64 = 0.7;

/// The size of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 256 KiB: the largest SQS message there was until 2025.
    Small,
    /// 4 MiB: a batch well below Lambda's 6 MB invocation payload limit.
    Large,
}

impl Size {
    pub const ALL: [Size; 2] = [Size::Small, Size::Large];

    /// The event is as large as the records that fit in this many bytes make it.
    pub fn limit(self) -> usize {
        match self {
            Size::Small => 256 * 1024,
            Size::Large => 4 * 1024 * 1024,
        }
    }

    pub fn index(self) -> usize {
        match self {
            Size::Small => 0,
            Size::Large => 1,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Size::Small => "256 KiB",
            Size::Large => "4 MiB",
        }
    }

    /// A short name for the result file.
    fn tag(self) -> &'static str {
        match self {
            Size::Small => "256k",
            Size::Large => "4m",
        }
    }

    /// Measured invocations per bootstrap are the run's warm `echo` count over this.
    fn divisor(self) -> usize {
        match self {
            Size::Small => 10,
            Size::Large => 100,
        }
    }
}

/// A bootstrap of the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootstrap {
    /// ruchy-lambda's `batch` example: `&'a str` and `Cow<'a, str>` fields.
    Borrowed,
    /// `batch-owned` in `benches/ours/`: `String` fields.
    Owned,
    /// `batch` in `benches/peer/`: `SqsEvent` on `lambda_runtime`.
    Peer,
}

impl Bootstrap {
    pub const ALL: [Bootstrap; 3] = [Bootstrap::Borrowed, Bootstrap::Owned, Bootstrap::Peer];

    pub fn runtime(self) -> Runtime {
        match self {
            Bootstrap::Borrowed | Bootstrap::Owned => Runtime::Ours,
            Bootstrap::Peer => Runtime::Peer,
        }
    }

    pub fn binary(self) -> &'static str {
        match self {
            Bootstrap::Borrowed | Bootstrap::Peer => "batch",
            Bootstrap::Owned => "batch-owned",
        }
    }

    fn label(self) -> String {
        let what = match self {
            Bootstrap::Borrowed => "borrowed",
            Bootstrap::Owned => "owned `String`s",
            Bootstrap::Peer => "`SqsEvent`",
        };
        format!("{} `{}` ({what})", self.runtime().name(), self.binary())
    }
}

/// How much of the section a run takes, by [`Size::index`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// Measured invocations per bootstrap.
    pub warm: [usize; 2],
    /// Invocations in a row before the next bootstrap's turn.
    pub block: [usize; 2],
    /// Invocations before measuring (not counted).
    pub warmup: [usize; 2],
}

impl Plan {
    /// Scaled from the run's warm `echo` invocations (`--warm`): a tenth of them with the
    /// 256 KiB event, a hundredth with the 4 MiB one (at least 2); ten blocks each; a twentieth
    /// as many unmeasured first.
    pub fn new(warm: usize) -> Plan {
        let count = Size::ALL.map(|size| (warm / size.divisor()).max(2));
        Plan {
            warm: count,
            block: count.map(|n| n.div_ceil(10)),
            warmup: count.map(|n| (n / 20).max(1)),
        }
    }
}

/// What a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A metrics sample: a JSON array of numbers; no string in it, so nothing escaped.
    Metrics,
    /// An order: a JSON object; its quotes are escaped in the event.
    Order,
    /// A log line (`key=value` pairs): not JSON, so reported as failed.
    LogLine,
}

impl Body {
    pub fn index(self) -> usize {
        match self {
            Body::Metrics => 0,
            Body::Order => 1,
            Body::LogLine => 2,
        }
    }

    /// Record `i`'s body: of each 25 records, one log line, five orders, the rest metrics.
    fn of(i: usize) -> Body {
        if i % 25 == 12 {
            Body::LogLine
        } else if i % 5 == 1 {
            Body::Order
        } else {
            Body::Metrics
        }
    }
}

/// What a generated event holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Composition {
    /// The event's bytes.
    pub bytes: usize,
    pub records: usize,
    /// Records, by [`Body::index`].
    pub count: [usize; 3],
    /// The bodies' bytes as the handler reads them (unescaped), by [`Body::index`].
    pub body_bytes: [usize; 3],
    /// The message ids' bytes.
    pub id_bytes: usize,
}

impl Composition {
    /// What `batch-owned` copies out of the event and `batch` does not: the message ids and the
    /// bodies without an escape (both copy the escaped ones).
    pub fn not_copied(&self) -> usize {
        self.id_bytes
            + self.body_bytes[Body::Metrics.index()]
            + self.body_bytes[Body::LogLine.index()]
    }
}

/// An SQS event, the reply every bootstrap must give to it, and what it holds.
pub struct Event {
    pub exchange: Exchange,
    pub composition: Composition,
}

/// SplitMix64: the same numbers on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A length in `low..high`.
    fn length(&mut self, low: usize, high: usize) -> usize {
        low + self.below((high - low) as u64) as usize
    }
}

/// The SQS event of `size`: records in the shape Lambda sends them (`messageId`,
/// `receiptHandle`, `body`, `attributes`, `messageAttributes`, `md5OfBody`, `eventSource`,
/// `eventSourceARN`, `awsRegion`), as many as fit in [`Size::limit`]; bodies of 300 to 3,000
/// bytes (log lines 120 to 400) as [`Body::of`] says.
pub fn event(size: Size) -> Event {
    let mut rng = Rng(0x5eed_ba7c_0000_0000 ^ size.limit() as u64);
    let mut json = String::from("{\"Records\":[");
    let mut failed = Vec::new();
    let mut c = Composition {
        bytes: 0,
        records: 0,
        count: [0; 3],
        body_bytes: [0; 3],
        id_bytes: 0,
    };
    let sent = 1_718_000_000_000 + rng.below(1_000_000);
    loop {
        let i = c.records;
        let kind = Body::of(i);
        let body = match kind {
            Body::Metrics => metrics(&mut rng, sent + i as u64),
            Body::Order => order(&mut rng, i),
            Body::LogLine => log_line(&mut rng, sent + i as u64, i),
        };
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            rng.below(1 << 32),
            rng.below(1 << 16),
            rng.below(1 << 12),
            8 + rng.below(4),
            rng.below(1 << 12),
            rng.below(1 << 48)
        );
        let record = format!(
            "{{\"messageId\":\"{id}\",\"receiptHandle\":\"AQEB{}\",\"body\":\"{}\",\
             \"attributes\":{{\"ApproximateReceiveCount\":\"1\",\"SentTimestamp\":\"{}\",\
             \"SenderId\":\"AIDAIENQZJOLO23YVJ4VO\",\"ApproximateFirstReceiveTimestamp\":\"{}\"}},\
             \"messageAttributes\":{{}},\"md5OfBody\":\"{:016x}{:016x}\",\"eventSource\":\"aws:sqs\",\
             \"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:orders\",\
             \"awsRegion\":\"us-east-1\"}}",
            receipt_handle(&mut rng),
            escaped(&body),
            sent + i as u64,
            sent + i as u64 + 7,
            rng.next(),
            rng.next(),
        );
        let separator = usize::from(i > 0);
        if i > 0 && json.len() + separator + record.len() + 2 > size.limit() {
            break;
        }
        if i > 0 {
            json.push(',');
        }
        json.push_str(&record);
        c.records += 1;
        c.count[kind.index()] += 1;
        c.body_bytes[kind.index()] += body.len();
        c.id_bytes += id.len();
        if kind == Body::LogLine {
            failed.push(id);
        }
    }
    json.push_str("]}");
    c.bytes = json.len();
    let failures: Vec<String> = failed
        .iter()
        .map(|id| format!("{{\"itemIdentifier\":\"{id}\"}}"))
        .collect();
    let reply = format!("{{\"batchItemFailures\":[{}]}}", failures.join(","));
    Event {
        exchange: Exchange {
            event: json.into_bytes(),
            reply: reply.into_bytes(),
        },
        composition: c,
    }
}

/// `"` and `\` escaped, as in a JSON string (the bodies hold no control character).
fn escaped(body: &str) -> String {
    body.replace('\\', "\\\\").replace('"', "\\\"")
}

fn receipt_handle(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..168)
        .map(|_| ALPHABET[rng.below(64) as usize] as char)
        .collect()
}

/// `[timestamp,reading,…]`: integers and decimals.
fn metrics(rng: &mut Rng, timestamp: u64) -> String {
    let length = rng.length(300, 3_000);
    let mut body = format!("[{timestamp}");
    while body.len() < length {
        if rng.below(2) == 0 {
            let _ = write!(body, ",{}", rng.below(100_000));
        } else {
            let _ = write!(body, ",{}.{:03}", rng.below(1_000), rng.below(1_000));
        }
    }
    body.push(']');
    body
}

/// `{"orderId":…,"items":[{"sku":…,"qty":…,"price":…},…],…}`.
fn order(rng: &mut Rng, i: usize) -> String {
    let length = rng.length(300, 3_000);
    let mut body = format!(
        "{{\"orderId\":\"o-{i:07}\",\"customer\":\"c-{:06}\",\"currency\":\"EUR\",\"items\":[",
        rng.below(1_000_000)
    );
    let mut first = true;
    while body.len() < length {
        if !first {
            body.push(',');
        }
        first = false;
        let _ = write!(
            body,
            "{{\"sku\":\"SKU-{:05}\",\"name\":\"item {}\",\"qty\":{},\"price\":{}.{:02}}}",
            rng.below(100_000),
            rng.below(1_000),
            1 + rng.below(9),
            rng.below(500),
            rng.below(100)
        );
    }
    body.push_str("],\"note\":\"leave at the door\"}");
    body
}

/// `level=INFO ts=… service=checkout …`: plain text, not JSON.
fn log_line(rng: &mut Rng, timestamp: u64, i: usize) -> String {
    let length = rng.length(120, 400);
    let mut body = format!(
        "level=INFO ts={timestamp} service=checkout worker={} msg=processed batch={i} in {} ms",
        rng.below(8),
        rng.below(200)
    );
    while body.len() < length {
        let _ = write!(body, " k{}={}", rng.below(100), rng.below(100_000));
    }
    body
}

/// What was measured of one bootstrap.
#[derive(Debug, Clone)]
pub struct Measured {
    pub bootstrap: Bootstrap,
    /// The stripped binary, bytes.
    pub size: u64,
    /// Event handed out → reply received, warm, by [`Size::index`].
    pub warm: [Vec<Duration>; 2],
    /// `VmHWM` after the warm run, kB, by [`Size::index`].
    pub rss_kb: [Option<u64>; 2],
}

/// The borrowed events figures of a run.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The configuration they were measured in.
    pub config: Config,
    pub plan: Plan,
    /// The events, by [`Size::index`].
    pub events: [Composition; 2],
    /// lambda_runtime's and aws_lambda_events' versions in `benches/peer/Cargo.lock`, when the
    /// peer was built.
    pub peer_versions: Option<(String, String)>,
    pub measured: Vec<Measured>,
}

/// Measures the bootstraps (with their paths); returns their figures and the events'
/// compositions.
pub fn measure(
    bootstraps: &[(Bootstrap, PathBuf)],
    plan: &Plan,
) -> Result<(Vec<Measured>, [Composition; 2]), String> {
    let mut measured = Vec::with_capacity(bootstraps.len());
    for (bootstrap, path) in bootstraps {
        measured.push(Measured {
            bootstrap: *bootstrap,
            size: std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .len(),
            warm: Size::ALL.map(|size| Vec::with_capacity(plan.warm[size.index()])),
            rss_kb: [None; 2],
        });
    }
    let mut events = Vec::with_capacity(Size::ALL.len());
    for size in Size::ALL {
        let s = size.index();
        let generated = event(size);
        events.push(generated.composition);
        eprintln!(
            "batch: {} warm invocations with a {}-byte event ({} records) of {} bootstraps",
            plan.warm[s],
            generated.composition.bytes,
            generated.composition.records,
            bootstraps.len()
        );
        // A fresh process per bootstrap and event size: the peak RSS is this event's.
        let mut subjects = Vec::with_capacity(bootstraps.len());
        let mut discard = Vec::new();
        for (bootstrap, path) in bootstraps {
            let name = format!("{} ({} event)", bootstrap.label(), size.label());
            let mut subject = Subject::new(path, name, generated.exchange.clone())?;
            subject.start_warm()?;
            subject.invoke_warm(plan.warmup[s], &mut discard)?;
            subjects.push(subject);
        }
        let blocks = plan.warm[s].div_ceil(plan.block[s]);
        for block in 0..blocks {
            let count = plan.block[s].min(plan.warm[s] - block * plan.block[s]);
            for i in rotation(subjects.len(), block) {
                subjects[i].invoke_warm(count, &mut measured[i].warm[s])?;
            }
        }
        for (i, subject) in subjects.iter_mut().enumerate() {
            measured[i].rss_kb[s] = Some(subject.peak_rss()?);
            subject.stop();
        }
    }
    let events = [events[0], events[1]];
    Ok((measured, events))
}

impl Batch {
    fn find(&self, bootstrap: Bootstrap) -> Option<&Measured> {
        self.measured.iter().find(|m| m.bootstrap == bootstrap)
    }

    /// The warm figures (ms) of `bootstrap` with the event of `size`.
    fn warm(&self, bootstrap: Bootstrap, size: Size) -> Option<Summary> {
        Summary::of_millis(&self.find(bootstrap)?.warm[size.index()])
    }

    fn rss(&self, bootstrap: Bootstrap, size: Size) -> Option<u64> {
        self.find(bootstrap)?.rss_kb[size.index()]
    }

    /// Borrowed over `base`, warm medians.
    fn latency_ratio(&self, base: Bootstrap, size: Size) -> Option<f64> {
        let (a, b) = (
            self.warm(Bootstrap::Borrowed, size)?,
            self.warm(base, size)?,
        );
        (b.median > 0.0).then(|| a.median / b.median)
    }

    /// Borrowed over `base`, peak RSS.
    fn rss_ratio(&self, base: Bootstrap, size: Size) -> Option<f64> {
        let (a, b) = (self.rss(Bootstrap::Borrowed, size)?, self.rss(base, size)?);
        (b > 0).then(|| a as f64 / b as f64)
    }

    /// Owned's peak RSS minus borrowed's, KiB.
    fn rss_saved(&self, size: Size) -> Option<i64> {
        let (owned, borrowed) = (
            self.rss(Bootstrap::Owned, size)?,
            self.rss(Bootstrap::Borrowed, size)?,
        );
        Some(owned as i64 - borrowed as i64)
    }

    /// The targets, checked against this run's figures.
    pub fn targets(&self) -> Vec<Target> {
        let large = Size::Large;
        let ratio = self.latency_ratio(Bootstrap::Owned, large);
        let event_kib = kib(self.events[large.index()].bytes);
        let saved = self.rss_saved(large);
        vec![
            Target {
                what: format!(
                    "`batch`, {} event: warm median borrowed ≤ {LATENCY_BOUND}× owned",
                    large.label()
                ),
                found: ratio
                    .map_or_else(|| "not measured".to_owned(), |r| format!("{r:.2}× owned")),
                pass: ratio.map(|r| r <= LATENCY_BOUND),
            },
            Target {
                what: format!(
                    "`batch`, {} event: peak RSS owned − borrowed ≥ the event's size",
                    large.label()
                ),
                found: saved.map_or_else(
                    || "not measured".to_owned(),
                    |kb| format!("{kb} KiB of {} KiB", number(event_kib)),
                ),
                pass: saved.map(|kb| kb as f64 >= event_kib),
            },
        ]
    }
}

fn kib(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

/// `a ÷ b` as a cell.
fn ratio_cell(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}×"))
}

/// The "Borrowed events" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, b: &Batch) {
    let p = &b.plan;
    let _ = writeln!(md, "## Borrowed events\n");
    let _ = writeln!(
        md,
        "A handler whose event type borrows from the invocation's body, against the same handler \
         on owned strings and against lambda_runtime with the official event types, {}. Each \
         summarises an SQS batch and reports every body that is not JSON as failed, in the \
         partial-batch response shape (`{{\"batchItemFailures\":[{{\"itemIdentifier\":…}}]}}`):\n\n\
         - **borrowed**: ruchy-lambda's `batch` example, `Batch<'a>` with `messageId` a \
         `&'a str` and `body` a `Cow<'a, str>` (`#[serde(borrow)]`: borrowed when the JSON \
         string holds no escape, copied when it does); the reply borrows the failed ids;\n\
         - **owned**: `benches/ours/`'s `batch-owned`, the same handler, record and reply with \
         `message_id: String` and `body: String` (every id and body copied out of the body of \
         the invocation; the reply copies the failed ids);\n\
         - **lambda_runtime**: `benches/peer/`'s `batch`, the same check, record and reply with \
         `aws_lambda_events`' `SqsEvent` and `SqsBatchResponse` (`default-features = false`, \
         `sqs`: every field of every message owned, its attributes in `HashMap`s; built alone \
         with the peer's `sqs` feature, as that feature turns serde_json's `alloc` on for every \
         binary), {}.\n",
        b.config.label(),
        match &b.peer_versions {
            Some((runtime, events)) => format!(
                "lambda_runtime {runtime} and aws_lambda_events {events} \
                 (`benches/peer/Cargo.lock`)"
            ),
            None => "not built in this run: its rows are missing".to_owned(),
        }
    );
    let _ = writeln!(
        md,
        "The events are generated by the harness, the same bytes on every run: SQS records in \
         the shape Lambda sends them (`messageId`, `receiptHandle`, `body`, `attributes`, \
         `messageAttributes`, `md5OfBody`, `eventSource`, `eventSourceARN`, `awsRegion`), as \
         many as fit in 256 KiB and in 4 MiB (below Lambda's 6 MB invocation limit). Of every \
         25 records, 19 bodies are metrics samples (a JSON array of numbers: valid JSON with no \
         string in it, so nothing is escaped and `batch` borrows them), 5 are orders (a JSON \
         object: its quotes are escaped in the event, so `Cow` copies them even in `batch` — a \
         body that holds JSON strings always has escapes in an SQS event), and 1 is a log line \
         (`key=value` text: nothing escaped, borrowed, but not JSON, so reported as failed). \
         Most bodies are thus escape-free, the case borrowing is for; with JSON objects only, \
         both handlers would copy every body and differ by the message ids alone. Every reply \
         is checked byte for byte against the ids the harness expects, the same for the three \
         bootstraps.\n"
    );
    let _ = writeln!(
        md,
        "| event | bytes | records | metrics bodies: count, KiB (borrowed) | order bodies: count, KiB (copied) | log lines: count, KiB (failed) | copied by owned only (KiB) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
    for size in Size::ALL {
        let c = &b.events[size.index()];
        let kind = |body: Body| {
            format!(
                "{}, {}",
                c.count[body.index()],
                number(kib(c.body_bytes[body.index()]))
            )
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            size.label(),
            c.bytes,
            c.records,
            kind(Body::Metrics),
            kind(Body::Order),
            kind(Body::LogLine),
            number(kib(c.not_copied())),
        );
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "\"Copied by owned only\": the message ids and the metrics and log-line bodies, which \
         `batch-owned` copies and `batch` does not (both copy the order bodies): about what \
         borrowing can save in peak RSS.\n"
    );
    let _ = writeln!(
        md,
        "- **warm**: event handed out by `/next` → reply received, by the server's clock \
         (reading the event off the connection, parsing it, the handler, the reply); {} \
         invocations with the 256 KiB event and {} with the 4 MiB one per bootstrap, after {} \
         and {} unmeasured, in blocks of {} and {} taking turns; median (p5–p95).\n\
         - **peak RSS**: `VmHWM` after the warm run of that event (one more invocation), a fresh \
         process per bootstrap and event size, so that the 256 KiB figure is not the 4 MiB \
         one's.\n",
        p.warm[0], p.warm[1], p.warmup[0], p.warmup[1], p.block[0], p.block[1],
    );
    let _ = writeln!(
        md,
        "| event | bootstrap | stripped size (kB) | warm (ms, median (p5–p95)) | peak RSS (KiB) |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|");
    for size in Size::ALL {
        for m in rows(b) {
            let warm = b
                .warm(m.bootstrap, size)
                .map_or_else(|| "—".to_owned(), |s| median_p5_p95(&s));
            let rss = m.rss_kb[size.index()].map_or_else(|| "—".to_owned(), |kb| kb.to_string());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {warm} | {rss} |",
                size.label(),
                m.bootstrap.label(),
                number(m.size as f64 / 1000.0),
            );
        }
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| event (KiB) | warm: borrowed ÷ owned | warm: borrowed ÷ lambda_runtime | peak RSS: borrowed ÷ owned | peak RSS: borrowed ÷ lambda_runtime | peak RSS: owned − borrowed (KiB) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    for size in Size::ALL {
        let saved = b
            .rss_saved(size)
            .map_or_else(|| "—".to_owned(), |kb| kb.to_string());
        let _ = writeln!(
            md,
            "| {} ({}) | {} | {} | {} | {} | {saved} |",
            size.label(),
            number(kib(b.events[size.index()].bytes)),
            ratio_cell(b.latency_ratio(Bootstrap::Owned, size)),
            ratio_cell(b.latency_ratio(Bootstrap::Peer, size)),
            ratio_cell(b.rss_ratio(Bootstrap::Owned, size)),
            ratio_cell(b.rss_ratio(Bootstrap::Peer, size)),
        );
    }
    let _ = writeln!(md);
    let added = b.events[Size::Large.index()].bytes - b.events[Size::Small.index()].bytes;
    let growth: Vec<String> = rows(b)
        .filter_map(|m| {
            let [small, large] = m.rss_kb;
            let kb = large? as f64 - small? as f64;
            let event = kib(added);
            Some(format!(
                "{} KiB ({:.2}×) for `{}` on {}",
                number(kb),
                kb / event,
                m.bootstrap.binary(),
                m.bootstrap.runtime().name()
            ))
        })
        .collect();
    if !growth.is_empty() {
        let _ = writeln!(
            md,
            "From the 256 KiB to the 4 MiB event ({} KiB more), peak RSS grows by {}.\n",
            number(kib(added)),
            growth.join(", ")
        );
    }
    targets_table(md, "Borrowed events", b.targets());
    let large = &b.events[Size::Large.index()];
    if large.not_copied() < large.bytes {
        let _ = writeln!(
            md,
            "The peak RSS target asks for the whole event: beyond what `batch` copies, \
             `batch-owned` copies {} KiB out of the {} KiB event (its ids and escape-free \
             bodies; neither copies the field names, receipt handles and attributes, and both \
             copy the escaped bodies), so that is about all borrowing can take off its peak RSS \
             here.\n",
            number(kib(large.not_copied())),
            number(kib(large.bytes)),
        );
    }
}

/// The measured bootstraps in table order: borrowed, owned, lambda_runtime.
fn rows(b: &Batch) -> impl Iterator<Item = &Measured> {
    Bootstrap::ALL
        .into_iter()
        .filter_map(|bootstrap| b.find(bootstrap))
}

/// The borrowed events rows of the result file.
pub fn tsv(out: &mut String, b: &Batch) {
    let config = b.config.tag();
    for m in &b.measured {
        let runtime = m.bootstrap.runtime().tag();
        let binary = m.bootstrap.binary();
        let kb = m.size as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{config}\tbatch-size-{binary}\tkB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\texact"
        );
        for size in Size::ALL {
            let event = size.tag();
            if let Some(s) = b.warm(m.bootstrap, size) {
                let _ = writeln!(
                    out,
                    "{config}\tbatch-warm-{event}-{binary}\tms\t{runtime}\t{}\t{}\t{}\t{}\tp5-p95",
                    s.median, s.p5, s.p95, s.count
                );
            }
            if let Some(kb) = m.rss_kb[size.index()] {
                let _ = writeln!(
                    out,
                    "{config}\tbatch-rss-{event}-{binary}\tKiB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\tsingle"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::Profile;

    #[test]
    fn events_fill_their_size_and_expect_the_log_lines_as_failures() {
        for size in Size::ALL {
            let e = event(size);
            let c = e.composition;
            let text = String::from_utf8(e.exchange.event.clone()).unwrap();
            assert_eq!(c.bytes, text.len());
            assert!(c.bytes <= size.limit() && c.bytes > size.limit() - 4_000);
            assert!(c.bytes < 6 * 1024 * 1024, "above Lambda's invocation limit");
            assert_eq!(c.count.iter().sum::<usize>(), c.records);
            assert_eq!(text.matches("\"messageId\":").count(), c.records);
            assert!(c.count[Body::LogLine.index()] > 0);
            assert!(c.count[Body::Metrics.index()] > c.count[Body::Order.index()] * 3);
            let reply = String::from_utf8(e.exchange.reply.clone()).unwrap();
            assert!(reply.starts_with(r#"{"batchItemFailures":[{"itemIdentifier":""#));
            assert_eq!(
                reply.matches("itemIdentifier").count(),
                c.count[Body::LogLine.index()]
            );
            // Only the orders are escaped.
            assert!(!text.contains("\\\\"));
            let bodies: Vec<&str> = text.split("\"body\":\"").skip(1).collect();
            let starting = |prefix: &str| bodies.iter().filter(|b| b.starts_with(prefix)).count();
            assert_eq!(starting("["), c.count[Body::Metrics.index()]);
            assert_eq!(starting("{\\\"orderId\\\":"), c.count[Body::Order.index()]);
            assert_eq!(starting("level=INFO "), c.count[Body::LogLine.index()]);
            for body in bodies {
                let body = &body[..body.find("\",\"attributes\"").unwrap()];
                assert_eq!(body.contains('\\'), body.starts_with('{'), "{body}");
            }
        }
        // The same bytes on every run.
        assert_eq!(
            event(Size::Small).exchange.event,
            event(Size::Small).exchange.event
        );
    }

    #[test]
    fn bodies_are_what_they_say() {
        let mut rng = Rng(1);
        let metrics = metrics(&mut rng, 1_718_000_000_000);
        assert!(metrics.starts_with("[1718000000000,") && metrics.ends_with(']'));
        assert!(!metrics.contains('"') && !metrics.contains('\\'));
        let order = order(&mut rng, 3);
        assert!(order.starts_with("{\"orderId\":\"o-0000003\"") && order.ends_with('}'));
        assert_eq!(order.matches('{').count(), order.matches('}').count());
        let line = log_line(&mut rng, 1, 2);
        assert!(line.starts_with("level=INFO ") && !line.contains('"'));
        assert_eq!(escaped(r#"{"a":"\"}"#), r#"{\"a\":\"\\\"}"#);
    }

    fn section(owned_rss: u64, owned_ms: u64) -> Batch {
        let composition = |size: Size| event(size).composition;
        let measured = |bootstrap: Bootstrap, rss: u64, ms: u64| Measured {
            bootstrap,
            size: 400_000,
            warm: [
                vec![Duration::from_micros(ms * 100); 3],
                vec![Duration::from_millis(ms); 3],
            ],
            rss_kb: [Some(rss / 8), Some(rss)],
        };
        Batch {
            config: Config {
                profile: Profile::Dev,
                crt_static: false,
            },
            plan: Plan::new(40),
            events: Size::ALL.map(composition),
            peer_versions: None,
            measured: vec![
                measured(Bootstrap::Borrowed, 10_000, 6),
                measured(Bootstrap::Owned, owned_rss, owned_ms),
            ],
        }
    }

    #[test]
    fn targets_pass_and_miss() {
        let pass = section(15_000, 10).targets();
        assert_eq!(pass[0].found, "0.60× owned");
        assert_eq!(
            pass.iter().map(|t| t.pass).collect::<Vec<_>>(),
            [Some(true); 2]
        );
        let miss = section(13_000, 8).targets();
        assert_eq!(miss[0].pass, Some(false));
        assert_eq!(miss[1].pass, Some(false));
        assert!(miss[1].found.starts_with("3000 KiB of "));
    }

    #[test]
    fn the_section_has_its_ratios_and_rows() {
        let b = section(15_000, 10);
        let mut md = String::new();
        markdown(&mut md, &b);
        assert!(md.contains("## Borrowed events"));
        assert!(md.contains("not built in this run: its rows are missing"));
        assert!(md.contains("| 4 MiB | ruchy-lambda `batch-owned` (owned `String`s) | 400 | 10.0 (10.0–10.0) | 15000 |"));
        assert!(md.contains("| 0.60× | — | 0.67× | — | 5000 |"));
        let mut out = String::new();
        tsv(&mut out, &b);
        assert!(out.contains("dev\tbatch-rss-4m-batch-owned\tKiB\tours\t15000\t"));
        assert!(out.contains("dev\tbatch-warm-256k-batch\tms\tours\t0.6"));
        assert_eq!(Plan::new(20_000).warm, [2_000, 200]);
        assert_eq!(Plan::new(40).warm, [4, 2]);
    }
}
