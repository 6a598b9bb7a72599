//! `async fn` handlers and init functions (the `tokio` feature) end to end: real bootstraps on
//! the local Lambda's Runtime API over loopback, one worker and four.
//!
//! The `awaiting` fixture's state holds a task spawned on the runtime during `init`, as hyper's
//! pool spawns a task per connection: every invocation awaits it, so a design where that task is
//! driven only by the worker that made it would hang the others. Every wait is bounded by the
//! function's timeout, never by a sleep of the test's.

use std::time::Duration;

use ruchy_lambda_local::{Event, Function, FunctionConfig, InvocationReport, Outcome, Output};
use serde_json::{Value, json};

const AWAITING: &str = env!("CARGO_BIN_EXE_awaiting");
const ASYNC_INIT_ONLY: &str = env!("CARGO_BIN_EXE_async-init-only");
const ASYNC_HANDLER_ONLY: &str = env!("CARGO_BIN_EXE_async-handler-only");

fn config(concurrency: usize, env: &[(&str, &str)]) -> FunctionConfig {
    FunctionConfig {
        // Generous: a loaded machine is slow, never hung; a hang fails at this deadline.
        timeout: Duration::from_secs(30),
        init_timeout: Duration::from_secs(30),
        concurrency,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        output: Output::Null,
        ..FunctionConfig::default()
    }
}

fn reply(report: &InvocationReport) -> Value {
    match &report.outcome {
        Outcome::Response(body) => serde_json::from_slice(body).expect("a JSON reply"),
        other => panic!("{}: {other:?}", report.request_id),
    }
}

#[test]
fn one_worker_awaits_timers_and_the_service_spawned_in_init() {
    let mut function = Function::start(AWAITING, config(1, &[])).unwrap();
    for n in 0..3 {
        let report = function
            .invoke(json!({"sleep_ms": 20, "n": n}).to_string())
            .unwrap();
        let body = reply(&report);
        assert_eq!(body["doubled"], n * 2);
        assert_eq!(body["request_id"], report.request_id.as_str());
        assert_eq!(body["in_flight"], 1);
    }
}

#[test]
fn four_workers_share_the_state_and_the_runtime_then_one_at_a_time_again() {
    let mut function = Function::start(AWAITING, config(4, &[])).unwrap();
    // Eight events at once on four workers, each awaiting a 200 ms timer: four overlap.
    let events = (0..8)
        .map(|n| Event::new(json!({"sleep_ms": 200, "n": n}).to_string()))
        .collect();
    let reports = function.invoke_all(events).unwrap();
    assert_eq!(reports.len(), 8);
    let mut doubled: Vec<u64> = reports
        .iter()
        .map(|r| reply(r)["doubled"].as_u64().unwrap())
        .collect();
    doubled.sort_unstable();
    assert_eq!(doubled, [0, 2, 4, 6, 8, 10, 12, 14]);
    assert_eq!(function.server().max_in_flight(), 4);
    let overlap = reports
        .iter()
        .map(|r| reply(r)["max_in_flight"].as_u64().unwrap())
        .max();
    assert_eq!(overlap, Some(4), "the four workers awaited at once");
    // Then one at a time on the same process: the service task, spawned by whichever worker
    // ran init, is driven by whichever worker now awaits it.
    for n in 100..106 {
        let report = function
            .invoke(json!({"sleep_ms": 1, "n": n}).to_string())
            .unwrap();
        assert_eq!(reply(&report)["doubled"], n * 2, "{:?}", report.outcome);
        assert_eq!(report.init_duration, None, "the same process");
    }
}

#[test]
fn a_panic_or_an_error_in_the_future_fails_only_that_invocation() {
    let mut function = Function::start(AWAITING, config(2, &[])).unwrap();
    let panicked = function.invoke(r#"{"panic": true}"#).unwrap();
    let Outcome::Error(error) = &panicked.outcome else {
        panic!("{:?}", panicked.outcome)
    };
    assert_eq!(error.kind(), "Panic");
    assert!(
        error
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("the future panicked")),
        "{error:?}"
    );
    let failed = function.invoke(r#"{"fail": "no such item"}"#).unwrap();
    let Outcome::Error(error) = &failed.outcome else {
        panic!("{:?}", failed.outcome)
    };
    assert_eq!(
        (error.kind(), error.error_message.as_deref()),
        ("String", Some("no such item"))
    );
    // The runtime goes on, on the same process.
    let after = function.invoke(r#"{"sleep_ms": 5, "n": 21}"#).unwrap();
    assert_eq!(reply(&after)["doubled"], 42);
    assert_eq!(function.sandboxes_started(), 1);
}

#[test]
fn an_init_whose_await_fails_is_an_init_error() {
    let mut function = Function::start(AWAITING, config(1, &[("FIXTURE_INIT", "fail")])).unwrap();
    let report = function.invoke("{}").unwrap();
    let Outcome::Failed(error) = &report.outcome else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(error.kind(), "InitFailed");
    assert_eq!(
        error.error_message.as_deref(),
        Some("cannot reach the service: connection refused")
    );
    // Posted by the runtime to /init/error, with its header.
    assert_eq!(error.error_type_header.as_deref(), Some("InitFailed"));
    assert!(report.init_duration.is_some());
}

#[test]
fn blocking_and_async_mix_either_way() {
    let mut function = Function::start(ASYNC_INIT_ONLY, config(1, &[])).unwrap();
    let report = function.invoke("world").unwrap();
    assert_eq!(report.payload(), b"hello world");

    let env = [("FIXTURE_PREFIX", "awaited")];
    let mut function = Function::start(ASYNC_HANDLER_ONLY, config(4, &env)).unwrap();
    let events = (0..6).map(|i| Event::new(format!("{i}"))).collect();
    let mut replies: Vec<String> = function
        .invoke_all(events)
        .unwrap()
        .iter()
        .map(|r| String::from_utf8(r.payload()).unwrap())
        .collect();
    replies.sort();
    assert_eq!(
        replies,
        [
            "awaited 0",
            "awaited 1",
            "awaited 2",
            "awaited 3",
            "awaited 4",
            "awaited 5"
        ]
    );
}
