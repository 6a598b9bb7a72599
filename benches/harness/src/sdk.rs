//! The AWS SDK section: async handlers on the AWS SDK for Rust. The same DynamoDB `GetItem`
//! function (`examples/aws-sdk/`) as an `async fn` on ruchy-lambda's `tokio` feature
//! (`benches/ours/`: `dynamodb-sdk`, that example's source) and on `lambda_runtime`'s
//! `run_concurrent` (`benches/peer/`: `dynamodb-sdk`); and, for what the feature costs a function
//! that does not use the SDK, `minimal` as an `async fn` (`async-minimal`) beside `minimal`
//! (both `benches/ours/`).
//!
//! The functions call moto's server (a real implementation of AWS's APIs, PyPI `moto[server]`) on
//! loopback, through `AWS_ENDPOINT_URL`, with placeholder credentials: `MOTO_SERVER`, or
//! `moto_server` on `PATH`. The harness starts it once, creates the table and puts the item.
//!
//! Each bootstrap runs under the local Lambda (its own Runtime API server, output discarded), with
//! N = 1 and N = 4 (`AWS_LAMBDA_MAX_CONCURRENCY`, up to N invocations handed out at once). In
//! each round every bootstrap is started once, in rotating order: init (spawn → first `/next`,
//! so the SDK's configuration is loaded in it) and the first invocation (event handed out →
//! answer). Then each gets a fresh process for the warm run: unmeasured invocations, then the
//! measured ones in blocks queued at once (so that N are in flight), the bootstraps taking
//! turns; then one more invocation, after which the peak RSS (`VmHWM`) is read. Every reply is
//! checked byte for byte.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ruchy_lambda_local::{Event, Outcome, Output};

use crate::builds::Builder;
use crate::figures::Target;
use crate::measure::{Exchange, Subject, function_config, rotation};
use crate::report::{median_p5_p95, number, targets_table};
use crate::stats::Summary;
use crate::subjects::{Config, Handler, Runtime};

/// The targets against `lambda_runtime` on the same SDK: size (both carry tokio, hyper, rustls
/// and the SDK; only the runtime layer differs)…
const SIZE_BOUND: f64 = 0.97;
/// …peak RSS…
const RSS_BOUND: f64 = 0.9;
/// …and init, first invocation and warm: no worse.
const TIME_BOUND: f64 = 1.0;
/// `async-minimal` ≤ this × `minimal`, stripped size: what the `tokio` feature costs.
const ASYNC_SIZE_BOUND: f64 = 1.6;

/// The concurrency levels.
pub const LEVELS: [usize; 2] = [1, 4];

/// The table the functions read.
pub(crate) const TABLE: &str = "items";
/// What every invocation of a function on the SDK is sent.
pub(crate) const EVENT: &[u8] = br#"{"get":"k3"}"#;
/// The item, as moto is given it (DynamoDB JSON).
pub(crate) const ITEM: &str = r#"{"id":{"S":"k3"},"name":{"S":"three"},"count":{"N":"3"},"price":{"N":"1.5"},"tags":{"SS":["a"]},"nested":{"M":{"ok":{"BOOL":true},"none":{"NULL":true}}},"blob":{"B":"aGVsbG8="}}"#;
/// The reply both functions on the SDK must give to [`EVENT`]: the item as plain JSON (serde_json
/// writes an object's keys in order).
pub(crate) const REPLY: &[u8] = br#"{"found":true,"item":{"blob":"aGVsbG8=","count":3,"id":"k3","name":"three","nested":{"none":null,"ok":true},"price":1.5,"tags":["a"]}}"#;
/// The placeholder credentials (AWS's documentation examples).
pub(crate) const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub(crate) const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// How to get moto's server.
pub const INSTALL: &str = "pip install 'moto[server]' (`.ci/run` installs it into \
                           ~/.cache/ruchy-lambda/moto-venv), then set MOTO_SERVER to its \
                           `moto_server` or put it on PATH";
