//! `map` and `parallel` of the durable SDK at their edges, end to end under AWS's local backend
//! (see `durable_sdk.rs` and `durable_backend`): results over the checkpoint limit rebuilt on
//! replay (from saved operations over several pages too), batches nested in batches, an item
//! that panics, branches orphaned while creating callbacks.

mod durable_backend;

use durable_backend::{Backend, Setup, described, operations, strings, succeeded};
use serde_json::{Value, json};

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
        json!({
            "count": 300, "reason": "ALL_COMPLETED", "in_order": true, "bytes": bytes,
            "failed": 0, "errors": [],
        })
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

#[test]
fn a_map_result_over_the_checkpoint_limit_keeps_its_failures_on_replay() {
    let Some(backend) = Backend::start(Setup::new(&["big-map"])) else {
        return;
    };
    // Every 50th item fails: six failures among 300, rebuilt with their errors after the wait.
    let (execution, history) = backend.run(
        "big-map",
        &json!({ "items": 300, "size": 1000, "max_concurrency": 50, "refuse_every": 50 }),
    );
    let bytes: usize = (0..300)
        .filter(|i| i % 50 != 0)
        .map(|i: usize| i.to_string().len() + 1 + 1000)
        .sum();
    let errors: Vec<Value> = (0..300)
        .filter(|i| i % 50 == 0)
        .map(|i| json!({ "ErrorType": "StepError", "ErrorMessage": format!("{i} is refused") }))
        .collect();
    assert_eq!(
        succeeded(&execution),
        json!({
            "count": 294, "reason": "ALL_COMPLETED", "in_order": true, "bytes": bytes,
            "failed": 6, "errors": errors,
        })
    );
    let lines = backend.lines();
    assert_eq!(lines.iter().filter(|l| l.starts_with("fill ")).count(), 300);
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "map returned 300 items")
            .count(),
        2
    );
    let failed_items = history
        .iter()
        .filter(|e| e["EventType"] == "ContextFailed" && e["SubType"] == "MapIteration")
        .count();
    assert_eq!(failed_items, 6);
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

#[test]
fn a_parallel_completed_by_its_first_success_does_not_wait_for_callbacks_of_the_others() {
    let Some(backend) = Backend::start(Setup::new(&["first-wins"])) else {
        return;
    };
    // The other branches are orphaned wherever they are: before, while or after creating
    // their callbacks. Several runs, for the timings to differ.
    for _ in 0..3 {
        let (execution, history) = backend.run("first-wins", &json!({ "others": 12 }));
        assert_eq!(
            succeeded(&execution),
            json!({ "reason": "MIN_SUCCESSFUL_REACHED", "results": ["first"] })
        );
        assert!(
            history
                .iter()
                .all(|e| e["EventType"] != "CallbackSucceeded"),
            "{:#?}",
            operations(&history)
        );
        let events = operations(&history);
        assert_eq!(
            events[events.len() - 2..],
            strings(&["ContextSucceeded race", "ExecutionSucceeded"])
        );
        // One invocation: nothing suspended the execution.
        let invocations = described(&history)
            .into_iter()
            .filter(|e| e == "InvocationCompleted")
            .count();
        assert_eq!(invocations, 1);
    }
}

#[test]
fn a_replay_reads_saved_operations_over_several_pages() {
    let Some(backend) = Backend::start(Setup::new(&["big-map"])) else {
        return;
    };
    // 30 results of 200 kB: 6 MB of saved operations, over the 5 MB dex puts in an invocation's
    // first page; the replay fetches the rest (GetDurableExecutionState) to rebuild the map.
    let (execution, _) = backend.run(
        "big-map",
        &json!({ "items": 30, "size": 200_000, "max_concurrency": 10 }),
    );
    let bytes: usize = (0..30)
        .map(|i: usize| i.to_string().len() + 1 + 200_000)
        .sum();
    assert_eq!(
        succeeded(&execution),
        json!({
            "count": 30, "reason": "ALL_COMPLETED", "in_order": true, "bytes": bytes,
            "failed": 0, "errors": [],
        })
    );
    let lines = backend.lines();
    assert_eq!(lines.iter().filter(|l| l.starts_with("fill ")).count(), 30);
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "map returned 30 items")
            .count(),
        2
    );
    let logs = backend.logs();
    assert!(
        logs.contains("/state?CheckpointToken="),
        "no GetDurableExecutionState call:\n{logs}"
    );
}
