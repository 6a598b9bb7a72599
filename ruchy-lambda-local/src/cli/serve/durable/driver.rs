//! An execution driven to its end, on a thread of its own: the function invoked with the durable
//! event, its reply applied, and, while it is suspended, the timers that wake it (a wait that
//! ends, a step retry that is due, a callback that times out, the execution's own timeout)
//! until something is due and it is invoked again. Also the invokes a checkpoint starts
//! (`CHAINED_INVOKE`), each on a thread of its own.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ruchy_lambda_durable::model::{
    ChainedInvokeDetails, ErrorObject, InvocationOutput, InvocationStatus, Operation,
    OperationStatus, OperationType, Timestamp,
};
use serde_json::json;

use super::super::pool::{self, Failure};
use super::super::relay::Relay;
use super::super::{Deployed, Served};
use super::checkpoint::ChainedStart;
use super::history::{self, Ending};
use super::store::{Execution, ExecutionStatus, NewExecution, now};
use super::{EVENT_PAGE, in_millis};

/// How often an invocation that was throttled is tried again.
const THROTTLED_RETRY: Duration = Duration::from_millis(50);
/// The longest a suspended execution sleeps before it looks at its timers again.
const LONGEST_SLEEP: Duration = Duration::from_secs(60);
/// An invocation that failed (the function's error, a timeout, a crash) is tried again this
/// long after, as AWS's local backend does (its `RETRY_BACKOFF_SECONDS`)…
const RETRY_BACKOFF: Duration = Duration::from_secs(5);
/// …up to this many times in a row, the last failure then failing the execution
/// (`MAX_CONSECUTIVE_FAILED_ATTEMPTS`).
const MAX_FAILED_INVOCATIONS: u32 = 5;
/// A `PENDING` reply with nothing to wait for is tried again this many times in a row
/// (`MAX_CONSECUTIVE_INVALID_PENDING_ATTEMPTS`); any other reply that is not a durable one
/// fails the execution at once.
const MAX_EMPTY_PENDING: u32 = 3;

/// Drives the execution `arn` on a thread of its own.
pub(super) fn spawn(served: &Arc<Served>, arn: String) {
    let served_here = Arc::clone(served);
    let spawned = thread::Builder::new()
        .name("durable-execution".to_owned())
        .spawn(move || drive(&served_here, &arn));
    if let Err(e) = spawned {
        super::super::super::log::line(&format!("error: cannot run a durable execution: {e}"));
    }
}

/// What comes after an invocation.
enum Next {
    /// Invoke again now (the invocation was throttled).
    Invoke,
    /// Invoke again after [`RETRY_BACKOFF`] (the invocation failed).
    Retry,
    /// Suspended until something is due.
    Wait,
    Done,
}

fn drive(served: &Arc<Served>, arn: &str) {
    loop {
        let Some((function, event)) = begin_invocation(served, arn) else {
            // Ended (it may have timed out just now).
            served.durable.notify();
            return;
        };
        let Some(deployed) = served.functions.iter().find(|f| f.name == function) else {
            return;
        };
        let start = now();
        let outcome = pool::invoke(served, deployed, event, false, &mut Relay::detached());
        let next = end_invocation(served, arn, start, outcome);
        served.durable.notify();
        match next {
            Next::Invoke => thread::sleep(THROTTLED_RETRY),
            Next::Retry => {
                if !wait_to_retry(served, arn) {
                    return;
                }
            }
            Next::Wait => {
                if !wait_until_due(served, arn) {
                    return;
                }
            }
            Next::Done => return,
        }
    }
}

/// A fresh token and the durable event, the execution marked as invoked; `None` once it ended.
fn begin_invocation(served: &Served, arn: &str) -> Option<(String, Vec<u8>)> {
    let mut store = served.durable.lock();
    let execution = store.get_mut(arn)?;
    if execution.status != ExecutionStatus::Running || time_out(execution, now()) {
        return None;
    }
    execution.invocation_tokens.clear();
    execution.changed.clear();
    execution.invoking = true;
    let token = execution.next_token();
    let updated = std::mem::take(&mut execution.updated);
    let page: Vec<Operation> = execution
        .operations
        .iter()
        .take(EVENT_PAGE)
        .map(in_millis)
        .collect();
    let mut state = json!({"Operations": page});
    if execution.operations.len() > EVENT_PAGE {
        state["NextMarker"] = json!(EVENT_PAGE.to_string());
    }
    let event = json!({
        "DurableExecutionArn": execution.arn,
        "CheckpointToken": token,
        "InitialExecutionState": state,
        "UpdatedOperationIds": updated,
    });
    Some((execution.function.clone(), event.to_string().into_bytes()))
}