/// Longest a block of warm invocations may take.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// A bootstrap of the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootstrap {
    /// `dynamodb-sdk` in `benches/ours/`: `examples/aws-sdk/src/main.rs`.
    Ours,
    /// `dynamodb-sdk` in `benches/peer/`: `lambda_runtime::run_concurrent`.
    Peer,
    /// `async-minimal` in `benches/ours/`: `minimal` as an `async fn`.
    AsyncMinimal,
    /// `minimal` in `benches/ours/`.
    Minimal,
}

impl Bootstrap {
    pub const ALL: [Bootstrap; 4] = [
        Bootstrap::Ours,
        Bootstrap::Peer,
        Bootstrap::AsyncMinimal,
        Bootstrap::Minimal,
    ];

    pub fn runtime(self) -> Runtime {
        match self {
            Bootstrap::Peer => Runtime::Peer,
            _ => Runtime::Ours,
        }
    }

    pub fn binary(self) -> &'static str {
        match self {
            Bootstrap::Ours | Bootstrap::Peer => "dynamodb-sdk",
            Bootstrap::AsyncMinimal => "async-minimal",
            Bootstrap::Minimal => "minimal",
        }
    }

    fn label(self) -> String {
        let what = match self {
            Bootstrap::Ours => "`async fn`, `tokio` feature",
            Bootstrap::Peer => "`run_concurrent`",
            Bootstrap::AsyncMinimal => "`async fn`, no SDK",
            Bootstrap::Minimal => "`fn`, no SDK",
        };
        format!("{} `{}` ({what})", self.runtime().name(), self.binary())
    }

    /// What it is sent and must answer.
    fn exchange(self) -> Exchange {
        match self {
            Bootstrap::Ours | Bootstrap::Peer => Exchange {
                event: EVENT.to_vec(),
                reply: REPLY.to_vec(),
            },
            Bootstrap::AsyncMinimal | Bootstrap::Minimal => Handler::Minimal.into(),
        }
    }
}

/// How much of the section a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Cold starts per bootstrap and N.
    pub spawns: usize,
    /// Measured warm invocations per bootstrap and N.
    pub warm: usize,
    /// Invocations queued at once before the next bootstrap's turn.
    pub block: usize,
    /// Invocations before measuring (not counted).
    pub warmup: usize,
}

impl Plan {
    /// The run's cold starts (`--spawns`); a twentieth of its warm `echo` invocations (`--warm`;
    /// at least 2), as each calls DynamoDB; ten blocks; a tenth as many unmeasured first.
    pub fn new(spawns: usize, warm: usize) -> Plan {
        let warm = (warm / 20).max(2);
        Plan {
            spawns,
            warm,
            block: warm.div_ceil(10),
            warmup: (warm / 10).max(LEVELS[1]),
        }
    }
}

/// The bootstraps, built: ruchy-lambda's copied to a directory of their own (another build in
/// that target directory could overwrite a `minimal`).
#[derive(Debug, Clone)]
pub struct Built {
    pub bootstraps: Vec<(Bootstrap, PathBuf)>,
}

impl Builder {
    /// Builds the section's bootstraps with `config`: `benches/ours/`'s `minimal`,
    /// `async-minimal` (feature `tokio`) and `dynamodb-sdk` (feature `aws-sdk`), each a build of
    /// its own so that no feature reaches another binary; and, with `peer`, `benches/peer/`'s
    /// `dynamodb-sdk` (feature `aws-sdk`, built alone).
    pub fn build_sdk(&self, config: Config, peer: bool) -> Result<Built, String> {
        let target_dir = self.ours_target_dir(config);
        let manifest = self.repo.join("benches").join("ours").join("Cargo.toml");
        let mut out = None;
        for (bootstrap, features) in [
            (Bootstrap::Minimal, None),
            (Bootstrap::AsyncMinimal, Some("tokio")),
            (Bootstrap::Ours, Some("aws-sdk")),
        ] {
            let (mut command, out_dir) = self.cargo(config, &target_dir)?;
            command.arg("--manifest-path").arg(&manifest).args([
                "--bin",
                bootstrap.binary(),
                "--locked",
            ]);
            if let Some(features) = features {
                command.args(["--features", features]);
            }
            let what = format!("ruchy-lambda `{}` ({})", bootstrap.binary(), config.label());
            eprintln!("building {what} in {}", out_dir.display());
            self.run(command, &what)?;
            out = Some(out_dir);
        }
        let out = out.ok_or("no build")?;
        let keep = out.join("sdk-section");
        std::fs::create_dir_all(&keep).map_err(|e| format!("{}: {e}", keep.display()))?;
        let mut bootstraps = Vec::new();
        for bootstrap in [Bootstrap::Ours, Bootstrap::AsyncMinimal, Bootstrap::Minimal] {
            let from = out.join(bootstrap.binary());
            let to = keep.join(bootstrap.binary());
            std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
            bootstraps.push((bootstrap, to));
        }
        if peer {
            let path = self.build_peer_alone(config, Bootstrap::Peer.binary(), "aws-sdk")?;
            bootstraps.insert(1, (Bootstrap::Peer, path));
        }
        Ok(Built { bootstraps })
    }
}

