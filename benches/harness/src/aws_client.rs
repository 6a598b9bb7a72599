//! The blocking AWS client section: the same DynamoDB `GetItem` function as the AWS SDK section,
//! on ruchy-lambda's own blocking client (`ruchy_lambda::aws`, feature `aws`), beside the same
//! function on the AWS SDK for Rust under ruchy-lambda and under `lambda_runtime`.
//!
//! - `dynamodb-client` (`benches/ours/`, feature `aws`): `examples/dynamodb.rs` as it is, which
//!   connects to DynamoDB in init (TCP and TLS handshake, one connection per worker);
//! - `dynamodb-client-lazy`: the same source without that call (`benches/ours/build.rs` derives
//!   it), so that its first invocation opens the connection, as the SDK's does;
//! - `dynamodb-sdk` of `benches/ours/` and of `benches/peer/`: the AWS SDK section's bootstraps.
//!
//! They call [`crate::endpoint`]'s HTTPS stand-in, which answers within microseconds, rather
//! than moto (milliseconds per request, which would hide what a client costs). The figures are
//! measured as the AWS SDK section measures them ([`crate::sdk::measure`]); the sizes of the
//! `dynamodb` and `minimal` examples (the examples' default features, which include `aws`) and
//! of `minimal` without `aws` say what the feature costs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ruchy_lambda_local::Output;

use crate::builds::Builder;
use crate::endpoint::{Endpoint, Expected, Served};
use crate::figures::Target;
use crate::measure::{Exchange, Subject, function_config, rotation};
use crate::report::{median_p5_p95, number, targets_table};
use crate::sdk::{
    ACCESS_KEY, EVENT, ITEM, LEVELS, Plan, REPLY, SECRET_KEY, TABLE, invoke_queued, ratio_cell,
    ratio_text,
};
use crate::stats::Summary;
use crate::subjects::{Config, Runtime};

/// The targets against `lambda_runtime` on the AWS SDK, at N = 1: stripped size…
const SIZE_BOUND: f64 = 0.2;
/// …init (with the handshake in it) and the first invocation (with the handshake in it)…
const INIT_BOUND: f64 = 0.5;
const FIRST_BOUND: f64 = 0.5;
/// …warm p50…
const WARM_BOUND: f64 = 0.7;
/// …and peak RSS.
const RSS_BOUND: f64 = 0.5;
/// The `dynamodb` example's stripped size ≤ this × `minimal`'s.
const EXAMPLE_SIZE_BOUND: f64 = 3.0;
/// The concurrency level the targets are set at.
const TARGET_N: usize = LEVELS[0];

/// The examples' features without `aws` (their default features are `log`, `http` and `aws`).
pub const WITHOUT_AWS: [&str; 3] = ["--no-default-features", "--features", "log,http"];

/// A bootstrap of the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootstrap {
    /// `dynamodb-client` in `benches/ours/`: `examples/dynamodb.rs`, connecting in init.
    Client,
    /// `dynamodb-client-lazy` in `benches/ours/`: the same, connecting on its first call.
    ClientLazy,
    /// `dynamodb-sdk` in `benches/ours/`: `examples/aws-sdk/`, an `async fn` on the SDK.
    OursSdk,
    /// `dynamodb-sdk` in `benches/peer/`: `lambda_runtime::run_concurrent` on the SDK.
    PeerSdk,
}

impl Bootstrap {
    pub const ALL: [Bootstrap; 4] = [
        Bootstrap::Client,
        Bootstrap::ClientLazy,
        Bootstrap::OursSdk,
        Bootstrap::PeerSdk,
    ];

    pub fn runtime(self) -> Runtime {
        match self {
            Bootstrap::PeerSdk => Runtime::Peer,
            _ => Runtime::Ours,
        }
    }

