//! `map` and `parallel` of the durable SDK end to end under AWS's local backend (see
//! `durable_sdk.rs` and `durable_backend`): results in index order, `max_concurrency`, the
//! completion rules, a branch that waits, and the histories dex records. Their edges (results
//! over the checkpoint limit, nesting, panics) are in `durable_batch_edges.rs`.

mod durable_backend;

use durable_backend::{Backend, Setup, described, operations, strings, succeeded};
use serde_json::{Value, json};

/// The most items whose step was running at once, from the `start N` / `end N` lines.
fn most_at_once(lines: &[String]) -> usize {
    let (mut running, mut most) = (0usize, 0usize);
    for line in lines {
        if line.starts_with("start ") {
            running += 1;
            most = most.max(running);
        } else if line.starts_with("end ") {
            running -= 1;
        }
    }
    most
}

/// The indexes whose step started, in the order they started.
fn started(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("start "))
        .map(|n| n.parse().expect("an index"))
        .collect()
}

fn item(index: usize, status: &str, result: Value, error: Value) -> Value {
    json!({ "index": index, "status": status, "result": result, "error": error })
}

fn refused(n: u64) -> Value {
    json!({ "ErrorType": "StepError", "ErrorMessage": format!("{n} is refused") })
}

#[test]
fn map_returns_every_result_in_order_within_its_concurrency() {
    let Some(backend) = Backend::start(Setup::new(&["map"])) else {
        return;
    };
    let (execution, history) = backend.run(
        "map",
        &json!({ "items": [1, 2, 3, 4, 5, 6], "max_concurrency": 2, "step_ms": 400 }),
    );
    let result = succeeded(&execution);
    let expected: Vec<Value> = (0..6)
        .map(|i| item(i, "SUCCEEDED", json!((i + 1) * 2), Value::Null))
        .collect();
    assert_eq!(
        result,
        json!({ "all": expected, "completionReason": "ALL_COMPLETED" })
    );
    let lines = backend.lines();
    assert_eq!(most_at_once(&lines), 2, "{lines:?}");
    assert_eq!(started(&lines).len(), 6, "each item ran once: {lines:?}");

    // The map's context, then each item's (named by the namer) around its step, and the map's
    // end last. Items run at once, so only the order within each item is fixed.
    let events = operations(&history);
    assert_eq!(
        events[..2],
        strings(&["ExecutionStarted", "ContextStarted items"])
    );
    assert_eq!(
        events[events.len() - 2..],
        strings(&["ContextSucceeded items", "ExecutionSucceeded"])
    );
    let map_id = history[1]["Id"].clone();
    assert_eq!(history[1]["SubType"], "Map");
    for (i, value) in [1, 2, 3, 4, 5, 6].iter().enumerate() {
        let name = format!("item-{i}-of-{value}");
        let context: Vec<&Value> = history.iter().filter(|e| e["Name"] == name).collect();
        assert_eq!(
            context
                .iter()
                .map(|e| e["EventType"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["ContextStarted", "ContextSucceeded"],
            "{name}"
        );
        assert_eq!(context[0]["SubType"], "MapIteration");
        assert_eq!(context[0]["ParentId"], map_id);
        let item_id = context[0]["Id"].clone();
        let step: Vec<&str> = history
            .iter()
            .filter(|e| e["ParentId"] == item_id)
            .map(|e| e["EventType"].as_str().unwrap())
            .collect();
        assert_eq!(step, ["StepStarted", "StepSucceeded"], "{name}");
        let position = |kind: &str, id: &Value| {
            history
                .iter()
                .position(|e| e["EventType"] == kind && &e["Id"] == id)
                .expect("the event")
        };
        let step_id = &history
            .iter()
            .find(|e| e["ParentId"] == item_id)
            .expect("the step")["Id"];
        assert!(position("ContextStarted", &item_id) < position("StepStarted", step_id));
        assert!(position("StepSucceeded", step_id) < position("ContextSucceeded", &item_id));
    }
    // An item starts only once one of the two running has ended: the third item's context
    // starts after the first item's has succeeded.
    let position = |kind: &str, name: &str| {
        history
            .iter()
            .position(|e| e["EventType"] == kind && e["Name"] == name)
            .expect("the event")
    };
    let first_done = position("ContextSucceeded", "item-0-of-1")
        .min(position("ContextSucceeded", "item-1-of-2"));
    assert!(
        first_done < position("ContextStarted", "item-2-of-3"),
        "{:#?}",
        described(&history)
    );
}

#[test]
fn map_completion_rules_end_it_early() {
    let Some(backend) = Backend::start(Setup::new(&["map"])) else {
        return;
    };
    // Fail fast (the default): the first failure ends the map; later items never start.
    let (execution, history) = backend.run(
        "map",
        &json!({ "items": [1, 2, 3, 4], "max_concurrency": 1, "refuse": [1] }),
    );
    assert_eq!(
        succeeded(&execution),
        json!({
            "all": [
                item(0, "SUCCEEDED", json!(2), Value::Null),
                item(1, "FAILED", Value::Null, refused(2)),
            ],
            "completionReason": "FAILURE_TOLERANCE_EXCEEDED",
        })
    );
    assert_eq!(started(&backend.lines()), [0, 1]);
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted items",
            "ContextStarted item-0-of-1",
            "StepStarted double",
            "StepSucceeded double",
            "ContextSucceeded item-0-of-1",
            "ContextStarted item-1-of-2",
            "StepStarted double",
            "StepFailed double",
            "ContextFailed item-1-of-2",
            "ContextSucceeded items",
            "ExecutionSucceeded",
        ])
    );

    // min_successful: complete once two items succeeded.
    backend.clear_lines();
    let (execution, history) = backend.run(
        "map",
        &json!({ "items": [1, 2, 3, 4], "max_concurrency": 1, "completion": { "min_successful": 2 } }),
    );
    assert_eq!(
        succeeded(&execution),
        json!({
            "all": [
                item(0, "SUCCEEDED", json!(2), Value::Null),
                item(1, "SUCCEEDED", json!(4), Value::Null),
            ],
            "completionReason": "MIN_SUCCESSFUL_REACHED",
        })
    );
    assert_eq!(started(&backend.lines()), [0, 1]);
    assert_eq!(operations(&history).len(), 12, "{:#?}", described(&history));

    // One failure tolerated: the second ends the map.
    backend.clear_lines();
    let (execution, _) = backend.run(
        "map",
        &json!({
            "items": [1, 2, 3, 4, 5], "max_concurrency": 1, "refuse": [0, 2, 3],
            "completion": { "tolerated_failure_count": 1 },
        }),
    );
    assert_eq!(
        succeeded(&execution),
        json!({
            "all": [
                item(0, "FAILED", Value::Null, refused(1)),
                item(1, "SUCCEEDED", json!(4), Value::Null),
                item(2, "FAILED", Value::Null, refused(3)),
            ],
            "completionReason": "FAILURE_TOLERANCE_EXCEEDED",
        })
    );
    assert_eq!(started(&backend.lines()), [0, 1, 2]);

    // Every item completes when all failures are tolerated.
    backend.clear_lines();
    let (execution, _) = backend.run(
        "map",
        &json!({
            "items": [1, 2, 3], "refuse": [0, 2],
            "completion": { "preset": "all_completed" },
        }),
    );
    assert_eq!(
        succeeded(&execution),
        json!({
            "all": [
                item(0, "FAILED", Value::Null, refused(1)),
                item(1, "SUCCEEDED", json!(4), Value::Null),
                item(2, "FAILED", Value::Null, refused(3)),
            ],
            "completionReason": "ALL_COMPLETED",
        })
    );
}

