//! `CheckpointDurableExecution`'s updates applied to an execution, as Lambda applies them: each
//! update checked, then all of them saved at once (a bad one saves none), each operation's new
//! state and history event, and what is to happen next (an invoke to start).

use ruchy_lambda_durable::model::{
    CallbackDetails, ChainedInvokeDetails, ContextDetails, ErrorObject, Operation, OperationAction,
    OperationStatus, OperationType, OperationUpdate, Timestamp, WaitDetails,
};
use ruchy_lambda_local::request_id;
use ruchy_lambda_local::stream::base64_encode;

use super::history::{self, Ending, UpdateFacts};
use super::store::{CallbackTimers, Execution, ExecutionStatus, now, operation};

/// The longest wait or retry delay Lambda takes, in seconds.
const MAX_DELAY_SECONDS: u32 = 31_622_400;

/// What a chained invoke's `START` asks the backend to do once the checkpoint is saved.
#[derive(Debug, Clone)]
pub(super) struct ChainedStart {
    /// The operation.
    pub(super) operation_id: String,
    /// The index of the served function it invokes.
    pub(super) target: usize,
    pub(super) payload: String,
    /// With a durable target: the name and id of the execution it starts, and its ARN.
    pub(super) child: Option<(String, String, String)>,
}

/// How a chained invoke's target is found: its index among the served functions, whether it is
/// durable, and its ARN (without a qualifier); or the ARN Lambda says it did not find.
pub(super) type Resolve<'a> = &'a dyn Fn(&str) -> Result<(usize, bool, String), String>;

/// What a checkpoint saved, beyond the execution itself.
#[derive(Debug, Default)]
pub(super) struct Saved {
    /// The callbacks it started: their ids and operation ids.
    pub(super) callbacks: Vec<(String, String)>,
    /// The invokes it started.
    pub(super) chained: Vec<ChainedStart>,
}

/// Applies `updates` to `execution` (a copy, kept only when every update applies); a message
/// for `InvalidParameterValueException` otherwise.
pub(super) fn apply(
    execution: &mut Execution,
    updates: &[OperationUpdate],
    resolve: Resolve<'_>,
) -> Result<Saved, String> {
    let mut saved = Saved::default();
    for (i, update) in updates.iter().enumerate() {
        apply_one(execution, update, resolve, &mut saved)
            .map_err(|e| format!("Updates[{i}] (operation {}): {e}", update.id))?;
    }
    Ok(saved)
}

/// Lambda's pattern for operation ids: 1 to 64 of `a-z A-Z 0-9 - _`.
fn check_id(id: &str, member: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{member} `{id}` must be 1 to 64 letters, digits, `-` or `_`"
        ))
    }
}

fn is_ended(status: OperationStatus) -> bool {
    matches!(
        status,
        OperationStatus::Succeeded
            | OperationStatus::Failed
            | OperationStatus::Cancelled
            | OperationStatus::TimedOut
            | OperationStatus::Stopped
    )
}

