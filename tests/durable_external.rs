//! Operations of the durable SDK that wait for something outside the function, end to end
//! under AWS's local backend (see `durable_sdk.rs` and `durable_backend`): callbacks answered
//! (success, failure, timeout), `wait_for_callback` and its submitter, invokes of plain and
//! durable functions, `wait_for_condition`.

mod durable_backend;

use durable_backend::{Backend, Setup, described, operations, strings, succeeded};
use serde_json::{Value, json};

/// The number of invocations, from the lines the fixture writes at the start of each.
fn invocations(lines: &[String]) -> usize {
    lines.iter().filter(|l| l.starts_with("invocation")).count()
}

/// The events of one operation, `name`, in order.
fn events_of<'a>(history: &'a [Value], name: &str) -> Vec<&'a str> {
    history
        .iter()
        .filter(|e| e["Name"] == name && e.get("SubType").is_some())
        .map(|e| e["EventType"].as_str().unwrap_or("?"))
        .collect()
}

#[test]
fn a_callback_is_answered_with_success_failure_or_timeout() {
    let Some(backend) = Backend::start(Setup::new(&["callback"])) else {
        return;
    };
    // Success: the callback's id is in its CallbackStarted event; the answer is its result.
    let arn = backend.start_execution("callback", &json!({}));
    let started = backend.event(&arn, "CallbackStarted");
    let id = started["CallbackStartedDetails"]["CallbackId"]
        .as_str()
        .expect("a callback id")
        .to_owned();
    assert_eq!(backend.line("callback "), format!("callback {id}"));
    // Answered once the invocation that created it has ended (suspended), so that the history
    // is the same on every run.
    backend.event(&arn, "InvocationCompleted");
    backend.callback_success(&id, &json!({ "by": "ada" }));
    let execution = backend.finished(&arn);
    assert_eq!(
        succeeded(&execution),
        json!({ "approved": { "by": "ada" } })
    );
    assert_eq!(
        described(&backend.history(&arn)),
        strings(&[
            "ExecutionStarted",
            "CallbackStarted approve",
            "InvocationCompleted",
            "CallbackSucceeded approve",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
    // The replay got the same callback id back.
    let ids: Vec<String> = backend
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("callback "))
        .collect();
    assert_eq!(ids, vec![format!("callback {id}"); 2]);

    // Failure: CallbackExternalError, carrying the sender's error.
    backend.clear_lines();
    let arn = backend.start_execution("callback", &json!({}));
    let started = backend.event(&arn, "CallbackStarted");
    let id = started["CallbackStartedDetails"]["CallbackId"]
        .as_str()
        .expect("a callback id")
        .to_owned();
    backend.event(&arn, "InvocationCompleted");
    backend.callback_failure(
        &id,
        &json!({ "ErrorType": "Declined", "ErrorMessage": "not today", "ErrorData": "{\"n\":1}" }),
    );
    let execution = backend.finished(&arn);
    assert_eq!(
        succeeded(&execution),
        json!({
            "kind": "CallbackExternal",
            "recorded": {
                "ErrorType": "CallbackExternalError",
                "ErrorMessage": "not today",
                "ErrorData": "{\"n\":1}",
            },
            "cause": { "ErrorType": "Declined", "ErrorMessage": "not today", "ErrorData": "{\"n\":1}" },
        })
    );
    assert_eq!(
        operations(&backend.history(&arn)),
        strings(&[
            "ExecutionStarted",
            "CallbackStarted approve",
            "CallbackFailed approve",
            "ExecutionSucceeded",
        ])
    );

    // Timeout: nobody answers within 1 s.
    backend.clear_lines();
    let (execution, history) = backend.run("callback", &json!({ "timeout_s": 1 }));
    let result = succeeded(&execution);
    assert_eq!(result["kind"], "CallbackTimeout", "{result:#}");
    assert_eq!(result["recorded"]["ErrorType"], "CallbackTimeoutError");
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "CallbackStarted approve",
            "CallbackTimedOut approve",
            "ExecutionSucceeded",
        ])
    );
    // It timed out 1 s after it started, on dex's clock: the timeout the SDK sent.
    let timed_out = &history[history.len() - 3];
    assert_eq!(timed_out["EventType"], "CallbackTimedOut", "{timed_out:#}");
    assert_eq!(
        timed_out["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"],
        "Callback.Timeout"
    );
    let at = |kind: &str| {
        history
            .iter()
            .find(|e| e["EventType"] == kind)
            .and_then(|e| e["EventTimestamp"].as_f64())
            .expect(kind)
    };
    let waited = at("CallbackTimedOut") - at("CallbackStarted");
    assert!((1.0..2.0).contains(&waited), "timed out after {waited} s");

    // Heartbeat timeout: no heartbeat within 1 s.
    let (execution, history) = backend.run("callback", &json!({ "heartbeat_s": 1 }));
    assert_eq!(
        succeeded(&execution),
        json!({
            "kind": "CallbackTimeout",
            "recorded": { "ErrorType": "CallbackTimeoutError", "ErrorMessage": "Callback timed out on heartbeat" },
            "cause": { "ErrorType": "Callback.Heartbeat", "ErrorMessage": "Callback timed out on heartbeat" },
        })
    );
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "CallbackStarted approve",
            "CallbackTimedOut approve",
            "ExecutionSucceeded",
        ])
    );
}