#[test]
fn map_items_that_wait_suspend_and_resume_in_order() {
    let Some(backend) = Backend::start(Setup::new(&["map"])) else {
        return;
    };
    let (execution, _) = backend.run("map", &json!({ "items": [1, 2, 3], "nap": [0, 2] }));
    let expected: Vec<Value> = (0..3)
        .map(|i| item(i, "SUCCEEDED", json!((i + 1) * 2), Value::Null))
        .collect();
    assert_eq!(
        succeeded(&execution),
        json!({ "all": expected, "completionReason": "ALL_COMPLETED" })
    );
    let mut ran = started(&backend.lines());
    ran.sort_unstable();
    assert_eq!(ran, [0, 1, 2], "each item's step ran once");
}

#[test]
fn parallel_branches_return_in_order_and_a_waiting_branch_resumes_in_a_replay() {
    let Some(backend) = Backend::start(Setup::new(&["parallel"])) else {
        return;
    };
    let (execution, history) = backend.run("parallel", &json!({ "max_concurrency": 1 }));
    assert_eq!(
        succeeded(&execution),
        json!({ "results": ["a", "b", "c"], "reason": "ALL_COMPLETED" })
    );
    // One branch at a time: `slow` suspends the execution on its wait, and the replay returns
    // `fast`'s result as saved.
    assert_eq!(
        backend.lines(),
        strings(&["invocation (new)", "a ran", "invocation (replay)", "b ran"])
    );
    assert_eq!(
        described(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted fan",
            "ContextStarted fast",
            "StepStarted a",
            "StepSucceeded a",
            "ContextSucceeded fast",
            "ContextStarted slow",
            "WaitStarted nap",
            "WaitSucceeded nap",
            "InvocationCompleted",
            "StepStarted b",
            "StepSucceeded b",
            "ContextSucceeded slow",
            "ContextStarted parallel-branch-2",
            "ContextSucceeded parallel-branch-2",
            "ContextSucceeded fan",
            "InvocationCompleted",
            "ExecutionSucceeded",
        ])
    );
    assert_eq!(history[1]["SubType"], "Parallel");
    assert_eq!(history[2]["SubType"], "ParallelBranch");
    assert_eq!(history[2]["ParentId"], history[1]["Id"]);

    // All at once: the same results in the same order.
    backend.clear_lines();
    let (execution, _) = backend.run("parallel", &json!({}));
    assert_eq!(
        succeeded(&execution),
        json!({ "results": ["a", "b", "c"], "reason": "ALL_COMPLETED" })
    );
}

