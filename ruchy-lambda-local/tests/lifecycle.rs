//! SnapStart's restore phase, the Extensions API and the shutdown sequence, on the fixture
//! bootstrap (`tests/support/test_bootstrap.rs`) run by the supervisor.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ruchy_lambda_local::{
    ExtensionEvent, Function, FunctionConfig, Lifecycle, Outcome, Output, OutputLine, PhaseEnd,
    ShutdownReason,
};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_ruchy-lambda-local-test-bootstrap");

fn config(env: &[(&str, &str)]) -> FunctionConfig {
    FunctionConfig {
        timeout: Duration::from_secs(10),
        output: Output::Null,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..FunctionConfig::default()
    }
}

fn snap(env: &[(&str, &str)]) -> FunctionConfig {
    FunctionConfig {
        snap_start: true,
        ..config(env)
    }
}

fn lines(rx: &Receiver<OutputLine>) -> Vec<String> {
    rx.try_iter().map(|l| l.text).collect()
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn snap_start_restores_before_the_invocation_and_reports_the_restore() {
    let (platform, platform_lines) = Output::channel();
    let (output, output_lines) = Output::channel();
    let mut function = Function::start(
        BOOTSTRAP,
        FunctionConfig {
            platform_log: platform,
            output,
            ..snap(&[("FIXTURE_SNAP", "restore")])
        },
    )
    .unwrap();
    let cold = function.invoke("context").unwrap();
    let Outcome::Response(body) = &cold.outcome else {
        panic!("{:?}", cold.outcome)
    };
    let reply: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(reply["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"], "snap-start");
    assert_eq!(cold.init_duration, None, "no Init Duration after a restore");
    let restore = cold.restore_duration.expect("a restore duration");
    assert_eq!(
        cold.billed_restore_duration_ms(),
        Some(restore.as_nanos().div_ceil(1_000_000) as u64)
    );
    let line = cold.report_line();
    assert!(!line.contains("Init Duration"), "{line}");
    assert!(
        line.ends_with(&format!(
            "\tRestore Duration: {} ms\tBilled Restore Duration: {} ms\t",
            ruchy_lambda_local::report::format_ms(restore),
            cold.billed_restore_duration_ms().unwrap()
        )),
        "{line}"
    );

    // INIT_START as the process started (init happens under SnapStart too), INIT_REPORT at
    // /restore/next, RESTORE_START when released, RESTORE_REPORT at the first /next, all before
    // the invocation began.
    let kinds: Vec<&str> = function
        .lifecycle()
        .iter()
        .map(|l| match l {
            Lifecycle::InitStart {
                snap_start: true, ..
            } => "INIT_START",
            Lifecycle::InitReport {
                end: PhaseEnd::Success,
                ..
            } => "INIT_REPORT",
            Lifecycle::RestoreStart { .. } => "RESTORE_START",
            Lifecycle::RestoreReport {
                end: PhaseEnd::Success,
                duration,
            } => {
                assert_eq!(*duration, restore);
                "RESTORE_REPORT"
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "INIT_START",
            "INIT_REPORT",
            "RESTORE_START",
            "RESTORE_REPORT"
        ]
    );
    let logged = lines(&platform_lines);
    assert_eq!(logged.len(), 4, "{logged:?}");
    assert_eq!(
        logged[0],
        "INIT_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:local"
    );
    assert!(logged[1].starts_with("INIT_REPORT Init Duration: "));
    assert!(logged[2].starts_with("RESTORE_START Runtime Version: "));
    assert!(logged[3].starts_with("RESTORE_REPORT Restore Duration: "));

    // /restore/next was held at least the pause, then answered 200, before the first /next.
    let server = function.server();
    let log = server.request_log();
    let restore_next = log
        .iter()
        .position(|e| e.target.ends_with("/runtime/restore/next"))
        .unwrap();
    let next = log
        .iter()
        .position(|e| e.target.ends_with("/invocation/next"))
        .unwrap();
    assert_eq!(log[restore_next].status, Some(200));
    assert!(restore_next < next);
    let held = server.restore_released_at().unwrap() - server.restore_next_at().unwrap();
    assert!(held >= function.config().restore_pause, "{held:?}");
    assert!(
        output_lines
            .try_iter()
            .any(|l| l.text == "fixture restored")
    );

    let warm = function.invoke("{}").unwrap();
    assert!(warm.is_success());
    assert_eq!((warm.init_duration, warm.restore_duration), (None, None));
    assert!(!warm.report_line().contains("Restore"));
    assert_eq!(function.lifecycle().len(), 4, "nothing more when warm");
}

#[test]
fn a_restore_error_fails_the_cold_invocation_and_the_next_one_restores_again() {
    let mut function =
        Function::start(BOOTSTRAP, snap(&[("FIXTURE_SNAP", "restore-error")])).unwrap();
    let report = function.invoke("{}").unwrap();
    let Outcome::Failed(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.kind(), "Runtime.AfterRestoreError");
    assert_eq!(error.error_message.as_deref(), Some("after restore failed"));
    assert_eq!(report.exit.as_deref(), Some("exit status 4"));
    assert!(report.restore_duration.is_some() && report.init_duration.is_none());
    match function.lifecycle().last() {
        Some(Lifecycle::RestoreReport {
            end: PhaseEnd::Error(kind),
            ..
        }) => assert_eq!(kind, "Runtime.AfterRestoreError"),
        other => panic!("{other:?}"),
    }
    assert!(
        function
            .lifecycle()
            .last()
            .unwrap()
            .line()
            .ends_with("\tStatus: error\tError Type: Runtime.AfterRestoreError")
    );
    let again = function.invoke("{}").unwrap();
    assert!(matches!(again.outcome, Outcome::Failed(_)));
    assert_eq!(function.sandboxes_started(), 2);
}

#[test]
fn an_init_error_under_snap_start_is_an_init_report_error() {
    let mut function =
        Function::start(BOOTSTRAP, snap(&[("FIXTURE_SNAP", "before-error")])).unwrap();
    let report = function.invoke("{}").unwrap();
    assert_eq!(report.error_type(), Some("Runtime.BeforeSnapshotError"));
    assert!(report.init_duration.is_some() && report.restore_duration.is_none());
    let lines: Vec<String> = function.lifecycle().iter().map(Lifecycle::line).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("INIT_START Runtime Version: "));
    assert!(
        lines[1].starts_with("INIT_REPORT Init Duration: ")
            && lines[1].ends_with(
                " ms\tPhase: init\tStatus: error\tError Type: Runtime.BeforeSnapshotError"
            ),
        "{}",
        lines[1]
    );
}

#[test]
fn extensions_get_invoke_events_and_are_reported_at_init() {
    let mut function = Function::start(
        BOOTSTRAP,
        config(&[
            ("FIXTURE_EXTENSION", "watcher"),
            ("FIXTURE_EXTENSION_EVENTS", "INVOKE"),
        ]),
    )
    .unwrap();
    let first = function.invoke("{}").unwrap();
    let second = function.invoke("{}").unwrap();
    let server = function.server();
    let extensions = server.extensions();
    assert_eq!(extensions.len(), 1);
    assert_eq!(extensions[0].name, "watcher");
    assert_eq!(extensions[0].events, [ExtensionEvent::Invoke]);
    assert!(extensions[0].ready);
    assert_eq!(
        function.lifecycle(),
        [
            Lifecycle::InitStart {
                snap_start: false,
                function_name: "test_function".into(),
                region: "us-east-1".into(),
            },
            Lifecycle::Extension {
                name: "watcher".into(),
                ready: true,
                events: vec![ExtensionEvent::Invoke],
            }
        ]
    );
    assert_eq!(
        function.lifecycle()[1].line(),
        "EXTENSION\tName: watcher\tState: Ready\tEvents: [INVOKE]"
    );
    // One INVOKE per invocation, with its request id, deadline, ARN and trace header. The
    // second is handed out when the extension polls again, which may come after the invocation
    // ended: wait for it.
    let until = Instant::now() + Duration::from_secs(10);
    let answered_polls = || {
        server
            .request_log()
            .iter()
            .filter(|e| e.target == "/2020-01-01/extension/event/next")
            .count()
    };
    while (server.extension_events().len() < 2 || answered_polls() < 2) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    let events = server.extension_events();
    assert_eq!(events.len(), 2, "{events:?}");
    for (event, report) in events.iter().zip([&first, &second]) {
        let json = event.json();
        assert_eq!(json["eventType"], "INVOKE");
        assert_eq!(json["requestId"], report.request_id.as_str());
        assert_eq!(json["invokedFunctionArn"], function.function_arn().as_str());
        assert_eq!(json["tracing"]["type"], "X-Amzn-Trace-Id");
        let record = server.record(&report.request_id).unwrap();
        assert_eq!(json["deadlineMs"], record.deadline_ms.unwrap());
        assert_eq!(
            json["tracing"]["value"],
            record.trace_id.as_deref().unwrap()
        );
        assert_eq!(event.extension_id, extensions[0].id);
    }
    // Its requests are in the request log, on its own connection.
    let log = server.request_log();
    let register = log
        .iter()
        .find(|e| e.target == "/2020-01-01/extension/register")
        .unwrap();
    assert_eq!(register.status, Some(200));
    let polls: Vec<_> = log
        .iter()
        .filter(|e| e.target == "/2020-01-01/extension/event/next")
        .collect();
    assert_eq!(polls.len(), 2, "answered polls are logged");
    assert!(polls.iter().all(|e| e.connection == register.connection));
    assert!(
        log.iter()
            .filter(|e| e.target.ends_with("/invocation/next"))
            .all(|e| e.connection != register.connection)
    );
}

#[test]
fn stop_sends_shutdown_then_sigterm() {
    let budget = Duration::from_millis(2000);
    let mut function = Function::start(
        BOOTSTRAP,
        FunctionConfig {
            shutdown_budget: budget,
            ..config(&[
                ("FIXTURE_EXTENSION", "closer"),
                ("FIXTURE_EXTENSION_EVENTS", "SHUTDOWN,INVOKE"),
            ])
        },
    )
    .unwrap();
    assert!(function.invoke("{}").unwrap().is_success());
    let pid = function.pid().unwrap();
    let before = epoch_ms();
    let shutdown = function.stop().expect("a runtime was running");
    let after = epoch_ms();
    assert_eq!(shutdown.reason, ShutdownReason::Spindown);
    assert_eq!((shutdown.extensions, shutdown.shutdown_events), (1, 1));
    assert!(shutdown.sigterm && !shutdown.killed && !shutdown.killed_at_deadline());
    // The fixture does not handle SIGTERM: it ends by it, well before the deadline.
    assert_eq!(
        shutdown.exit_description.as_deref(),
        Some("signal: terminated")
    );
    assert!(shutdown.duration < budget, "{shutdown:?}");
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    let events = function.server().extension_events();
    let last = events.last().unwrap().json();
    assert_eq!(last["eventType"], "SHUTDOWN");
    assert_eq!(last["shutdownReason"], "spindown");
    let deadline = last["deadlineMs"].as_u64().unwrap();
    let budget_ms = budget.as_millis() as u64;
    assert!(
        (before + budget_ms..=after + budget_ms).contains(&deadline),
        "{before} {deadline} {after}"
    );
    assert_eq!(function.shutdowns(), [shutdown]);
    assert!(function.stop().is_none(), "nothing left to stop");
    // Extensions belong to the sandbox: the next one starts with none.
    assert!(function.server().extensions().is_empty());
}

#[test]
fn a_timeout_shuts_down_with_reason_timeout() {
    let mut function = Function::start(
        BOOTSTRAP,
        FunctionConfig {
            timeout: Duration::from_secs(1),
            ..config(&[
                ("FIXTURE_EXTENSION", "closer"),
                ("FIXTURE_EXTENSION_EVENTS", "SHUTDOWN"),
            ])
        },
    )
    .unwrap();
    let report = function.invoke("sleep").unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut);
    let shutdowns = function.shutdowns();
    assert_eq!(shutdowns.len(), 1, "{shutdowns:?}");
    assert_eq!(shutdowns[0].reason, ShutdownReason::Timeout);
    assert!(shutdowns[0].sigterm);
    let events = function.server().extension_events();
    assert_eq!(events.len(), 1, "registered for SHUTDOWN only: {events:?}");
    assert_eq!(events[0].json()["shutdownReason"], "timeout");
    // The next invocation is a cold start in a fresh sandbox.
    assert!(function.invoke("{}").unwrap().init_duration.is_some());
}