#[test]
fn wait_for_callback_runs_its_submitter_once_and_returns_the_answer() {
    let Some(backend) = Backend::start(Setup::new(&["wait-for-callback"])) else {
        return;
    };
    let arn = backend.start_execution("wait-for-callback", &json!({}));
    let line = backend.line("submitter attempt 1 for ");
    let id = line
        .trim_start_matches("submitter attempt 1 for ")
        .to_owned();
    // Answered once the invocation that submitted it has ended (suspended), so that the history
    // is the same on every run.
    backend.event(&arn, "InvocationCompleted");
    backend.callback_success(&id, &json!(["yes", 2]));
    let execution = backend.finished(&arn);
    assert_eq!(succeeded(&execution), json!({ "answer": ["yes", 2] }));
    let lines = backend.lines();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("submitter")).count(),
        1,
        "{lines:?}"
    );
    let history = backend.history(&arn);
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted approval",
            "CallbackStarted approval create callback id",
            "StepStarted approval submitter",
            "StepSucceeded approval submitter",
            "InvocationCompleted",
            "CallbackSucceeded approval create callback id",
            "ContextSucceeded approval",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
    assert_eq!(history[1]["SubType"], "WaitForCallback");
    assert_eq!(history[2]["CallbackStartedDetails"]["CallbackId"], id);

    // A submitter whose first attempt fails is retried with the same callback id, and the
    // answer still comes back.
    backend.clear_lines();
    let arn = backend.start_execution("wait-for-callback", &json!({ "fail_submitter_once": true }));
    let second = backend.line("submitter attempt 2 for ");
    let id = second
        .trim_start_matches("submitter attempt 2 for ")
        .to_owned();
    assert_eq!(
        backend.line("submitter attempt 1 for "),
        format!("submitter attempt 1 for {id}")
    );
    backend.nth_event(&arn, "InvocationCompleted", 2);
    backend.callback_success(&id, &json!("late"));
    let execution = backend.finished(&arn);
    assert_eq!(succeeded(&execution), json!({ "answer": "late" }));
    assert_eq!(
        described(&backend.history(&arn)),
        strings(&[
            "ExecutionStarted",
            "ContextStarted approval",
            "CallbackStarted approval create callback id",
            "StepStarted approval submitter",
            "StepFailed approval submitter",
            "InvocationCompleted",
            "StepStarted approval submitter",
            "StepSucceeded approval submitter",
            "InvocationCompleted",
            "CallbackSucceeded approval create callback id",
            "ContextSucceeded approval",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );

    // A submitter that fails (no retry) fails the wait: CallbackSubmitterError.
    backend.clear_lines();
    let (execution, history) = backend.run("wait-for-callback", &json!({ "fail_submitter": true }));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "CallbackSubmitterError", "ErrorMessage": "attempt 1 failed" })
    );
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted approval",
            "CallbackStarted approval create callback id",
            "StepStarted approval submitter",
            "StepFailed approval submitter",
            "ContextFailed approval",
            "ExecutionFailed",
        ])
    );
}

