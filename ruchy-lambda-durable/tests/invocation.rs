//! One invocation at a time, against a recording API that keeps the operations as Lambda's
//! checkpoint processing does (a start makes an operation STARTED, a retry PENDING with one
//! more attempt, a success SUCCEEDED with its payload): what the context sends, in which calls
//! and in which order, what a replay runs, and what the reply is.
//!
//! The behaviour against real backends (AWS's own `dex-local-runner`, the local Lambda's) is
//! tested end to end in the workspace's tests; these pin down the client's side alone.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ruchy_lambda_durable::model::{
    CheckpointResponse, ExecutionState, InvocationInput, InvocationStatus, Operation,
    OperationUpdate,
};
use ruchy_lambda_durable::{
    DurableApi, DurableError, ErrorKind, ErrorObject, RetryStrategy, StepConfig, StepContext,
    StepSemantics, WaitDecision, WaitForConditionConfig, run,
};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1";

/// Lambda's side, as far as these tests need it.
#[derive(Default)]
struct Recorder {
    operations: Mutex<Vec<Value>>,
    /// Each checkpoint call's updates, as sent.
    calls: Mutex<Vec<Vec<Value>>>,
    tokens: Mutex<u32>,
}

impl Recorder {
    fn with_execution(input: &str) -> Arc<Recorder> {
        let recorder = Recorder::default();
        recorder.operations.lock().unwrap().push(json!({
            "Id": "exec", "Type": "EXECUTION", "Status": "STARTED",
            "ExecutionDetails": {"InputPayload": input}
        }));
        Arc::new(recorder)
    }

    /// The event of the next invocation: every operation, times in milliseconds.
    fn event(&self) -> InvocationInput {
        let operations = self.operations.lock().unwrap().clone();
        serde_json::from_value(json!({
            "DurableExecutionArn": ARN,
            "CheckpointToken": format!("t{}", self.tokens.lock().unwrap()),
            "InitialExecutionState": {"Operations": operations}
        }))
        .unwrap()
    }

    fn calls(&self) -> Vec<Vec<Value>> {
        self.calls.lock().unwrap().clone()
    }

    fn set(&self, id: &str, change: impl FnOnce(&mut Value)) {
        let mut operations = self.operations.lock().unwrap();
        let op = operations.iter_mut().find(|o| o["Id"] == id).unwrap();
        change(op);
    }

    fn apply(&self, update: &Value) -> Value {
        let mut operations = self.operations.lock().unwrap();
        let id = update["Id"].clone();
        let index = match operations.iter().position(|o| o["Id"] == id) {
            Some(i) => i,
            None => {
                let mut op = json!({"Id": id, "Type": update["Type"], "Status": "STARTED"});
                for key in ["ParentId", "Name", "SubType"] {
                    if !update[key].is_null() {
                        op[key] = update[key].clone();
                    }
                }
                operations.push(op);
                operations.len() - 1
            }
        };
        let op = &mut operations[index];
        let kind = update["Type"].as_str().unwrap();
        let details = match kind {
            "STEP" => "StepDetails",
            "CONTEXT" => "ContextDetails",
            "WAIT" => "WaitDetails",
            "CALLBACK" => "CallbackDetails",
            "CHAINED_INVOKE" => "ChainedInvokeDetails",
            _ => "ExecutionDetails",
        };
        if op[details].is_null() {
            op[details] = json!({});
        }
        match update["Action"].as_str().unwrap() {
            "START" => {
                op["Status"] = json!("STARTED");
                if kind == "WAIT" {
                    op[details]["ScheduledEndTimestamp"] = json!(4_102_444_800.0);
                }
                if kind == "CALLBACK" {
                    op[details]["CallbackId"] = json!(format!("cb-{}", id.as_str().unwrap()));
                }
            }
            "SUCCEED" => {
                op["Status"] = json!("SUCCEEDED");
                op[details]["Result"] = update["Payload"].clone();
            }
            "FAIL" => {
                op["Status"] = json!("FAILED");
                op[details]["Error"] = update["Error"].clone();
            }
            "RETRY" => {
                op["Status"] = json!("PENDING");
                let attempt = op[details]["Attempt"].as_u64().unwrap_or(0) + 1;
                op[details]["Attempt"] = json!(attempt);
                op[details]["NextAttemptTimestamp"] = json!(4_102_444_800.0);
                op[details]["Error"] = update["Error"].clone();
                if !update["Payload"].is_null() {
                    op[details]["Result"] = update["Payload"].clone();
                }
            }
            other => panic!("unexpected action {other}"),
        }
        op.clone()
    }
}