    pub fn binary(self) -> &'static str {
        match self {
            Bootstrap::Client => "dynamodb-client",
            Bootstrap::ClientLazy => "dynamodb-client-lazy",
            Bootstrap::OursSdk | Bootstrap::PeerSdk => "dynamodb-sdk",
        }
    }

    fn label(self) -> String {
        let what = match self {
            Bootstrap::Client => "blocking client, connects in init",
            Bootstrap::ClientLazy => "blocking client, connects on its first call",
            Bootstrap::OursSdk => "AWS SDK, `async fn`",
            Bootstrap::PeerSdk => "AWS SDK, `run_concurrent`",
        };
        format!("{} `{}` ({what})", self.runtime().name(), self.binary())
    }
}

/// The stripped sizes of the examples that say what the `aws` feature costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// The `dynamodb` example (the examples' default features).
    pub dynamodb: u64,
    /// `minimal` with the examples' default features (`aws` among them).
    pub minimal: u64,
    /// `minimal` without `aws` ([`WITHOUT_AWS`]).
    pub minimal_without_aws: u64,
}

/// The bootstraps, built and copied to a directory of their own, and the examples' sizes.
#[derive(Debug, Clone)]
pub struct Built {
    pub bootstraps: Vec<(Bootstrap, PathBuf)>,
    pub sizes: Sizes,
}

