//! The HTTP functions section: ruchy-lambda's `http` example (its own serde types for the four
//! event shapes, the `http` crate's `Request`/`Response`) against a `lambda_http` peer with the
//! same routes, and the sizes that justify the choice of types: the floor's `minimal`, and a
//! hello on ruchy-lambda with `aws_lambda_events`' API Gateway types instead (`http-aws-events`).
//!
//! Each bootstrap runs under the local Lambda (its own Runtime API server, output discarded).
//! Init: spawn → first `/next`, a fresh process per spawn, the runtimes in rotating order. Warm:
//! `GET /hello?name=Ada` as an HTTP API payload 2.0 event, invoked one after the other in blocks,
//! the runtimes taking turns; every reply is checked (`statusCode` 200, `body` `hello Ada`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use ruchy_lambda_local::{Event, Function, FunctionConfig, Outcome, Output};

use crate::figures::Target;
use crate::measure::rotation;
use crate::report::{number, targets_table};
use crate::stats::Summary;
use crate::subjects::{Config, Runtime};

/// Longest any single invocation may take before the run is abandoned.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The targets: ours' stripped size ≤ this × the floor's `minimal` …
const FLOOR_BOUND: f64 = 1.6;
/// … and ≤ this × the `lambda_http` peer's.
const PEER_BOUND: f64 = 0.5;

/// `GET /hello?name=Ada` through an HTTP API (payload format 2.0), in the shape AWS documents.
pub const EVENT: &str = r#"{"version":"2.0","routeKey":"$default","rawPath":"/hello","rawQueryString":"name=Ada","headers":{"accept":"*/*","content-length":"0","host":"r3pmxmplak.execute-api.us-east-1.amazonaws.com","user-agent":"curl/8.5.0","x-amzn-trace-id":"Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e","x-forwarded-for":"203.0.113.7","x-forwarded-port":"443","x-forwarded-proto":"https"},"queryStringParameters":{"name":"Ada"},"requestContext":{"accountId":"123456789012","apiId":"r3pmxmplak","domainName":"r3pmxmplak.execute-api.us-east-1.amazonaws.com","domainPrefix":"r3pmxmplak","http":{"method":"GET","path":"/hello","protocol":"HTTP/1.1","sourceIp":"203.0.113.7","userAgent":"curl/8.5.0"},"requestId":"JKJaXmPLvHcESHA=","routeKey":"$default","stage":"$default","time":"10/Mar/2020:05:16:23 +0000","timeEpoch":1583817383220},"isBase64Encoded":false}"#;

/// How much of the section a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Cold starts per bootstrap.
    pub spawns: usize,
    /// Measured warm invocations per bootstrap.
    pub warm: usize,
    /// Warm invocations in a row before the next bootstrap's turn.
    pub block: usize,
    /// Warm invocations before measuring (not counted).
    pub warmup: usize,
}

impl Plan {
    /// `spawns`: the run's cold starts per bootstrap.
    pub fn full(spawns: usize) -> Plan {
        Plan {
            spawns,
            warm: 5_000,
            block: 500,
            warmup: 200,
        }
    }

    pub fn smoke(spawns: usize) -> Plan {
        Plan {
            spawns,
            warm: 20,
            block: 10,
            warmup: 2,
        }
    }
}

/// What was measured of one runtime's `http` bootstrap.
#[derive(Debug, Clone)]
pub struct Measured {
    pub runtime: Runtime,
    /// The stripped binary, bytes.
    pub size: u64,
    /// Spawn → first `/next`, one per cold start.
    pub init: Vec<Duration>,
    /// `VmHWM` after the first invocation, kB, one per cold start.
    pub cold_rss_kb: Vec<u64>,
    /// Event handed out → reply received, warm.
    pub warm: Vec<Duration>,
}

/// The HTTP figures of a run.
#[derive(Debug, Clone)]
pub struct Http {
    /// The configuration they were measured in.
    pub config: Config,
    pub plan: Plan,
    /// Ours' `http` example and the peer's `http` (when built).
    pub measured: Vec<Measured>,
    /// The floor's `minimal`, bytes.
    pub floor_minimal: Option<u64>,
    /// `http-aws-events`, bytes.
    pub aws_events: u64,
}

struct Subject {
    name: String,
    function: Function,
    measured: Measured,
}