impl DurableApi for Recorder {
    fn checkpoint(
        &self,
        arn: &str,
        checkpoint_token: &str,
        updates: &[OperationUpdate],
    ) -> Result<CheckpointResponse, ruchy_lambda_durable::Error> {
        assert_eq!(arn, ARN);
        let mut tokens = self.tokens.lock().unwrap();
        assert_eq!(
            checkpoint_token,
            format!("t{tokens}"),
            "each token is used once"
        );
        *tokens += 1;
        let sent: Vec<Value> = updates
            .iter()
            .map(|u| serde_json::to_value(u).unwrap())
            .collect();
        let changed: Vec<Value> = sent.iter().map(|u| self.apply(u)).collect();
        self.calls.lock().unwrap().push(sent);
        Ok(serde_json::from_value(json!({
            "CheckpointToken": format!("t{tokens}"),
            "NewExecutionState": {"Operations": changed}
        }))
        .unwrap())
    }

    fn state(
        &self,
        _arn: &str,
        _token: &str,
        _marker: Option<&str>,
    ) -> Result<ExecutionState, ruchy_lambda_durable::Error> {
        Ok(ExecutionState::default())
    }
}

fn actions(call: &[Value]) -> Vec<String> {
    call.iter()
        .map(|u| {
            format!(
                "{} {}",
                u["Type"].as_str().unwrap(),
                u["Action"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_replay_returns_saved_results_without_running_the_step() {
    let api = Recorder::with_execution(r#"{"n":2}"#);
    let runs = Mutex::new(0);
    let handler = |input: Value, ctx: &ruchy_lambda_durable::DurableContext| {
        let doubled: u64 = ctx.step("double", |_| {
            *runs.lock().unwrap() += 1;
            Ok::<_, DurableError>(input["n"].as_u64().unwrap() * 2)
        })?;
        ctx.wait("pause", Duration::from_secs(5))?;
        Ok::<_, DurableError>(doubled + 1)
    };
    let first = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(first.status, InvocationStatus::Pending);
    assert_eq!(*runs.lock().unwrap(), 1);
    // The step's start went with its result, in one call; the wait's start in the next.
    let calls = api.calls();
    assert_eq!(actions(&calls[0]), ["STEP START", "STEP SUCCEED"]);
    assert_eq!(calls[0][1]["Payload"], "4");
    assert_eq!(actions(&calls[1]), ["WAIT START"]);
    assert_eq!(calls[1][0]["WaitOptions"]["WaitSeconds"], 5);
    assert_eq!(calls.len(), 2);

    // The wait ends; the next invocation replays.
    let wait_id = calls[1][0]["Id"].as_str().unwrap().to_owned();
    api.set(&wait_id, |op| op["Status"] = json!("SUCCEEDED"));
    let second = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(second.status, InvocationStatus::Succeeded);
    assert_eq!(second.result.as_deref(), Some("5"));
    assert_eq!(*runs.lock().unwrap(), 1, "the step did not run again");
    assert_eq!(api.calls().len(), 2, "a replay checkpoints nothing");
}

#[test]
fn a_swallowed_suspension_still_answers_pending_and_stops_every_later_operation() {
    let api = Recorder::with_execution("{}");
    let later = Mutex::new(0);
    let output = run(
        api.event(),
        api.clone(),
        |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
            let suspended = ctx.wait("pause", Duration::from_secs(60)).unwrap_err();
            assert!(suspended.is_suspended());
            let after: Result<u32, DurableError> = ctx.step("after", |_| {
                *later.lock().unwrap() += 1;
                Ok::<_, DurableError>(1)
            });
            assert_eq!(after.unwrap_err().kind(), ErrorKind::Suspended);
            let child: Result<u32, DurableError> =
                ctx.run_in_child_context("child", |_| Ok::<_, DurableError>(1));
            assert!(child.unwrap_err().is_suspended());
            Ok::<_, DurableError>("done anyway")
        },
    )
    .unwrap();
    assert_eq!(output.status, InvocationStatus::Pending);
    assert_eq!(output.result, None);
    assert_eq!(*later.lock().unwrap(), 0);
    let calls = api.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(actions(&calls[0]), ["WAIT START"]);
}

#[test]
fn a_failed_attempt_is_saved_as_a_retry_and_suspends_until_it_is_due() {
    let api = Recorder::with_execution("{}");
    let attempts = Mutex::new(Vec::new());
    let handler = |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
        let retry = RetryStrategy::exponential()
            .max_attempts(2)
            .initial_delay(Duration::from_secs(3))
            .jitter(ruchy_lambda_durable::Jitter::None);
        ctx.step_with("flaky", StepConfig::new().retry(retry), |s| {
            attempts.lock().unwrap().push(s.attempt());
            Err::<u32, _>(ErrorObject::new(
                "Flaky",
                format!("attempt {}", s.attempt()),
            ))
        })
    };
    let first = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(first.status, InvocationStatus::Pending);
    let calls = api.calls();
    assert_eq!(actions(&calls[0]), ["STEP START", "STEP RETRY"]);
    assert_eq!(calls[0][1]["StepOptions"]["NextAttemptDelaySeconds"], 3);
    assert_eq!(calls[0][1]["Error"]["ErrorType"], "Flaky");

    // Still pending: the retry is not due, the step does not run.
    let again = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(again.status, InvocationStatus::Pending);
    assert_eq!(*attempts.lock().unwrap(), [1]);

    // Due: Lambda makes it READY; the second attempt fails for good.
    let id = calls[0][0]["Id"].as_str().unwrap().to_owned();
    api.set(&id, |op| op["Status"] = json!("READY"));
    let last = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(*attempts.lock().unwrap(), [1, 2]);
    assert_eq!(last.status, InvocationStatus::Failed);
    let error = last.error.unwrap();
    assert_eq!(error.error_type.as_deref(), Some("StepError"));
    assert_eq!(error.error_message.as_deref(), Some("attempt 2"));
    let calls = api.calls();
    assert_eq!(actions(calls.last().unwrap()), ["STEP START", "STEP FAIL"]);
}

#[test]
fn each_check_of_a_wait_for_condition_starts_as_an_attempt_of_its_own() {
    let api = Recorder::with_execution("{}");
    let handler = |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
        let config = WaitForConditionConfig::new(0_u32, |n: &u32, _attempt: u32| {
            if *n >= 2 {
                WaitDecision::Stop
            } else {
                WaitDecision::Continue(Duration::from_secs(1))
            }
        });
        ctx.wait_for_condition(
            "poll",
            |n: u32, _s: &StepContext| Ok::<_, DurableError>(n + 1),
            config,
        )
    };
    let first = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(first.status, InvocationStatus::Pending);
    let calls = api.calls();
    assert_eq!(actions(&calls[0]), ["STEP START", "STEP RETRY"]);
    assert_eq!(calls[0][1]["Payload"], "1");

    // Due again: Lambda makes it READY; the second check starts (Lambda's history has a
    // StepStarted per check) from the state the first one saved.
    let id = calls[0][0]["Id"].as_str().unwrap().to_owned();
    api.set(&id, |op| op["Status"] = json!("READY"));
    let last = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(last.status, InvocationStatus::Succeeded);
    assert_eq!(last.result.as_deref(), Some("2"));
    assert_eq!(
        actions(api.calls().last().unwrap()),
        ["STEP START", "STEP SUCCEED"]
    );
}

#[test]
fn an_at_most_once_step_saves_its_start_first_and_an_interrupted_attempt_does_not_run_again() {
    let api = Recorder::with_execution("{}");
    let runs = Mutex::new(0);
    let handler = |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
        let config = StepConfig::new()
            .semantics(StepSemantics::AtMostOncePerRetry)
            .retry(RetryStrategy::none());
        ctx.step_with("charge", config, |_| {
            *runs.lock().unwrap() += 1;
            Ok::<_, DurableError>(7)
        })
    };
    let first = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(first.result.as_deref(), Some("7"));
    let calls = api.calls();
    assert_eq!(
        actions(&calls[0]),
        ["STEP START"],
        "the start alone, before the code runs"
    );
    assert_eq!(actions(&calls[1]), ["STEP SUCCEED"]);

    // An invocation that died after the start: the attempt counts as failed.
    let api = Recorder::with_execution("{}");
    let id = ruchy_lambda_durable::ids::IdNamespace::root().id(1);
    api.operations.lock().unwrap().push(json!({
        "Id": id, "Type": "STEP", "SubType": "Step", "Name": "charge", "Status": "STARTED",
        "StepDetails": {"Attempt": 0}
    }));
    *runs.lock().unwrap() = 0;
    let output = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(*runs.lock().unwrap(), 0);
    assert_eq!(output.status, InvocationStatus::Failed);
    let calls = api.calls();
    assert_eq!(actions(&calls[0]), ["STEP FAIL"]);
    assert_eq!(calls[0][0]["Error"]["ErrorType"], "StepInterruptedError");
}

#[test]
fn more_than_250_queued_updates_go_in_several_calls_in_order() {
    let api = Recorder::with_execution("{}");
    let output = run(
        api.event(),
        api.clone(),
        |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
            // 300 child contexts whose starts are queued, then one synchronous update.
            for i in 0..300 {
                ctx.run_in_child_context(format!("c{i}"), |_| Ok::<_, DurableError>(i))?;
            }
            Ok::<_, DurableError>(())
        },
    )
    .unwrap();
    assert_eq!(output.status, InvocationStatus::Succeeded);
    let calls = api.calls();
    assert!(calls.iter().all(|c| c.len() <= 250));
    let sent: Vec<Value> = calls.into_iter().flatten().collect();
    assert_eq!(sent.len(), 600);
    for pair in sent.chunks(2) {
        assert_eq!(actions(pair), ["CONTEXT START", "CONTEXT SUCCEED"]);
        assert_eq!(pair[0]["Id"], pair[1]["Id"]);
    }
}

#[test]
fn map_items_run_in_child_contexts_and_a_completion_rule_ends_the_batch() {
    let api = Recorder::with_execution("{}");
    let output = run(
        api.event(),
        api.clone(),
        |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
            let items = vec![1u32, 2, 3, 4];
            let result = ctx.map(
                "squares",
                items,
                |c, item, _| c.step("square", |_| Ok::<_, DurableError>(item * item)),
                ruchy_lambda_durable::MapConfig::new().max_concurrency(1),
            )?;
            let first = ctx.map(
                "first",
                vec![1u32, 2, 3],
                |_, item, _| {
                    if *item == 1 {
                        Err(DurableError::user("Odd", "one"))
                    } else {
                        Ok(*item)
                    }
                },
                ruchy_lambda_durable::MapConfig::new()
                    .max_concurrency(1)
                    .completion(ruchy_lambda_durable::CompletionConfig::first_successful()),
            )?;
            Ok::<_, DurableError>(json!({
                "squares": result.into_results(),
                "first": serde_json::to_value(&first).unwrap(),
            }))
        },
    )
    .unwrap();
    assert_eq!(output.status, InvocationStatus::Succeeded, "{output:?}");
    let result: Value = serde_json::from_str(output.result.as_deref().unwrap()).unwrap();
    assert_eq!(result["squares"], json!([1, 4, 9, 16]));
    assert_eq!(
        result["first"]["completionReason"],
        "MIN_SUCCESSFUL_REACHED"
    );
    assert_eq!(
        result["first"]["all"].as_array().unwrap().len(),
        2,
        "the third never started"
    );
    assert_eq!(result["first"]["all"][0]["error"]["ErrorType"], "Odd");
    let operations = api.operations.lock().unwrap().clone();
    let ops: Vec<Operation> = operations
        .into_iter()
        .map(|o| serde_json::from_value(o).unwrap())
        .collect();
    let iterations = ops
        .iter()
        .filter(|o| {
            o.sub_type
                .as_ref()
                .is_some_and(|s| s.as_str() == "MapIteration")
        })
        .count();
    assert_eq!(iterations, 6);
    let names: Vec<&str> = ops.iter().filter_map(|o| o.name.as_deref()).collect();
    assert!(
        names.contains(&"map-item-0") && names.contains(&"map-item-3"),
        "{names:?}"
    );
}

