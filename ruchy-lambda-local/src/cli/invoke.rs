//! `invoke`: run a function and invoke it once per event, like `aws lambda invoke`; in turn, or
//! with `--concurrency N` up to N at once on the one process.

use std::io::{Read, Write};
use std::path::Path;

use ruchy_lambda_local::{
    Event, Function, InvocationReport, MAX_RESPONSE_BYTES, Outcome, StreamProgress,
};

use super::args::{EventSource, InvokeArgs};
use super::{CliError, log, source};

/// The largest event Lambda accepts for a synchronous invocation: 6 MB.
const MAX_EVENT_BYTES: usize = MAX_RESPONSE_BYTES;

/// Reads the events, builds or checks the bootstrap, then invokes it with each event in turn on
/// the same (warm) process.
pub fn run(args: InvokeArgs) -> Result<(), CliError> {
    let events = read_events(&args.events, args.json)?;
    let bootstrap = source::resolve(&args.source, None)?;
    let config = source::function_config(&args.function, &bootstrap);
    let mut function =
        Function::start(&bootstrap.path, config).map_err(|e| CliError::Failed(e.to_string()))?;
    let platform = log::Platform::of(&function);
    if args.function.concurrency > 1 {
        // In parallel: START when handed out, END and REPORT when answered; the replies after
        // all of them, in the order of the events.
        let events = events.into_iter().map(Event::new).collect();
        let reports = function
            .invoke_all_with(events, |id| platform.start(id), |r| platform.finish(r))
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let failed = reports.iter().any(|r| !r.is_success());
        for report in &reports {
            if print(report, args.json, false).is_err() {
                break;
            }
        }
        return if failed {
            Err(CliError::FunctionFailed)
        } else {
            Ok(())
        };
    }
    let mut failed = false;
    for event in events {
        // A streamed reply is printed as it arrives (not with `--json`: the record holds it).
        let print_stream = |progress: StreamProgress<'_>| {
            if !args.json {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(progress.bytes).and_then(|()| out.flush());
            }
        };
        let report = function
            .invoke_streaming(event, |id| platform.start(id), print_stream)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        platform.finish(&report);
        failed |= !report.is_success();
        // Nobody is reading the replies any more (`| head -1`): stop invoking.
        if print(&report, args.json, true).is_err() {
            break;
        }
    }
    if failed {
        Err(CliError::FunctionFailed)
    } else {
        Ok(())
    }
}

/// Prints the reply (or with `json`, the record) of one invocation on stdout. A streamed reply
/// was printed as it arrived: a newline ends it, and the error follows it on a line of its own
/// when the function failed mid-stream.
fn print(report: &InvocationReport, json: bool, streamed: bool) -> std::io::Result<()> {
    {
        let mut out = std::io::stdout().lock();
        let written = if json {
            writeln!(out, "{}", record(report))
        } else if streamed && report.stream.is_some() {
            let error = if report.is_success() {
                Vec::new()
            } else {
                let mut error = report.payload();
                error.push(b'\n');
                error
            };
            out.write_all(b"\n").and_then(|()| out.write_all(&error))
        } else {
            out.write_all(&report.payload())
                .and_then(|()| out.write_all(b"\n"))
        };
        written.and_then(|()| out.flush())
    }
}

/// Every event, read before anything is built or run; `{}` when none is given. With `json`,
/// each must be valid JSON.
fn read_events(sources: &[EventSource], json: bool) -> Result<Vec<Vec<u8>>, CliError> {
    if sources.is_empty() {
        return Ok(vec![b"{}".to_vec()]);
    }
    let mut events = Vec::with_capacity(sources.len());
    for (i, source) in sources.iter().enumerate() {
        let (event, what) = match source {
            EventSource::Inline(text) => (text.as_bytes().to_vec(), format!("event {}", i + 1)),
            EventSource::File(path) => (read_file(path)?, format!("event file {}", path.display())),
            EventSource::Stdin => {
                let mut event = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut event)
                    .map_err(|e| {
                        CliError::Usage(format!("cannot read the event from standard input: {e}"))
                    })?;
                (event, "the event from standard input".to_owned())
            }
        };
        if event.len() > MAX_EVENT_BYTES {
            return Err(CliError::Usage(format!(
                "{what} is {} bytes; Lambda accepts at most {MAX_EVENT_BYTES} (6 MB) for a synchronous invocation",
                event.len()
            )));
        }
        if json {
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&event) {
                return Err(CliError::Usage(format!(
                    "{what} is not valid JSON ({e}); with `--json` every event must be JSON"
                )));
            }
        }
        events.push(event);
    }
    Ok(events)
}

fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => e.to_string(),
        };
        CliError::Usage(format!("cannot read event file {}: {why}", path.display()))
    })
}

