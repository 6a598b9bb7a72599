//! The wire shapes of durable executions, with Lambda's own field names (the `lambda` service
//! model, `2025-12-01` operations): the invocation event a durable function receives, the
//! operations of its execution state, the updates it checkpoints, the bodies of
//! `CheckpointDurableExecution` and `GetDurableExecutionState`, and the reply it returns.
//!
//! Payloads (`InputPayload`, `Result`, `Payload`) are strings as on the wire: the SDKs put the
//! JSON text of a value there.

use serde::{Deserialize, Serialize};

/// The largest reply a durable invocation returns with its result inline: Lambda's 6 MB
/// response limit less 50 bytes for the envelope. A larger result is checkpointed as the
/// `EXECUTION` operation's `SUCCEED` payload and the reply's `Result` is empty
/// (`LAMBDA_RESPONSE_SIZE_LIMIT` in AWS's Python SDK, `execution.py`).
pub const RESPONSE_SIZE_LIMIT: usize = 6 * 1024 * 1024 - 50;

/// The largest result a child context checkpoints whole; above it the context checkpoints
/// `ReplayChildren` and a replay re-runs its children (`CHECKPOINT_SIZE_LIMIT_BYTES` in AWS's
/// Python SDK, `constants.py`).
pub const CHECKPOINT_PAYLOAD_LIMIT: usize = 256 * 1024;

/// The most updates AWS's Python SDK sends in one checkpoint (`CheckpointBatcherConfig`,
/// `state.py`).
pub const MAX_BATCH_OPERATIONS: usize = 250;

/// The most bytes of updates AWS's Python SDK sends in one checkpoint (750 KB,
/// `CheckpointBatcherConfig`, `state.py`).
pub const MAX_BATCH_BYTES: usize = 750 * 1024;

/// The event of a durable invocation.
///
/// ```json
/// {"DurableExecutionArn": "arn:aws:lambda:…:function:f:$LATEST/durable-execution/run/abc",
///  "CheckpointToken": "…",
///  "InitialExecutionState": {"Operations": [{"Id": "…", "Type": "EXECUTION", …}], "NextMarker": "…"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct InvocationInput {
    /// The execution's ARN, the path label of the checkpoint and state calls.
    pub durable_execution_arn: String,
    /// The token of the first checkpoint; each checkpoint answers the next one.
    pub checkpoint_token: String,
    /// The first page of the execution's operations.
    #[serde(default)]
    pub initial_execution_state: ExecutionState,
    /// The ids of operations updated since the previous invocation (callbacks completed, waits
    /// ended), when Lambda sends them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updated_operation_ids: Vec<String>,
}

impl InvocationInput {
    /// The user's input: the `EXECUTION` operation's `ExecutionDetails.InputPayload`.
    pub fn input_payload(&self) -> Option<&str> {
        self.initial_execution_state
            .operations
            .iter()
            .find(|op| op.kind == OperationType::Execution)
            .and_then(|op| op.execution_details.as_ref())
            .and_then(|d| d.input_payload.as_deref())
    }
}

/// A page of an execution's operations: `InitialExecutionState` of the event,
/// `NewExecutionState` of a checkpoint's answer, and the answer of `GetDurableExecutionState`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ExecutionState {
    /// The operations of this page.
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// Where the next page starts (`Marker` of `GetDurableExecutionState`); absent or empty on
    /// the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

impl ExecutionState {
    /// A page of `operations`, with the marker of the next page if there is one.
    pub fn new(operations: Vec<Operation>, next_marker: Option<String>) -> Self {
        ExecutionState {
            operations,
            next_marker,
        }
    }

    /// The marker of the next page, if there is one (an empty marker is none).
    pub fn next_page(&self) -> Option<&str> {
        self.next_marker.as_deref().filter(|m| !m.is_empty())
    }
}

/// What an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    /// The execution itself; its details carry the input.
    Execution,
    /// A child context (run in child context, map, parallel and their branches, wait for
    /// callback).
    Context,
    /// A step (and wait for condition).
    Step,
    /// A timed wait.
    Wait,
    /// A callback another system completes.
    Callback,
    /// An invocation of another function.
    ChainedInvoke,
}

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    /// Started, not finished.
    Started,
    /// Waiting: a step's retry not yet due.
    Pending,
    /// A retry that is due, to run now.
    Ready,
    /// Finished with a result.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Timed out (a callback, an invoke, the execution).
    TimedOut,
    /// Stopped (`StopDurableExecution`).
    Stopped,
}

