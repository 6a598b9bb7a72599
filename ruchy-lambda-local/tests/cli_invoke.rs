//! `ruchy-lambda-local invoke`, on the fixture bootstrap (`--bin`).

#[path = "support/cli.rs"]
mod cli;

use cli::{BOOTSTRAP, run, run_with};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The request id of a `START RequestId: <id> Version: $LATEST` line.
fn start_id(line: &str) -> &str {
    line.trim_start_matches("START RequestId: ")
        .trim_end_matches(" Version: $LATEST")
}

#[test]
fn events_go_to_one_warm_process_and_are_logged_like_cloudwatch() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        r#"{"n":1}"#,
        "print",
        r#"{"n":2}"#,
    ]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    assert_eq!(r.stdout_lines(), [r#"{"n":1}"#, "print", r#"{"n":2}"#]);

    let starts = r.log("START ");
    let reports = r.log("REPORT ");
    assert_eq!(
        (starts.len(), r.log("END ").len(), reports.len()),
        (3, 3, 3),
        "{}",
        r.stderr
    );
    let ids: Vec<&str> = starts.iter().map(|l| start_id(l)).collect();
    for (id, report) in ids.iter().zip(&reports) {
        let fields: Vec<&str> = report.split('\t').collect();
        assert_eq!(fields[0], format!("REPORT RequestId: {id}"));
        assert!(
            fields[1].starts_with("Duration: ") && fields[1].ends_with(" ms"),
            "{report}"
        );
        assert!(fields[2].starts_with("Billed Duration: ") && fields[2].ends_with(" ms"));
        assert_eq!(fields[3], "Memory Size: 128 MB");
        assert!(fields[4].starts_with("Max Memory Used: ") && fields[4].ends_with(" MB"));
        assert_eq!(*fields.last().unwrap(), "", "a trailing TAB");
    }
    // One cold start: INIT_START before the first START, Init Duration on the first REPORT only.
    assert_eq!(
        r.log("INIT_START "),
        [
            "INIT_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:local"
        ],
        "{}",
        r.stderr
    );
    assert!(r.stderr.find("INIT_START ") < r.stderr.find("START RequestId: "));
    assert!(reports[0].contains("\tInit Duration: "), "{}", reports[0]);
    assert!(
        reports[1..].iter().all(|l| !l.contains("Init Duration")),
        "{}",
        r.stderr
    );

    // The function's own output sits between its START and END.
    let lines = r.stderr_lines();
    let at = |l: &str| {
        lines
            .iter()
            .position(|x| *x == l)
            .unwrap_or_else(|| panic!("no {l:?} in {}", r.stderr))
    };
    let start = at(starts[1]);
    let end = at(&format!("END RequestId: {}", ids[1]));
    let out = at(&format!("fixture stdout {}", ids[1]));
    let err = at(&format!("fixture stderr {}", ids[1]));
    assert!(
        start < out && out < end && start < err && err < end,
        "{}",
        r.stderr
    );
}

#[test]
fn json_records() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--json",
        "--memory",
        "256",
        r#"{"n":1}"#,
        "[2]",
        r#""text""#,
    ]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let records: Vec<serde_json::Value> = r.stdout_lines().into_iter().map(json).collect();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["reply"], json(r#"{"n":1}"#));
    assert_eq!(records[1]["reply"], json("[2]"));
    assert_eq!(records[2]["reply"], "text");
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record["status"], "success");
        assert_eq!(record["error"], serde_json::Value::Null);
        assert!(
            record["request_id"]
                .as_str()
                .is_some_and(|id| id.len() == 36)
        );
        assert!(record["duration_ms"].as_f64().is_some_and(|d| d >= 0.0));
        assert!(record["billed_ms"].as_u64().is_some_and(|b| b >= 1));
        assert!(record["max_memory_mb"].as_u64().is_some_and(|m| m > 0));
        assert_eq!(record["memory_size_mb"], 256);
        assert_eq!(
            record["init_ms"].is_f64(),
            i == 0,
            "init_ms only when cold: {record}"
        );
    }
    assert_eq!(r.log("REPORT ").len(), 3, "the log still goes to stderr");
}

