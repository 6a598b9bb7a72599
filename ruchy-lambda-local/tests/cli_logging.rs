//! `--log-format` and `--log-level`: the JSON log format's level filter and Lambda's JSON
//! records, on the fixture bootstrap.

#[path = "support/cli.rs"]
mod cli;

use cli::{BOOTSTRAP, Server, http, run};
use serde_json::Value;

const DEBUG: &str =
    r#"{"timestamp":"2026-11-27T17:00:00.123Z","level":"DEBUG","requestId":"r","message":"d"}"#;
const INFO: &str = r#"{"level":"info","message":"i"}"#;
const WARN: &str = r#"{"timestamp":"2026-11-27T17:00:00.123Z","level":"WARN","requestId":"r","message":"w","extra":[1,2]}"#;
const ERROR: &str = r#"{"level":"Error","message":"e"}"#;
const PLAIN: &str = "2026-11-27T17:00:00.123Z\tr\tINFO\ta plain text line";

/// The `say` event: each line written by the fixture to stdout (`O`) or stderr (`E`).
fn say() -> String {
    format!("say\nO {DEBUG}\nE {INFO}\nO {WARN}\nE {ERROR}\nO {PLAIN}\nE [1]")
}

/// The JSON records Lambda itself writes (`{"time":…,"type":"platform.…","record":…}`) among the
/// lines of `stderr`.
fn platform_records(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| {
            v["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("platform."))
        })
        .collect()
}

fn is_timestamp(v: &Value) -> bool {
    // 2026-11-27T17:00:00.123Z
    v.as_str().is_some_and(|t| {
        t.len() == 24 && t.as_bytes()[10] == b'T' && t.ends_with('Z') && t.as_bytes()[19] == b'.'
    })
}

#[test]
fn json_format_filters_by_level_and_writes_platform_records() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--name",
        "orders",
        "--log-format",
        "json",
        "--log-level",
        "warn",
        &say(),
        "context",
        "error",
    ]);
    assert_eq!(r.code(), Some(1), "the third invocation fails: {r:?}");
    let out = r.stdout_lines();
    assert_eq!(out[0], "said", "{r:?}");

    // WARN and ERROR records are kept verbatim; DEBUG and INFO records are dropped, and so are
    // the lines without a level (Lambda counts them as INFO).
    let lines = r.stderr_lines();
    for kept in [WARN, ERROR] {
        assert_eq!(
            lines.iter().filter(|l| **l == kept).count(),
            1,
            "{}",
            r.stderr
        );
    }
    for dropped in [DEBUG, INFO, PLAIN, "[1]"] {
        assert!(!lines.contains(&dropped), "{dropped} in {}", r.stderr);
    }
    // No text START / END / REPORT.
    assert!(
        r.log("START ").is_empty() && r.log("END ").is_empty() && r.log("REPORT ").is_empty(),
        "{}",
        r.stderr
    );

    let records = platform_records(&r.stderr);
    let kinds: Vec<&str> = records
        .iter()
        .map(|v| v["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "platform.initStart",
            "platform.start",
            "platform.report",
            "platform.start",
            "platform.report",
            "platform.start",
            "platform.report"
        ],
        "{}",
        r.stderr
    );
    // Init begins: the record as CloudWatch shows it (the runtime version is the local one).
    let init = &records[0];
    assert!(is_timestamp(&init["time"]), "{init}");
    assert_eq!(
        init["record"],
        serde_json::json!({
            "initializationType": "on-demand",
            "phase": "init",
            "runtimeVersion": "provided:al2023.local",
            "runtimeVersionArn": "arn:aws:lambda:us-east-1::runtime:local",
            "functionName": "orders",
            "functionVersion": "$LATEST"
        })
    );
    // Then a start and a report per invocation.
    let records = &records[1..];
    for pair in records.chunks(2) {
        let (start, report) = (&pair[0], &pair[1]);
        assert!(is_timestamp(&start["time"]) && is_timestamp(&report["time"]));
        let id = start["record"]["requestId"].as_str().unwrap();
        assert_eq!(id.len(), 36, "{start}");
        assert_eq!(start["record"]["version"], "$LATEST");
        let arn = start["record"]["functionArn"].as_str().unwrap();
        assert!(
            arn.starts_with("arn:aws:lambda:") && arn.ends_with(":function:orders"),
            "{arn}"
        );
        assert_eq!(report["record"]["requestId"], id);
        let metrics = &report["record"]["metrics"];
        assert!(
            metrics["durationMs"].as_f64().is_some_and(|d| d >= 0.0),
            "{report}"
        );
        assert!(metrics["billedDurationMs"].as_u64().is_some_and(|b| b >= 1));
        assert_eq!(metrics["memorySizeMB"], 128);
        assert!(metrics["maxMemoryUsedMB"].as_u64().is_some_and(|m| m > 0));
    }
    // The warn line sits between its invocation's start and report.
    let at = |l: &str| lines.iter().position(|x| *x == l).unwrap();
    let first_report = lines
        .iter()
        .position(|l| l.contains(r#""type":"platform.report""#))
        .unwrap();
    assert!(at(WARN) < first_report && at(ERROR) < first_report);

    // Cold start: initDurationMs on the first report only.
    let metrics = |i: usize| &records[i]["record"]["metrics"];
    assert!(
        metrics(1)["initDurationMs"].as_f64().is_some(),
        "{}",
        records[1]
    );
    assert!(metrics(3).get("initDurationMs").is_none(), "{}", records[3]);
    assert!(metrics(5).get("initDurationMs").is_none());
    // The status, and the error type of a failed invocation.
    assert_eq!(records[1]["record"]["status"], "success");
    assert!(records[1]["record"].get("errorType").is_none());
    assert_eq!(records[5]["record"]["status"], "error");
    assert_eq!(records[5]["record"]["errorType"], "FixtureError");

    // The function is told the format and the level.
    let context: Value = serde_json::from_str(out[1]).unwrap();
    assert_eq!(context["env"]["AWS_LAMBDA_LOG_FORMAT"], "JSON");
    assert_eq!(context["env"]["AWS_LAMBDA_LOG_LEVEL"], "WARN");
}

#[test]
fn json_format_at_the_default_level_drops_only_trace_and_debug() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--log-format",
        "JSON",
        &say(),
        "context",
    ]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let lines = r.stderr_lines();
    for kept in [INFO, WARN, ERROR, PLAIN, "[1]"] {
        assert!(lines.contains(&kept), "{kept} not in {}", r.stderr);
    }
    assert!(!lines.contains(&DEBUG), "{}", r.stderr);
    let context: Value = serde_json::from_str(r.stdout_lines()[1]).unwrap();
    assert_eq!(context["env"]["AWS_LAMBDA_LOG_FORMAT"], "JSON");
    assert_eq!(context["env"]["AWS_LAMBDA_LOG_LEVEL"], "INFO");
}

