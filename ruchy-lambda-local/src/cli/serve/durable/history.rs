//! History events in Lambda's shape (`GetDurableExecutionHistory`'s `Event`): recorded as they
//! happen, numbered from 1 in that order when they are read.
//!
//! Every event has `EventType`, `EventId` and `EventTimestamp`; an operation's events also its
//! `Id`, `Name`, `ParentId` and `SubType`; and each its `<EventType>Details`. Payloads (inputs,
//! results, errors) are `{"Payload": …, "Truncated": false}`, or `{"Truncated": true}` without
//! the payload when `IncludeExecutionData` is not `true`, as AWS's local backend gives them.

use ruchy_lambda_durable::model::{ErrorObject, Operation, OperationAction, OperationType};
use ruchy_lambda_local::report::VERSION;
use serde_json::{Map, Value, json};

use super::store::{Execution, ExecutionStatus};

/// The details members that hold a payload.
const PAYLOADS: [&str; 3] = ["Input", "Result", "Error"];

/// One history event.
#[derive(Debug, Clone)]
pub(super) struct Event {
    /// `EventType`, e.g. `StepSucceeded`.
    pub(super) kind: &'static str,
    /// `EventTimestamp`, seconds since the epoch.
    pub(super) at: f64,
    /// `Id`, `Name`, `ParentId`, `SubType`, when the event is an operation's.
    operation: Map<String, Value>,
    /// `<EventType>Details`.
    details: Map<String, Value>,
}

impl Event {
    fn new(kind: &'static str, at: f64, operation: Option<&Operation>, details: Value) -> Event {
        let mut fields = Map::new();
        if let Some(op) = operation {
            fields.insert("Id".into(), json!(op.id));
            if let Some(name) = &op.name {
                fields.insert("Name".into(), json!(name));
            }
            if let Some(parent) = &op.parent_id {
                fields.insert("ParentId".into(), json!(parent));
            }
            if let Some(sub_type) = &op.sub_type {
                fields.insert("SubType".into(), json!(sub_type.as_str()));
            }
        }
        let details = match details {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Event {
            kind,
            at,
            operation: fields,
            details,
        }
    }

    /// The event as the API answers it, numbered `event_id`.
    pub(super) fn to_json(&self, event_id: usize, include_data: bool) -> Value {
        let mut event = Map::new();
        event.insert("EventType".into(), json!(self.kind));
        event.insert("EventId".into(), json!(event_id));
        event.insert("EventTimestamp".into(), json!(self.at));
        event.extend(self.operation.clone());
        let mut details = self.details.clone();
        for key in PAYLOADS {
            if let Some(Value::Object(holder)) = details.get_mut(key) {
                if include_data {
                    holder.insert("Truncated".into(), json!(false));
                } else {
                    holder.remove("Payload");
                    holder.insert("Truncated".into(), json!(true));
                }
            }
        }
        event.insert(format!("{}Details", self.kind), Value::Object(details));
        Value::Object(event)
    }
}

fn payload(text: Option<&str>) -> Value {
    match text {
        Some(text) => json!({"Payload": text}),
        None => json!({}),
    }
}

fn error_payload(error: Option<&ErrorObject>) -> Value {
    match error {
        Some(error) => json!({"Payload": error}),
        None => json!({}),
    }
}

/// `ExecutionStarted`: the input and the execution timeout.
pub(super) fn execution_started(execution: &Execution) -> Event {
    Event::new(
        "ExecutionStarted",
        execution.start,
        execution.operations.first(),
        json!({
            "Input": payload(Some(&execution.input)),
            "ExecutionTimeout": execution.config.execution_timeout_seconds,
        }),
    )
}

/// The event that ends an execution, from its status, result and error.
pub(super) fn execution_ended(execution: &Execution, at: f64) -> Event {
    let op = execution.operations.first();
    let error = || json!({"Error": error_payload(execution.error.as_ref())});
    match execution.status {
        ExecutionStatus::Succeeded | ExecutionStatus::Running => Event::new(
            "ExecutionSucceeded",
            at,
            op,
            json!({"Result": payload(execution.result.as_deref())}),
        ),
        ExecutionStatus::Failed => Event::new("ExecutionFailed", at, op, error()),
        ExecutionStatus::TimedOut => Event::new("ExecutionTimedOut", at, op, error()),
        ExecutionStatus::Stopped => Event::new("ExecutionStopped", at, op, error()),
    }
}

/// What an update a checkpoint saved adds to the history, from the operation as it became
/// (`op`) and the update's own values: a step's retry delay, a callback's timeouts, an
/// invoke's function and input.
pub(super) struct UpdateFacts<'a> {
    pub(super) action: OperationAction,
    pub(super) payload: Option<&'a str>,
    pub(super) error: Option<&'a ErrorObject>,
    pub(super) retry_delay: u32,
    pub(super) callback_timeouts: (u32, u32),
    pub(super) function_name: Option<&'a str>,
    /// A chained invoke's tenant.
    pub(super) tenant_id: Option<&'a str>,
    /// A durable function's execution started by a chained invoke.
    pub(super) child_arn: Option<&'a str>,
}