#[test]
fn json_record_of_an_init_error() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--json",
        "--env",
        "FIXTURE_INIT=error",
        "{}",
    ]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    let record = json(r.stdout.trim());
    assert_eq!(record["status"], "failure");
    assert_eq!(record["error"], "InitFailed");
    assert_eq!(record["reply"]["errorMessage"], "init failed");
    // What the function posted to /runtime/init/error is shown in the log too.
    assert!(
        r.stderr.contains("init failed\nInitFailed\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn function_errors_are_printed_as_the_caller_sees_them() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "error",
        r#"{"after":"error"}"#,
    ]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    let lines = r.stdout_lines();
    assert_eq!(json(lines[0])["errorType"], "FixtureError");
    assert_eq!(lines[1], r#"{"after":"error"}"#);
    assert_eq!(r.log("REPORT ").len(), 2);
}

#[test]
fn a_reply_over_6_mb_is_rejected_and_the_function_error_shown() {
    let r = run(&["invoke", "--bin", BOOTSTRAP, "big"]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    let reply = json(r.stdout.trim());
    assert_eq!(reply["errorType"], "Function.ResponseSizeTooLarge");
    assert_eq!(reply["errorMessage"], "response rejected with 413");
}

#[test]
fn events_from_files_and_stdin_in_order() {
    let dir = cli::scratch_dir("events");
    let file = dir.join("event.json");
    std::fs::write(&file, r#"{"from":"file"}"#).unwrap();
    let file = file.to_str().unwrap();
    let command = cli::command(&["invoke", "--bin", BOOTSTRAP, "first", "--file", file, "-"]);
    let r = run_with(command, br#"{"from":"stdin"}"#, cli::DEADLINE);
    assert_eq!(r.code(), Some(0), "{r:?}");
    assert_eq!(
        r.stdout_lines(),
        ["first", r#"{"from":"file"}"#, r#"{"from":"stdin"}"#]
    );
}

#[test]
fn name_memory_and_environment_reach_the_function() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--name",
        "my-function",
        "--memory",
        "512",
        "--env",
        "AWS_EXTRA=yes",
        "context",
    ]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let env = &json(r.stdout.trim())["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "my-function");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
    assert_eq!(env["AWS_EXTRA"], "yes");
    assert!(r.log("REPORT ")[0].contains("\tMemory Size: 512 MB\t"));
}

#[test]
fn a_timeout_kills_the_function_and_the_next_invocation_is_cold() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--timeout",
        "1",
        "sleep",
        r#"{"n":1}"#,
    ]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    let lines = r.stdout_lines();
    let error = json(lines[0]);
    assert!(
        error["errorMessage"]
            .as_str()
            .is_some_and(|m| m.ends_with("Task timed out after 1.00 seconds")),
        "{error}"
    );
    assert_eq!(lines[1], r#"{"n":1}"#);
    assert_eq!(
        r.log("")
            .iter()
            .filter(|l| l.ends_with(" Task timed out after 1.00 seconds"))
            .count(),
        1,
        "{}",
        r.stderr
    );
    let reports = r.log("REPORT ");
    assert!(
        reports[0].contains("\tDuration: 1000.00 ms\t"),
        "{}",
        reports[0]
    );
    assert!(
        reports.iter().all(|l| l.contains("Init Duration")),
        "both cold: {}",
        r.stderr
    );
}

#[test]
fn a_crash_is_reported_and_the_function_restarted() {
    let r = run(&["invoke", "--bin", BOOTSTRAP, "exit", r#"{"n":1}"#]);
    assert_eq!(r.code(), Some(1), "{r:?}");
    let lines = r.stdout_lines();
    let error = json(lines[0]);
    assert_eq!(error["errorType"], "Runtime.ExitError");
    assert!(
        error["errorMessage"]
            .as_str()
            .is_some_and(|m| m.ends_with("Error: Runtime exited with error: exit status 1"))
    );
    assert_eq!(lines[1], r#"{"n":1}"#);
    assert!(r.stderr.contains("\nRuntime.ExitError\n"), "{}", r.stderr);
    let reports = r.log("REPORT ");
    assert!(
        reports.iter().all(|l| l.contains("Init Duration")),
        "both cold: {}",
        r.stderr
    );
}

#[test]
fn with_no_event_the_event_is_an_empty_object() {
    let r = run(&["invoke", "--bin", BOOTSTRAP]);
    assert_eq!((r.code(), r.stdout.as_str()), (Some(0), "{}\n"), "{r:?}");
}

#[test]
fn with_concurrency_events_run_in_parallel_each_logged() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--concurrency",
        "3",
        "wait:300",
        "context",
        "wait:200",
    ]);
    assert_eq!(r.code(), Some(0), "{}", r.stderr);
    let starts = r.log("START ");
    let ends = r.log("END ");
    let reports = r.log("REPORT ");
    assert_eq!(
        (starts.len(), ends.len(), reports.len()),
        (3, 3, 3),
        "{}",
        r.stderr
    );
    // Each invocation: START before its END, END right before its REPORT.
    let lines = r.stderr_lines();
    for start in &starts {
        let id = start_id(start);
        let at = |prefix: &str| {
            lines
                .iter()
                .position(|l| l.starts_with(prefix) && l.contains(id))
                .unwrap_or_else(|| panic!("no {prefix} for {id}: {}", r.stderr))
        };
        let (s, e, rep) = (at("START "), at("END "), at("REPORT "));
        assert!(s < e && e + 1 == rep, "{}", r.stderr);
    }
    assert_eq!(
        reports
            .iter()
            .filter(|l| l.contains("Init Duration"))
            .count(),
        1,
        "{}",
        r.stderr
    );
    // Replies in the order of the events; the function saw N.
    let out = r.stdout_lines();
    assert_eq!(out.len(), 3);
    assert_eq!((out[0], out[2]), ("wait:300", "wait:200"));
    assert_eq!(json(out[1])["env"]["AWS_LAMBDA_MAX_CONCURRENCY"], "3");
}

#[test]
fn snap_start_and_extension_lines_come_before_start_in_order() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--snap-start",
        "--restore-pause",
        "20",
        "--env",
        "FIXTURE_SNAP=restore",
        "--env",
        "FIXTURE_EXTENSION=watcher",
        "--env",
        "FIXTURE_EXTENSION_EVENTS=INVOKE,SHUTDOWN",
        "{}",
        "{}",
    ]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    // Lambda's own lines, in order, fixture lines left out.
    let platform: Vec<&str> = r
        .stderr_lines()
        .into_iter()
        .filter(|l| !l.starts_with("fixture"))
        .collect();
    let kind = |l: &str| l.split([' ', '\t']).next().unwrap_or_default().to_owned();
    let kinds: Vec<String> = platform.iter().map(|l| kind(l)).collect();
    assert_eq!(
        kinds,
        [
            "INIT_START",
            "EXTENSION",
            "INIT_REPORT",
            "RESTORE_START",
            "RESTORE_REPORT",
            "START",
            "END",
            "REPORT",
            "START",
            "END",
            "REPORT"
        ],
        "{}",
        r.stderr
    );
    assert_eq!(
        platform[0],
        "INIT_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:local"
    );
    assert_eq!(
        platform[1],
        "EXTENSION\tName: watcher\tState: Ready\tEvents: [INVOKE, SHUTDOWN]"
    );
    assert!(platform[2].starts_with("INIT_REPORT Init Duration: "));
    assert!(platform[3].starts_with("RESTORE_START Runtime Version: provided:al2023"));
    assert!(platform[4].starts_with("RESTORE_REPORT Restore Duration: "));
    assert!(
        platform[7].contains("\tRestore Duration: ")
            && platform[7].contains("\tBilled Restore Duration: ")
            && !platform[7].contains("Init Duration"),
        "{}",
        platform[7]
    );
    assert!(
        !platform[10].contains("Restore Duration"),
        "warm: {}",
        platform[10]
    );
    // The extension's events (INVOKE twice, SHUTDOWN at the end) went out; its lines may be cut
    // short by the SIGTERM that follows SHUTDOWN, so only the INVOKEs are counted.
    assert!(
        r.stdout
            .lines()
            .chain(r.stderr.lines())
            .filter(|l| l.starts_with("fixture extension watcher {\"eventType\":\"INVOKE\""))
            .count()
            == 2,
        "{r:?}"
    );
}

#[test]
fn json_records_of_a_restore() {
    let r = run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--snap-start",
        "--log-format",
        "json",
        "--env",
        "FIXTURE_SNAP=restore",
        "{}",
    ]);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let types: Vec<String> = r
        .stderr_lines()
        .into_iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["type"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        types,
        [
            "platform.initStart",
            "platform.initReport",
            "platform.restoreStart",
            "platform.restoreReport",
            "platform.start",
            "platform.report"
        ],
        "{}",
        r.stderr
    );
    let report = r
        .stderr_lines()
        .into_iter()
        .find(|l| l.contains("platform.report"))
        .map(json)
        .unwrap();
    assert!(report["record"]["metrics"]["restoreDurationMs"].is_number());
    assert!(report["record"]["metrics"]["billedRestoreDurationMs"].is_number());
    let init_start = json(r.stderr_lines()[0]);
    assert_eq!(init_start["type"], "platform.initStart", "{}", r.stderr);
    assert_eq!(init_start["record"]["initializationType"], "snap-start");
    assert_eq!(init_start["record"]["phase"], "init");
}