#[test]
fn text_format_is_the_default_and_filters_nothing() {
    let r = run(&["invoke", "--bin", BOOTSTRAP, &say(), "context"]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let lines = r.stderr_lines();
    for kept in [DEBUG, INFO, WARN, ERROR, PLAIN, "[1]"] {
        assert!(lines.contains(&kept), "{kept} not in {}", r.stderr);
    }
    assert_eq!(
        (
            r.log("START RequestId: ").len(),
            r.log("END RequestId: ").len(),
            r.log("REPORT RequestId: ").len()
        ),
        (2, 2, 2),
        "{}",
        r.stderr
    );
    assert!(platform_records(&r.stderr).is_empty(), "{}", r.stderr);
    let context: Value = serde_json::from_str(r.stdout_lines()[1]).unwrap();
    assert_eq!(context["env"]["AWS_LAMBDA_LOG_FORMAT"], "Text");
    assert!(
        context["env"].get("AWS_LAMBDA_LOG_LEVEL").is_none(),
        "{context}"
    );
}

#[test]
fn a_timeout_and_a_crash_are_reported_in_the_json_records() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--timeout",
        "1",
        "--log-format",
        "json",
        "sleep",
        "exit",
    ]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    let records = platform_records(&r.stderr);
    let reports: Vec<&Value> = records
        .iter()
        .filter(|v| v["type"] == "platform.report")
        .collect();
    assert_eq!(reports.len(), 2, "{}", r.stderr);
    assert_eq!(reports[0]["record"]["status"], "timeout");
    assert!(reports[0]["record"].get("errorType").is_none());
    assert_eq!(reports[0]["record"]["metrics"]["durationMs"], 1000.0);
    assert_eq!(reports[1]["record"]["status"], "failure");
    assert_eq!(reports[1]["record"]["errorType"], "Runtime.ExitError");
    // No text lines about them: the records say it.
    assert!(!r.stderr.contains("Task timed out after"), "{}", r.stderr);
    assert!(r.log("RequestId: ").is_empty(), "{}", r.stderr);
}

#[test]
fn serve_writes_json_records_and_filters_by_level() {
    let mut server = Server::start(&[
        "--bin",
        BOOTSTRAP,
        "--log-format",
        "json",
        "--log-level",
        "error",
    ]);
    let reply = http(server.addr, "POST", &server.path, say().as_bytes());
    assert_eq!((reply.status, reply.text().as_str()), (200, "said"));
    let id = reply.header("X-Amzn-RequestId").unwrap().to_owned();
    let start: Value = serde_json::from_str(&server.next_line_starting(r#"{"time":"#)).unwrap();
    assert_eq!(start["type"], "platform.start", "{start}");
    assert_eq!(start["record"]["requestId"], id.as_str());
    // Everything below ERROR went; the ERROR record came through before the report.
    assert_eq!(server.next_line_starting("{"), ERROR);
    let report: Value = serde_json::from_str(&server.next_line_starting(r#"{"time":"#)).unwrap();
    assert_eq!(report["type"], "platform.report", "{report}");
    assert_eq!(report["record"]["requestId"], id.as_str());
    assert_eq!(report["record"]["status"], "success");
}
