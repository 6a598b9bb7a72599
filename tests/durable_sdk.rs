//! The durable SDK end to end under AWS's own local backend: the durable handlers of
//! `fixtures/durable_sdk.rs`, served by `ruchy-lambda-local serve`, invoked and checkpointing
//! through `dex-local-runner` (see `durable_backend`). Each test checks the execution's result
//! and its history as dex records it (event types, names, order), and what the code ran, from
//! the lines the fixture writes (invocations, step attempts).
//!
//! Here: replay, suspension, steps and their retries, child contexts, results. Callbacks,
//! invokes and conditions are in `durable_external.rs`, `map` and `parallel` in
//! `durable_batches.rs`. dex runs with `--skip-time` (its timers fire at once, its clock
//! jumping ahead) except where a test needs its clock to be the wall clock.

mod durable_backend;

use durable_backend::{Backend, Setup, described, operations, strings, succeeded};
use serde_json::{Value, json};

#[test]
fn a_replay_returns_saved_results_without_running_steps_again() {
    let Some(backend) = Backend::start(Setup::new(&["replay"])) else {
        return;
    };
    let (execution, history) = backend.run("replay", &json!({ "wait_s": 5 }));
    let result = succeeded(&execution);
    let first = result["first"].as_str().expect("first").to_owned();
    // The second step saw the first step's result as it was saved, not a second run's.
    assert_eq!(result["second"], format!("second saw <{first}>"));
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "first ran",
            "invocation (replay)",
            "second ran"
        ])
    );
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted first",
            "StepSucceeded first",
            "WaitStarted pause",
            "WaitSucceeded pause",
            "InvocationCompleted",
            "StepStarted second",
            "StepSucceeded second",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
    let wait = &history[3];
    assert_eq!(wait["WaitStartedDetails"]["Duration"], 5, "{wait:#}");
    // The saved result is what the step returned, as JSON.
    assert_eq!(
        history[2]["StepSucceededDetails"]["Result"]["Payload"],
        json!(first).to_string()
    );
    let first_id = history[1]["Id"].clone();
    assert_eq!(history[2]["Id"], first_id);
    assert_eq!(history[4]["Id"], history[3]["Id"]);
    assert_ne!(history[3]["Id"], first_id);
}

/// The swallowed-suspension fixture on `bootstrap`: the invocation that swallowed the wait's
/// suspension answered PENDING (the execution did not end with its `Ok`), nothing ran after the
/// wait in it, and the step after the wait ran once, in the next invocation.
fn check_swallowed_suspension(backend: &Backend) {
    let (execution, history) = backend.run("swallow", &json!({}));
    assert_eq!(succeeded(&execution), json!({ "after": "after" }));
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "before ran",
            "wait suspended",
            // The step after the swallowed suspension returned it at once, without running.
            "after suspended",
            "invocation (replay)",
            "wait ok",
            "after ran",
            "after ok",
        ])
    );
    // The first invocation ended right after the wait: nothing of `after` before it.
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted before",
            "StepSucceeded before",
            "WaitStarted pause",
            "WaitSucceeded pause",
            "InvocationCompleted",
            "StepStarted after",
            "StepSucceeded after",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
}

#[test]
fn a_swallowed_suspension_still_answers_pending() {
    let Some(backend) = Backend::start(Setup::new(&["swallow"])) else {
        return;
    };
    check_swallowed_suspension(&backend);
}

#[test]
fn a_swallowed_suspension_still_answers_pending_under_panic_abort() {
    if durable_backend::dex_local_runner().is_none() {
        return;
    }
    let mut setup = Setup::new(&["swallow"]);
    setup.bootstrap = durable_backend::fixture_panic_abort();
    let Some(backend) = Backend::start(setup) else {
        return;
    };
    check_swallowed_suspension(&backend);
}