/// What was measured of one bootstrap at one N.
#[derive(Debug, Clone)]
pub struct Measured {
    pub bootstrap: Bootstrap,
    pub n: usize,
    /// The stripped binary, bytes.
    pub size: u64,
    /// Spawn → first `/next`, one per cold start.
    pub init: Vec<Duration>,
    /// The first invocation of each cold start: event handed out → answer.
    pub first: Vec<Duration>,
    /// Warm invocations: event handed out → answer.
    pub warm: Vec<Duration>,
    /// `VmHWM` after the warm run, kB.
    pub rss_kb: Option<u64>,
}

/// The AWS SDK figures of a run.
#[derive(Debug, Clone)]
pub enum Sdk {
    Measured {
        /// The configuration they were measured in.
        config: Config,
        plan: Plan,
        /// The versions in `benches/ours/Cargo.lock` of aws-config, aws-sdk-dynamodb and tokio.
        sdk_versions: [Option<String>; 3],
        /// lambda_runtime's in `benches/peer/Cargo.lock`, when the peer was built.
        peer_version: Option<String>,
        /// moto's version, or "unknown".
        moto: String,
        measured: Vec<Measured>,
    },
    /// No moto server: the section was not measured.
    Skipped,
}

/// `moto_server`: `MOTO_SERVER`, else on `PATH`.
pub fn moto_program() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
}