/// What an update does to its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationAction {
    /// Starts it.
    Start,
    /// Ends it with a result (`Payload`).
    Succeed,
    /// Ends it with an error (`Error`).
    Fail,
    /// Schedules a step's next attempt (`StepOptions.NextAttemptDelaySeconds`).
    Retry,
    /// Cancels it.
    Cancel,
}

/// The SDK's finer kind of an operation (`SubType`). Lambda's model takes any short name; the
/// SDKs use these, and a name none of them uses is kept as [`Other`](OperationSubType::Other).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum OperationSubType {
    /// `Step` (type `STEP`).
    Step,
    /// `Wait` (type `WAIT`).
    Wait,
    /// `Callback` (type `CALLBACK`).
    Callback,
    /// `RunInChildContext` (type `CONTEXT`).
    RunInChildContext,
    /// `Map` (type `CONTEXT`).
    Map,
    /// `MapIteration` (type `CONTEXT`).
    MapIteration,
    /// `Parallel` (type `CONTEXT`).
    Parallel,
    /// `ParallelBranch` (type `CONTEXT`).
    ParallelBranch,
    /// `WaitForCallback` (type `CONTEXT`).
    WaitForCallback,
    /// `WaitForCondition` (type `STEP`).
    WaitForCondition,
    /// `ChainedInvoke` (type `CHAINED_INVOKE`).
    ChainedInvoke,
    /// A sub-type none of the above.
    Other(String),
}

impl OperationSubType {
    const NAMES: [(OperationSubType, &'static str); 11] = [
        (OperationSubType::Step, "Step"),
        (OperationSubType::Wait, "Wait"),
        (OperationSubType::Callback, "Callback"),
        (OperationSubType::RunInChildContext, "RunInChildContext"),
        (OperationSubType::Map, "Map"),
        (OperationSubType::MapIteration, "MapIteration"),
        (OperationSubType::Parallel, "Parallel"),
        (OperationSubType::ParallelBranch, "ParallelBranch"),
        (OperationSubType::WaitForCallback, "WaitForCallback"),
        (OperationSubType::WaitForCondition, "WaitForCondition"),
        (OperationSubType::ChainedInvoke, "ChainedInvoke"),
    ];

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            OperationSubType::Other(name) => name,
            known => Self::NAMES
                .iter()
                .find(|(k, _)| k == known)
                .map_or("", |(_, name)| name),
        }
    }

    /// The operation type the SDKs give this sub-type (`None` for [`Other`](Self::Other)).
    pub fn operation_type(&self) -> Option<OperationType> {
        use OperationSubType as S;
        Some(match self {
            S::Step | S::WaitForCondition => OperationType::Step,
            S::Wait => OperationType::Wait,
            S::Callback => OperationType::Callback,
            S::ChainedInvoke => OperationType::ChainedInvoke,
            S::RunInChildContext
            | S::Map
            | S::MapIteration
            | S::Parallel
            | S::ParallelBranch
            | S::WaitForCallback => OperationType::Context,
            S::Other(_) => return None,
        })
    }
}

impl From<String> for OperationSubType {
    fn from(name: String) -> Self {
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map_or(OperationSubType::Other(name), |(k, _)| k.clone())
    }
}

impl From<OperationSubType> for String {
    fn from(sub_type: OperationSubType) -> Self {
        match sub_type {
            OperationSubType::Other(name) => name,
            known => known.as_str().to_owned(),
        }
    }
}

/// A point in time as the wire has it: a number of the Unix epoch, in milliseconds in the
/// invocation event (AWS's SDKs read the event's timestamps as milliseconds) and in seconds,
/// with a fraction, in the answers of the restJson API (the service model's default).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub f64);

/// An error as durable operations record it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ErrorObject {
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The error's kind (AWS's SDKs put the exception's class name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// Data the error carries (a string, JSON text by convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<String>,
    /// Stack trace lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<String>>,
}

impl ErrorObject {
    /// An error of `error_type` saying `message`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorObject {
            error_message: Some(message.into()),
            error_type: Some(error_type.into()),
            error_data: None,
            stack_trace: None,
        }
    }
}