#[test]
fn a_failing_step_is_retried_until_it_succeeds() {
    let Some(backend) = Backend::start(Setup::new(&["retry"])) else {
        return;
    };
    let (execution, history) = backend.run("retry", &json!({ "succeed_on": 3, "max_attempts": 3 }));
    assert_eq!(succeeded(&execution), json!("ok on attempt 3"));
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "attempt 1",
            "invocation (replay)",
            "attempt 2",
            "invocation (replay)",
            "attempt 3",
        ])
    );
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted flaky",
            "StepFailed flaky",
            "InvocationCompleted",
            "StepStarted flaky",
            "StepFailed flaky",
            "InvocationCompleted",
            "StepStarted flaky",
            "StepSucceeded flaky",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
    // Each retry is saved with the attempt's error and the backoff (1 s, then 2 s).
    let failures: Vec<&Value> = history
        .iter()
        .filter(|e| e["EventType"] == "StepFailed")
        .collect();
    for (n, failure) in failures.iter().enumerate() {
        let details = &failure["StepFailedDetails"];
        assert_eq!(
            details["Error"]["Payload"],
            json!({ "ErrorType": "Flaky", "ErrorMessage": format!("attempt {} failed", n + 1) }),
            "{failure:#}"
        );
        assert_eq!(details["RetryDetails"]["CurrentAttempt"], n + 1);
        assert_eq!(details["RetryDetails"]["NextAttemptDelaySeconds"], 1 << n);
    }
}

#[test]
fn a_step_that_fails_for_good_fails_the_execution_with_step_error() {
    let Some(backend) = Backend::start(Setup::new(&["retry"])) else {
        return;
    };
    let (execution, history) =
        backend.run("retry", &json!({ "succeed_on": 99, "max_attempts": 2 }));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "StepError", "ErrorMessage": "attempt 2 failed" })
    );
    let attempts: Vec<String> = backend
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("attempt"))
        .collect();
    assert_eq!(attempts, strings(&["attempt 1", "attempt 2"]));
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted flaky",
            "StepFailed flaky",
            "StepStarted flaky",
            "StepFailed flaky",
            "ExecutionFailed",
        ])
    );
    // The first failure was retried 1 s later; the last one is final (no delay), with the
    // step's own error.
    let failures: Vec<&Value> = history
        .iter()
        .filter(|e| e["EventType"] == "StepFailed")
        .collect();
    let retry = &failures[0]["StepFailedDetails"]["RetryDetails"];
    assert_eq!(
        retry,
        &json!({ "CurrentAttempt": 1, "NextAttemptDelaySeconds": 1 })
    );
    let last = &failures[1]["StepFailedDetails"];
    assert_eq!(
        last["RetryDetails"],
        json!({ "CurrentAttempt": 2, "NextAttemptDelaySeconds": 0 }),
        "{last:#}"
    );
    assert_eq!(
        last["Error"]["Payload"],
        json!({ "ErrorType": "Flaky", "ErrorMessage": "attempt 2 failed" })
    );
}

#[test]
fn an_interrupted_at_most_once_step_is_not_run_again() {
    let Some(backend) = Backend::start(Setup::new(&["interrupted"])) else {
        return;
    };
    let (execution, history) = backend.run("interrupted", &json!({}));
    assert_eq!(succeeded(&execution), json!("done on attempt 2"));
    // Attempt 1 exited the process in the middle of the step; the next invocation found the
    // step started and did not run it again: it saved the interruption as a failed attempt and
    // retried it.
    let attempts: Vec<String> = backend
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("attempt"))
        .collect();
    assert_eq!(attempts, strings(&["attempt 1", "attempt 2"]));
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted once",
            "StepFailed once",
            "StepStarted once",
            "StepSucceeded once",
            "ExecutionSucceeded",
        ])
    );
    let interrupted = &history[2]["StepFailedDetails"];
    assert_eq!(
        interrupted["Error"]["Payload"]["ErrorType"],
        "StepInterruptedError"
    );
    assert_eq!(interrupted["RetryDetails"]["CurrentAttempt"], 1);
}

#[test]
fn a_child_context_saves_its_result_and_its_failure() {
    let Some(backend) = Backend::start(Setup::new(&["child"])) else {
        return;
    };
    let (execution, history) = backend.run("child", &json!({}));
    assert_eq!(
        succeeded(&execution),
        json!({
            "ok": "inner+child",
            "kind": "ChildContext",
            "recorded": { "ErrorType": "ChildContextError", "ErrorMessage": "the child says no" },
            "cause": { "ErrorType": "Refused", "ErrorMessage": "the child says no" },
        })
    );
    // `sub` suspended on its wait; the replay returned its saved step result without running
    // it again, and `bad` ran once.
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "inner ran",
            "invocation (replay)",
            "fine ran"
        ])
    );
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted sub",
            "StepStarted inner",
            "StepSucceeded inner",
            "WaitStarted nap",
            "WaitSucceeded nap",
            "InvocationCompleted",
            "ContextSucceeded sub",
            "ContextStarted bad",
            "StepStarted fine",
            "StepSucceeded fine",
            "ContextFailed bad",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
    // The operations inside a child context name it as their parent.
    let sub = history[1]["Id"].clone();
    for event in &history[2..6] {
        assert_eq!(event["ParentId"], sub, "{event:#}");
    }
    assert_eq!(history[1]["SubType"], "RunInChildContext");
    assert_eq!(
        history[11]["ContextFailedDetails"]["Error"]["Payload"],
        json!({ "ErrorType": "Refused", "ErrorMessage": "the child says no" })
    );

    // Returned with `?`, the child's failure fails the execution as ChildContextError.
    backend.clear_lines();
    let (execution, history) = backend.run("child", &json!({ "propagate": true }));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "ChildContextError", "ErrorMessage": "the child says no" })
    );
    assert_eq!(
        history.last().map(|e| &e["EventType"]),
        Some(&json!("ExecutionFailed"))
    );
}