/// The event of an update, if it makes one (an `EXECUTION` update's is
/// [`execution_ended`]'s).
pub(super) fn of_update(op: &Operation, facts: &UpdateFacts<'_>, at: f64) -> Option<Event> {
    use OperationAction as A;
    use OperationType as T;
    let attempt = op.step_details.as_ref().map_or(0, |d| d.attempt);
    // `NextAttemptDelaySeconds` only when another attempt follows.
    let retry = |delay: Option<u32>| match delay {
        Some(delay) => json!({"CurrentAttempt": attempt, "NextAttemptDelaySeconds": delay}),
        None => json!({"CurrentAttempt": attempt}),
    };
    let (kind, details) = match (op.kind, facts.action) {
        (T::Step, A::Start) => ("StepStarted", json!({})),
        (T::Step, A::Succeed) => (
            "StepSucceeded",
            json!({"Result": payload(facts.payload), "RetryDetails": retry(None)}),
        ),
        (T::Step, A::Fail) => (
            "StepFailed",
            json!({"Error": error_payload(facts.error), "RetryDetails": retry(None)}),
        ),
        // A retry with an error is an attempt that failed; without one, a wait for condition's
        // check that did not yet meet it.
        (T::Step, A::Retry) if facts.error.is_some() => (
            "StepFailed",
            json!({"Error": error_payload(facts.error), "RetryDetails": retry(Some(facts.retry_delay))}),
        ),
        (T::Step, A::Retry) => (
            "StepSucceeded",
            json!({"Result": payload(facts.payload), "RetryDetails": retry(Some(facts.retry_delay))}),
        ),
        (T::Context, A::Start) => ("ContextStarted", json!({})),
        (T::Context, A::Succeed) => (
            "ContextSucceeded",
            json!({"Result": payload(facts.payload)}),
        ),
        (T::Context, A::Fail) => (
            "ContextFailed",
            json!({"Error": error_payload(facts.error)}),
        ),
        (T::Wait, A::Start) => {
            let end = op
                .wait_details
                .as_ref()
                .and_then(|d| d.scheduled_end_timestamp)
                .map_or(at, |t| t.0);
            let duration = (end - at).round().max(0.0) as u64;
            (
                "WaitStarted",
                json!({"Duration": duration, "ScheduledEndTimestamp": end}),
            )
        }
        (T::Wait, A::Cancel) => (
            "WaitCancelled",
            json!({"Error": error_payload(facts.error)}),
        ),
        (T::Callback, A::Start) => {
            let id = op
                .callback_details
                .as_ref()
                .map(|d| d.callback_id.clone())
                .unwrap_or_default();
            let (timeout, heartbeat) = facts.callback_timeouts;
            (
                "CallbackStarted",
                json!({"CallbackId": id, "Timeout": timeout, "HeartbeatTimeout": heartbeat}),
            )
        }
        (T::ChainedInvoke, A::Start) => {
            let mut details = json!({
                "FunctionName": facts.function_name.unwrap_or_default(),
                "Input": payload(facts.payload),
                "ExecutedVersion": VERSION,
            });
            if let Some(tenant) = facts.tenant_id {
                details["TenantId"] = json!(tenant);
            }
            if let Some(arn) = facts.child_arn {
                details["DurableExecutionArn"] = json!(arn);
            }
            ("ChainedInvokeStarted", details)
        }
        _ => return None,
    };
    Some(Event::new(kind, at, Some(op), details))
}

/// `WaitSucceeded`: a wait that ran its course (its `Duration` the one it was given, also
/// when `--skip-time` ended it early).
pub(super) fn wait_succeeded(op: &Operation, at: f64) -> Event {
    let start = op.start_timestamp.map_or(at, |t| t.0);
    let end = op
        .wait_details
        .as_ref()
        .and_then(|d| d.scheduled_end_timestamp)
        .map_or(at, |t| t.0);
    let duration = (end - start).round().max(0.0) as u64;
    Event::new("WaitSucceeded", at, Some(op), json!({"Duration": duration}))
}

