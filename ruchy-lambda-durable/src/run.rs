//! One durable invocation, from its event to its reply.

use std::fmt::Display;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::DurableContext;
use crate::failure::{DurableError, ErrorKind, error_object_of};
use crate::model::{
    ErrorObject, InvocationInput, InvocationOutput, Operation, OperationAction, OperationType,
    OperationUpdate, RESPONSE_SIZE_LIMIT, Timestamp,
};
use crate::state::{DurableApi, State};

/// What a handler ended with, its result already serialized.
#[derive(Debug)]
pub enum HandlerOutcome {
    /// The result, as JSON text.
    Succeeded(String),
    /// The error to fail the execution with.
    Failed(ErrorObject),
}

/// Runs one durable invocation: fetches the operations after the event's first page, runs
/// `handler` with the user's input (the `EXECUTION` operation's `InputPayload`, `None` when
/// there is none) and the context, sends what is still queued, and makes the reply:
///
/// - `PENDING` when the execution suspended, whatever the handler returned;
/// - `SUCCEEDED` with the result (over [`RESPONSE_SIZE_LIMIT`], the result is checkpointed as
///   the `EXECUTION` operation's and the reply's `Result` is empty);
/// - `FAILED` with the error (over the limit likewise).
///
/// `Err` when the durable execution API failed in a way that trying the invocation again may
/// mend (no answer, a server error): the invocation should fail, for Lambda to retry it. An API
/// error that no retry mends fails the execution.
pub fn execute<F>(
    input: InvocationInput,
    api: Arc<dyn DurableApi>,
    handler: F,
) -> Result<InvocationOutput, DurableError>
where
    F: FnOnce(Option<&str>, &DurableContext) -> HandlerOutcome,
{
    let arn = input.durable_execution_arn.clone();
    // The event's page has its times in milliseconds, the API's pages in seconds.
    let mut operations: Vec<Operation> = input
        .initial_execution_state
        .operations
        .into_iter()
        .map(seconds_from_event)
        .collect();
    let mut marker = input
        .initial_execution_state
        .next_marker
        .filter(|m| !m.is_empty());
    let mut seen = std::collections::HashSet::new();
    while let Some(current) = marker {
        if !seen.insert(current.clone()) {
            break;
        }
        match api.state(&arn, &input.checkpoint_token, Some(&current)) {
            Ok(page) => {
                operations.extend(page.operations);
                marker = page.next_marker.filter(|m| !m.is_empty());
            }
            Err(e) if crate::state::is_retryable(&e) => {
                return Err(DurableError::checkpoint(&e, true));
            }
            Err(e) => {
                return Ok(InvocationOutput::failed(
                    DurableError::checkpoint(&e, false).error_object(),
                ));
            }
        }
    }
    let state = State::new(arn, input.checkpoint_token, operations, api);
    // The flusher stops even if the handler unwinds.
    let _stop = StopFlusher(Arc::clone(&state));
    let context = DurableContext::root(Arc::clone(&state));
    let payload = state
        .execution()
        .and_then(|o| o.execution_details)
        .and_then(|d| d.input_payload);
    let outcome = handler(payload.as_deref(), &context);
    let suspended = context.scope.suspension().is_some();
    let closed = state.close();
    if suspended {
        return match closed {
            Ok(()) => Ok(InvocationOutput::pending()),
            Err(e) => api_failure(e),
        };
    }
    if let Err(e) = closed {
        return api_failure(e);
    }
    match outcome {
        HandlerOutcome::Succeeded(result) => {
            if result.len() > RESPONSE_SIZE_LIMIT {
                let mut succeed = execution_update(OperationAction::Succeed);
                succeed.payload = Some(result);
                if let Err(e) = state.checkpoint(succeed) {
                    return api_failure(e);
                }
                return Ok(InvocationOutput::succeeded(""));
            }
            Ok(InvocationOutput::succeeded(result))
        }
        HandlerOutcome::Failed(error) => {
            let size = serde_json::to_vec(&error).map_or(0, |v| v.len());
            if size > RESPONSE_SIZE_LIMIT {
                let mut fail = execution_update(OperationAction::Fail);
                fail.error = Some(error);
                if let Err(e) = state.checkpoint(fail) {
                    return api_failure(e);
                }
                let mut output = InvocationOutput::pending();
                output.status = crate::model::InvocationStatus::Failed;
                return Ok(output);
            }
            Ok(InvocationOutput::failed(error))
        }
    }
}