#[test]
fn a_child_context_result_over_the_checkpoint_limit_is_rebuilt_on_replay() {
    let Some(backend) = Backend::start(Setup::new(&["big-child"])) else {
        return;
    };
    let (execution, history) = backend.run("big-child", &json!({ "size": 300_000 }));
    assert_eq!(succeeded(&execution), json!({ "bytes": 300_000 }));
    // The replay ran the child's code again (its result was not saved), and the step inside it
    // returned its saved result without running.
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "fill ran",
            "child returned",
            "invocation (replay)",
            "child returned"
        ])
    );
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted big",
            "StepStarted fill",
            "StepSucceeded fill",
            "ContextSucceeded big",
            "WaitStarted after",
            "WaitSucceeded after",
            "ExecutionSucceeded",
        ])
    );
    let saved = &history[4]["ContextSucceededDetails"]["Result"]["Payload"];
    assert!(
        saved.as_str().is_none_or(str::is_empty),
        "only a marker is saved: {saved}"
    );
}

#[test]
fn results_and_errors_over_the_reply_limit_are_checkpointed() {
    let Some(backend) = Backend::start(Setup::new(&["big-result", "nonesuch"])) else {
        return;
    };
    let size = 7 * 1024 * 1024;
    let (execution, history) = backend.run("big-result", &json!({ "size": size }));
    let result = succeeded(&execution);
    assert_eq!(result["big"].as_str().map(str::len), Some(size));
    // The execution ended with the checkpoint that saved its result, before the invocation's
    // (empty) reply.
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted unit",
            "StepSucceeded unit",
            "ExecutionSucceeded",
            "InvocationCompleted",
        ])
    );

    // An error of 100 kB goes back in the reply, whole.
    let (execution, _) = backend.run("big-result", &json!({ "size": 100_000, "fail": true }));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(execution["Error"]["ErrorType"], "Huge");
    assert_eq!(
        execution["Error"]["ErrorMessage"].as_str().map(str::len),
        Some(100_000)
    );
    // One over the reply limit is checkpointed instead, as AWS's Python SDK does; the backend
    // refuses an error object of 32 KiB or more, so the execution fails with that refusal.
    let (execution, history) = backend.run("big-result", &json!({ "size": size, "fail": true }));
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "CheckpointError", "ErrorMessage": "Error object size must be less than 32768 bytes." })
    );
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted unit",
            "StepSucceeded unit",
            "ExecutionFailed"
        ])
    );

    // An error of the handler's own (`DurableError::user`) fails the execution as it is.
    let (execution, history) = backend.run("nonesuch", &json!({}));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "UnknownFunction", "ErrorMessage": "no durable handler is named \"nonesuch\"" })
    );
    assert_eq!(
        described(&history),
        strings(&["ExecutionStarted", "InvocationCompleted", "ExecutionFailed"])
    );
}

#[test]
fn code_that_does_not_replay_as_it_ran_fails_the_execution() {
    let Some(backend) = Backend::start(Setup::new(&["changed"])) else {
        return;
    };
    let (execution, history) = backend.run("changed", &json!({}));
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"]["ErrorType"],
        "NonDeterministicExecutionError"
    );
    let message = execution["Error"]["ErrorMessage"].as_str().unwrap_or("");
    assert!(
        message.contains("was saved as Step but the code now runs a Wait there"),
        "{message}"
    );
    // Nothing was saved for the operation the replay ran in the step's place.
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "StepStarted first",
            "StepSucceeded first",
            "WaitStarted pause",
            "WaitSucceeded pause",
            "ExecutionFailed",
        ])
    );
}