/// Measures the `http` bootstrap of each runtime (with its path).
pub fn measure(bootstraps: &[(Runtime, PathBuf)], plan: &Plan) -> Result<Vec<Measured>, String> {
    let mut subjects = Vec::with_capacity(bootstraps.len());
    for (runtime, path) in bootstraps {
        let name = format!("{} `http`", runtime.name());
        let config = FunctionConfig {
            timeout: TIMEOUT,
            clear_env: true,
            output: Output::Null,
            ..FunctionConfig::default()
        };
        let mut function = Function::start(path, config).map_err(|e| format!("{name}: {e}"))?;
        function.stop();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        subjects.push(Subject {
            name,
            function,
            measured: Measured {
                runtime: *runtime,
                size,
                init: Vec::with_capacity(plan.spawns),
                cold_rss_kb: Vec::with_capacity(plan.spawns),
                warm: Vec::with_capacity(plan.warm),
            },
        });
    }
    eprintln!(
        "http: {} cold starts and {} warm invocations of {} bootstraps",
        plan.spawns,
        plan.warm,
        subjects.len()
    );
    for round in 0..plan.spawns {
        for i in rotation(subjects.len(), round) {
            let s = &mut subjects[i];
            s.function
                .restart()
                .map_err(|e| format!("{}: {e}", s.name))?;
            let report = s
                .function
                .invoke(Event::new(EVENT))
                .map_err(|e| format!("{}: {e}", s.name))?;
            check(&s.name, &report.outcome)?;
            let init = report
                .init_duration
                .ok_or_else(|| format!("{}: a cold start without init duration", s.name))?;
            let rss = report
                .max_memory_used_kb
                .ok_or_else(|| format!("{}: no peak memory reading", s.name))?;
            s.function.stop();
            s.measured.init.push(init);
            s.measured.cold_rss_kb.push(rss);
        }
    }
    for s in &mut subjects {
        // A fresh process, warmed up.
        let report = s
            .function
            .invoke(Event::new(EVENT))
            .map_err(|e| format!("{}: {e}", s.name))?;
        check(&s.name, &report.outcome)?;
        let mut discard = Vec::new();
        warm(s, plan.warmup, &mut discard)?;
    }
    let blocks = plan.warm.div_ceil(plan.block);
    for block in 0..blocks {
        let size = plan.block.min(plan.warm - block * plan.block);
        for i in rotation(subjects.len(), block) {
            let s = &mut subjects[i];
            let mut samples = std::mem::take(&mut s.measured.warm);
            warm(s, size, &mut samples)?;
            s.measured.warm = samples;
        }
    }
    Ok(subjects
        .into_iter()
        .map(|mut s| {
            s.function.stop();
            s.measured
        })
        .collect())
}

/// `count` warm invocations, each sent when the previous one is answered.
fn warm(s: &mut Subject, count: usize, samples: &mut Vec<Duration>) -> Result<(), String> {
    let server = s.function.server();
    for _ in 0..count {
        let record = server
            .invoke(Event::new(EVENT), TIMEOUT)
            .map_err(|e| format!("{}: {e}", s.name))?;
        check(&s.name, &record.outcome)?;
        samples.push(
            record
                .duration()
                .ok_or_else(|| format!("{}: an invocation without timestamps", s.name))?,
        );
    }
    server.clear_history();
    Ok(())
}

