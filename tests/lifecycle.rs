//! Lifecycle hooks end to end, on the local Lambda over loopback with real bootstraps:
//!
//! - SnapStart (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`): `init`, the before-snapshot hook,
//!   `/restore/next`, the after-restore hook, the loop; each hook once, in that order; the
//!   connection after the restore is a new one; each failure on its endpoint with its error
//!   type, and the process exits; nothing of it without `snap-start`; `/restore/next` with no
//!   hook at all;
//! - shutdown: the internal extension registered before the first `/next`, none without a
//!   shutdown hook; `SIGTERM` runs the hook (with one worker or several) and the process exits;
//!   the local Lambda's stop sequence gives the hook its budget and kills a slow one at the
//!   deadline.
//!
//! The bootstrap is `fixtures/lifecycle.rs`: every hook, each writing a `lifecycle: …` line.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use ruchy_lambda_local::report::Lifecycle;
use ruchy_lambda_local::{
    Event, Function, FunctionConfig, Outcome, Output, OutputLine, RuntimeApiServer, ServerConfig,
};
use serde_json::{Value, json};
use support::{Running, wait_until};

const LIFECYCLE: &str = env!("CARGO_BIN_EXE_lifecycle");
const SNAP_START: (&str, &str) = ("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start");
const WAIT: Duration = Duration::from_secs(10);

fn server(snap_start: bool) -> RuntimeApiServer {
    server_with(snap_start, 1)
}

fn server_with(snap_start: bool, max_concurrency: usize) -> RuntimeApiServer {
    RuntimeApiServer::start(ServerConfig {
        snap_start,
        max_concurrency,
        timeout: Duration::from_secs(30),
        ..ServerConfig::default()
    })
    .expect("start the Runtime API server")
}

fn reply(server: &RuntimeApiServer, event: &str) -> Value {
    let record = server
        .invoke(Event::new(event), WAIT)
        .expect("the invocation is answered");
    support::reply_json(&record.outcome)
}

/// The `lifecycle: …` lines the bootstrap wrote, in order.
fn hook_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("lifecycle: "))
        .collect()
}

/// The targets the server received, in order, without the path up to the API version.
fn targets(server: &RuntimeApiServer) -> Vec<(u64, String)> {
    server
        .request_log()
        .into_iter()
        .map(|entry| (entry.connection, entry.target))
        .collect()
}

fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid}: {status}");
}

fn wait_exit(running: &mut Running, limit: Duration) -> Option<i32> {
    wait_until(limit, || running.try_exit()).unwrap_or_else(|| panic!("the bootstrap still runs"))
}

#[test]
fn snap_start_runs_each_hook_once_in_order_and_reconnects_after_the_restore() {
    let server = server(true);
    let running = support::spawn(LIFECYCLE, &server.runtime_api(), &[SNAP_START]);
    wait_until(WAIT, || server.restore_next_at()).expect("the runtime asks for /restore/next");
    // Held until the snapshot is "restored": init and the before-snapshot hook only.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        hook_lines(&running.stderr()),
        ["init", "before_snapshot"],
        "{}",
        running.stderr()
    );
    assert!(server.release_restore());
    assert_eq!(
        reply(&server, "{}"),
        json!({"before_snapshot": 1, "after_restore": 1, "invocations": 1})
    );
    assert_eq!(
        reply(&server, "{}"),
        json!({"before_snapshot": 1, "after_restore": 1, "invocations": 2})
    );
    // The hook ran before the first reply; its line reaches the captured stderr a little later.
    let all_three = ["init", "before_snapshot", "after_restore"];
    wait_until(WAIT, || {
        (hook_lines(&running.stderr()) == all_three).then_some(())
    });
    assert_eq!(hook_lines(&running.stderr()), all_three);

    let log = targets(&server);
    let restore = log
        .iter()
        .find(|(_, target)| target.ends_with("/2018-06-01/runtime/restore/next"))
        .expect("a /restore/next");
    let first_next = log
        .iter()
        .position(|(_, target)| target.ends_with("/runtime/invocation/next"))
        .expect("a /next");
    assert!(
        log.iter()
            .position(|(_, target)| target.ends_with("/runtime/restore/next"))
            < Some(first_next),
        "{log:?}"
    );
    // No request after the restore goes on the connection opened before the snapshot.
    let restore_index = log.iter().position(|entry| entry == restore).unwrap();
    assert!(
        log[restore_index + 1..]
            .iter()
            .all(|(connection, _)| *connection != restore.0),
        "{log:?}"
    );
    let runtime_connections: Vec<u64> = log[restore_index + 1..]
        .iter()
        .filter(|(_, target)| target.contains("/runtime/"))
        .map(|(connection, _)| *connection)
        .collect();
    assert!(
        runtime_connections.windows(2).all(|w| w[0] == w[1]),
        "one kept-alive connection after the restore: {log:?}"
    );
    running.kill();
}