#[test]
fn with_no_extension_the_runtime_is_killed_at_once() {
    let mut function = Function::start(BOOTSTRAP, config(&[])).unwrap();
    assert!(function.invoke("{}").unwrap().is_success());
    let shutdown = function.stop().unwrap();
    assert!(!shutdown.sigterm && shutdown.killed);
    assert_eq!(shutdown.shutdown_events, 0);
    assert_eq!(shutdown.exit_description.as_deref(), Some("signal: killed"));
    assert!(function.server().extension_events().is_empty());
}

/// A shell script that runs the fixture bootstrap with `script` around it.
fn wrapper(name: &str, script: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ruchy-lambda-local-lifecycle-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bootstrap");
    let text = format!("#!/bin/sh\nFIXTURE={BOOTSTRAP}\n{script}\n");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn a_runtime_that_outlives_sigterm_is_killed_at_the_deadline() {
    // SIGTERM ignored (an ignored signal stays ignored across exec): the fixture outlives it.
    let bootstrap = wrapper("ignores", "trap '' TERM\nexec \"$FIXTURE\"");
    let budget = Duration::from_millis(300);
    let mut function = Function::start(
        &bootstrap,
        FunctionConfig {
            shutdown_budget: budget,
            ..config(&[
                ("FIXTURE_EXTENSION", "closer"),
                ("FIXTURE_EXTENSION_EVENTS", "SHUTDOWN"),
            ])
        },
    )
    .unwrap();
    assert!(function.invoke("{}").unwrap().is_success());
    let shutdown = function.stop().unwrap();
    assert!(shutdown.sigterm && shutdown.killed && shutdown.killed_at_deadline());
    assert_eq!(shutdown.exit_description.as_deref(), Some("signal: killed"));
    assert!(shutdown.duration >= budget, "{shutdown:?}");
    let _ = std::fs::remove_dir_all(bootstrap.parent().unwrap());
}

#[test]
fn what_the_runtime_writes_on_sigterm_is_passed_on() {
    // A runtime that handles SIGTERM: says so, stops its worker, exits 0.
    let bootstrap = wrapper(
        "graceful",
        "\"$FIXTURE\" &\nchild=$!\ntrap 'echo \"shutdown done\"; kill $child; exit 0' TERM\nwait $child",
    );
    let (output, output_lines) = Output::channel();
    let mut function = Function::start(
        &bootstrap,
        FunctionConfig {
            output,
            shutdown_budget: Duration::from_secs(5),
            ..config(&[("FIXTURE_EXTENSION", "quiet")])
        },
    )
    .unwrap();
    assert!(function.invoke("{}").unwrap().is_success());
    let shutdown = function.stop().unwrap();
    assert_eq!(
        shutdown.shutdown_events, 0,
        "registered for no event: no SHUTDOWN, still a SIGTERM"
    );
    assert!(shutdown.sigterm && !shutdown.killed, "{shutdown:?}");
    assert_eq!(shutdown.exit_description.as_deref(), Some("exit status 0"));
    // Passed on before stop() returned.
    assert!(
        lines(&output_lines).iter().any(|l| l == "shutdown done"),
        "the line written on SIGTERM"
    );
    let _ = std::fs::remove_dir_all(bootstrap.parent().unwrap());
}