/// Measures the built bootstraps against moto's server (`program`); the figures, and moto's
/// version.
pub fn measure(
    program: &Path,
    built: &Built,
    plan: &Plan,
) -> Result<(Vec<Measured>, String), String> {
    let moto = Moto::start(program)?;
    moto.create_table()?;
    let version = moto.version();
    let env = moto.function_env();
    let mut measured = Vec::new();
    for n in LEVELS {
        let mut subjects = Vec::new();
        for (bootstrap, path) in &built.bootstraps {
            let mut config = function_config(env.clone(), Output::Null);
            config.concurrency = n;
            let name = format!("{} (N = {n})", bootstrap.label());
            subjects.push(Subject::with_config(
                path,
                name,
                bootstrap.exchange(),
                config,
            )?);
            measured.push(Measured {
                bootstrap: *bootstrap,
                n,
                size: std::fs::metadata(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?
                    .len(),
                init: Vec::with_capacity(plan.spawns),
                first: Vec::with_capacity(plan.spawns),
                warm: Vec::with_capacity(plan.warm),
                rss_kb: None,
            });
        }
        let base = measured.len() - subjects.len();
        eprintln!(
            "sdk: N = {n}: {} cold starts and {} warm invocations of {} bootstraps",
            plan.spawns,
            plan.warm,
            subjects.len()
        );
        for round in 0..plan.spawns {
            for i in rotation(subjects.len(), round) {
                let report = subjects[i].cold_invocation()?;
                subjects[i].stop();
                let m = &mut measured[base + i];
                m.init.push(report.init_duration.ok_or_else(|| {
                    format!("{}: a cold start without init duration", subjects[i].name)
                })?);
                m.first.push(report.duration);
            }
        }
        let mut discard = Vec::new();
        for (i, subject) in subjects.iter_mut().enumerate() {
            subject.start_warm()?;
            let exchange = built.bootstraps[i].0.exchange();
            invoke_queued(subject, &exchange, plan.warmup, &mut discard)?;
        }
        let blocks = plan.warm.div_ceil(plan.block);
        for block in 0..blocks {
            let count = plan.block.min(plan.warm - block * plan.block);
            for i in rotation(subjects.len(), block) {
                let exchange = built.bootstraps[i].0.exchange();
                invoke_queued(&subjects[i], &exchange, count, &mut measured[base + i].warm)?;
            }
        }
        for (i, subject) in subjects.iter_mut().enumerate() {
            measured[base + i].rss_kb = Some(subject.peak_rss()?);
            subject.stop();
        }
    }
    Ok((measured, version))
}

/// Queues `count` invocations at once on `subject`'s running process (so that N are in flight
/// while they last) and waits for them; their durations (event handed out → answer) are
/// appended to `samples`, every reply checked.
pub(crate) fn invoke_queued(
    subject: &Subject,
    exchange: &Exchange,
    count: usize,
    samples: &mut Vec<Duration>,
) -> Result<(), String> {
    let server = subject.function().server();
    let ids: Vec<String> = (0..count)
        .map(|_| server.enqueue(Event::new(exchange.event.clone())))
        .collect();
    let deadline = Instant::now() + BLOCK_TIMEOUT;
    for id in &ids {
        let record = server
            .wait_for(id, deadline.saturating_duration_since(Instant::now()))
            .ok_or_else(|| format!("{}: {count} invocations did not finish", subject.name))?;
        match &record.outcome {
            Outcome::Response(body) if *body == exchange.reply => {}
            Outcome::Response(body) => {
                return Err(format!(
                    "{}: unexpected reply {:?}",
                    subject.name,
                    String::from_utf8_lossy(body)
                ));
            }
            other => return Err(format!("{}: invocation failed: {other:?}", subject.name)),
        }
        samples.push(
            record
                .duration()
                .ok_or_else(|| format!("{}: an invocation without timestamps", subject.name))?,
        );
    }
    server.clear_history();
    Ok(())
}

/// moto's server on a free loopback port; stopped when dropped.
struct Moto {
    child: Child,
    program: PathBuf,
    /// `127.0.0.1:PORT`.
    authority: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts `program` and waits (at most 60 s) until it answers.
    fn start(program: &Path) -> Result<Moto, String> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port for moto: {e}"))?
            .port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut moto = Moto {
            child,
            program: program.to_path_buf(),
            authority: format!("127.0.0.1:{port}"),
        };
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((200, _)) = moto.request("GET", "/moto-api/", &[], b"") {
                return Ok(moto);
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(format!("{} exited: {status}", program.display()));
            }
            if Instant::now() >= until {
                return Err(format!("{} did not answer within 60 s", program.display()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The table with its one item.
    fn create_table(&self) -> Result<(), String> {
        self.dynamodb(
            "CreateTable",
            &format!(
                r#"{{"TableName":"{TABLE}","KeySchema":[{{"AttributeName":"id","KeyType":"HASH"}}],"AttributeDefinitions":[{{"AttributeName":"id","AttributeType":"S"}}],"BillingMode":"PAY_PER_REQUEST"}}"#
            ),
        )?;
        self.dynamodb(
            "PutItem",
            &format!(r#"{{"TableName":"{TABLE}","Item":{ITEM}}}"#),
        )
    }

    /// moto's version, from the Python beside `moto_server` (a virtual environment's, or
    /// pyenv's shim) or else the one its `#!` line names; "unknown" when neither says.
    fn version(&self) -> String {
        let beside = self.program.with_file_name("python3");
        let shebang = std::fs::read_to_string(&self.program)
            .ok()
            .and_then(|script| {
                let line = script.lines().next()?.strip_prefix("#!")?.trim().to_owned();
                Some(PathBuf::from(line.split_whitespace().next()?))
            });
        [Some(beside), shebang]
            .into_iter()
            .flatten()
            .filter(|python| python.is_file())
            .find_map(|python| {
                let output = Command::new(python)
                    .args([
                        "-c",
                        "import importlib.metadata as m; print(m.version('moto'))",
                    ])
                    .stderr(Stdio::null())
                    .output()
                    .ok()?;
                let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                (output.status.success() && !version.is_empty()).then_some(version)
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// What the functions are given: the table, the endpoint, placeholder credentials, the
    /// region, and no instance metadata service to ask.
    fn function_env(&self) -> Vec<(String, String)> {
        [
            ("TABLE", TABLE.to_owned()),
            ("AWS_ENDPOINT_URL", format!("http://{}", self.authority)),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// A DynamoDB call (JSON 1.0), unsigned but for the credential scope moto reads the region
    /// from; an error unless it answers 200.
    fn dynamodb(&self, operation: &str, body: &str) -> Result<(), String> {
        let target = format!("DynamoDB_20120810.{operation}");
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/us-east-1/dynamodb/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        let headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", target.as_str()),
            ("Authorization", authorization.as_str()),
        ];
        match self.request("POST", "/", &headers, body.as_bytes()) {
            Ok((200, _)) => Ok(()),
            Ok((status, answer)) => Err(format!(
                "moto: {operation}: {status} {}",
                String::from_utf8_lossy(&answer)
            )),
            Err(e) => Err(format!("moto: {operation}: {e}")),
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut stream = TcpStream::connect(&self.authority)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.authority,
            body.len()
        );
        for (name, value) in headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not HTTP: {status_line:?}")))?;
        let mut length = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut answer = Vec::new();
        match length {
            Some(n) => {
                answer.resize(n, 0);
                reader.read_exact(&mut answer)?;
            }
            None => {
                reader.read_to_end(&mut answer)?;
            }
        }
        Ok((status, answer))
    }
}

/// A figure of the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Init,
    First,
    Warm,
    Rss,
}

impl Figure {
    const ALL: [Figure; 4] = [Figure::Init, Figure::First, Figure::Warm, Figure::Rss];

    fn name(self) -> &'static str {
        match self {
            Figure::Init => "init",
            Figure::First => "first invocation",
            Figure::Warm => "warm p50",
            Figure::Rss => "peak RSS",
        }
    }

    fn bound(self) -> f64 {
        match self {
            Figure::Rss => RSS_BOUND,
            _ => TIME_BOUND,
        }
    }
}

impl Measured {
    /// The median of `figure` (ms, or KiB for the peak RSS).
    fn median(&self, figure: Figure) -> Option<f64> {
        match figure {
            Figure::Init => Summary::of_millis(&self.init).map(|s| s.median),
            Figure::First => Summary::of_millis(&self.first).map(|s| s.median),
            Figure::Warm => Summary::of_millis(&self.warm).map(|s| s.median),
            Figure::Rss => self.rss_kb.map(|kb| kb as f64),
        }
    }
}

impl Sdk {
    fn find(&self, bootstrap: Bootstrap, n: usize) -> Option<&Measured> {
        match self {
            Sdk::Measured { measured, .. } => measured
                .iter()
                .find(|m| m.bootstrap == bootstrap && m.n == n),
            Sdk::Skipped => None,
        }
    }

    /// `a`'s stripped size over `b`'s.
    fn size_ratio(&self, a: Bootstrap, b: Bootstrap) -> Option<f64> {
        let size = |bootstrap| self.find(bootstrap, LEVELS[0]).map(|m| m.size as f64);
        Some(size(a)? / size(b)?)
    }

    /// `a`'s median of `figure` over `b`'s, at `n`.
    fn ratio(&self, figure: Figure, a: Bootstrap, b: Bootstrap, n: usize) -> Option<f64> {
        Some(self.find(a, n)?.median(figure)? / self.find(b, n)?.median(figure)?)
    }

    pub fn targets(&self) -> Vec<Target> {
        let target = |what: String, ratio: Option<f64>, bound: f64, base: &str| Target {
            what,
            found: ratio.map_or_else(
                || "not measured".to_owned(),
                |r| format!("{}× {base}", ratio_text(r, bound)),
            ),
            pass: ratio.map(|r| r <= bound),
        };
        let mut targets = vec![target(
            format!("`dynamodb-sdk`: stripped size ≤ {SIZE_BOUND}× lambda_runtime's"),
            self.size_ratio(Bootstrap::Ours, Bootstrap::Peer),
            SIZE_BOUND,
            "lambda_runtime",
        )];
        for n in LEVELS {
            for figure in Figure::ALL {
                targets.push(target(
                    format!(
                        "`dynamodb-sdk`, N = {n}: {} ≤ {}× lambda_runtime's",
                        figure.name(),
                        figure.bound()
                    ),
                    self.ratio(figure, Bootstrap::Ours, Bootstrap::Peer, n),
                    figure.bound(),
                    "lambda_runtime",
                ));
            }
        }
        targets.push(target(
            format!("`async-minimal`: stripped size ≤ {ASYNC_SIZE_BOUND}× `minimal`'s"),
            self.size_ratio(Bootstrap::AsyncMinimal, Bootstrap::Minimal),
            ASYNC_SIZE_BOUND,
            "`minimal`",
        ));
        targets
    }
}

/// A ratio with two decimals, or three when two would round it onto `bound` from above or
/// below (so that "1.00×" is never a miss).
pub(crate) fn ratio_text(r: f64, bound: f64) -> String {
    let two = format!("{r:.2}");
    if two == format!("{bound:.2}") && r != bound {
        format!("{r:.3}")
    } else {
        two
    }
}

/// `a ÷ b` as a cell.
pub(crate) fn ratio_cell(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}×"))
}

/// The "Async handlers on the AWS SDK" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, sdk: &Sdk) {
    let _ = writeln!(md, "## Async handlers on the AWS SDK\n");
    let Sdk::Measured {
        config,
        plan,
        sdk_versions,
        peer_version,
        moto,
        ..
    } = sdk
    else {
        let _ = writeln!(
            md,
            "Not measured in this run: no moto server (`MOTO_SERVER`, or `moto_server` on \
             `PATH`). To measure it: {INSTALL}.\n"
        );
        return;
    };
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".to_owned());
    let _ = writeln!(
        md,
        "The same DynamoDB `GetItem` function on the AWS SDK for Rust (aws-config {}, \
         aws-sdk-dynamodb {}, tokio {}: `benches/ours/Cargo.lock`; the features \
         `examples/aws-sdk/` has), {}:\n\n\
         - **ruchy-lambda**: `benches/ours/`'s `dynamodb-sdk`, the source of \
         `examples/aws-sdk/` (an `async fn` handler and an `async fn` init on the `tokio` \
         feature: one `current_thread` runtime that every worker blocks on);\n\
         - **lambda_runtime**: `benches/peer/`'s `dynamodb-sdk`, the same function under \
         `run_concurrent` ({}; `#[tokio::main]`, the SDK's configuration loaded and the client \
         made before the runtime starts, shared through an `Arc`);\n\
         - for what the `tokio` feature costs a function that does not use the SDK: \
         `async-minimal`, `minimal` as an `async fn` awaiting nothing, beside `minimal` \
         (both `benches/ours/`, each a build of its own).\n",
        version(&sdk_versions[0]),
        version(&sdk_versions[1]),
        version(&sdk_versions[2]),
        config.label(),
        match peer_version {
            Some(v) => format!("lambda_runtime {v}, `concurrency-tokio`"),
            None => "not built in this run: its rows are missing".to_owned(),
        },
    );
    let _ = writeln!(
        md,
        "Both functions load the SDK's configuration and resolve the credentials once, in init, \
         and answer `{}` with the item as plain JSON (`{}`, checked byte for byte). They call \
         moto's server (moto {moto}) on loopback (`AWS_ENDPOINT_URL=http://127.0.0.1:PORT`, placeholder \
         credentials in `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, `AWS_REGION=us-east-1`, \
         `AWS_EC2_METADATA_DISABLED=true`): a real DynamoDB API, in Python, on the same CPU, so \
         the invocation times are mostly moto's, the same for both. moto answers \
         about one request at a time: with N = 4 the invocations in flight wait for each other \
         there, so the warm time at N = 4 is mostly moto's queue.\n",
        String::from_utf8_lossy(EVENT),
        String::from_utf8_lossy(REPLY),
    );
    let _ = writeln!(
        md,
        "With N = 1 and N = 4 (`AWS_LAMBDA_MAX_CONCURRENCY`, up to N invocations handed out at \
         once), each bootstrap on the local Lambda:\n\n\
         - **init**: spawn → first `/next` (the SDK's configuration loaded, the credentials \
         resolved); **first invocation**: its event handed out → answer (the first request \
         opens the connection to moto); {} cold starts each, interleaved, median (p5–p95);\n\
         - **warm**: event handed out → answer, {} invocations after {} unmeasured, queued {} at \
         a time (so N are in flight), the bootstraps taking turns; median (p5–p95);\n\
         - **peak RSS**: `VmHWM` after the warm run (one more invocation).\n",
        plan.spawns, plan.warm, plan.warmup, plan.block
    );
    let _ = writeln!(
        md,
        "| N | bootstrap | stripped size (kB) | init (ms) | first invocation (ms) | warm (ms) | peak RSS (KiB) |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|---:|---:|");
    for n in LEVELS {
        for m in Bootstrap::ALL.iter().filter_map(|&b| sdk.find(b, n)) {
            let cell = |samples: &[Duration]| {
                Summary::of_millis(samples).map_or_else(|| "—".to_owned(), |s| median_p5_p95(&s))
            };
            let _ = writeln!(
                md,
                "| {n} | {} | {} | {} | {} | {} | {} |",
                m.bootstrap.label(),
                number(m.size as f64 / 1000.0),
                cell(&m.init),
                cell(&m.first),
                cell(&m.warm),
                m.rss_kb.map_or_else(|| "—".to_owned(), |kb| kb.to_string()),
            );
        }
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| N | ratio | stripped size | init | first invocation | warm | peak RSS |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|---:|---:|");
    for n in LEVELS {
        for (what, a, b) in [
            (
                "ruchy-lambda ÷ lambda_runtime (`dynamodb-sdk`)",
                Bootstrap::Ours,
                Bootstrap::Peer,
            ),
            (
                "`async-minimal` ÷ `minimal`",
                Bootstrap::AsyncMinimal,
                Bootstrap::Minimal,
            ),
        ] {
            let _ = writeln!(
                md,
                "| {n} | {what} | {} | {} | {} | {} | {} |",
                ratio_cell(sdk.size_ratio(a, b)),
                ratio_cell(sdk.ratio(Figure::Init, a, b, n)),
                ratio_cell(sdk.ratio(Figure::First, a, b, n)),
                ratio_cell(sdk.ratio(Figure::Warm, a, b, n)),
                ratio_cell(sdk.ratio(Figure::Rss, a, b, n)),
            );
        }
    }
    let _ = writeln!(md);
    targets_table(md, "Async handlers on the AWS SDK", sdk.targets());
}

/// The AWS SDK rows of the result file.
pub fn tsv(out: &mut String, sdk: &Sdk) {
    let Sdk::Measured {
        config, measured, ..
    } = sdk
    else {
        return;
    };
    let config = config.tag();
    for m in measured {
        let runtime = m.bootstrap.runtime().tag();
        let binary = m.bootstrap.binary();
        let n = m.n;
        if n == LEVELS[0] {
            let kb = m.size as f64 / 1000.0;
            let _ = writeln!(
                out,
                "{config}\tsdk-size-{binary}\tkB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\texact"
            );
        }
        for (figure, samples) in [("init", &m.init), ("first", &m.first), ("warm", &m.warm)] {
            if let Some(s) = Summary::of_millis(samples) {
                let _ = writeln!(
                    out,
                    "{config}\tsdk-{figure}-n{n}-{binary}\tms\t{runtime}\t{}\t{}\t{}\t{}\tp5-p95",
                    s.median, s.p5, s.p95, s.count
                );
            }
        }
        if let Some(kb) = m.rss_kb {
            let _ = writeln!(
                out,
                "{config}\tsdk-rss-n{n}-{binary}\tKiB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\tsingle"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::Profile;

    fn section(ours_ms: u64, ours_kb: u64) -> Sdk {
        let measured = |bootstrap: Bootstrap, n: usize, size: u64, ms: u64, kb: u64| Measured {
            bootstrap,
            n,
            size,
            init: vec![Duration::from_millis(ms); 3],
            first: vec![Duration::from_millis(ms * 2); 3],
            warm: vec![Duration::from_millis(ms); 5],
            rss_kb: Some(kb),
        };
        let mut all = Vec::new();
        for n in LEVELS {
            all.push(measured(Bootstrap::Ours, n, 9_000_000, ours_ms, ours_kb));
            all.push(measured(Bootstrap::Peer, n, 10_000_000, 10, 20_000));
            all.push(measured(Bootstrap::AsyncMinimal, n, 450_000, 1, 2_000));
            all.push(measured(Bootstrap::Minimal, n, 300_000, 1, 1_500));
        }
        Sdk::Measured {
            config: Config {
                profile: Profile::Dev,
                crt_static: false,
            },
            plan: Plan::new(10, 40),
            sdk_versions: [None, None, None],
            peer_version: None,
            moto: "5.0.0".to_owned(),
            measured: all,
        }
    }

    #[test]
    fn targets_pass_and_miss() {
        let pass = section(8, 16_000).targets();
        assert_eq!(pass.len(), 10);
        assert_eq!(pass[0].found, "0.90× lambda_runtime");
        assert!(pass.iter().all(|t| t.pass == Some(true)), "{pass:?}");
        assert_eq!(pass[9].found, "1.50× `minimal`");
        let miss = section(11, 19_000).targets();
        assert_eq!(miss[0].pass, Some(true));
        // init, first invocation, warm and peak RSS at N = 1.
        assert_eq!(miss[1].pass, Some(false));
        assert_eq!(miss[1].found, "1.10× lambda_runtime");
        assert_eq!(miss[4].pass, Some(false));
        assert_eq!(miss[4].found, "0.95× lambda_runtime");
        assert_eq!(Sdk::Skipped.targets()[0].pass, None);
        // Rounded onto the bound, a ratio gets a third decimal.
        assert_eq!(ratio_text(1.002, 1.0), "1.002");
        assert_eq!(ratio_text(0.9964, 1.0), "0.996");
        assert_eq!(ratio_text(1.0, 1.0), "1.00");
        assert_eq!(ratio_text(0.904, 0.9), "0.904");
        assert_eq!(ratio_text(0.94, 0.97), "0.94");
    }

    #[test]
    fn the_section_has_its_rows_and_ratios() {
        let sdk = section(8, 16_000);
        let mut md = String::new();
        markdown(&mut md, &sdk);
        assert!(md.contains("## Async handlers on the AWS SDK"));
        assert!(md.contains(
            "| 4 | ruchy-lambda `dynamodb-sdk` (`async fn`, `tokio` feature) | 9000 | 8.00 (8.00–8.00) | 16.0 (16.0–16.0) | 8.00 (8.00–8.00) | 16000 |"
        ));
        assert!(md.contains(
            "| 1 | ruchy-lambda ÷ lambda_runtime (`dynamodb-sdk`) | 0.90× | 0.80× | 0.80× | 0.80× | 0.80× |"
        ));
        assert!(md.contains("| 1 | `async-minimal` ÷ `minimal` | 1.50× |"));
        let mut out = String::new();
        tsv(&mut out, &sdk);
        assert!(out.contains("dev\tsdk-size-dynamodb-sdk\tkB\tpeer\t10000\t"));
        assert!(out.contains("dev\tsdk-warm-n4-dynamodb-sdk\tms\tours\t8\t"));
        assert!(out.contains("dev\tsdk-rss-n1-async-minimal\tKiB\tours\t2000\t"));
        let mut skipped = String::new();
        markdown(&mut skipped, &Sdk::Skipped);
        assert!(skipped.contains("Not measured in this run"));
    }

    #[test]
    fn the_reply_is_the_item_as_plain_json() {
        let reply = std::str::from_utf8(REPLY).unwrap();
        for value in [
            "\"id\":\"k3\"",
            "\"count\":3",
            "\"price\":1.5",
            "\"blob\":\"aGVsbG8=\"",
        ] {
            assert!(reply.contains(value), "{value}");
        }
        assert!(ITEM.contains(r#""blob":{"B":"aGVsbG8="}"#));
        let plan = Plan::new(30, 20_000);
        assert_eq!((plan.warm, plan.block, plan.warmup), (1_000, 100, 100));
        assert_eq!(Plan::new(2, 40).warm, 2);
    }
}