/// With dex on the wall clock, `slow`'s wait ends while `fast` is still running: the
/// coordinator runs `slow` again in the same invocation, which goes past its wait.
#[test]
fn a_parallel_branch_whose_wait_ends_while_another_runs_resumes_in_the_same_invocation() {
    let mut setup = Setup::new(&["parallel"]);
    setup.skip_time = false;
    let Some(backend) = Backend::start(setup) else {
        return;
    };
    let (execution, history) = backend.run("parallel", &json!({ "busy_ms": 4000 }));
    assert_eq!(
        succeeded(&execution),
        json!({ "results": ["a", "b", "c"], "reason": "ALL_COMPLETED" })
    );
    assert_eq!(
        backend.lines(),
        strings(&["invocation (new)", "a ran", "b ran"]),
        "{:#?}",
        described(&history)
    );
    let events = described(&history);
    assert_eq!(
        events
            .iter()
            .filter(|e| *e == "InvocationCompleted")
            .count(),
        1,
        "{events:#?}"
    );
    let at = |name: &str| events.iter().position(|e| e == name).expect(name);
    assert!(at("WaitSucceeded nap") < at("StepStarted b"));
    assert!(at("StepSucceeded b") < at("StepSucceeded a"), "{events:#?}");
}

#[test]
fn a_parallel_branch_that_fails_fails_the_execution() {
    let Some(backend) = Backend::start(Setup::new(&["parallel"])) else {
        return;
    };
    let (execution, history) = backend.run(
        "parallel",
        &json!({ "max_concurrency": 1, "fail_slow": true }),
    );
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    assert_eq!(
        execution["Error"],
        json!({ "ErrorType": "ChildContextError", "ErrorMessage": "the slow branch gave up" })
    );
    // The first failure completes the parallel (all must succeed): the third branch never
    // starts.
    assert_eq!(
        operations(&history),
        strings(&[
            "ExecutionStarted",
            "ContextStarted fan",
            "ContextStarted fast",
            "StepStarted a",
            "StepSucceeded a",
            "ContextSucceeded fast",
            "ContextStarted slow",
            "WaitStarted nap",
            "WaitSucceeded nap",
            "ContextFailed slow",
            "ContextSucceeded fan",
            "ExecutionFailed",
        ])
    );
    let failed = history
        .iter()
        .find(|e| e["EventType"] == "ContextFailed")
        .expect("the failed branch");
    assert_eq!(
        failed["ContextFailedDetails"]["Error"]["Payload"],
        json!({ "ErrorType": "TooSlow", "ErrorMessage": "the slow branch gave up" })
    );
}

#[test]
fn map_completed_early_leaves_waiting_items_started_and_does_not_wait_for_them() {
    let Some(backend) = Backend::start(Setup::new(&["map"])) else {
        return;
    };
    let (execution, history) = backend.run(
        "map",
        &json!({ "items": [1, 2, 3, 4], "nap": [1, 2, 3], "completion": { "min_successful": 1 } }),
    );
    assert_eq!(
        succeeded(&execution),
        json!({
            "all": [
                item(0, "SUCCEEDED", json!(2), Value::Null),
                item(1, "STARTED", Value::Null, Value::Null),
                item(2, "STARTED", Value::Null, Value::Null),
                item(3, "STARTED", Value::Null, Value::Null),
            ],
            "completionReason": "MIN_SUCCESSFUL_REACHED",
        })
    );
    // One invocation: the waiting items did not hold the execution; their steps never ran.
    assert_eq!(
        backend.lines(),
        strings(&[
            "invocation (new)",
            "start 0",
            "end 0",
            "map completed: MinSuccessfulReached"
        ])
    );
    for (i, value) in [2, 3, 4].iter().enumerate() {
        let name = format!("item-{}-of-{value}", i + 1);
        let events: Vec<&str> = history
            .iter()
            .filter(|e| e["Name"] == name)
            .map(|e| e["EventType"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["ContextStarted"], "{name}");
    }
    let events = operations(&history);
    assert_eq!(
        events[events.len() - 2..],
        strings(&["ContextSucceeded items", "ExecutionSucceeded"])
    );
}