fn apply_one(
    execution: &mut Execution,
    update: &OperationUpdate,
    resolve: Resolve<'_>,
    saved: &mut Saved,
) -> Result<(), String> {
    use OperationAction as A;
    use OperationType as T;
    check_id(&update.id, "Id")?;
    if let Some(parent) = &update.parent_id {
        check_id(parent, "ParentId")?;
    }
    let at = now();
    let current = execution.operation(&update.id).cloned();
    if let Some(op) = &current {
        if op.kind != update.kind {
            return Err(format!(
                "the operation is a {:?}, not a {:?}",
                op.kind, update.kind
            ));
        }
        if is_ended(op.status) {
            return Err(format!(
                "the operation has already ended ({:?}) and takes no more updates",
                op.status
            ));
        }
    }
    let allowed: &[A] = match update.kind {
        T::Execution => &[A::Succeed, A::Fail],
        T::Step => &[A::Start, A::Retry, A::Succeed, A::Fail],
        T::Context => &[A::Start, A::Succeed, A::Fail],
        T::Wait => &[A::Start, A::Cancel],
        T::Callback | T::ChainedInvoke => &[A::Start],
    };
    if !allowed.contains(&update.action) {
        return Err(format!(
            "{:?} is not an action of a {:?} operation",
            update.action, update.kind
        ));
    }
    if update.kind == T::Execution {
        if execution.operations.first().map(|op| op.id.as_str()) != Some(update.id.as_str()) {
            return Err("not the execution's EXECUTION operation".to_owned());
        }
        return match update.action {
            A::Succeed => {
                execution.finish(ExecutionStatus::Succeeded, update.payload.clone(), None);
                Ok(())
            }
            _ => {
                let error = update.error.clone().unwrap_or_default();
                execution.finish(ExecutionStatus::Failed, None, Some(error));
                Ok(())
            }
        };
    }
    let mut op = current.clone().unwrap_or_else(|| {
        let mut op = operation(&update.id, update.kind, OperationStatus::Started);
        op.start_timestamp = Some(Timestamp(at));
        op
    });
    op.parent_id = update.parent_id.clone().or(op.parent_id);
    op.name = update.name.clone().or(op.name);
    op.sub_type = update.sub_type.clone().or(op.sub_type);
    let mut facts = UpdateFacts {
        action: update.action,
        payload: update.payload.as_deref(),
        error: update.error.as_ref(),
        retry_delay: 0,
        callback_timeouts: (0, 0),
        function_name: None,
        tenant_id: None,
        child_arn: None,
    };
    let ended = |op: &mut Operation, status: OperationStatus| {
        op.status = status;
        op.end_timestamp = Some(Timestamp(at));
    };
    let mut failed_invoke: Option<ErrorObject> = None;
    match (update.kind, update.action) {
        (T::Step, action) => {
            let mut details = op.step_details.clone().unwrap_or_default();
            match action {
                A::Start => op.status = OperationStatus::Started,
                A::Retry => {
                    let delay = update
                        .step_options
                        .map_or(0, |o| o.next_attempt_delay_seconds);
                    if delay > MAX_DELAY_SECONDS {
                        return Err(format!(
                            "StepOptions.NextAttemptDelaySeconds {delay} is over \
                             {MAX_DELAY_SECONDS}"
                        ));
                    }
                    facts.retry_delay = delay;
                    details.attempt += 1;
                    details.next_attempt_timestamp = Some(Timestamp(at + f64::from(delay)));
                    details.result = update.payload.clone();
                    details.error = update.error.clone();
                    op.status = OperationStatus::Pending;
                }
                A::Succeed | A::Fail => {
                    details.attempt += 1;
                    details.next_attempt_timestamp = None;
                    details.result = update.payload.clone();
                    details.error = update.error.clone();
                    let status = if action == A::Succeed {
                        OperationStatus::Succeeded
                    } else {
                        OperationStatus::Failed
                    };
                    ended(&mut op, status);
                }
                _ => {}
            }
            op.step_details = Some(details);
        }
        (T::Context, action) => {
            let mut details = ContextDetails::default();
            details.replay_children = update.context_options.is_some_and(|o| o.replay_children);
            details.result = update.payload.clone();
            details.error = update.error.clone();
            op.context_details = Some(details);
            match action {
                A::Start => op.status = OperationStatus::Started,
                A::Succeed => ended(&mut op, OperationStatus::Succeeded),
                _ => ended(&mut op, OperationStatus::Failed),
            }
        }
        (T::Wait, A::Start) => {
            let Some(options) = update.wait_options else {
                return Err("a WAIT's START needs WaitOptions".to_owned());
            };
            if !(1..=MAX_DELAY_SECONDS).contains(&options.wait_seconds) {
                return Err(format!(
                    "WaitOptions.WaitSeconds must be 1 to {MAX_DELAY_SECONDS}, not {}",
                    options.wait_seconds
                ));
            }
            let mut details = WaitDetails::default();
            details.scheduled_end_timestamp = Some(Timestamp(at + f64::from(options.wait_seconds)));
            op.wait_details = Some(details);
            op.status = OperationStatus::Started;
            op.start_timestamp = Some(Timestamp(at));
        }
        (T::Wait, _) => ended(&mut op, OperationStatus::Cancelled),
        (T::Callback, _) => {
            if current.is_some() {
                return Err("the callback has already started".to_owned());
            }
            let options = update.callback_options.unwrap_or_default();
            let callback_id = base64_encode(
                format!("{}:{}:{}", execution.arn, update.id, request_id()).as_bytes(),
            );
            let mut details = CallbackDetails::default();
            details.callback_id = callback_id.clone();
            op.callback_details = Some(details);
            op.status = OperationStatus::Started;
            facts.callback_timeouts = (options.timeout_seconds, options.heartbeat_timeout_seconds);
            let after = |seconds: u32| (seconds > 0).then(|| at + f64::from(seconds));
            execution.callbacks.insert(
                update.id.clone(),
                CallbackTimers {
                    timeout_at: after(options.timeout_seconds),
                    heartbeat_seconds: options.heartbeat_timeout_seconds,
                    heartbeat_at: after(options.heartbeat_timeout_seconds),
                },
            );
            saved.callbacks.push((callback_id, update.id.clone()));
        }
        (T::ChainedInvoke, _) => {
            if current.is_some() {
                return Err("the invoke has already started".to_owned());
            }
            let Some(options) = &update.chained_invoke_options else {
                return Err("a CHAINED_INVOKE's START needs ChainedInvokeOptions".to_owned());
            };
            facts.function_name = Some(&options.function_name);
            facts.tenant_id = options.tenant_id.as_deref();
            op.chained_invoke_details = Some(ChainedInvokeDetails::default());
            op.status = OperationStatus::Started;
            match resolve(&options.function_name) {
                Ok((target, durable, function_arn)) => {
                    let child = durable.then(|| {
                        let (name, id) = (request_id(), request_id());
                        let arn = super::store::execution_arn(&function_arn, &name, &id);
                        (name, id, arn)
                    });
                    saved.chained.push(ChainedStart {
                        operation_id: update.id.clone(),
                        target,
                        payload: update.payload.clone().unwrap_or_else(|| "{}".to_owned()),
                        child,
                    });
                }
                // Lambda resolves the function before it starts anything: the operation fails
                // at once, and the function sees it in the checkpoint's answer.
                Err(arn) => {
                    failed_invoke = Some(ErrorObject::new(
                        "ResourceNotFoundException",
                        format!("Function not found: {arn}"),
                    ));
                }
            }
        }
        (T::Execution, _) => {}
    }
    let child_arn = saved
        .chained
        .last()
        .filter(|c| c.operation_id == update.id)
        .and_then(|c| c.child.as_ref().map(|(_, _, arn)| arn.clone()));
    facts.child_arn = child_arn.as_deref();
    if let Some(event) = history::of_update(&op, &facts, at) {
        execution.record(event);
    }
    if let Some(error) = failed_invoke {
        let mut details = ChainedInvokeDetails::default();
        details.error = Some(error.clone());
        op.chained_invoke_details = Some(details);
        ended(&mut op, OperationStatus::Failed);
        let event = history::chained_invoke_ended(&op, Ending::Failed, None, Some(&error), at);
        execution.record(event);
    }
    execution.save(op);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use super::super::super::super::args::DurableArgs;
    use super::super::store::{NewExecution, Store};

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders";

    fn running() -> Execution {
        let mut store = Store::default();
        let arn = store.start(NewExecution {
            name: Some("run".into()),
            id: Some("e1".into()),
            function: "orders",
            function_arn: FUNCTION,
            input: r#"{"id":7}"#.into(),
            config: DurableArgs::default(),
        });
        store.get(&arn).unwrap().clone()
    }

    fn updates(list: serde_json::Value) -> Vec<OperationUpdate> {
        serde_json::from_value(list).unwrap()
    }

    fn nothing_served(name: &str) -> Result<(usize, bool, String), String> {
        Err(format!("{FUNCTION}-{name}"))
    }

    fn kinds(execution: &Execution) -> Vec<&'static str> {
        execution.history.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn a_step_is_retried_then_succeeds() {
        let mut execution = running();
        assert_eq!(
            execution.arn,
            format!("{FUNCTION}:$LATEST/durable-execution/run/e1")
        );
        let batch = updates(json!([
            {"Id": "s", "Type": "STEP", "SubType": "Step", "Name": "charge", "Action": "START"},
            {"Id": "s", "Type": "STEP", "Action": "RETRY",
             "Error": {"ErrorType": "E", "ErrorMessage": "m"},
             "StepOptions": {"NextAttemptDelaySeconds": 30}}
        ]));
        apply(&mut execution, &batch, &nothing_served).unwrap();
        let step = execution.operation("s").unwrap();
        assert_eq!(step.status, OperationStatus::Pending);
        assert_eq!(step.name.as_deref(), Some("charge"));
        let details = step.step_details.as_ref().unwrap();
        assert_eq!(details.attempt, 1);
        let due = details.next_attempt_timestamp.unwrap().0;
        let started = step.start_timestamp.unwrap().0;
        assert!((29.0..31.0).contains(&(due - started)), "{due} {started}");
        let batch = updates(json!([
            {"Id": "s", "Type": "STEP", "Action": "START"},
            {"Id": "s", "Type": "STEP", "Action": "SUCCEED", "Payload": "\"paid\""}
        ]));
        apply(&mut execution, &batch, &nothing_served).unwrap();
        let step = execution.operation("s").unwrap();
        assert_eq!(step.status, OperationStatus::Succeeded);
        assert_eq!(step.step_details.as_ref().unwrap().attempt, 2);
        assert!(step.end_timestamp.is_some());
        assert_eq!(
            kinds(&execution),
            [
                "ExecutionStarted",
                "StepStarted",
                "StepFailed",
                "StepStarted",
                "StepSucceeded"
            ]
        );
    }

    #[test]
    fn bad_updates_are_refused_with_their_position() {
        for (batch, expected) in [
            (
                json!([{"Id": "w", "Type": "WAIT", "Action": "START"}]),
                "Updates[0] (operation w): a WAIT's START needs WaitOptions",
            ),
            (
                json!([{"Id": "w", "Type": "WAIT", "Action": "START",
                        "WaitOptions": {"WaitSeconds": 0}}]),
                "WaitSeconds must be 1 to 31622400",
            ),
            (
                json!([{"Id": "c", "Type": "CONTEXT", "Action": "START"},
                       {"Id": "c", "Type": "CONTEXT", "Action": "RETRY"}]),
                "Updates[1] (operation c): Retry is not an action of a Context operation",
            ),
            (
                json!([{"Id": "c", "Type": "CONTEXT", "Action": "SUCCEED"},
                       {"Id": "c", "Type": "CONTEXT", "Action": "FAIL"}]),
                "has already ended",
            ),
            (
                json!([{"Id": "x", "Type": "STEP", "Action": "START"},
                       {"Id": "x", "Type": "WAIT", "Action": "CANCEL"}]),
                "the operation is a Step, not a Wait",
            ),
            (
                json!([{"Id": "bad id!", "Type": "STEP", "Action": "START"}]),
                "must be 1 to 64 letters",
            ),
            (
                json!([{"Id": "i", "Type": "CHAINED_INVOKE", "Action": "START"}]),
                "needs ChainedInvokeOptions",
            ),
            (
                json!([{"Id": "not-it", "Type": "EXECUTION", "Action": "SUCCEED"}]),
                "not the execution's EXECUTION operation",
            ),
        ] {
            let mut execution = running();
            let error = apply(&mut execution, &updates(batch), &nothing_served).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn an_invoke_of_a_function_not_served_fails_at_once() {
        let mut execution = running();
        let batch = updates(
            json!([{"Id": "i", "Type": "CHAINED_INVOKE", "Action": "START",
            "SubType": "ChainedInvoke", "Payload": "{}",
            "ChainedInvokeOptions": {"FunctionName": "nobody"}}]),
        );
        let saved = apply(&mut execution, &batch, &nothing_served).unwrap();
        assert!(saved.chained.is_empty());
        let op = execution.operation("i").unwrap();
        assert_eq!(op.status, OperationStatus::Failed);
        let error = op
            .chained_invoke_details
            .as_ref()
            .unwrap()
            .error
            .clone()
            .unwrap();
        assert_eq!(
            error.error_type.as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(
            kinds(&execution)[1..],
            ["ChainedInvokeStarted", "ChainedInvokeFailed"]
        );
    }

    #[test]
    fn an_invoke_of_a_durable_function_names_its_execution() {
        let mut execution = running();
        let batch = updates(
            json!([{"Id": "i", "Type": "CHAINED_INVOKE", "Action": "START",
            "Payload": "{\"n\":1}",
            "ChainedInvokeOptions": {"FunctionName": "worker:$LATEST", "TenantId": "t-1"}}]),
        );
        let durable = |_: &str| Ok((3, true, format!("{FUNCTION}-worker")));
        let saved = apply(&mut execution, &batch, &durable).unwrap();
        let start = &saved.chained[0];
        assert_eq!((start.target, start.payload.as_str()), (3, "{\"n\":1}"));
        let (name, id, arn) = start.child.clone().unwrap();
        assert_eq!(
            arn,
            format!("{FUNCTION}-worker:$LATEST/durable-execution/{name}/{id}")
        );
        let event = execution.history.last().unwrap().to_json(2, true);
        assert_eq!(
            event["ChainedInvokeStartedDetails"]["DurableExecutionArn"],
            arn.as_str()
        );
        assert_eq!(event["ChainedInvokeStartedDetails"]["TenantId"], "t-1");
        assert_eq!(
            execution.operation("i").unwrap().status,
            OperationStatus::Started
        );
    }

    #[test]
    fn callbacks_get_an_id_and_their_timers() {
        let mut execution = running();
        let batch = updates(json!([{"Id": "cb", "Type": "CALLBACK", "Action": "START",
            "CallbackOptions": {"TimeoutSeconds": 60, "HeartbeatTimeoutSeconds": 0}}]));
        let saved = apply(&mut execution, &batch, &nothing_served).unwrap();
        let (callback_id, op_id) = &saved.callbacks[0];
        assert_eq!(op_id, "cb");
        let op = execution.operation("cb").unwrap();
        assert_eq!(
            &op.callback_details.as_ref().unwrap().callback_id,
            callback_id
        );
        let timers = execution.callbacks["cb"];
        assert!(timers.timeout_at.is_some());
        assert_eq!(timers.heartbeat_at, None);
        let again = apply(&mut execution, &batch, &nothing_served).unwrap_err();
        assert!(again.contains("already started"), "{again}");
    }

    #[test]
    fn the_execution_ends_with_a_checkpointed_result() {
        let mut execution = running();
        let id = execution.operations[0].id.clone();
        let batch = updates(json!([{"Id": id, "Type": "EXECUTION", "Action": "SUCCEED",
            "Payload": "\"big\""}]));
        apply(&mut execution, &batch, &nothing_served).unwrap();
        assert_eq!(execution.status, ExecutionStatus::Succeeded);
        assert_eq!(execution.result.as_deref(), Some("\"big\""));
        assert_eq!(execution.operations[0].status, OperationStatus::Succeeded);
        assert_eq!(execution.token, None);
        assert_eq!(kinds(&execution).last(), Some(&"ExecutionSucceeded"));
    }
}