/// One operation of an execution's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Operation {
    /// Its id ([`crate::ids`]).
    pub id: String,
    /// The id of the context it runs in; none at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Its name, if it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it is.
    #[serde(rename = "Type")]
    pub kind: OperationType,
    /// The SDK's finer kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<OperationSubType>,
    /// When it started (required by the service model; absent in some SDK test shapes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timestamp: Option<Timestamp>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<Timestamp>,
    /// Where it is.
    pub status: OperationStatus,
    /// `EXECUTION`: the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_details: Option<ExecutionDetails>,
    /// `CONTEXT`: its result or error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_details: Option<ContextDetails>,
    /// `STEP`: attempt, next attempt, result or error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_details: Option<StepDetails>,
    /// `WAIT`: when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_details: Option<WaitDetails>,
    /// `CALLBACK`: its id, result or error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_details: Option<CallbackDetails>,
    /// `CHAINED_INVOKE`: result or error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_details: Option<ChainedInvokeDetails>,
}

/// `ExecutionDetails` of the `EXECUTION` operation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ExecutionDetails {
    /// The execution's input, as the caller sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_payload: Option<String>,
}

/// `ContextDetails` of a `CONTEXT` operation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ContextDetails {
    /// Whether a replay re-runs its children to rebuild a result not checkpointed whole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay_children: bool,
    /// Its result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Its error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// `StepDetails` of a `STEP` operation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct StepDetails {
    /// Attempts made so far.
    #[serde(default)]
    pub attempt: u32,
    /// When the next attempt is due (status `PENDING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_timestamp: Option<Timestamp>,
    /// Its result (or, for wait for condition, the state between attempts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Its last error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// `WaitDetails` of a `WAIT` operation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct WaitDetails {
    /// When the wait ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_end_timestamp: Option<Timestamp>,
}

/// `CallbackDetails` of a `CALLBACK` operation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CallbackDetails {
    /// The id to complete it with (`SendDurableExecutionCallbackSuccess` …).
    #[serde(default)]
    pub callback_id: String,
    /// The result it was completed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The error it failed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// `ChainedInvokeDetails` of a `CHAINED_INVOKE` operation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ChainedInvokeDetails {
    /// The invoked function's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Its error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// One change to checkpoint (an element of `Updates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct OperationUpdate {
    /// The operation's id.
    pub id: String,
    /// The id of the context it runs in; none at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it is.
    #[serde(rename = "Type")]
    pub kind: OperationType,
    /// The SDK's finer kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<OperationSubType>,
    /// What the update does.
    pub action: OperationAction,
    /// The result (`SUCCEED`), the input (a `CHAINED_INVOKE`'s `START`), or the state between
    /// attempts (a wait for condition's `RETRY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The error (`FAIL`, a step's `RETRY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// A context's options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_options: Option<ContextOptions>,
    /// A step's options (its retry delay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_options: Option<StepOptions>,
    /// A wait's options (its length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_options: Option<WaitOptions>,
    /// A callback's options (its timeouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_options: Option<CallbackOptions>,
    /// A chained invoke's options (the function).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
}

impl OperationUpdate {
    /// An update with only its id, type and action set; the fields are public to fill in the
    /// rest.
    pub fn new(id: impl Into<String>, kind: OperationType, action: OperationAction) -> Self {
        OperationUpdate {
            id: id.into(),
            parent_id: None,
            name: None,
            kind,
            sub_type: None,
            action,
            payload: None,
            error: None,
            context_options: None,
            step_options: None,
            wait_options: None,
            callback_options: None,
            chained_invoke_options: None,
        }
    }
}

/// `ContextOptions` of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ContextOptions {
    /// Whether a replay re-runs the children (a result too large to checkpoint whole).
    #[serde(default)]
    pub replay_children: bool,
}

impl ContextOptions {
    /// Options with `replay_children` set as given.
    pub fn new(replay_children: bool) -> Self {
        ContextOptions { replay_children }
    }
}

/// `StepOptions` of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct StepOptions {
    /// Seconds until the next attempt (1 to 31,622,400).
    #[serde(default)]
    pub next_attempt_delay_seconds: u32,
}

impl StepOptions {
    /// The next attempt in `seconds`.
    pub fn new(next_attempt_delay_seconds: u32) -> Self {
        StepOptions {
            next_attempt_delay_seconds,
        }
    }
}

/// `WaitOptions` of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct WaitOptions {
    /// Seconds to wait (1 to 31,622,400).
    pub wait_seconds: u32,
}

impl WaitOptions {
    /// A wait of `seconds`.
    pub fn new(wait_seconds: u32) -> Self {
        WaitOptions { wait_seconds }
    }
}