/// Checks a reply: a JSON object with `"statusCode":200` and `"body":"hello Ada"`.
fn check(name: &str, outcome: &Outcome) -> Result<(), String> {
    let Outcome::Response(body) = outcome else {
        return Err(format!("{name}: invocation failed: {outcome:?}"));
    };
    let text = String::from_utf8_lossy(body);
    let compact = text.replace("\": ", "\":");
    if compact.starts_with('{')
        && compact.contains(r#""statusCode":200"#)
        && compact.contains(r#""body":"hello Ada""#)
        && !compact.contains(r#""isBase64Encoded":true"#)
    {
        Ok(())
    } else {
        Err(format!("{name}: unexpected reply {text:?}"))
    }
}

/// The figures of one runtime.
struct Figures {
    /// ms.
    init: Summary,
    /// KiB.
    cold_rss: Summary,
    /// µs.
    warm: Summary,
}

impl Measured {
    fn figures(&self) -> Option<Figures> {
        let kb: Vec<f64> = self.cold_rss_kb.iter().map(|&kb| kb as f64).collect();
        Some(Figures {
            init: Summary::of(
                &self
                    .init
                    .iter()
                    .map(|d| d.as_secs_f64() * 1e3)
                    .collect::<Vec<f64>>(),
            )?,
            cold_rss: Summary::of(&kb)?,
            warm: Summary::of_micros(&self.warm)?,
        })
    }
}

impl Http {
    fn size(&self, runtime: Runtime) -> Option<u64> {
        self.measured
            .iter()
            .find(|m| m.runtime == runtime)
            .map(|m| m.size)
    }

    /// The targets, checked against this run's figures.
    pub fn targets(&self) -> Vec<Target> {
        let ours = self.size(Runtime::Ours);
        let ratio = |base: Option<u64>| {
            ours.zip(base)
                .map(|(o, b)| o as f64 / b as f64)
                .filter(|r| r.is_finite())
        };
        let target = |what: String, ratio: Option<f64>, bound: f64, of: &str| Target {
            what,
            found: ratio.map_or_else(|| "not measured".to_owned(), |r| format!("{r:.3}× {of}")),
            pass: ratio.map(|r| r <= bound),
        };
        vec![
            target(
                format!("`http` stripped size ≤ {FLOOR_BOUND}× floor `minimal`"),
                ratio(self.floor_minimal),
                FLOOR_BOUND,
                "floor",
            ),
            target(
                format!("`http` stripped size ≤ {PEER_BOUND}× `lambda_http` hello"),
                ratio(self.size(Runtime::Peer)),
                PEER_BOUND,
                "peer",
            ),
        ]
    }
}

fn runtime_label(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Peer => "lambda_http",
        other => other.name(),
    }
}

/// The "HTTP functions" section of `BENCHMARKS.md`.
pub fn markdown(md: &mut String, h: &Http) {
    let p = &h.plan;
    let _ = writeln!(md, "## HTTP functions\n");
    let _ = writeln!(
        md,
        "One handler for API Gateway (REST and HTTP APIs), an Application Load Balancer or a \
         function URL, {}:\n\n\
         - **ruchy-lambda**: the `http` example (feature `http`: its own serde types for the four \
         event shapes, the `http` crate's `Request`/`Response`; routes `GET /hello`, `POST /echo`, \
         `GET /json`, else 404);\n\
         - **lambda_http**: `benches/peer/`, the same routes on `lambda_http` 1.3 \
         (`lambda_http::run(service_fn(…))`, default features, over `lambda_runtime` 1.5);\n\
         - for size only: the floor's `minimal` (std only, no HTTP at all), and \
         `benches/ours/`'s `http-aws-events`, a `GET /hello` on ruchy-lambda's raw `&[u8]` \
         handler with `aws_lambda_events`' `ApiGatewayV2httpRequest`/`ApiGatewayV2httpResponse` \
         (`default-features = false`, `apigw`): what the official event types would cost \
         instead of ruchy-lambda's own.\n",
        h.config.label()
    );
    let _ = writeln!(
        md,
        "The event: `GET /hello?name=Ada` as an HTTP API payload 2.0 event ({} bytes: `version`, \
         `routeKey`, `rawPath`, `rawQueryString`, `headers`, `queryStringParameters`, \
         `requestContext.http.method`, …); every reply checked (`statusCode` 200, `body` \
         `hello Ada`). **Init**: spawn → first `/next`, median of {} cold starts, the runtimes \
         in rotating order; cold RSS: `VmHWM` after the first invocation. **Warm**: event \
         handed out → reply received, {} invocations one after the other in blocks of {} \
         (after {} unmeasured), the runtimes taking turns; median and p99.\n",
        EVENT.len(),
        p.spawns,
        p.warm,
        p.block,
        p.warmup
    );
    let _ = writeln!(
        md,
        "| bootstrap | stripped size (kB) | ÷ floor `minimal` | ÷ `lambda_http` | init (ms) | \
         cold RSS (KiB) | warm median (µs) | warm p99 (µs) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
    let peer = h.size(Runtime::Peer);
    let ratio = |size: u64, base: Option<u64>| {
        base.map_or_else(
            || "—".to_owned(),
            |b| format!("{:.2}×", size as f64 / b as f64),
        )
    };
    let size_row = |md: &mut String, what: &str, size: u64, rest: &str| {
        let _ = writeln!(
            md,
            "| {what} | {} | {} | {} | {rest} |",
            number(size as f64 / 1000.0),
            ratio(size, h.floor_minimal),
            ratio(size, peer),
        );
    };
    for m in &h.measured {
        let rest = m.figures().map_or_else(
            || "— | — | — | —".to_owned(),
            |f| {
                format!(
                    "{} | {} | {} | {}",
                    number(f.init.median),
                    number(f.cold_rss.median),
                    number(f.warm.median),
                    number(f.warm.p99)
                )
            },
        );
        let what = format!("{} `http`", runtime_label(m.runtime));
        size_row(md, &what, m.size, &rest);
    }
    size_row(
        md,
        "ruchy-lambda + `aws_lambda_events` (`http-aws-events`)",
        h.aws_events,
        "— | — | — | —",
    );
    if let Some(floor) = h.floor_minimal {
        size_row(md, "floor `minimal`", floor, "— | — | — | —");
    }
    let _ = writeln!(md);
    if let (Some(ours), Some(f)) = (
        h.measured
            .iter()
            .find(|m| m.runtime == Runtime::Ours)
            .and_then(Measured::figures),
        h.measured
            .iter()
            .find(|m| m.runtime == Runtime::Peer)
            .and_then(Measured::figures),
    ) {
        let _ = writeln!(
            md,
            "ruchy-lambda ÷ lambda_http: init {:.2}×, warm median {:.2}×, warm p99 {:.2}×, cold \
             RSS {:.2}×.\n",
            ours.init.median / f.init.median,
            ours.warm.median / f.warm.median,
            ours.warm.p99 / f.warm.p99,
            ours.cold_rss.median / f.cold_rss.median
        );
    }
    targets_table(md, "HTTP", h.targets());
}

/// The HTTP rows of the result file.
pub fn tsv(out: &mut String, h: &Http) {
    let config = h.config.tag();
    let exact = |out: &mut String, key: &str, runtime: &str, bytes: u64| {
        let kb = bytes as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{config}\t{key}\tkB\t{runtime}\t{kb}\t{kb}\t{kb}\t1\texact"
        );
    };
    for m in &h.measured {
        let runtime = m.runtime.tag();
        exact(out, "http-size", runtime, m.size);
        let Some(f) = m.figures() else {
            continue;
        };
        let rows = [
            ("http-init", "ms", f.init, f.init.min, f.init.max, "min-max"),
            (
                "http-rss-cold",
                "KiB",
                f.cold_rss,
                f.cold_rss.min,
                f.cold_rss.max,
                "min-max",
            ),
            (
                "http-warm-median",
                "µs",
                f.warm,
                f.warm.p5,
                f.warm.p95,
                "p5-p95",
            ),
        ];
        for (key, unit, x, low, high, spread) in rows {
            let _ = writeln!(
                out,
                "{config}\t{key}\t{unit}\t{runtime}\t{}\t{low}\t{high}\t{}\t{spread}",
                x.median, x.count
            );
        }
        let p99 = f.warm.p99;
        let _ = writeln!(
            out,
            "{config}\thttp-warm-p99\tµs\t{runtime}\t{p99}\t{p99}\t{p99}\t{}\tsingle",
            f.warm.count
        );
    }
    exact(out, "http-size-aws-events", "ours", h.aws_events);
    if let Some(floor) = h.floor_minimal {
        exact(out, "http-size-minimal", "floor", floor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_is_a_2_0_get_hello() {
        for field in [
            r#""version":"2.0""#,
            r#""rawPath":"/hello""#,
            r#""rawQueryString":"name=Ada""#,
            r#""http":{"method":"GET""#,
        ] {
            assert!(EVENT.contains(field), "{field}");
        }
    }

    #[test]
    fn checks_replies() {
        let ok = |body: &str| check("x", &Outcome::Response(body.as_bytes().to_vec()));
        assert!(ok(r#"{"statusCode":200,"headers":{},"body":"hello Ada"}"#).is_ok());
        assert!(ok(r#"{"statusCode": 200, "body": "hello Ada"}"#).is_ok());
        assert!(ok(r#"{"statusCode":404,"body":"hello Ada"}"#).is_err());
        assert!(ok(r#"{"statusCode":200,"body":"hello Bob"}"#).is_err());
        assert!(ok(r#"{"statusCode":200,"body":"aGVsbG8gQWRh","isBase64Encoded":true}"#).is_err());
    }
}