impl Builder {
    /// Builds the section's bootstraps with `config`: `benches/ours/`'s `dynamodb-client` and
    /// `dynamodb-client-lazy` (feature `aws`) and `dynamodb-sdk` (feature `aws-sdk`), each
    /// feature a build of its own; the examples `dynamodb` and `minimal` with their default
    /// features, and `minimal` without `aws`; and, with `peer`, `benches/peer/`'s `dynamodb-sdk`
    /// (built alone, as the AWS SDK section builds it). The examples share ruchy-lambda's target
    /// directory: call this before [`Builder::build`].
    pub fn build_aws_client(&self, config: Config, peer: bool) -> Result<Built, String> {
        let target_dir = self.ours_target_dir(config);
        let manifest = self.repo.join("benches").join("ours").join("Cargo.toml");
        let mut out = None;
        for (binaries, feature) in [
            (&[Bootstrap::Client, Bootstrap::ClientLazy][..], "aws"),
            (&[Bootstrap::OursSdk][..], "aws-sdk"),
        ] {
            let (mut command, out_dir) = self.cargo(config, &target_dir)?;
            command.arg("--manifest-path").arg(&manifest);
            for bootstrap in binaries {
                command.args(["--bin", bootstrap.binary()]);
            }
            command.args(["--features", feature, "--locked"]);
            let what = format!("ruchy-lambda with `{feature}` ({})", config.label());
            eprintln!("building {what} in {}", out_dir.display());
            self.run(command, &what)?;
            out = Some(out_dir);
        }
        let out = out.ok_or("no build")?;
        let keep = out.join("aws-client-section");
        std::fs::create_dir_all(&keep).map_err(|e| format!("{}: {e}", keep.display()))?;
        let copy = |from: &Path, name: &str| -> Result<PathBuf, String> {
            let to = keep.join(name);
            std::fs::copy(from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
            Ok(to)
        };
        let mut bootstraps = Vec::new();
        for bootstrap in [Bootstrap::Client, Bootstrap::ClientLazy, Bootstrap::OursSdk] {
            let path = copy(&out.join(bootstrap.binary()), bootstrap.binary())?;
            bootstraps.push((bootstrap, path));
        }

        let examples = |features: &[&str], names: &[&str], tag: &str| {
            let (mut command, out_dir) = self.cargo(config, &target_dir)?;
            command.args(["-p", "ruchy-lambda-examples"]).args(features);
            for name in names {
                command.args(["--example", name]);
            }
            let what = format!("ruchy-lambda {} ({tag})", names.join(", "));
            eprintln!("building {what}");
            self.run(command, &what)?;
            names
                .iter()
                .map(|name| {
                    let path = copy(
                        &out_dir.join("examples").join(name),
                        &format!("{name}-{tag}"),
                    )?;
                    crate::file_size(&path)
                })
                .collect::<Result<Vec<u64>, String>>()
        };
        let default = examples(&[], &["dynamodb", "minimal"], "default-features")?;
        let without = examples(&WITHOUT_AWS, &["minimal"], "without-aws")?;
        let sizes = Sizes {
            dynamodb: default[0],
            minimal: default[1],
            minimal_without_aws: without[0],
        };

        if peer {
            let path = self.build_peer_alone(config, Bootstrap::PeerSdk.binary(), "aws-sdk")?;
            bootstraps.push((Bootstrap::PeerSdk, path));
        }
        Ok(Built { bootstraps, sizes })
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
    /// The connections of its cold starts: TCP connected → first byte of the TLS `ClientHello`.
    pub hello: Vec<Duration>,
}

impl Measured {
    /// Init + first invocation, cold start by cold start.
    fn cold(&self) -> Vec<Duration> {
        self.init
            .iter()
            .zip(&self.first)
            .map(|(init, first)| *init + *first)
            .collect()
    }
}

/// What the endpoint did over the whole section.
#[derive(Debug, Clone)]
pub struct EndpointFigures {
    /// Requests answered.
    pub requests: usize,
    /// TLS connections that carried a request.
    pub connections: usize,
    /// Request read → reply written, µs.
    pub answer: Option<Summary>,
}

/// The blocking AWS client figures of a run.
#[derive(Debug, Clone)]
pub struct AwsClient {
    /// The configuration they were measured in.
    pub config: Config,
    pub plan: Plan,
    /// The versions in `benches/ours/Cargo.lock` of aws-config, aws-sdk-dynamodb and rustls.
    pub versions: [Option<String>; 3],
    /// lambda_runtime's in `benches/peer/Cargo.lock`, when the peer was built.
    pub peer_version: Option<String>,
    pub endpoint: EndpointFigures,
    pub sizes: Sizes,
    pub measured: Vec<Measured>,
}

/// Measures the built bootstraps against the endpoint (its CA written under `scratch`).
pub fn measure(
    built: &Built,
    plan: &Plan,
    scratch: &Path,
) -> Result<(Vec<Measured>, EndpointFigures), String> {
    let endpoint = Endpoint::start(
        Expected {
            table: TABLE.to_owned(),
            key: serde_json::json!({"id": {"S": "k3"}}),
            item: ITEM.to_owned(),
        },
        scratch,
    )?;
    let env = function_env(&endpoint);
    let exchange = Exchange {
        event: EVENT.to_vec(),
        reply: REPLY.to_vec(),
    };
    // A failed invocation says what the endpoint refused, if it refused anything.
    let explain = |e: String| {
        let served = endpoint.take();
        if served.refused.is_empty() {
            e
        } else {
            format!("{e}; the endpoint refused: {}", served.refused.join("; "))
        }
    };
    let mut measured = Vec::new();
    let mut served = Served::default();
    // What the endpoint saw since the last call, added to `served`; the `ClientHello` times.
    let collect = |served: &mut Served| {
        let more = endpoint.take();
        served.connections += more.connections;
        served.answered.extend(more.answered);
        served.refused_count += more.refused_count;
        served.refused.extend(more.refused);
        more.hellos
    };
    for n in LEVELS {
        let mut subjects = Vec::new();
        for (bootstrap, path) in &built.bootstraps {
            let mut config = function_config(env.clone(), Output::Null);
            config.concurrency = n;
            let name = format!("{} (N = {n})", bootstrap.label());
            subjects.push(Subject::with_config(path, name, exchange.clone(), config)?);
            measured.push(Measured {
                bootstrap: *bootstrap,
                n,
                size: crate::file_size(path)?,
                init: Vec::with_capacity(plan.spawns),
                first: Vec::with_capacity(plan.spawns),
                warm: Vec::with_capacity(plan.warm),
                rss_kb: None,
                hello: Vec::new(),
            });
        }
        let base = measured.len() - subjects.len();
        eprintln!(
            "aws: N = {n}: {} cold starts and {} warm invocations of {} bootstraps",
            plan.spawns,
            plan.warm,
            subjects.len()
        );
        for round in 0..plan.spawns {
            for i in rotation(subjects.len(), round) {
                let report = subjects[i].cold_invocation().map_err(explain)?;
                subjects[i].stop();
                let m = &mut measured[base + i];
                m.hello.extend(collect(&mut served));
                m.init.push(report.init_duration.ok_or_else(|| {
                    format!("{}: a cold start without init duration", subjects[i].name)
                })?);
                m.first.push(report.duration);
            }
        }
        let mut discard = Vec::new();
        for subject in &mut subjects {
            subject.start_warm().map_err(explain)?;
            invoke_queued(subject, &exchange, plan.warmup, &mut discard).map_err(explain)?;
        }
        let blocks = plan.warm.div_ceil(plan.block);
        for block in 0..blocks {
            let count = plan.block.min(plan.warm - block * plan.block);
            for i in rotation(subjects.len(), block) {
                invoke_queued(&subjects[i], &exchange, count, &mut measured[base + i].warm)
                    .map_err(explain)?;
            }
        }
        for (i, subject) in subjects.iter_mut().enumerate() {
            measured[base + i].rss_kb = Some(subject.peak_rss().map_err(explain)?);
            subject.stop();
        }
        collect(&mut served);
    }
    if served.refused_count > 0 {
        return Err(format!(
            "aws: the endpoint refused {} requests: {}",
            served.refused_count,
            served.refused.join("; ")
        ));
    }
    Ok((
        measured,
        EndpointFigures {
            requests: served.answered.len(),
            connections: served.connections,
            answer: Summary::of_micros(&served.answered),
        },
    ))
}

/// What the functions are given: the table, the endpoint and its CA, placeholder credentials,
/// the region, and no instance metadata service to ask.
fn function_env(endpoint: &Endpoint) -> Vec<(String, String)> {
    [
        ("TABLE", TABLE.to_owned()),
        ("AWS_ENDPOINT_URL", endpoint.url()),
        ("SSL_CERT_FILE", endpoint.ca_file().display().to_string()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A figure of the section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Init,
    First,
    /// Init + first invocation.
    Cold,
    Warm,
    Rss,
}

impl Measured {
    /// The median of `figure` (ms, or KiB for the peak RSS).
    fn median(&self, figure: Figure) -> Option<f64> {
        let of = |samples: &[Duration]| Summary::of_millis(samples).map(|s| s.median);
        match figure {
            Figure::Init => of(&self.init),
            Figure::First => of(&self.first),
            Figure::Cold => of(&self.cold()),
            Figure::Warm => of(&self.warm),
            Figure::Rss => self.rss_kb.map(|kb| kb as f64),
        }
    }
}

impl AwsClient {
    fn find(&self, bootstrap: Bootstrap, n: usize) -> Option<&Measured> {
        self.measured
            .iter()
            .find(|m| m.bootstrap == bootstrap && m.n == n)
    }

    /// `a`'s stripped size over lambda_runtime's `dynamodb-sdk`.
    fn size_ratio(&self, a: Bootstrap) -> Option<f64> {
        let size = |bootstrap| self.find(bootstrap, LEVELS[0]).map(|m| m.size as f64);
        Some(size(a)? / size(Bootstrap::PeerSdk)?)
    }

    /// `a`'s median of `figure` over lambda_runtime's `dynamodb-sdk`, at `n`.
    fn ratio(&self, figure: Figure, a: Bootstrap, n: usize) -> Option<f64> {
        Some(self.find(a, n)?.median(figure)? / self.find(Bootstrap::PeerSdk, n)?.median(figure)?)
    }

    pub fn targets(&self) -> Vec<Target> {
        let base = "lambda_runtime + SDK";
        let target = |what: String, ratio: Option<f64>, bound: f64, base: &str| Target {
            what,
            found: ratio.map_or_else(
                || "not measured".to_owned(),
                |r| format!("{}× {base}", ratio_text(r, bound)),
            ),
            pass: ratio.map(|r| r <= bound),
        };
        let n = TARGET_N;
        let mut targets = vec![
            target(
                format!("`dynamodb-client`: stripped size ≤ {SIZE_BOUND}× {base}"),
                self.size_ratio(Bootstrap::Client),
                SIZE_BOUND,
                base,
            ),
            // Init doing what the SDK's does (configuration and credentials, no connection)…
            target(
                format!(
                    "`dynamodb-client-lazy`, N = {n}: init (no connection, as the SDK's) ≤ \
                     {INIT_BOUND}× {base}"
                ),
                self.ratio(Figure::Init, Bootstrap::ClientLazy, n),
                INIT_BOUND,
                base,
            ),
            // …and, with the handshake moved into init, init and the first invocation together
            // (the SDK's init opens no connection, so its handshake is in its first invocation).
            target(
                format!(
                    "`dynamodb-client`, N = {n}: init + first invocation (handshake in init) ≤ \
                     {FIRST_BOUND}× {base}"
                ),
                self.ratio(Figure::Cold, Bootstrap::Client, n),
                FIRST_BOUND,
                base,
            ),
            target(
                format!(
                    "`dynamodb-client-lazy`, N = {n}: first invocation (handshake in it) ≤ \
                     {FIRST_BOUND}× {base}"
                ),
                self.ratio(Figure::First, Bootstrap::ClientLazy, n),
                FIRST_BOUND,
                base,
            ),
            target(
                format!("`dynamodb-client`, N = {n}: warm p50 ≤ {WARM_BOUND}× {base}"),
                self.ratio(Figure::Warm, Bootstrap::Client, n),
                WARM_BOUND,
                base,
            ),
            target(
                format!("`dynamodb-client`, N = {n}: peak RSS ≤ {RSS_BOUND}× {base}"),
                self.ratio(Figure::Rss, Bootstrap::Client, n),
                RSS_BOUND,
                base,
            ),
            target(
                format!("the `dynamodb` example: stripped size ≤ {EXAMPLE_SIZE_BOUND}× `minimal`"),
                Some(self.sizes.dynamodb as f64 / self.sizes.minimal as f64),
                EXAMPLE_SIZE_BOUND,
                "`minimal`",
            ),
        ];
        let extra = self.sizes.minimal as i64 - self.sizes.minimal_without_aws as i64;
        targets.push(Target {
            what: "`minimal` with the examples' default features (`aws` among them): the same \
                   size as without `aws`"
                .to_owned(),
            found: format!("{extra:+} bytes"),
            pass: Some(extra == 0),
        });
        targets
    }
}

/// The "The blocking AWS client" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, aws: &AwsClient) {
    let _ = writeln!(md, "## The blocking AWS client\n");
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".to_owned());
    let _ = writeln!(
        md,
        "The AWS SDK section's DynamoDB `GetItem` function, {}, on:\n\n\
         - **ruchy-lambda's blocking client** (`ruchy_lambda::aws`, the facade's `aws` feature: \
         `ruchy-lambda-aws`, on aws-sigv4, rustls {} with *ring*, and the runtime's own \
         HTTP/1.1): `benches/ours/`'s `dynamodb-client`, the source of `examples/dynamodb.rs` as \
         it is, which connects to DynamoDB in init (`connect_now`: TCP and TLS handshake, one \
         connection per worker); and `dynamodb-client-lazy`, the same source with that call \
         replaced by one that does nothing (`benches/ours/build.rs` derives it from the \
         example, so the two cannot drift apart), whose first invocation opens the connection \
         as the SDK's does;\n\
         - **ruchy-lambda on the AWS SDK for Rust**: `benches/ours/`'s `dynamodb-sdk`, \
         `examples/aws-sdk/` (aws-config {}, aws-sdk-dynamodb {}: `benches/ours/Cargo.lock`);\n\
         - **lambda_runtime on the AWS SDK for Rust**, the baseline of every ratio: \
         `benches/peer/`'s `dynamodb-sdk` ({}).\n",
        aws.config.label(),
        version(&aws.versions[2]),
        version(&aws.versions[0]),
        version(&aws.versions[1]),
        match &aws.peer_version {
            Some(v) => format!("lambda_runtime {v}, `run_concurrent`"),
            None => "not built in this run: its rows and every ratio are missing".to_owned(),
        },
    );
    let e = &aws.endpoint;
    let _ = writeln!(
        md,
        "They call the harness's own DynamoDB endpoint, not moto (which takes milliseconds per \
         request and would hide what a client costs): HTTPS on loopback \
         (`AWS_ENDPOINT_URL=https://127.0.0.1:PORT`), HTTP/1.1 with keep-alive, one thread per \
         connection, rustls with *ring*, a certificate for `localhost` and `127.0.0.1` signed by \
         a CA made for the run (rcgen) that every function trusts through `SSL_CERT_FILE` (read \
         by ruchy-lambda's client and by the SDK's rustls-native-certs). It answers `GetItem` \
         with the item of the AWS SDK section (`{{\"Item\":…}}`, DynamoDB JSON, \
         `Content-Type: application/x-amz-json-1.0`, an `x-amzn-RequestId`), after checking \
         every request: a SigV4 `Authorization` (`AWS4-HMAC-SHA256`, DynamoDB's credential \
         scope), `X-Amz-Target: DynamoDB_20120810.GetItem`, the content type, the table and the \
         key; any other request fails the run. In this run it answered {} requests over {} TLS \
         connections, {} µs from request read to reply written (median, p5–p95). Every \
         function gets placeholder credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), \
         `AWS_REGION=us-east-1` and `AWS_EC2_METADATA_DISABLED=true`, and answers `{}` with \
         `{}` (checked byte for byte).\n",
        e.requests,
        e.connections,
        e.answer
            .as_ref()
            .map_or_else(|| "—".to_owned(), median_p5_p95),
        String::from_utf8_lossy(EVENT),
        String::from_utf8_lossy(REPLY),
    );
    let _ = writeln!(
        md,
        "Measured as in the AWS SDK section, with N = 1 (the targets) and N = 4 \
         (`AWS_LAMBDA_MAX_CONCURRENCY`; `dynamodb-client` then opens 4 connections in init): \
         **init** (spawn → first `/next`) and **first invocation** (event handed out → answer, \
         its connection's handshake included unless init made it), {} cold starts each, \
         interleaved; **init + first** per cold start; **warm**, {} invocations after {} \
         unmeasured, queued {} at a time, the bootstraps taking turns; **peak RSS**, `VmHWM` \
         after the warm run; **connect → `ClientHello`**, for each connection of the cold \
         starts, the endpoint's time from accepting the TCP connection to the first byte of the \
         TLS handshake (what the client does between connecting and starting its handshake). \
         Times are median (p5–p95).\n",
        aws.plan.spawns, aws.plan.warm, aws.plan.warmup, aws.plan.block
    );
    let _ = writeln!(
        md,
        "| N | bootstrap | stripped size (kB) | init (ms) | first invocation (ms) | init + first (ms) | warm (ms) | peak RSS (KiB) | connect → `ClientHello` (ms) |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    let cell = |samples: &[Duration]| {
        Summary::of_millis(samples).map_or_else(|| "—".to_owned(), |s| median_p5_p95(&s))
    };
    for n in LEVELS {
        for m in Bootstrap::ALL.iter().filter_map(|&b| aws.find(b, n)) {
            let _ = writeln!(
                md,
                "| {n} | {} | {} | {} | {} | {} | {} | {} | {} |",
                m.bootstrap.label(),
                number(m.size as f64 / 1000.0),
                cell(&m.init),
                cell(&m.first),
                cell(&m.cold()),
                cell(&m.warm),
                m.rss_kb.map_or_else(|| "—".to_owned(), |kb| kb.to_string()),
                cell(&m.hello),
            );
        }
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| N | ÷ lambda_runtime + SDK | stripped size | init | first invocation | init + first | warm | peak RSS |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|---:|---:|---:|");
    for n in LEVELS {
        for b in [Bootstrap::Client, Bootstrap::ClientLazy, Bootstrap::OursSdk] {
            let _ = writeln!(
                md,
                "| {n} | {} | {} | {} | {} | {} | {} | {} |",
                b.label(),
                ratio_cell(aws.size_ratio(b)),
                ratio_cell(aws.ratio(Figure::Init, b, n)),
                ratio_cell(aws.ratio(Figure::First, b, n)),
                ratio_cell(aws.ratio(Figure::Cold, b, n)),
                ratio_cell(aws.ratio(Figure::Warm, b, n)),
                ratio_cell(aws.ratio(Figure::Rss, b, n)),
            );
        }
    }
    let _ = writeln!(md);
    let s = aws.sizes;
    let extra = s.minimal as i64 - s.minimal_without_aws as i64;
    let _ = writeln!(
        md,
        "What the `aws` feature costs a function that does not use it: the examples' default \
         features include `aws` (for `dynamodb` and `s3`); `minimal` built with them is {} bytes, \
         and {} bytes without `aws` (`{}`){}. The `dynamodb` example, with the same features and \
         profile, is {} bytes ({}× `minimal`).\n",
        s.minimal,
        s.minimal_without_aws,
        WITHOUT_AWS.join(" "),
        if extra == 0 {
            ": the same bytes".to_owned()
        } else {
            format!(
                ": {extra:+} bytes with `aws`. None of the feature's code is linked (unstripped, \
                 `nm` lists the same functions in both but for a few the compiler inlined \
                 differently: the example crate's features are part of the generic functions' \
                 symbol hashes, and LLVM's choices follow them)"
            )
        },
        s.dynamodb,
        number(s.dynamodb as f64 / s.minimal as f64),
    );
    targets_table(md, "The blocking AWS client", aws.targets());
}

/// The blocking AWS client rows of the result file.
pub fn tsv(out: &mut String, aws: &AwsClient) {
    let config = aws.config.tag();
    let s = aws.sizes;
    for (name, bytes) in [
        ("example-dynamodb", s.dynamodb),
        ("example-minimal", s.minimal),
        ("example-minimal-without-aws", s.minimal_without_aws),
    ] {
        let kb = bytes as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{config}\taws-size-{name}\tkB\tours\t{kb}\t{kb}\t{kb}\t1\texact"
        );
    }
    for m in &aws.measured {
        let runtime = m.bootstrap.runtime().tag();
        let binary = m.bootstrap.binary();
        let n = m.n;
        if n == LEVELS[0] {
            let kb = m.size as f64 / 1000.0;
            let _ = writeln!(
                out,
                "{config}\taws-size-{binary}\tkB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\texact"
            );
        }
        for (figure, samples) in [
            ("init", m.init.clone()),
            ("first", m.first.clone()),
            ("cold", m.cold()),
            ("warm", m.warm.clone()),
            ("hello", m.hello.clone()),
        ] {
            if let Some(s) = Summary::of_millis(&samples) {
                let _ = writeln!(
                    out,
                    "{config}\taws-{figure}-n{n}-{binary}\tms\t{runtime}\t{}\t{}\t{}\t{}\tp5-p95",
                    s.median, s.p5, s.p95, s.count
                );
            }
        }
        if let Some(kb) = m.rss_kb {
            let _ = writeln!(
                out,
                "{config}\taws-rss-n{n}-{binary}\tKiB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\tsingle"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::Profile;

    /// The section with `dynamodb-client` at `client_ms` and `client_kb` (the peer at 10 ms and
    /// 20000 KiB), and `minimal` `extra` bytes larger with `aws`.
    fn section(client_ms: u64, client_kb: u64, extra: u64) -> AwsClient {
        let measured = |bootstrap: Bootstrap, n: usize, size: u64, ms: u64, kb: u64| Measured {
            bootstrap,
            n,
            size,
            init: vec![Duration::from_millis(ms); 3],
            first: vec![Duration::from_millis(ms * 2); 3],
            warm: vec![Duration::from_millis(ms); 5],
            rss_kb: Some(kb),
            hello: vec![Duration::from_micros(ms * 100); 3],
        };
        let mut all = Vec::new();
        for n in LEVELS {
            all.push(measured(
                Bootstrap::Client,
                n,
                1_500_000,
                client_ms,
                client_kb,
            ));
            all.push(measured(
                Bootstrap::ClientLazy,
                n,
                1_500_000,
                client_ms,
                client_kb,
            ));
            all.push(measured(Bootstrap::OursSdk, n, 9_000_000, 9, 18_000));
            all.push(measured(Bootstrap::PeerSdk, n, 10_000_000, 10, 20_000));
        }
        AwsClient {
            config: Config {
                profile: Profile::Dev,
                crt_static: false,
            },
            plan: Plan::new(10, 40),
            versions: [None, None, None],
            peer_version: None,
            endpoint: EndpointFigures {
                requests: 12,
                connections: 3,
                answer: Summary::of(&[40.0, 50.0, 60.0]),
            },
            sizes: Sizes {
                dynamodb: 1_000_000,
                minimal: 340_000 + extra,
                minimal_without_aws: 340_000,
            },
            measured: all,
        }
    }

    #[test]
    fn targets_pass_and_miss() {
        let pass = section(4, 8_000, 0).targets();
        assert_eq!(pass.len(), 8);
        assert!(pass.iter().all(|t| t.pass == Some(true)), "{pass:?}");
        assert_eq!(pass[0].found, "0.15× lambda_runtime + SDK");
        assert_eq!(pass[1].found, "0.40× lambda_runtime + SDK");
        assert_eq!(pass[2].found, "0.40× lambda_runtime + SDK");
        assert_eq!(pass[6].found, "2.94× `minimal`");
        assert_eq!(pass[7].found, "+0 bytes");
        let miss = section(8, 12_000, 48).targets();
        // Size passes; init, init + first, first invocation, warm and peak RSS miss.
        assert_eq!(miss[0].pass, Some(true));
        for t in &miss[1..6] {
            assert_eq!(t.pass, Some(false), "{t:?}");
        }
        assert_eq!(miss[4].found, "0.80× lambda_runtime + SDK");
        assert_eq!(miss[7].found, "+48 bytes");
        assert_eq!(miss[7].pass, Some(false));
        // Without the peer, the ratios are not measured (the example's sizes still are).
        let mut alone = section(4, 8_000, 0);
        alone.measured.retain(|m| m.bootstrap != Bootstrap::PeerSdk);
        let alone = alone.targets();
        assert_eq!(alone[0].pass, None);
        assert_eq!(alone[5].found, "not measured");
        assert_eq!(alone[6].pass, Some(true));
    }

    #[test]
    fn the_section_has_its_rows_and_ratios() {
        let aws = section(4, 8_000, 0);
        let mut md = String::new();
        markdown(&mut md, &aws);
        assert!(md.contains("## The blocking AWS client"));
        assert!(md.contains(
            "| 1 | ruchy-lambda `dynamodb-client` (blocking client, connects in init) | 1500 | 4.00 (4.00–4.00) | 8.00 (8.00–8.00) | 12.0 (12.0–12.0) | 4.00 (4.00–4.00) | 8000 | 0.400 (0.400–0.400) |"
        ));
        assert!(md.contains(
            "| 4 | ruchy-lambda `dynamodb-sdk` (AWS SDK, `async fn`) | 0.90× | 0.90× | 0.90× | 0.90× | 0.90× | 0.90× |"
        ));
        assert!(md.contains("answered 12 requests over 3 TLS connections, 50.0 (40.0–60.0) µs"));
        assert!(md.contains(
            "`minimal` built with them is 340000 bytes, and 340000 bytes without `aws` \
             (`--no-default-features --features log,http`): the same bytes."
        ));
        let mut larger = String::new();
        markdown(&mut larger, &section(4, 8_000, 208));
        assert!(larger.contains("340208 bytes, and 340000 bytes"));
        assert!(larger.contains(": +208 bytes with `aws`."));
        assert!(md.contains("### The blocking AWS client targets"));
        let mut out = String::new();
        tsv(&mut out, &aws);
        assert!(out.contains("dev\taws-size-dynamodb-sdk\tkB\tpeer\t10000\t"));
        assert!(out.contains("dev\taws-cold-n1-dynamodb-client\tms\tours\t12\t"));
        assert!(out.contains("dev\taws-size-example-minimal-without-aws\tkB\tours\t340\t"));
    }
}