/// `CallbackOptions` of an update; 0 is no timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CallbackOptions {
    /// Seconds the callback may take in all.
    #[serde(default)]
    pub timeout_seconds: u32,
    /// Seconds allowed between heartbeats.
    #[serde(default)]
    pub heartbeat_timeout_seconds: u32,
}

impl CallbackOptions {
    /// Options with both timeouts, in seconds (0: none).
    pub fn new(timeout_seconds: u32, heartbeat_timeout_seconds: u32) -> Self {
        CallbackOptions {
            timeout_seconds,
            heartbeat_timeout_seconds,
        }
    }
}

/// `ChainedInvokeOptions` of an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ChainedInvokeOptions {
    /// The function to invoke (name or ARN, with its qualifier).
    pub function_name: String,
    /// The tenant, for a function with tenant isolation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

impl ChainedInvokeOptions {
    /// Invokes `function_name`.
    pub fn new(function_name: impl Into<String>) -> Self {
        ChainedInvokeOptions {
            function_name: function_name.into(),
            tenant_id: None,
        }
    }
}

/// The body of `CheckpointDurableExecution`
/// (`POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CheckpointRequest {
    /// The token the previous checkpoint (or the event) gave; each is used once.
    pub checkpoint_token: String,
    /// The changes, in order.
    #[serde(default)]
    pub updates: Vec<OperationUpdate>,
    /// An idempotency token (1 to 64 printable characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

impl CheckpointRequest {
    /// Saves `updates` with `checkpoint_token`, without a client token.
    pub fn new(checkpoint_token: impl Into<String>, updates: Vec<OperationUpdate>) -> Self {
        CheckpointRequest {
            checkpoint_token: checkpoint_token.into(),
            updates,
            client_token: None,
        }
    }
}

/// The answer of `CheckpointDurableExecution`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CheckpointResponse {
    /// The token of the next checkpoint; absent on the checkpoint that ends the execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_token: Option<String>,
    /// The operations this checkpoint changed, and those changed since the last one.
    #[serde(default)]
    pub new_execution_state: ExecutionState,
}

/// How a durable invocation ended (`Status` of the reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvocationStatus {
    /// The execution finished with `Result`.
    Succeeded,
    /// The execution failed with `Error`.
    Failed,
    /// The execution is suspended (a wait, a retry, a callback); Lambda invokes it again.
    Pending,
}

/// The reply of a durable function to Lambda.
///
/// `{"Status":"SUCCEEDED","Result":"<json>"}`, `{"Status":"PENDING"}`,
/// `{"Status":"FAILED","Error":{…}}`. When the `EXECUTION` operation was already ended by a
/// checkpoint (a result over the reply's size limit), `Result` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct InvocationOutput {
    /// How it ended.
    pub status: InvocationStatus,
    /// The result's JSON text (`SUCCEEDED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The error (`FAILED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

impl InvocationOutput {
    /// `SUCCEEDED` with `result` (JSON text; empty when checkpointed instead).
    pub fn succeeded(result: impl Into<String>) -> Self {
        InvocationOutput {
            status: InvocationStatus::Succeeded,
            result: Some(result.into()),
            error: None,
        }
    }

    /// `FAILED` with `error`.
    pub fn failed(error: ErrorObject) -> Self {
        InvocationOutput {
            status: InvocationStatus::Failed,
            result: None,
            error: Some(error),
        }
    }