#[test]
fn snap_start_restores_once_before_the_workers_start() {
    let server = server_with(true, 4);
    let running = support::spawn(
        LIFECYCLE,
        &server.runtime_api(),
        &[SNAP_START, ("AWS_LAMBDA_MAX_CONCURRENCY", "4")],
    );
    wait_until(WAIT, || server.restore_next_at()).expect("a /restore/next");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !targets(&server)
            .iter()
            .any(|(_, target)| target.ends_with("/invocation/next")),
        "no worker polls before the restore"
    );
    assert!(server.release_restore());
    let ids: Vec<String> = (0..8).map(|_| server.enqueue(Event::new("{}"))).collect();
    for id in &ids {
        let record = server.wait_for(id, WAIT).expect("answered");
        assert!(matches!(record.outcome, Outcome::Response(_)), "{record:?}");
    }
    let log = targets(&server);
    let restores = log
        .iter()
        .filter(|(_, target)| target.ends_with("/runtime/restore/next"))
        .count();
    assert_eq!(restores, 1, "{log:?}");
    assert_eq!(
        hook_lines(&running.kill()),
        ["init", "before_snapshot", "after_restore"]
    );
}

#[test]
fn a_before_snapshot_failure_is_an_init_error_and_the_process_exits() {
    for (var, message) in [
        (
            "LIFECYCLE_FAIL",
            "String: before_snapshot failed on purpose",
        ),
        (
            "LIFECYCLE_PANIC",
            "Panic: before_snapshot panicked on purpose",
        ),
    ] {
        let server = server(true);
        let running = support::spawn(
            LIFECYCLE,
            &server.runtime_api(),
            &[SNAP_START, (var, "before_snapshot")],
        );
        let (code, stderr) = running.wait(WAIT);
        assert_eq!(code, Some(1), "{stderr}");
        let error = server.init_error().expect("an init error");
        assert_eq!(
            error.error_type_header.as_deref(),
            Some("Runtime.BeforeSnapshotError")
        );
        assert_eq!(
            error.error_type.as_deref(),
            Some("Runtime.BeforeSnapshotError")
        );
        assert_eq!(error.error_message.as_deref(), Some(message));
        assert!(server.restore_next_at().is_none(), "no /restore/next");
        assert_eq!(hook_lines(&stderr), ["init", "before_snapshot"]);
    }
}

#[test]
fn an_after_restore_failure_goes_to_restore_error_and_the_process_exits() {
    for (var, message) in [
        ("LIFECYCLE_FAIL", "String: after_restore failed on purpose"),
        (
            "LIFECYCLE_PANIC",
            "Panic: after_restore panicked on purpose",
        ),
    ] {
        let server = server(true);
        let running = support::spawn(
            LIFECYCLE,
            &server.runtime_api(),
            &[SNAP_START, (var, "after_restore")],
        );
        wait_until(WAIT, || server.restore_next_at()).expect("a /restore/next");
        assert!(server.release_restore());
        let (code, stderr) = running.wait(WAIT);
        assert_eq!(code, Some(1), "{stderr}");
        let (error, _) = server.restore_error().expect("a restore error");
        assert_eq!(
            error.error_type_header.as_deref(),
            Some("Runtime.AfterRestoreError")
        );
        assert_eq!(error.error_message.as_deref(), Some(message));
        assert!(server.init_error().is_none());
        assert!(
            !targets(&server)
                .iter()
                .any(|(_, target)| target.ends_with("/invocation/next")),
            "no /next after a failed restore"
        );
        assert!(
            stderr.contains("restore failed: Runtime.AfterRestoreError"),
            "{stderr}"
        );
    }
}

