//! Records in the function's log format and level, end to end: a real bootstrap
//! (`fixtures/log_bootstrap.rs`, a `#[handler]` logging through `log` and `tracing`) on the
//! local Lambda's Runtime API server, its stderr read line by line.
//!
//! - JSON under 4 workers: every line is one JSON object, with an RFC 3339 timestamp, the level,
//!   the request id of the invocation that wrote it, and the key-values and `tracing` fields as
//!   typed JSON fields;
//! - the level: `AWS_LAMBDA_LOG_LEVEL` in any case, else `RUST_LOG`, else INFO;
//! - escaping of quotes, control characters and non-ASCII; multi-line messages in one record;
//! - text: time, request id, level, message, tab-separated;
//! - the runtime's own lines follow the format; `eprintln!` stays a plain line.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use ruchy_lambda_local::{Event, Outcome, RuntimeApiServer, ServerConfig};
use serde_json::{Value, json};
use support::Running;

const LOG_BOOTSTRAP: &str = env!("CARGO_BIN_EXE_log-bootstrap");

fn server(max_concurrency: usize) -> RuntimeApiServer {
    RuntimeApiServer::start(ServerConfig {
        max_concurrency,
        timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    })
    .expect("start the Runtime API server")
}

/// Runs `events` through the log bootstrap with `env`; returns the request id of each event
/// and everything the process wrote to stderr.
fn run(server: &RuntimeApiServer, env: &[(&str, &str)], events: &[Value]) -> (Vec<String>, String) {
    let running: Running = support::spawn(LOG_BOOTSTRAP, &server.runtime_api(), env);
    let ids: Vec<String> = events
        .iter()
        .map(|event| server.enqueue(Event::json(event)))
        .collect();
    for id in &ids {
        let record = server
            .wait_for(id, Duration::from_secs(60))
            .unwrap_or_else(|| panic!("invocation {id} did not finish: {}", running.stderr()));
        assert_eq!(
            record.outcome,
            Outcome::Response(id.clone().into_bytes()),
            "{}",
            running.stderr()
        );
    }
    (ids, running.kill())
}

fn records(levels: &[&str], message: &str) -> Value {
    levels
        .iter()
        .map(|level| json!({"level": level, "message": message}))
        .collect()
}

/// An RFC 3339 UTC timestamp with milliseconds: `2026-11-27T17:00:00.123Z`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

#[test]
fn json_records_under_four_workers_carry_their_own_invocation() {
    const EVENTS: u64 = 40;
    let server = server(4);
    let levels = ["trace", "debug", "info", "warn", "error", "tracing"];
    let events: Vec<Value> = (0..EVENTS)
        .map(|token| {
            json!({
                "token": token,
                "records": records(&levels, &format!("record of {token}")),
                "pause_ms": 1,
            })
        })
        .collect();
    let env = [
        ("AWS_LAMBDA_MAX_CONCURRENCY", "4"),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "debug"),
    ];
    let (ids, stderr) = run(&server, &env, &events);
    assert_eq!(server.max_in_flight(), 4, "4 invocations logged at once");

    let mut seen: HashMap<u64, Vec<(String, String, u64)>> = HashMap::new();
    for line in stderr.lines() {
        let record: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line:?}"));
        let timestamp = record["timestamp"].as_str().unwrap();
        assert!(is_timestamp(timestamp), "{line}");
        let token = record["token"].as_u64().unwrap_or_else(|| panic!("{line}"));
        assert_eq!(
            record["requestId"], ids[token as usize],
            "the record names the invocation that wrote it: {line}"
        );
        assert_eq!(record["message"], format!("record of {token}"));
        let level = record["level"].as_str().unwrap().to_owned();
        seen.entry(token).or_default().push((
            timestamp.to_owned(),
            level,
            record["k"].as_u64().unwrap(),
        ));
        if record["ratio"] != Value::Null {
            // The `tracing` event: typed fields.
            assert_eq!(
                (record["ratio"].as_f64(), record["ok"].as_bool()),
                (Some(0.5), Some(true))
            );
        }
    }
    assert_eq!(seen.len(), EVENTS as usize);
    for (token, records) in &seen {
        // TRACE is below the level; the rest in the order written, timestamps not going back.
        let levels: Vec<&str> = records.iter().map(|(_, l, _)| l.as_str()).collect();
        assert_eq!(
            levels,
            ["DEBUG", "INFO", "WARN", "ERROR", "INFO"],
            "token {token}"
        );
        let ks: Vec<u64> = records.iter().map(|(_, _, k)| *k).collect();
        assert_eq!(ks, [1, 2, 3, 4, 5]);
        assert!(records.windows(2).all(|w| w[0].0 <= w[1].0), "{records:?}");
    }
}