    /// `PENDING`: suspended until Lambda invokes again.
    pub fn pending() -> Self {
        InvocationOutput {
            status: InvocationStatus::Pending,
            result: None,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // The event as AWS's Python SDK reads it (`DurableExecutionInvocationInput.from_json_dict`:
    // timestamps in milliseconds), with an execution, a step retried once and a callback.
    const EVENT: &str = r#"{
        "DurableExecutionArn": "arn:aws:lambda:us-east-1:123456789012:function:order:$LATEST/durable-execution/run-1/3f1c",
        "CheckpointToken": "dG9rZW4tMQ==",
        "InitialExecutionState": {
            "Operations": [
                {"Id": "exec-1", "Type": "EXECUTION", "Status": "STARTED",
                 "StartTimestamp": 1672531200123,
                 "ExecutionDetails": {"InputPayload": "{\"name\":\"Ada\"}"}},
                {"Id": "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97",
                 "Type": "STEP", "SubType": "Step", "Name": "greet", "Status": "PENDING",
                 "StartTimestamp": 1672531200200,
                 "StepDetails": {"Attempt": 1, "NextAttemptTimestamp": 1672531201200,
                                 "Error": {"ErrorType": "ValueError", "ErrorMessage": "first attempt",
                                           "StackTrace": ["  File \"h.py\", line 3"]}}},
                {"Id": "cb", "ParentId": "ctx", "Type": "CALLBACK", "SubType": "Callback",
                 "Status": "SUCCEEDED", "StartTimestamp": 1672531202000, "EndTimestamp": 1672531203000,
                 "CallbackDetails": {"CallbackId": "Y2FsbGJhY2s=", "Result": "\"yes\""}}
            ],
            "NextMarker": "page-2"
        }
    }"#;

    #[test]
    fn an_invocation_event_reads_with_its_input_and_operations() {
        let input: InvocationInput = serde_json::from_str(EVENT).unwrap();
        assert_eq!(input.checkpoint_token, "dG9rZW4tMQ==");
        assert_eq!(input.input_payload(), Some(r#"{"name":"Ada"}"#));
        let state = &input.initial_execution_state;
        assert_eq!(state.next_page(), Some("page-2"));
        let step = &state.operations[1];
        assert_eq!(step.kind, OperationType::Step);
        assert_eq!(step.sub_type, Some(OperationSubType::Step));
        assert_eq!(step.status, OperationStatus::Pending);
        let details = step.step_details.as_ref().unwrap();
        assert_eq!(details.attempt, 1);
        assert_eq!(
            details.next_attempt_timestamp,
            Some(Timestamp(1672531201200.0))
        );
        let error = details.error.as_ref().unwrap();
        assert_eq!(error.error_type.as_deref(), Some("ValueError"));
        assert_eq!(error.stack_trace.as_ref().unwrap().len(), 1);
        let callback = &state.operations[2];
        assert_eq!(callback.parent_id.as_deref(), Some("ctx"));
        let details = callback.callback_details.as_ref().unwrap();
        assert_eq!(details.callback_id, "Y2FsbGJhY2s=");
        assert_eq!(details.result.as_deref(), Some("\"yes\""));
        assert!(input.updated_operation_ids.is_empty());
    }

    #[test]
    fn an_event_without_a_state_has_no_operations() {
        let input: InvocationInput =
            serde_json::from_value(json!({"DurableExecutionArn": "a", "CheckpointToken": "t"}))
                .unwrap();
        assert!(input.initial_execution_state.operations.is_empty());
        assert_eq!(input.input_payload(), None);
        assert_eq!(input.initial_execution_state.next_page(), None);
    }

    #[test]
    fn an_event_without_its_token_is_refused() {
        let err = serde_json::from_value::<InvocationInput>(json!({"DurableExecutionArn": "a"}))
            .unwrap_err();
        assert!(err.to_string().contains("CheckpointToken"), "{err}");
    }

    #[test]
    fn an_unknown_type_or_status_is_refused_and_an_unknown_sub_type_kept() {
        let op = json!({"Id": "x", "Type": "STEP", "Status": "SUCCEEDED", "SubType": "Custom"});
        let op: Operation = serde_json::from_value(op).unwrap();
        assert_eq!(op.sub_type, Some(OperationSubType::Other("Custom".into())));
        assert_eq!(serde_json::to_value(&op).unwrap()["SubType"], "Custom");
        for bad in [
            json!({"Id": "x", "Type": "TIMER", "Status": "SUCCEEDED"}),
            json!({"Id": "x", "Type": "STEP", "Status": "DONE"}),
        ] {
            assert!(serde_json::from_value::<Operation>(bad).is_err());
        }
    }

    #[test]
    fn sub_types_map_to_the_types_the_sdks_give_them() {
        for (sub_type, name) in OperationSubType::NAMES {
            assert_eq!(OperationSubType::from(name.to_owned()), sub_type);
            assert_eq!(String::from(sub_type.clone()), name);
            assert!(sub_type.operation_type().is_some());
        }
        assert_eq!(
            OperationSubType::WaitForCondition.operation_type(),
            Some(OperationType::Step)
        );
        assert_eq!(
            OperationSubType::MapIteration.operation_type(),
            Some(OperationType::Context)
        );
        assert_eq!(OperationSubType::Other("X".into()).operation_type(), None);
    }

    // Updates as AWS's Python SDK writes them (`OperationUpdate.to_dict`): absent fields left
    // out, options under their own names.
    #[test]
    fn updates_write_the_sdks_shapes() {
        let mut retry = OperationUpdate::new("s1", OperationType::Step, OperationAction::Retry);
        retry.parent_id = Some("p".into());
        retry.name = Some("greet".into());
        retry.sub_type = Some(OperationSubType::Step);
        retry.error = Some(ErrorObject::new("ValueError", "boom"));
        retry.step_options = Some(StepOptions::new(1));
        assert_eq!(
            serde_json::to_value(&retry).unwrap(),
            json!({"Id": "s1", "ParentId": "p", "Name": "greet", "Type": "STEP",
                   "SubType": "Step", "Action": "RETRY",
                   "Error": {"ErrorMessage": "boom", "ErrorType": "ValueError"},
                   "StepOptions": {"NextAttemptDelaySeconds": 1}})
        );
        let mut wait = OperationUpdate::new("w", OperationType::Wait, OperationAction::Start);
        wait.sub_type = Some(OperationSubType::Wait);
        wait.wait_options = Some(WaitOptions::new(2));
        assert_eq!(
            serde_json::to_value(&wait).unwrap(),
            json!({"Id": "w", "Type": "WAIT", "SubType": "Wait", "Action": "START",
                   "WaitOptions": {"WaitSeconds": 2}})
        );
        let mut cb = OperationUpdate::new("c", OperationType::Callback, OperationAction::Start);
        cb.callback_options = Some(CallbackOptions::new(300, 0));
        let mut invoke =
            OperationUpdate::new("i", OperationType::ChainedInvoke, OperationAction::Start);
        invoke.payload = Some("{}".into());
        invoke.chained_invoke_options = Some(ChainedInvokeOptions::new("target:$LATEST"));
        let mut ctx = OperationUpdate::new("x", OperationType::Context, OperationAction::Succeed);
        ctx.payload = Some(String::new());
        ctx.context_options = Some(ContextOptions::new(true));
        let request = CheckpointRequest {
            checkpoint_token: "t".into(),
            updates: vec![cb, invoke, ctx],
            client_token: None,
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"CheckpointToken": "t", "Updates": [
                {"Id": "c", "Type": "CALLBACK", "Action": "START",
                 "CallbackOptions": {"TimeoutSeconds": 300, "HeartbeatTimeoutSeconds": 0}},
                {"Id": "i", "Type": "CHAINED_INVOKE", "Action": "START", "Payload": "{}",
                 "ChainedInvokeOptions": {"FunctionName": "target:$LATEST"}},
                {"Id": "x", "Type": "CONTEXT", "Action": "SUCCEED", "Payload": "",
                 "ContextOptions": {"ReplayChildren": true}}
            ]})
        );
    }

    // `test_checkpoint_output_from_dict` and `…_empty` of AWS's Python SDK
    // (tests/lambda_service_test.py): the terminal checkpoint has no token.
    #[test]
    fn checkpoint_answers_read_with_and_without_a_token() {
        let full: CheckpointResponse = serde_json::from_value(json!({
            "CheckpointToken": "token123",
            "NewExecutionState": {
                "Operations": [{"Id": "op1", "Type": "STEP", "Status": "SUCCEEDED"}],
                "NextMarker": "marker123"
            }
        }))
        .unwrap();
        assert_eq!(full.checkpoint_token.as_deref(), Some("token123"));
        assert_eq!(full.new_execution_state.operations.len(), 1);
        assert_eq!(full.new_execution_state.next_page(), Some("marker123"));
        let empty: CheckpointResponse = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty.checkpoint_token, None);
        assert!(empty.new_execution_state.operations.is_empty());
    }

    #[test]
    fn replies_are_lambdas_three_shapes() {
        assert_eq!(
            serde_json::to_value(InvocationOutput::succeeded("{\"a\":1}")).unwrap(),
            json!({"Status": "SUCCEEDED", "Result": "{\"a\":1}"})
        );
        assert_eq!(
            serde_json::to_value(InvocationOutput::pending()).unwrap(),
            json!({"Status": "PENDING"})
        );
        assert_eq!(
            serde_json::to_value(InvocationOutput::failed(ErrorObject::new("E", "m"))).unwrap(),
            json!({"Status": "FAILED", "Error": {"ErrorType": "E", "ErrorMessage": "m"}})
        );
    }

    #[test]
    fn operations_round_trip() {
        let input: InvocationInput = serde_json::from_str(EVENT).unwrap();
        let again: InvocationInput =
            serde_json::from_value(serde_json::to_value(&input).unwrap()).unwrap();
        assert_eq!(again, input);
    }
}
