//! `map` and `parallel` of the durable SDK end to end under AWS's local backend (see
//! `durable_sdk.rs` and `durable_backend`): results in index order, `max_concurrency`, the
//! completion rules, a branch that waits, and the histories dex records.

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

#[test]
fn a_map_result_over_the_checkpoint_limit_is_rebuilt_from_its_items_on_replay() {
    let Some(backend) = Backend::start(Setup::new(&["big-map"])) else {
        return;
    };
    // 300 results of about 1 kB: over the 256 kB a checkpoint's payload may have.
    let (execution, history) = backend.run(
        "big-map",
        &json!({ "items": 300, "size": 1000, "max_concurrency": 50 }),
    );
    let bytes: usize = (0..300)
        .map(|i: usize| i.to_string().len() + 1 + 1000)
        .sum();
    assert_eq!(
        succeeded(&execution),
        json!({ "count": 300, "reason": "ALL_COMPLETED", "in_order": true, "bytes": bytes })
    );
    let lines = backend.lines();
    // Each item ran once; the map returned in the first invocation and again, rebuilt, in the
    // replay after the wait.
    assert_eq!(lines.iter().filter(|l| l.starts_with("fill ")).count(), 300);
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "map returned 300 items")
            .count(),
        2,
        "{:?}",
        lines
            .iter()
            .filter(|l| !l.starts_with("fill "))
            .collect::<Vec<_>>()
    );
    let count = |kind: &str, sub: &str| {
        history
            .iter()
            .filter(|e| e["EventType"] == kind && e["SubType"] == sub)
            .count()
    };
    assert_eq!(count("ContextSucceeded", "MapIteration"), 300);
    assert_eq!(count("StepSucceeded", "Step"), 300);
    // What the map saved is its completion record, not its result.
    let map = history
        .iter()
        .find(|e| e["EventType"] == "ContextSucceeded" && e["SubType"] == "Map")
        .expect("the map's end");
    let saved = &map["ContextSucceededDetails"]["Result"]["Payload"];
    let record: Value = serde_json::from_str(saved.as_str().expect("a payload")).expect("JSON");
    assert_eq!(record["totalCount"], 300, "{record}");
    assert_eq!(record["completionReason"], "ALL_COMPLETED");
    let events = operations(&history);
    assert_eq!(
        events[events.len() - 4..],
        strings(&[
            "ContextSucceeded big",
            "WaitStarted after",
            "WaitSucceeded after",
            "ExecutionSucceeded"
        ])
    );
}

/// A panic in an item's code fails the invocation at once, with the panic's message, as a panic
/// anywhere else in a handler does (Lambda then retries the invocation); it does not leave the
/// invocation waiting for the item until the function's timeout.
#[test]
fn a_panicking_map_item_fails_the_invocation_at_once() {
    let Some(backend) = Backend::start(Setup::new(&["map"])) else {
        return;
    };
    let (execution, _) = backend.run("map", &json!({ "items": [1, 2, 3], "panic": [1] }));
    // dex retries a failed invocation a few times, then fails the execution with its error.
    assert_eq!(execution["Status"], "FAILED", "{execution:#}");
    let message = execution["Error"]["ErrorMessage"].as_str().unwrap_or("");
    assert!(
        message.contains(r#""errorMessage":"item 1 panics","errorType":"Panic""#),
        "{execution:#}"
    );
    let logs = backend.logs();
    assert!(!logs.contains("Task timed out"), "{logs}");
    // The other items succeeded in the first invocation and were not run again.
    let lines = backend.lines();
    let runs = |index: usize| {
        lines
            .iter()
            .filter(|l| **l == format!("start {index}"))
            .count()
    };
    assert_eq!((runs(0), runs(2)), (1, 1), "{lines:?}");
    assert!(runs(1) >= 2, "{lines:?}");
}

#[test]
fn batches_nest_in_batches_and_child_contexts() {
    let Some(backend) = Backend::start(Setup::new(&["nested"])) else {
        return;
    };
    let (execution, history) = backend.run("nested", &json!({}));
    assert_eq!(succeeded(&execution), json!([[11, 21, 31], [1]]));
    // Each step ran once: the waiting item's in the replay, the others' before.
    let mut lines = backend.lines();
    let replay = lines
        .iter()
        .position(|l| l == "invocation (replay)")
        .expect("a replay");
    let mut before = lines[1..replay].to_vec();
    before.sort();
    assert_eq!(before, strings(&["add 0", "add 2", "one ran"]));
    assert_eq!(
        lines.split_off(replay),
        strings(&["invocation (replay)", "add 1"])
    );
    // Every operation names the context it runs in as its parent, down to the steps.
    let id_of = |kind: &str, name: &str| {
        history
            .iter()
            .find(|e| e["EventType"] == kind && e["Name"] == name)
            .map(|e| e["Id"].clone())
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let parent_of = |kind: &str, name: &str| {
        history
            .iter()
            .find(|e| e["EventType"] == kind && e["Name"] == name)
            .map(|e| e["ParentId"].clone())
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    assert_eq!(
        parent_of("ContextStarted", "mapper"),
        id_of("ContextStarted", "outer")
    );
    assert_eq!(
        parent_of("ContextStarted", "inner"),
        id_of("ContextStarted", "mapper")
    );
    assert_eq!(
        parent_of("ContextStarted", "map-item-1"),
        id_of("ContextStarted", "inner")
    );
    assert_eq!(
        parent_of("WaitStarted", "nap"),
        id_of("ContextStarted", "map-item-1")
    );
    assert_eq!(
        parent_of("StepStarted", "one"),
        id_of("ContextStarted", "single")
    );
    let subs: Vec<&Value> = history
        .iter()
        .filter(|e| e["EventType"] == "ContextStarted" && e["Name"] == "sub")
        .collect();
    assert_eq!(subs.len(), 3);
    let ids: std::collections::HashSet<String> = history
        .iter()
        .filter(|e| e["EventType"] == "StepStarted")
        .map(|e| e["Id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 4, "every step has an id of its own");
    let events = operations(&history);
    assert_eq!(
        events[events.len() - 5..],
        strings(&[
            "ContextSucceeded map-item-1",
            "ContextSucceeded inner",
            "ContextSucceeded mapper",
            "ContextSucceeded outer",
            "ExecutionSucceeded",
        ])
    );
}