#[test]
fn a_serializer_of_the_users_writes_the_checkpoint_and_reads_the_replay() {
    let api = Recorder::with_execution(r#""hello""#);
    let upper = ruchy_lambda_durable::serdes(
        |v: &String| Ok(v.to_uppercase()),
        |text: &str| Ok(format!("read:{text}")),
    );
    let handler = |input: String, ctx: &ruchy_lambda_durable::DurableContext| {
        let config = ruchy_lambda_durable::ChildConfig::new().serdes(upper.clone());
        let value = ctx
            .run_in_child_context_with("shout", config, |_| Ok::<_, DurableError>(input.clone()))?;
        ctx.wait("pause", Duration::from_secs(1))?;
        Ok::<_, DurableError>(value)
    };
    let first = run(api.event(), api.clone(), handler).unwrap();
    assert_eq!(first.status, InvocationStatus::Pending);
    let calls = api.calls();
    assert_eq!(
        calls[0][1]["Payload"], "HELLO",
        "the payload is the serializer's, not JSON"
    );
    let wait_id = calls[1][0]["Id"].as_str().unwrap().to_owned();
    api.set(&wait_id, |op| op["Status"] = json!("SUCCEEDED"));
    let second = run(api.event(), api.clone(), handler).unwrap();
    // The first run returned what a replay reads back, and so does the replay.
    assert_eq!(second.result.as_deref(), Some(r#""read:HELLO""#));
}

#[test]
fn flat_items_checkpoint_their_operations_under_the_batch_and_nothing_of_their_own() {
    let api = Recorder::with_execution("{}");
    let output = run(
        api.event(),
        api.clone(),
        |_: Value, ctx: &ruchy_lambda_durable::DurableContext| {
            let batch = ctx.map(
                "flat",
                vec!["a".to_owned(), "b".to_owned()],
                |c, item, _| c.step("echo", |_| Ok::<_, DurableError>(item.clone())),
                ruchy_lambda_durable::MapConfig::new()
                    .max_concurrency(1)
                    .nesting(ruchy_lambda_durable::Nesting::Flat),
            )?;
            Ok::<_, DurableError>(batch.into_results())
        },
    )
    .unwrap();
    assert_eq!(output.result.as_deref(), Some(r#"["a","b"]"#));
    let sent: Vec<Value> = api.calls().into_iter().flatten().collect();
    let map_id = sent[0]["Id"].clone();
    assert_eq!(actions(&sent[..1]), ["CONTEXT START"]);
    let steps: Vec<&Value> = sent.iter().filter(|u| u["Type"] == "STEP").collect();
    assert_eq!(steps.len(), 4);
    assert!(steps.iter().all(|u| u["ParentId"] == map_id), "{steps:?}");
    let contexts = sent.iter().filter(|u| u["Type"] == "CONTEXT").count();
    assert_eq!(contexts, 2, "the map's start and success only");
}