/// The error a function's error reply (`{"errorType":…,"errorMessage":…}`) stands for.
pub(super) fn error_of_reply(payload: &[u8]) -> ErrorObject {
    let reply: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
    let text = |key: &str| reply.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let mut error = ErrorObject::new(
        text("errorType").unwrap_or_else(|| "Unhandled".to_owned()),
        text("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned()),
    );
    error.stack_trace = reply.get("stackTrace").and_then(|v| {
        v.as_array()?
            .iter()
            .map(|line| line.as_str().map(str::to_owned))
            .collect()
    });
    error
}

/// Applies the invocation's outcome: the reply's status, or the error that ends the execution.
fn end_invocation(
    served: &Served,
    arn: &str,
    start: f64,
    outcome: Result<pool::Invoked, Failure>,
) -> Next {
    let stopping = served.stopping.load(std::sync::atomic::Ordering::SeqCst);
    let mut store = served.durable.lock();
    let Some(execution) = store.get_mut(arn) else {
        return Next::Done;
    };
    execution.invoking = false;
    execution.token = None;
    execution.invocation_tokens.clear();
    let invoked = match outcome {
        Ok(invoked) => invoked,
        Err(Failure::Throttled) => return Next::Invoke,
        // The server is shutting down: the execution stays as it is.
        Err(Failure::Failed(_)) if stopping => return Next::Done,
        Err(Failure::Failed(message)) => {
            let error = ErrorObject::new("ServiceException", message);
            let event = history::invocation_completed(start, now(), "", Some(&error));
            execution.record(event);
            return failed_invocation(execution, error, MAX_FAILED_INVOCATIONS);
        }
    };
    let report = invoked.report;
    let payload = report.payload();
    // The function's error, a timeout or a crash: the invocation failed, and is tried again.
    if !report.is_success() {
        let error = error_of_reply(&payload);
        let event = history::invocation_completed(start, now(), &report.request_id, Some(&error));
        execution.record(event);
        if execution.status != ExecutionStatus::Running {
            return Next::Done;
        }
        return failed_invocation(execution, error, MAX_FAILED_INVOCATIONS);
    }
    let reply = serde_json::from_slice::<InvocationOutput>(&payload).map_err(|e| {
        ErrorObject::new(
            "InvalidResponse",
            format!(
                "the reply of a durable function must be {{\"Status\":\"SUCCEEDED\"|\"FAILED\"|\
                 \"PENDING\",…}}: {e}: {}",
                String::from_utf8_lossy(&payload)
            ),
        )
    });
    let invocation_error = reply.as_ref().err();
    let event = history::invocation_completed(start, now(), &report.request_id, invocation_error);
    execution.record(event);
    if execution.status != ExecutionStatus::Running {
        return Next::Done;
    }
    match reply {
        Err(error) => {
            execution.finish(ExecutionStatus::Failed, None, Some(error));
            Next::Done
        }
        Ok(output)
            if output.status != InvocationStatus::Pending || execution.has_pending_work() =>
        {
            execution.failed_invocations = 0;
            apply_reply(execution, output)
        }
        Ok(_) => {
            let error = ErrorObject::new(
                "InvalidResponse",
                "the function replied PENDING with nothing to wait for (no wait, step retry, \
                 callback or invoke started)",
            );
            failed_invocation(execution, error, MAX_EMPTY_PENDING)
        }
    }
}

/// An invocation that failed with `error`: tried again after [`RETRY_BACKOFF`], unless it is
/// the `limit`th failure in a row, which fails the execution.
fn failed_invocation(execution: &mut Execution, error: ErrorObject, limit: u32) -> Next {
    execution.failed_invocations += 1;
    if execution.failed_invocations >= limit {
        execution.finish(ExecutionStatus::Failed, None, Some(error));
        return Next::Done;
    }
    Next::Retry
}

/// What a durable reply does to its execution.
fn apply_reply(execution: &mut Execution, output: InvocationOutput) -> Next {
    match output.status {
        InvocationStatus::Succeeded => {
            execution.finish(ExecutionStatus::Succeeded, output.result, None);
            Next::Done
        }
        InvocationStatus::Failed => {
            execution.finish(
                ExecutionStatus::Failed,
                None,
                Some(output.error.unwrap_or_default()),
            );
            Next::Done
        }
        InvocationStatus::Pending => Next::Wait,
    }
}

/// Sleeps [`RETRY_BACKOFF`] (none with `--skip-time`) before a failed invocation is tried
/// again; `false` once the execution ended meanwhile (stopped, timed out).
fn wait_to_retry(served: &Served, arn: &str) -> bool {
    let backoff = if served.durable.skip_time {
        Duration::ZERO
    } else {
        RETRY_BACKOFF
    };
    let until = std::time::Instant::now() + backoff;
    let mut store = served.durable.lock();
    loop {
        let Some(execution) = store.get(arn) else {
            return false;
        };
        if execution.status != ExecutionStatus::Running {
            return false;
        }
        let Some(left) = until.checked_duration_since(std::time::Instant::now()) else {
            return true;
        };
        if left.is_zero() {
            return true;
        }
        store = served.durable.wait(store, left);
    }
}

/// Sleeps until the suspended execution has something due (firing its timers); `false` once it
/// ended.
fn wait_until_due(served: &Served, arn: &str) -> bool {
    let skip_time = served.durable.skip_time;
    let mut store = served.durable.lock();
    loop {
        let Some(execution) = store.get_mut(arn) else {
            return false;
        };
        if execution.status != ExecutionStatus::Running {
            return false;
        }
        let at = now();
        let timeout_at = execution.start + f64::from(execution.config.execution_timeout_seconds);
        if time_out(execution, at) {
            served.durable.notify();
            return false;
        }
        let next = fire_timers(execution, at, skip_time);
        if !execution.updated.is_empty() {
            return true;
        }
        let until = next.map_or(timeout_at, |t| t.min(timeout_at));
        let sleep = Duration::from_secs_f64((until - at).max(0.001)).min(LONGEST_SLEEP);
        store = served.durable.wait(store, sleep);
    }
}

/// Ends the execution as `TIMED_OUT` when its `ExecutionTimeout` has passed at `at`; whether
/// it did.
fn time_out(execution: &mut Execution, at: f64) -> bool {
    let seconds = execution.config.execution_timeout_seconds;
    if at < execution.start + f64::from(seconds) {
        return false;
    }
    let error = ErrorObject::new(
        "Execution.Timeout",
        format!("Execution timed out after {seconds} seconds."),
    );
    execution.finish(ExecutionStatus::TimedOut, None, Some(error));
    true
}

/// Ends the waits that are over, readies the retries that are due and times out the callbacks
/// whose time is up; when the next of them is due.
fn fire_timers(execution: &mut Execution, at: f64, skip_time: bool) -> Option<f64> {
    let mut next: Option<f64> = None;
    let mut soonest = |t: f64| next = Some(next.map_or(t, |n: f64| n.min(t)));
    let mut due = Vec::new();
    for op in &execution.operations {
        match (op.kind, op.status) {
            (OperationType::Wait, OperationStatus::Started) => {
                let end = op
                    .wait_details
                    .as_ref()
                    .and_then(|d| d.scheduled_end_timestamp)
                    .map_or(at, |t| t.0);
                if skip_time || end <= at {
                    due.push(op.clone());
                } else {
                    soonest(end);
                }
            }
            (OperationType::Step, OperationStatus::Pending) => {
                let when = op
                    .step_details
                    .as_ref()
                    .and_then(|d| d.next_attempt_timestamp)
                    .map_or(at, |t| t.0);
                if skip_time || when <= at {
                    due.push(op.clone());
                } else {
                    soonest(when);
                }
            }
            _ => {}
        }
    }
    for mut op in due {
        if op.kind == OperationType::Wait {
            op.status = OperationStatus::Succeeded;
            op.end_timestamp = Some(Timestamp(at));
            let event = history::wait_succeeded(&op, at);
            execution.record(event);
        } else {
            op.status = OperationStatus::Ready;
        }
        execution.save_update(op);
    }
    let mut timed_out = Vec::new();
    for (id, timers) in &execution.callbacks {
        let deadlines = [
            (timers.timeout_at, "Callback.Timeout", "Callback timed out"),
            (
                timers.heartbeat_at,
                "Callback.Heartbeat",
                "Callback timed out waiting for a heartbeat",
            ),
        ];
        for (deadline, kind, message) in deadlines {
            match deadline {
                Some(t) if t <= at => {
                    timed_out.push((id.clone(), ErrorObject::new(kind, message)));
                    break;
                }
                Some(t) => soonest(t),
                None => {}
            }
        }
    }
    for (id, error) in timed_out {
        execution.callbacks.remove(&id);
        if let Some(mut op) = execution.operation(&id).cloned() {
            op.status = OperationStatus::TimedOut;
            op.end_timestamp = Some(Timestamp(at));
            let mut details = op.callback_details.clone().unwrap_or_default();
            details.error = Some(error.clone());
            op.callback_details = Some(details);
            let event = history::callback_ended(&op, Ending::TimedOut, None, Some(&error), at);
            execution.record(event);
            execution.save_update(op);
        }
    }
    next
}

/// Starts what a checkpoint's `CHAINED_INVOKE` asks for: the target's own execution when it is
/// durable (already in the store), else an invocation; on a thread of its own, which completes
/// the operation with the outcome.
pub(super) fn start_chained(served: &Arc<Served>, parent: &str, start: ChainedStart) {
    let served_here = Arc::clone(served);
    let parent = parent.to_owned();
    let spawned = thread::Builder::new()
        .name("chained-invoke".to_owned())
        .spawn(move || {
            let outcome = run_chained(&served_here, &start);
            complete_chained(&served_here, &parent, &start.operation_id, outcome);
        });
    if let Err(e) = spawned {
        super::super::super::log::line(&format!("error: cannot run a chained invoke: {e}"));
    }
}

/// Creates the execution a chained invoke of a durable function starts (its name and id were
/// given to the operation's history event).
pub(super) fn create_child(served: &Served, start: &ChainedStart) -> Option<String> {
    let (name, id, _) = start.child.as_ref()?;
    let target: &Deployed = served.functions.get(start.target)?;
    let config = target.durable?;
    let function_arn = format!("{}{}", served.arn_prefix, target.name);
    let mut store = served.durable.lock();
    Some(store.start(NewExecution {
        name: Some(name.clone()),
        id: Some(id.clone()),
        function: &target.name,
        function_arn: &function_arn,
        input: start.payload.clone(),
        config,
    }))
}

/// How an invoke ended: its ending, and its result or error.
type ChainedOutcome = (Ending, Option<String>, Option<ErrorObject>);

fn run_chained(served: &Arc<Served>, start: &ChainedStart) -> ChainedOutcome {
    if let Some((_, _, arn)) = &start.child {
        let Some(ended) = served.durable.wait_for_end(arn, None) else {
            let error = ErrorObject::new("ResourceNotFoundException", "the execution is gone");
            return (Ending::Failed, None, Some(error));
        };
        return match ended.status {
            ExecutionStatus::Succeeded => (Ending::Succeeded, ended.result, None),
            ExecutionStatus::TimedOut => (Ending::TimedOut, None, ended.error),
            ExecutionStatus::Stopped => (Ending::Stopped, None, ended.error),
            _ => (Ending::Failed, None, ended.error),
        };
    }
    let Some(target) = served.functions.get(start.target) else {
        let error = ErrorObject::new("ResourceNotFoundException", "the function is gone");
        return (Ending::Failed, None, Some(error));
    };
    loop {
        let event = start.payload.clone().into_bytes();
        match pool::invoke(served, target, event, false, &mut Relay::detached()) {
            Ok(invoked) => {
                let payload = invoked.report.payload();
                return if invoked.report.is_success() {
                    let result = String::from_utf8_lossy(&payload).into_owned();
                    (Ending::Succeeded, Some(result), None)
                } else {
                    (Ending::Failed, None, Some(error_of_reply(&payload)))
                };
            }
            Err(Failure::Throttled) => thread::sleep(THROTTLED_RETRY),
            Err(Failure::Failed(message)) => {
                let error = ErrorObject::new("ServiceException", message);
                return (Ending::Failed, None, Some(error));
            }
        }
    }
}

fn complete_chained(served: &Served, parent: &str, operation_id: &str, outcome: ChainedOutcome) {
    let (ending, result, error) = outcome;
    let mut store = served.durable.lock();
    let Some(execution) = store.get_mut(parent) else {
        return;
    };
    if execution.status != ExecutionStatus::Running {
        return;
    }
    let Some(mut op) = execution.operation(operation_id).cloned() else {
        return;
    };
    if op.status != OperationStatus::Started {
        return;
    }
    let at = now();
    op.status = match ending {
        Ending::Succeeded => OperationStatus::Succeeded,
        Ending::Failed => OperationStatus::Failed,
        Ending::TimedOut => OperationStatus::TimedOut,
        Ending::Stopped => OperationStatus::Stopped,
    };
    op.end_timestamp = Some(Timestamp(at));
    let mut details = ChainedInvokeDetails::default();
    details.result = result.clone();
    details.error = error.clone();
    op.chained_invoke_details = Some(details);
    let event = history::chained_invoke_ended(&op, ending, result.as_deref(), error.as_ref(), at);
    execution.record(event);
    execution.save_update(op);
    drop(store);
    served.durable.notify();
}