/// [`execute`] for a typed handler: the input read from JSON (`null` when there is none), the
/// result written as JSON, an error recorded with its type name (or as the [`ErrorObject`] or
/// [`DurableError`] it is).
pub fn run<I, O, E, F>(
    input: InvocationInput,
    api: Arc<dyn DurableApi>,
    handler: F,
) -> Result<InvocationOutput, DurableError>
where
    I: DeserializeOwned,
    O: Serialize,
    E: Display + 'static,
    F: FnOnce(I, &DurableContext) -> Result<O, E>,
{
    execute(input, api, |payload, ctx| {
        let input = match read_input::<I>(payload) {
            Ok(input) => input,
            Err(e) => return HandlerOutcome::Failed(e.error_object()),
        };
        match handler(input, ctx) {
            Ok(output) => match serde_json::to_string(&output) {
                Ok(text) => HandlerOutcome::Succeeded(text),
                Err(e) => HandlerOutcome::Failed(DurableError::serialization(e).error_object()),
            },
            // A suspension returned as the error: the reply is PENDING whatever this says.
            Err(e) => HandlerOutcome::Failed(error_object_of(&e)),
        }
    })
}

/// The user's input as `I`: the payload's JSON; no payload (or a blank one) reads as `null`,
/// then as `{}` (AWS's SDKs give an empty object).
pub fn read_input<I: DeserializeOwned>(payload: Option<&str>) -> Result<I, DurableError> {
    let text = payload.map(str::trim).filter(|p| !p.is_empty());
    match text {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            DurableError::message(
                ErrorKind::Serialization,
                format!(
                    "the execution's input does not read as {}: {e}",
                    std::any::type_name::<I>()
                ),
            )
        }),
        None => serde_json::from_str("null")
            .or_else(|_| serde_json::from_str("{}"))
            .map_err(|e| {
                DurableError::message(
                    ErrorKind::Serialization,
                    format!(
                        "the execution has no input, which {} requires: {e}",
                        std::any::type_name::<I>()
                    ),
                )
            }),
    }
}

/// The update that ends the execution itself (a result or an error over the reply's limit),
/// with the id AWS's SDKs give it.
fn execution_update(action: OperationAction) -> OperationUpdate {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    OperationUpdate::new(
        format!("execution-result-{millis}"),
        OperationType::Execution,
        action,
    )
}

struct StopFlusher(Arc<State>);

impl Drop for StopFlusher {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// The reply for a failed API call: the invocation fails (for Lambda to retry it) when a retry
/// may mend it, else the execution fails.
fn api_failure(error: DurableError) -> Result<InvocationOutput, DurableError> {
    if error.is_retryable() {
        return Err(error);
    }
    Ok(InvocationOutput::failed(error.error_object()))
}

/// The times of an operation of the invocation event, milliseconds of the Unix epoch, as
/// seconds (as the API's answers have them).
pub(crate) fn seconds_from_event(mut operation: Operation) -> Operation {
    let convert = |t: &mut Option<Timestamp>| {
        if let Some(ts) = t {
            ts.0 /= 1000.0;
        }
    };
    convert(&mut operation.start_timestamp);
    convert(&mut operation.end_timestamp);
    if let Some(d) = operation.step_details.as_mut() {
        convert(&mut d.next_attempt_timestamp);
    }
    if let Some(d) = operation.wait_details.as_mut() {
        convert(&mut d.scheduled_end_timestamp);
    }
    operation
}