#[test]
fn the_level_comes_from_lambda_then_rust_log_then_info() {
    let all = ["trace", "debug", "info", "warn", "error"];
    let event = json!({"token": 1, "records": records(&all, "m")});
    let levels_written = |env: &[(&str, &str)]| -> Vec<String> {
        let server = server(1);
        let mut env = env.to_vec();
        env.push(("AWS_LAMBDA_LOG_FORMAT", "json"));
        let (_, stderr) = run(&server, &env, std::slice::from_ref(&event));
        stderr
            .lines()
            .map(|line| {
                let record: Value = serde_json::from_str(line).unwrap();
                record["level"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(levels_written(&[]), ["INFO", "WARN", "ERROR"]);
    assert_eq!(
        levels_written(&[("AWS_LAMBDA_LOG_LEVEL", "Warn")]),
        ["WARN", "ERROR"]
    );
    assert_eq!(
        levels_written(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("RUST_LOG", "error")]),
        ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
    );
    assert_eq!(
        levels_written(&[("RUST_LOG", "my_crate=trace,debug")]),
        ["DEBUG", "INFO", "WARN", "ERROR"]
    );
    assert_eq!(levels_written(&[("RUST_LOG", "off")]), Vec::<String>::new());
}

#[test]
fn every_string_is_escaped_and_a_multi_line_message_is_one_record() {
    let message = "quote \" backslash \\ tab \t bell \u{7} nul \u{0} é ✓ 日本\nsecond line";
    let event = json!({"token": 7, "records": records(&["info", "tracing"], message)});
    let server = server(1);
    let (ids, stderr) = run(
        &server,
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
        std::slice::from_ref(&event),
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    for line in lines {
        assert!(
            line.is_ascii() || line.contains('é'),
            "non-ASCII is kept as UTF-8"
        );
        assert!(!line.contains('\u{7}') && !line.contains('\t'), "{line:?}");
        let record: Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["message"], message);
        assert_eq!(record["requestId"], ids[0].as_str());
    }

    // Text: one line per record, the newline as a carriage return.
    let server = self::server(1);
    let (ids, stderr) = run(&server, &[], &[event]);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr:?}");
    let fields: Vec<&str> = lines[0].splitn(4, '\t').collect();
    assert!(is_timestamp(fields[0]), "{:?}", lines[0]);
    assert_eq!(fields[1], ids[0]);
    assert_eq!(fields[2], "INFO");
    assert_eq!(
        fields[3],
        format!("{} token=7 k=0", message.replace('\n', "\r"))
    );
    assert!(
        lines[1].ends_with(" token=7 k=1 ratio=0.5 ok=true"),
        "{:?}",
        lines[1]
    );
}

#[test]
fn the_runtimes_own_lines_follow_the_format_and_eprintln_stays_plain() {
    let server = server(1);
    let event = json!({"token": 3, "plain": "a plain line {not json}"});
    let (ids, stderr) = run(&server, &[("AWS_LAMBDA_LOG_FORMAT", "JSON")], &[event]);
    assert_eq!(stderr, "a plain line {not json}\n");
    assert_eq!(ids.len(), 1);

    // An init error in JSON: one ERROR record, no request id.
    let server = self::server(1);
    let running = support::spawn(
        LOG_BOOTSTRAP,
        &server.runtime_api(),
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_MAX_CONCURRENCY", "zero"),
        ],
    );
    let (code, stderr) = running.wait(Duration::from_secs(20));
    assert_eq!(code, Some(1));
    let record: Value =
        serde_json::from_str(stderr.trim_end()).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(record["level"], "ERROR");
    assert_eq!(record.get("requestId"), None);
    assert!(
        record["message"].as_str().unwrap().starts_with(
            "init failed: Runtime.InvalidConcurrency: AWS_LAMBDA_MAX_CONCURRENCY is \"zero\""
        ),
        "{record}"
    );
}