#[test]
fn invoke_calls_plain_and_durable_functions() {
    let mut setup = Setup::new(&["invoke", "adder"]);
    setup.others = vec![("target", durable_backend::PLAIN.into())];
    setup.function_configs = Some(json!({
        "target": {},
        "adder": { "DurableConfig": { "ExecutionTimeout": 60, "RetentionPeriodInDays": 1 } },
    }));
    let Some(backend) = Backend::start(setup) else {
        return;
    };
    let (execution, history) = backend.run("invoke", &json!({ "n": 7 }));
    assert_eq!(
        succeeded(&execution),
        json!({
            "echoed": { "op": "echo", "n": 7 },
            "failed": {
                "kind": "Invoke",
                "recorded": { "ErrorType": "InvokeError", "ErrorMessage": "the target failed", "StackTrace": [] },
            },
            "sum": 5,
        })
    );
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "ChainedInvokeStarted echo",
            "ChainedInvokeSucceeded echo",
            "ChainedInvokeStarted fail",
            "ChainedInvokeFailed fail",
            "ChainedInvokeStarted add",
            "ChainedInvokeSucceeded add",
            "ExecutionSucceeded",
        ])
    );
    // One invocation per invoke waited for, and the last; the durable function ran its step
    // once.
    let lines = backend.lines();
    assert_eq!(
        lines.iter().filter(|l| *l == "sum ran").count(),
        1,
        "{lines:?}"
    );
    assert_eq!(
        history[1]["ChainedInvokeStartedDetails"]["FunctionName"],
        "target"
    );
    assert_eq!(
        history
            .iter()
            .find(|e| e["EventType"] == "ChainedInvokeFailed")
            .map(|e| e["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"].clone()),
        Some(json!("Boom"))
    );
    let adder = history
        .iter()
        .find(|e| e["EventType"] == "ChainedInvokeStarted" && e["Name"] == "add")
        .expect("the durable invoke");
    let child_arn = adder["ChainedInvokeStartedDetails"]["DurableExecutionArn"]
        .as_str()
        .expect("the invoked durable execution's ARN");
    let child = backend.finished(child_arn);
    assert_eq!(succeeded(&child), json!(5));
    assert_eq!(
        operations(&backend.history(child_arn)),
        strings(&[
            "ExecutionStarted",
            "StepStarted sum",
            "StepSucceeded sum",
            "ExecutionSucceeded"
        ])
    );
}

#[test]
fn wait_for_condition_checks_until_its_strategy_stops() {
    let Some(backend) = Backend::start(Setup::new(&["condition"])) else {
        return;
    };
    let (execution, history) = backend.run("condition", &json!({ "until": 3 }));
    assert_eq!(succeeded(&execution), json!(3));
    // Each check got the state the previous one saved, one invocation each.
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "check 1 saw 0",
            "invocation (replay)",
            "check 2 saw 1",
            "invocation (replay)",
            "check 3 saw 2",
        ])
    );
    assert_eq!(invocations(&backend.lines()), 3);
    // Every check starts as an attempt of its own, as Lambda records them.
    assert_eq!(
        events_of(&history, "poll"),
        [
            "StepStarted",
            "StepSucceeded",
            "StepStarted",
            "StepSucceeded",
            "StepStarted",
            "StepSucceeded"
        ]
    );
    assert!(
        history
            .iter()
            .all(|e| e.get("SubType").is_none() || e["SubType"] == "WaitForCondition")
    );
    let last = history
        .iter()
        .rev()
        .find(|e| e["EventType"] == "StepSucceeded")
        .expect("the last check");
    assert!(
        last["StepSucceededDetails"].get("RetryDetails").is_none(),
        "{last:#}"
    );

    // A check that fails fails the operation at once, and the execution with it.
    backend.clear_lines();
    let (execution, history) = backend.run("condition", &json!({ "until": 5, "fail_at": 2 }));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "WaitForConditionError", "ErrorMessage": "attempt 3 failed" })
    );
    assert_eq!(
        events_of(&history, "poll"),
        [
            "StepStarted",
            "StepSucceeded",
            "StepStarted",
            "StepSucceeded",
            "StepStarted",
            "StepFailed"
        ]
    );
    assert_eq!(invocations(&backend.lines()), 3);
}

#[test]
fn callbacks_of_map_items_are_answered_in_any_order() {
    let Some(backend) = Backend::start(Setup::new(&["approvals"])) else {
        return;
    };
    let arn = backend.start_execution("approvals", &json!({}));
    let id = |who: &str| {
        let line = backend.line(&format!("callback {who} "));
        line.trim_start_matches(&format!("callback {who} "))
            .to_owned()
    };
    let (a, b, c) = (id("a"), id("b"), id("c"));
    assert!(a != b && b != c && a != c, "three callbacks");
    backend.nth_event(&arn, "InvocationCompleted", 1);
    backend.callback_success(&b, &json!("yes to b"));
    // The answer wakes the execution; the other two suspend it again.
    backend.nth_event(&arn, "InvocationCompleted", 2);
    assert_eq!(backend.execution(&arn)["Status"], "RUNNING");
    backend.callback_success(&c, &json!("yes to c"));
    backend.callback_success(&a, &json!("yes to a"));
    let execution = backend.finished(&arn);
    assert_eq!(
        succeeded(&execution),
        json!(["yes to a", "yes to b", "yes to c"])
    );
    let history = backend.history(&arn);
    for who in ["a", "b", "c"] {
        assert_eq!(
            events_of(&history, &format!("approve {who}")),
            ["CallbackStarted", "CallbackSucceeded"],
            "{who}"
        );
    }
    let events = operations(&history);
    assert_eq!(
        events[events.len() - 2..],
        strings(&["ContextSucceeded approvals", "ExecutionSucceeded"])
    );
}