#[test]
fn without_snap_start_no_snapshot_hook_runs() {
    let server = server(false);
    let running = support::spawn(LIFECYCLE, &server.runtime_api(), &[]);
    assert_eq!(
        reply(&server, "{}"),
        json!({"before_snapshot": 0, "after_restore": 0, "invocations": 1})
    );
    assert!(server.restore_next_at().is_none());
    assert_eq!(hook_lines(&running.kill()), ["init"]);
}

#[test]
fn snap_start_without_hooks_still_asks_for_restore_next() {
    let server = server(true);
    let running = support::spawn(
        support::example("minimal"),
        &server.runtime_api(),
        &[SNAP_START],
    );
    wait_until(WAIT, || server.restore_next_at()).expect("a /restore/next");
    assert!(server.release_restore());
    let record = server
        .invoke(Event::new(r#"{"name":"snap"}"#), WAIT)
        .expect("answered");
    assert!(matches!(record.outcome, Outcome::Response(_)), "{record:?}");
    assert!(
        server.extensions().is_empty(),
        "no extension without a shutdown hook"
    );
    running.kill();
}

#[test]
fn the_shutdown_extension_registers_before_the_first_next_for_no_event() {
    let server = server(false);
    let running = support::spawn(LIFECYCLE, &server.runtime_api(), &[]);
    reply(&server, "{}");
    let extensions = server.extensions();
    assert_eq!(extensions.len(), 1, "{extensions:?}");
    let extension = &extensions[0];
    assert_eq!(extension.name, "ruchy-lambda-shutdown");
    assert!(extension.events.is_empty(), "{extensions:?}");
    // Its `/event/next` stays pending (it asked for no event): Lambda's `Ready`.
    assert!(extension.ready, "{extensions:?}");
    let first_next = server.first_next_at().expect("a /next");
    assert!(extension.registered_at < first_next);
    running.kill();
}

#[test]
fn sigterm_runs_the_shutdown_hook_and_the_process_exits() {
    for workers in [1, 4] {
        let server = server_with(false, workers);
        let mut running = support::spawn(
            LIFECYCLE,
            &server.runtime_api(),
            &[("AWS_LAMBDA_MAX_CONCURRENCY", &workers.to_string())],
        );
        reply(&server, "{}");
        reply(&server, "{}");
        sigterm(running.pid());
        let code = wait_exit(&mut running, WAIT);
        let stderr = running.stderr();
        assert_eq!(code, Some(0), "{workers} workers: {stderr}");
        assert_eq!(
            hook_lines(&stderr),
            ["init", "shutdown after 2 invocations", "shutdown done"],
            "{workers} workers"
        );
        assert!(
            stderr.contains("SIGTERM: running the shutdown hook"),
            "{stderr}"
        );
    }
}

#[test]
fn a_failing_shutdown_hook_is_logged_and_the_exit_is_non_zero() {
    let server = server(false);
    let mut running = support::spawn(
        LIFECYCLE,
        &server.runtime_api(),
        &[("LIFECYCLE_FAIL", "shutdown")],
    );
    reply(&server, "{}");
    let started = Instant::now();
    sigterm(running.pid());
    let code = wait_exit(&mut running, WAIT);
    assert!(started.elapsed() < WAIT);
    let stderr = running.stderr();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the shutdown hook failed: String: shutdown failed on purpose"),
        "{stderr}"
    );
}

/// The lifecycle fixture on the local Lambda's supervisor, its output collected.
fn function(
    snap_start: bool,
    budget: Duration,
    env: &[(&str, &str)],
) -> (Function, std::sync::mpsc::Receiver<OutputLine>) {
    let (output, lines) = Output::channel();
    let config = FunctionConfig {
        snap_start,
        shutdown_budget: budget,
        output,
        env: support::env_vars(env),
        ..FunctionConfig::default()
    };
    let function = Function::start(LIFECYCLE, config).expect("start the function");
    (function, lines)
}

fn drain(lines: &std::sync::mpsc::Receiver<OutputLine>) -> Vec<String> {
    lines.try_iter().map(|line| line.text).collect()
}

#[test]
fn the_local_lambdas_stop_gives_the_shutdown_hook_its_time() {
    let (mut function, lines) = function(
        false,
        Duration::from_millis(500),
        &[("LIFECYCLE_SHUTDOWN_MS", "100")],
    );
    assert!(function.invoke("{}").expect("invoke").is_success());
    let shutdown = function.stop().expect("a running process");
    assert!(shutdown.sigterm && !shutdown.killed, "{shutdown:?}");
    assert_eq!(shutdown.extensions, 1);
    assert_eq!(shutdown.exit_description.as_deref(), Some("exit status 0"));
    assert!(
        shutdown.duration >= Duration::from_millis(100),
        "{shutdown:?}"
    );
    let output = drain(&lines);
    let hooks: Vec<&str> = output
        .iter()
        .filter_map(|l| l.strip_prefix("lifecycle: "))
        .collect();
    assert_eq!(
        hooks,
        ["init", "shutdown after 1 invocations", "shutdown done"],
        "{output:#?}"
    );
}

#[test]
fn a_slow_shutdown_hook_is_killed_at_the_deadline() {
    let budget = Duration::from_millis(300);
    let (mut function, lines) = function(false, budget, &[("LIFECYCLE_SHUTDOWN_MS", "5000")]);
    assert!(function.invoke("{}").expect("invoke").is_success());
    let shutdown = function.stop().expect("a running process");
    assert!(
        shutdown.sigterm && shutdown.killed_at_deadline(),
        "{shutdown:?}"
    );
    assert_eq!(shutdown.exit_description.as_deref(), Some("signal: killed"));
    assert!(
        shutdown.duration >= budget && shutdown.duration < Duration::from_secs(3),
        "{shutdown:?}"
    );
    let output = drain(&lines).join("\n");
    assert!(
        output.contains("lifecycle: shutdown after 1 invocations"),
        "{output}"
    );
    assert!(!output.contains("lifecycle: shutdown done"), "{output}");
}

#[test]
fn without_a_shutdown_hook_the_process_is_killed_at_once() {
    let mut function = Function::start(
        support::example("minimal"),
        FunctionConfig {
            output: Output::Null,
            ..FunctionConfig::default()
        },
    )
    .expect("start");
    assert!(function.invoke("{}").expect("invoke").is_success());
    let shutdown = function.stop().expect("a running process");
    assert!(!shutdown.sigterm && shutdown.killed, "{shutdown:?}");
    assert_eq!(shutdown.extensions, 0);
}

#[test]
fn a_snap_start_cold_start_reports_the_restore_not_the_init() {
    let (mut function, _lines) = function(true, Duration::from_millis(500), &[]);
    let first = function.invoke("{}").expect("invoke");
    assert!(first.is_success(), "{first:?}");
    assert!(first.restore_duration.is_some(), "{first:?}");
    assert!(first.init_duration.is_none(), "{first:?}");
    let line = first.report_line();
    assert!(line.contains("\tRestore Duration: "), "{line}");
    assert!(line.contains("\tBilled Restore Duration: "), "{line}");
    assert!(!line.contains("Init Duration"), "{line}");
    let warm = function.invoke("{}").expect("invoke");
    assert!(warm.restore_duration.is_none() && warm.init_duration.is_none());
    let kinds: Vec<&str> = function
        .lifecycle()
        .iter()
        .map(|line| match line {
            Lifecycle::InitStart { .. } => "INIT_START",
            Lifecycle::InitReport { .. } => "INIT_REPORT",
            Lifecycle::Extension { .. } => "EXTENSION",
            Lifecycle::RestoreStart { .. } => "RESTORE_START",
            Lifecycle::RestoreReport { .. } => "RESTORE_REPORT",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "INIT_START",
            "EXTENSION",
            "INIT_REPORT",
            "RESTORE_START",
            "RESTORE_REPORT"
        ]
    );
    let extension = function.lifecycle()[1].line();
    assert_eq!(
        extension,
        "EXTENSION\tName: ruchy-lambda-shutdown\tState: Ready\tEvents: []"
    );
}