/// One invocation as a JSON record, for `--json`.
#[derive(serde::Serialize)]
struct Record<'a> {
    request_id: &'a str,
    /// `success`, `error` (the function reported one), `timeout` or `failure` (the runtime
    /// crashed, exited, or failed to initialize), as Lambda's telemetry names them.
    status: &'static str,
    /// The reply, or the error as the caller sees it: JSON when it parses, else a string.
    reply: serde_json::Value,
    /// The error type, when the invocation failed.
    error: Option<&'a str>,
    duration_ms: f64,
    billed_ms: u64,
    /// On a cold start only.
    init_ms: Option<f64>,
    /// On the first invocation after a SnapStart restore only.
    #[serde(skip_serializing_if = "Option::is_none")]
    restore_ms: Option<f64>,
    max_memory_mb: u64,
    memory_size_mb: u32,
    /// Bytes of a streamed reply (those before the error, when it failed mid-stream).
    #[serde(skip_serializing_if = "Option::is_none")]
    streamed_bytes: Option<u64>,
}

fn record(report: &InvocationReport) -> String {
    let (status, error) = match &report.outcome {
        Outcome::Response(_) => ("success", None),
        Outcome::Error(e) => ("error", Some(e.kind())),
        Outcome::TimedOut => ("timeout", Some("Sandbox.Timedout")),
        Outcome::Failed(e) => ("failure", Some(e.kind())),
        Outcome::Abandoned => ("failure", Some("Runtime.InvalidStateTransition")),
        Outcome::Queued | Outcome::Pending => ("failure", Some("Runtime.Unknown")),
    };
    let payload = report.payload();
    let reply = serde_json::from_slice(&payload).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&payload).into_owned())
    });
    let record = Record {
        request_id: &report.request_id,
        status,
        reply,
        error,
        duration_ms: milliseconds(report.duration),
        billed_ms: report.billed_duration_ms(),
        init_ms: report.init_duration.map(milliseconds),
        restore_ms: report.restore_duration.map(milliseconds),
        max_memory_mb: report.max_memory_used_mb(),
        memory_size_mb: report.memory_size_mb,
        streamed_bytes: report.streamed_body().map(|b| b.len() as u64),
    };
    serde_json::to_string(&record).unwrap_or_default()
}

/// Milliseconds with two decimals, as on the `REPORT` line.
fn milliseconds(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn records() {
        let report = InvocationReport {
            request_id: "r1".into(),
            outcome: Outcome::Response(br#"{"n":1}"#.to_vec()),
            duration: Duration::from_micros(2_584),
            init_duration: Some(Duration::from_micros(8_450)),
            restore_duration: None,
            memory_size_mb: 128,
            max_memory_used_kb: Some(2_000),
            timeout: Duration::from_secs(3),
            exit: None,
            finished_at: SystemTime::now(),
            stream: None,
        };
        assert_eq!(
            record(&report),
            r#"{"request_id":"r1","status":"success","reply":{"n":1},"error":null,"duration_ms":2.58,"billed_ms":12,"init_ms":8.45,"max_memory_mb":2,"memory_size_mb":128}"#
        );
        let raw = InvocationReport {
            outcome: Outcome::Response(b"plain text".to_vec()),
            init_duration: None,
            ..report.clone()
        };
        assert!(record(&raw).contains(r#""reply":"plain text","error":null"#));
        assert!(record(&raw).contains(r#""init_ms":null"#));
        let timed_out = InvocationReport {
            outcome: Outcome::TimedOut,
            ..report
        };
        let r = record(&timed_out);
        assert!(
            r.contains(r#""status":"timeout""#) && r.contains("Task timed out after 3.00 seconds")
        );
    }

    #[test]
    fn events() {
        assert_eq!(read_events(&[], true).unwrap(), [b"{}"]);
        let inline = |s: &str| EventSource::Inline(s.to_owned());
        assert_eq!(
            read_events(&[inline("a b"), inline("{}")], false).unwrap(),
            [b"a b".to_vec(), b"{}".to_vec()]
        );
        match read_events(&[inline("{}"), inline("{nope")], true) {
            Err(CliError::Usage(m)) => assert!(m.starts_with("event 2 is not valid JSON"), "{m}"),
            other => panic!("{other:?}"),
        }
        match read_events(&[EventSource::File("/nonexistent/e.json".into())], false) {
            Err(CliError::Usage(m)) => {
                assert_eq!(
                    m,
                    "cannot read event file /nonexistent/e.json: no such file"
                )
            }
            other => panic!("{other:?}"),
        }
        let big = "x".repeat(MAX_EVENT_BYTES + 1);
        assert!(matches!(
            read_events(&[inline(&big)], false),
            Err(CliError::Usage(_))
        ));
    }
}