/// How a callback or an invoke ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    Succeeded,
    Failed,
    TimedOut,
    /// An invoked durable execution that was stopped.
    Stopped,
}

/// `CallbackSucceeded`, `CallbackFailed` or `CallbackTimedOut`.
pub(super) fn callback_ended(
    op: &Operation,
    ending: Ending,
    result: Option<&str>,
    error: Option<&ErrorObject>,
    at: f64,
) -> Event {
    let (kind, details) = match ending {
        Ending::Succeeded => ("CallbackSucceeded", json!({"Result": payload(result)})),
        Ending::Failed | Ending::Stopped => {
            ("CallbackFailed", json!({"Error": error_payload(error)}))
        }
        Ending::TimedOut => ("CallbackTimedOut", json!({"Error": error_payload(error)})),
    };
    Event::new(kind, at, Some(op), details)
}

/// `ChainedInvokeSucceeded`, `ChainedInvokeFailed` or `ChainedInvokeTimedOut`.
pub(super) fn chained_invoke_ended(
    op: &Operation,
    ending: Ending,
    result: Option<&str>,
    error: Option<&ErrorObject>,
    at: f64,
) -> Event {
    let (kind, details) = match ending {
        Ending::Succeeded => ("ChainedInvokeSucceeded", json!({"Result": payload(result)})),
        Ending::Failed => (
            "ChainedInvokeFailed",
            json!({"Error": error_payload(error)}),
        ),
        Ending::TimedOut => (
            "ChainedInvokeTimedOut",
            json!({"Error": error_payload(error)}),
        ),
        Ending::Stopped => (
            "ChainedInvokeStopped",
            json!({"Error": error_payload(error)}),
        ),
    };
    Event::new(kind, at, Some(op), details)
}

/// `InvocationCompleted`: one invocation of the function, its request id, and its error if it
/// failed.
pub(super) fn invocation_completed(
    start: f64,
    end: f64,
    request_id: &str,
    error: Option<&ErrorObject>,
) -> Event {
    let mut details = json!({
        "StartTimestamp": start,
        "EndTimestamp": end,
        "RequestId": request_id,
    });
    if let Some(error) = error {
        details["Error"] = json!({"Payload": error});
    }
    Event::new("InvocationCompleted", end, None, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruchy_lambda_durable::model::{OperationStatus, OperationSubType, StepDetails};

    use super::super::store::operation;

    fn step() -> Operation {
        let mut op = operation("s1", OperationType::Step, OperationStatus::Pending);
        op.name = Some("charge".into());
        op.parent_id = Some("p".into());
        op.sub_type = Some(OperationSubType::Step);
        let mut details = StepDetails::default();
        details.attempt = 2;
        op.step_details = Some(details);
        op
    }

    #[test]
    fn a_retried_step_is_a_failed_attempt_with_its_delay() {
        let error = ErrorObject::new("ValueError", "boom");
        let facts = UpdateFacts {
            action: OperationAction::Retry,
            payload: None,
            error: Some(&error),
            retry_delay: 3,
            callback_timeouts: (0, 0),
            function_name: None,
            tenant_id: None,
            child_arn: None,
        };
        let event = of_update(&step(), &facts, 10.5).unwrap();
        assert_eq!(
            event.to_json(4, true),
            json!({
                "EventType": "StepFailed", "EventId": 4, "EventTimestamp": 10.5,
                "Id": "s1", "Name": "charge", "ParentId": "p", "SubType": "Step",
                "StepFailedDetails": {
                    "Error": {"Payload": {"ErrorType": "ValueError", "ErrorMessage": "boom"},
                              "Truncated": false},
                    "RetryDetails": {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 3}
                }
            })
        );
        // Without the execution's data, the payload is left out.
        assert_eq!(
            event.to_json(4, false)["StepFailedDetails"]["Error"],
            json!({"Truncated": true})
        );
    }

    #[test]
    fn invocations_have_no_operation() {
        let event = invocation_completed(1.0, 2.0, "req", None);
        let json = event.to_json(1, false);
        assert_eq!(json["EventType"], "InvocationCompleted");
        assert!(json.get("Id").is_none());
        assert_eq!(
            json["InvocationCompletedDetails"],
            json!({"StartTimestamp": 1.0, "EndTimestamp": 2.0, "RequestId": "req"})
        );
    }
}
