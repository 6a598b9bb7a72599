//! The supervisor, running the fixture bootstrap (`tests/support/test_bootstrap.rs`, built by
//! Cargo as the `ruchy-lambda-local-test-bootstrap` binary of this package).

use std::path::Path;
use std::time::Duration;

use ruchy_lambda_local::{Event, Function, FunctionConfig, Outcome, Output, Stream};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_ruchy-lambda-local-test-bootstrap");

fn config() -> FunctionConfig {
    FunctionConfig {
        timeout: Duration::from_secs(10),
        init_timeout: Duration::from_secs(10),
        output: Output::Null,
        ..FunctionConfig::default()
    }
}

fn start(config: FunctionConfig) -> Function {
    Function::start(BOOTSTRAP, config).unwrap()
}

fn with_init(mode: &str) -> FunctionConfig {
    FunctionConfig {
        env: vec![("FIXTURE_INIT".into(), mode.into())],
        ..config()
    }
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn echo_cold_then_warm_on_one_connection() {
    let mut function = start(config());
    let cold = function.invoke(r#"{"n":1}"#).unwrap();
    assert_eq!(cold.outcome, Outcome::Response(br#"{"n":1}"#.to_vec()));
    assert!(cold.is_success() && cold.function_error().is_none());
    let init = cold.init_duration.expect("a cold start reports init");
    assert!(init > Duration::ZERO && init < Duration::from_secs(10));
    assert!(cold.max_memory_used_kb.is_some_and(|kb| kb > 0));
    assert_eq!(
        cold.billed_duration_ms(),
        ruchy_lambda_local::report::billed_duration_ms(cold.duration, Some(init))
    );

    let line = cold.report_line();
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields[0], format!("REPORT RequestId: {}", cold.request_id));
    assert!(fields[1].starts_with("Duration: ") && fields[1].ends_with(" ms"));
    assert_eq!(
        fields[2],
        format!("Billed Duration: {} ms", cold.billed_duration_ms())
    );
    assert_eq!(fields[3], "Memory Size: 128 MB");
    assert_eq!(
        fields[4],
        format!("Max Memory Used: {} MB", cold.max_memory_used_mb())
    );
    assert!(fields[5].starts_with("Init Duration: "));
    assert_eq!(fields[6], "");
    assert_eq!(
        cold.start_line(),
        format!("START RequestId: {} Version: $LATEST", cold.request_id)
    );
    assert_eq!(
        cold.end_line(),
        format!("END RequestId: {}", cold.request_id)
    );

    for i in 0..50 {
        let warm = function.invoke(format!("warm {i}")).unwrap();
        assert_eq!(
            warm.outcome,
            Outcome::Response(format!("warm {i}").into_bytes())
        );
        assert_eq!(warm.init_duration, None);
        assert!(!warm.report_line().contains("Init Duration"));
        assert_eq!(
            warm.billed_duration_ms(),
            warm.duration.as_nanos().div_ceil(1_000_000).max(1) as u64
        );
    }
    let server = function.server();
    assert_eq!(function.sandboxes_started(), 1);
    assert_eq!(server.connections_accepted(), 1);
    // 51 × (/next + /response), then one /next waiting (logged once answered): no retries, no
    // busy loop.
    assert!(server.wait_for_long_poll(Duration::from_secs(10)));
    assert_eq!(server.waiting_next(), 1);
    assert_eq!(server.request_log().len(), 102);
}

#[test]
fn runtime_gets_the_lambda_environment_and_invocation_headers() {
    let mut function = start(FunctionConfig {
        name: "orders".into(),
        memory_mb: 512,
        env: vec![
            ("EXTRA".into(), "1".into()),
            ("AWS_REGION".into(), "eu-west-1".into()),
        ],
        ..config()
    });
    let report = function
        .invoke(Event::new("context").tenant_id("t-1").client_context("{}"))
        .unwrap();
    let Outcome::Response(body) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    let reply = json(body);
    let env = &reply["env"];
    let server = function.server();
    assert_eq!(env["AWS_LAMBDA_RUNTIME_API"], server.runtime_api());
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "orders");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/orders");
    let stream = env["AWS_LAMBDA_LOG_STREAM_NAME"].as_str().unwrap();
    let (date, hex) = stream.split_once("/[$LATEST]").unwrap();
    assert_eq!(
        (date.len(), date.matches('/').count(), hex.len()),
        (10, 2, 32)
    );
    assert_eq!(env["_HANDLER"], "bootstrap");
    let root = Path::new(BOOTSTRAP).canonicalize().unwrap();
    let root = root.parent().unwrap().display().to_string();
    assert_eq!(env["LAMBDA_TASK_ROOT"], root.as_str());
    assert_eq!(reply["cwd"], root.as_str());
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    assert_eq!(env["TZ"], ":UTC");

    let headers = &reply["headers"];
    assert_eq!(
        headers["lambda-runtime-aws-request-id"],
        report.request_id.as_str()
    );
    assert_eq!(
        headers["lambda-runtime-invoked-function-arn"],
        "arn:aws:lambda:us-east-1:012345678912:function:orders"
    );
    assert_eq!(headers["lambda-runtime-aws-tenant-id"], "t-1");
    assert_eq!(headers["lambda-runtime-client-context"], "{}");
    assert!(
        headers["lambda-runtime-trace-id"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    let record = server.record(&report.request_id).unwrap();
    assert_eq!(
        headers["lambda-runtime-deadline-ms"].as_str().unwrap(),
        record.deadline_ms.unwrap().to_string()
    );
}

#[test]
fn a_timeout_kills_the_runtime_and_the_next_invocation_is_cold() {
    let mut function = start(FunctionConfig {
        timeout: Duration::from_millis(300),
        ..config()
    });
    assert!(function.invoke("warm up").unwrap().is_success());
    let pid = function.pid().unwrap();

    let report = function.invoke("sleep").unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert_eq!(report.duration, Duration::from_millis(300));
    assert_eq!(report.billed_duration_ms(), 300);
    assert!(
        report
            .report_line()
            .contains("\tDuration: 300.00 ms\tBilled Duration: 300 ms\t")
    );
    let expected = format!("{} Task timed out after 0.30 seconds", report.request_id);
    let lines = report.platform_lines();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].ends_with(&format!("Z {expected}")), "{}", lines[0]);
    let payload = json(&report.payload());
    assert!(
        payload["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with(&expected)
    );
    assert_eq!(report.function_error(), Some("Unhandled"));
    assert!(
        !process_exists(pid),
        "the timed-out runtime is killed and reaped"
    );
    assert_eq!(function.pid(), None);

    let next = function.invoke("again").unwrap();
    assert!(next.is_success());
    assert!(
        next.init_duration.is_some(),
        "a new sandbox is a cold start"
    );
    assert_eq!(function.sandboxes_started(), 2);
}

#[test]
fn an_exit_mid_invocation_is_a_runtime_exit_error() {
    let mut function = start(config());
    for (body, exit) in [("exit", "exit status 1"), ("abort", "signal: aborted")] {
        let report = function.invoke(body).unwrap();
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{:?}", report.outcome)
        };
        let message = format!(
            "RequestId: {} Error: Runtime exited with error: {exit}",
            report.request_id
        );
        assert_eq!(error.error_type.as_deref(), Some("Runtime.ExitError"));
        assert_eq!(error.error_message.as_deref(), Some(message.as_str()));
        assert_eq!(
            report.payload(),
            format!(r#"{{"errorType":"Runtime.ExitError","errorMessage":"{message}"}}"#)
                .into_bytes()
        );
        assert_eq!(report.exit.as_deref(), Some(exit));
        assert_eq!(
            report.platform_lines(),
            [message, "Runtime.ExitError".to_owned()]
        );

        let after = function.invoke("fine").unwrap();
        assert!(after.is_success() && after.init_duration.is_some());
    }
    assert_eq!(function.sandboxes_started(), 3);
}

#[test]
fn function_errors_and_oversize_replies() {
    let mut function = start(config());
    let pid = function.pid();
    let report = function.invoke("error").unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.error_type_header.as_deref(), Some("FixtureError"));
    assert_eq!(error.error_type.as_deref(), Some("FixtureError"));
    assert_eq!(error.error_message.as_deref(), Some("boom"));
    assert_eq!(error.stack_trace, ["at fixture"]);
    assert_eq!(report.payload(), error.body);
    assert_eq!(report.function_error(), Some("Unhandled"));

    let report = function.invoke("big").unwrap();
    let Outcome::Error(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(
        error.error_type.as_deref(),
        Some("Function.ResponseSizeTooLarge")
    );
    assert_eq!(
        error.error_message.as_deref(),
        Some("response rejected with 413")
    );
    let record = function.server().record(&report.request_id).unwrap();
    assert_eq!((record.answers, record.rejected), (1, 1));
    assert_eq!(function.pid(), pid, "errors do not restart the runtime");
}

#[test]
fn init_failures_are_reported() {
    // Exit before the first /next, no init error posted.
    let mut function = start(with_init("exit"));
    let report = function.invoke("e").unwrap();
    let Outcome::Failed(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.error_type.as_deref(), Some("Runtime.ExitError"));
    assert_eq!(
        error.error_message.as_deref(),
        Some(
            format!(
                "RequestId: {} Error: Runtime exited with error: exit status 2",
                report.request_id
            )
            .as_str()
        )
    );
    assert!(report.init_duration.is_some());
    assert_eq!(function.server().records().len(), 1);
    // Each invocation tries a fresh sandbox.
    assert!(!function.invoke("e").unwrap().is_success());
    assert_eq!(function.sandboxes_started(), 2);

    // Init error posted, then exit.
    let mut function = start(with_init("error"));
    let report = function.invoke("e").unwrap();
    let Outcome::Failed(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.error_type.as_deref(), Some("InitFailed"));
    assert_eq!(error.error_type_header.as_deref(), Some("InitFailed"));
    assert_eq!(error.error_message.as_deref(), Some("init failed"));
    assert_eq!(report.exit.as_deref(), Some("exit status 3"));

    // Init error posted, runtime stays alive: it is stopped.
    let mut function = start(with_init("error-stay"));
    let pid = function.pid().unwrap();
    let report = function.invoke("e").unwrap();
    assert!(
        matches!(&report.outcome, Outcome::Failed(e) if e.error_type.as_deref() == Some("InitFailed"))
    );
    assert_eq!(report.exit.as_deref(), Some("signal: killed"));
    assert!(!process_exists(pid));

    // Init never finishes.
    let mut function = start(FunctionConfig {
        init_timeout: Duration::from_millis(200),
        ..with_init("hang")
    });
    let report = function.invoke("e").unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut);
    assert!(report.platform_lines()[0].contains("Task timed out after 0.20 seconds"));
}

#[test]
fn captured_output_arrives_line_by_line() {
    let (output, lines) = Output::channel();
    let mut function = start(FunctionConfig { output, ..config() });
    let report = function.invoke("print").unwrap();
    assert!(report.is_success());
    let mut got: Vec<_> = (0..2)
        .map(|_| lines.recv_timeout(Duration::from_secs(10)).unwrap())
        .map(|l| (l.stream, l.text))
        .collect();
    got.sort_by_key(|(s, _)| *s == Stream::Stderr);
    assert_eq!(
        got,
        [
            (
                Stream::Stdout,
                format!("fixture stdout {}", report.request_id)
            ),
            (
                Stream::Stderr,
                format!("fixture stderr {}", report.request_id)
            ),
        ]
    );
}

#[test]
fn peak_memory_is_the_runtime_vm_hwm() {
    let mut function = start(config());
    let small = function.invoke("x").unwrap().max_memory_used_mb();
    let big = function.invoke("memory").unwrap();
    assert!(big.is_success());
    assert!(
        big.max_memory_used_mb() >= 32,
        "{} MB",
        big.max_memory_used_mb()
    );
    assert!(big.max_memory_used_mb() > small);
}

#[test]
fn a_runtime_that_exits_between_invocations_is_restarted() {
    let mut function = start(config());
    assert!(function.invoke("exit-after").unwrap().is_success());
    let next = function.invoke("x").unwrap();
    assert!(next.is_success());
    assert!(next.init_duration.is_some());
    assert_eq!(function.sandboxes_started(), 2);
}

#[test]
fn asking_for_the_next_event_without_answering_abandons_the_invocation() {
    let mut function = start(config());
    let report = function.invoke("skip").unwrap();
    assert_eq!(report.outcome, Outcome::Abandoned);
    assert!(function.invoke("x").unwrap().is_success());
    assert_eq!(function.sandboxes_started(), 1);
}

#[test]
fn runtime_api_under_a_prefix() {
    let mut function = start(FunctionConfig {
        path_prefix: "/custom/prefix".into(),
        ..config()
    });
    assert!(function.invoke("x").unwrap().is_success());
    let log = function.server().request_log();
    assert!(
        log.iter()
            .all(|e| e.target.starts_with("/custom/prefix/2018-06-01/runtime/"))
    );
    assert!(log.iter().all(|e| e.status.is_some_and(|s| s < 300)));
}

#[test]
fn restart_and_drop_leave_no_process_behind() {
    let mut function = start(config());
    assert!(function.invoke("x").unwrap().is_success());
    let first = function.pid().unwrap();
    function.restart().unwrap();
    let second = function.pid().unwrap();
    assert_ne!(first, second);
    assert!(!process_exists(first));
    let report = function.invoke("y").unwrap();
    assert!(report.init_duration.is_some());
    drop(function);
    assert!(!process_exists(second));
}

#[test]
fn missing_bootstrap_is_a_spawn_error() {
    let err = Function::start("/nonexistent/bootstrap", config()).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot start bootstrap /nonexistent/bootstrap"),
        "{err}"
    );
}

fn concurrent(n: usize) -> FunctionConfig {
    FunctionConfig {
        concurrency: n,
        ..config()
    }
}

#[test]
fn invoke_all_runs_up_to_n_at_once_in_one_process() {
    let mut function = start(concurrent(3));
    let events: Vec<Event> = (0..6).map(|_| Event::new("wait:300")).collect();
    let mut started = Vec::new();
    let mut finished = Vec::new();
    let reports = function
        .invoke_all_with(
            events,
            |id| started.push(id.to_owned()),
            |r| finished.push(r.request_id.clone()),
        )
        .unwrap();
    assert_eq!(reports.len(), 6);
    assert!(
        reports
            .iter()
            .all(|r| r.outcome == Outcome::Response(b"wait:300".to_vec()))
    );
    // In input order, each started before it finished, each once.
    let records = function.server().records();
    let queued: Vec<&str> = records.iter().map(|r| r.request_id.as_str()).collect();
    let reported: Vec<&str> = reports.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(queued, reported);
    assert_eq!((started.len(), finished.len()), (6, 6));
    for id in &finished {
        assert!(started.contains(id));
    }
    assert_eq!(function.server().max_in_flight(), 3);
    assert_eq!(function.sandboxes_started(), 1);
    assert_eq!(function.server().connections_accepted(), 3);
    // One cold start: one Init Duration.
    assert_eq!(
        reports.iter().filter(|r| r.init_duration.is_some()).count(),
        1
    );
    for r in &reports {
        assert!(r.duration >= Duration::from_millis(300), "{r:?}");
        assert!(r.max_memory_used_kb.is_some());
    }
    // The runtime saw N and echoed every invocation id.
    let env = json(&function.invoke("context").unwrap().payload());
    assert_eq!(env["env"]["AWS_LAMBDA_MAX_CONCURRENCY"], "3");
    let log = function.server().request_log();
    let replies: Vec<_> = log.iter().filter(|e| e.method == "POST").collect();
    assert!(
        replies
            .iter()
            .all(|e| e.invocation_id.is_some() && e.status == Some(202))
    );
}

#[test]
fn invoke_all_with_one_is_one_after_another() {
    let mut function = start(config());
    let reports = function
        .invoke_all(vec![Event::new("a"), Event::new("b")])
        .unwrap();
    let bodies: Vec<Vec<u8>> = reports.iter().map(|r| r.payload()).collect();
    assert_eq!(bodies, [b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(function.server().max_in_flight(), 1);
    assert!(
        function
            .lambda_environment()
            .iter()
            .all(|(k, _)| k != "AWS_LAMBDA_MAX_CONCURRENCY")
    );
}

#[test]
fn with_concurrency_a_timeout_settles_the_invocation_and_the_runtime_runs_on() {
    let (output, lines) = Output::channel();
    let mut function = start(FunctionConfig {
        timeout: Duration::from_secs(1),
        output,
        ..concurrent(2)
    });
    let pid = function.pid().unwrap();
    let reports = function
        .invoke_all(vec![Event::new("wait:1600"), Event::new("quick")])
        .unwrap();
    assert_eq!(reports[0].outcome, Outcome::TimedOut);
    assert!(
        String::from_utf8_lossy(&reports[0].payload())
            .contains("Task timed out after 1.00 seconds")
    );
    assert_eq!(reports[0].duration, Duration::from_secs(1));
    assert_eq!(reports[1].outcome, Outcome::Response(b"quick".to_vec()));
    // Not killed: the same process answers next, and the late reply got 410.
    assert_eq!(function.pid(), Some(pid));
    let late = format!("fixture reply {} 410", reports[0].request_id);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok(line) if line.text == late => break,
            Ok(_) => {}
            Err(e) => panic!("no `{late}` line: {e}"),
        }
    }
    let again = function.invoke("again").unwrap();
    assert!(again.is_success() && again.init_duration.is_none());
    assert_eq!(
        (function.pid(), function.sandboxes_started()),
        (Some(pid), 1)
    );
}

#[test]
fn with_concurrency_a_crash_fails_every_invocation_in_flight_and_restarts() {
    let mut function = start(concurrent(3));
    let reports = function
        .invoke_all(vec![
            Event::new("wait:2000"),
            Event::new("wait:2000"),
            Event::new("exit"),
        ])
        .unwrap();
    for r in &reports {
        match &r.outcome {
            Outcome::Failed(e) => assert_eq!(e.kind(), "Runtime.ExitError", "{r:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(function.server().max_in_flight(), 3);
    let after = function.invoke("after").unwrap();
    assert!(after.is_success() && after.init_duration.is_some());
    assert_eq!(function.sandboxes_started(), 2);
}

#[test]
fn json_log_format_filters_the_runtime_lines_by_level() {
    use ruchy_lambda_local::{LogFormat, LogLevel};
    let (output, lines) = Output::channel();
    let mut function = start(FunctionConfig {
        output,
        log_format: LogFormat::Json,
        log_level: Some(LogLevel::Error),
        ..config()
    });
    let env: std::collections::HashMap<String, String> =
        function.lambda_environment().into_iter().collect();
    assert_eq!(env["AWS_LAMBDA_LOG_FORMAT"], "JSON");
    assert_eq!(env["AWS_LAMBDA_LOG_LEVEL"], "ERROR");
    let said = "say\nO {\"level\":\"warn\"}\nE {\"level\":\"ERROR\",\"n\":1}\nO plain\nO {\"level\":\"fatal\"}";
    let report = function.invoke(said).unwrap();
    assert_eq!(report.outcome, Outcome::Response(b"said".to_vec()));
    let mut got: Vec<(Stream, String)> = lines.try_iter().map(|l| (l.stream, l.text)).collect();
    got.sort_by_key(|(s, _)| *s == Stream::Stdout);
    assert_eq!(
        got,
        [
            (Stream::Stderr, r#"{"level":"ERROR","n":1}"#.to_owned()),
            (Stream::Stdout, r#"{"level":"fatal"}"#.to_owned()),
        ]
    );
    let record = json(function.start_log(&report.request_id).as_bytes());
    assert_eq!(record["type"], "platform.start");
    assert_eq!(record["record"]["functionArn"], function.function_arn());
    assert_eq!(
        json(report.report_record().as_bytes())["record"]["requestId"],
        report.request_id
    );

    // Text, the default: the format variable only, and every line passed on.
    let text = start(config());
    let env: std::collections::HashMap<String, String> =
        text.lambda_environment().into_iter().collect();
    assert_eq!(env["AWS_LAMBDA_LOG_FORMAT"], "Text");
    assert!(!env.contains_key("AWS_LAMBDA_LOG_LEVEL"));
}
