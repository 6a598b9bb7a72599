//! Lambda durable functions without an async runtime: the contract of durable executions and a
//! blocking client for the API a durable function calls.
//!
//! A durable function's invocation receives the execution's ARN, a checkpoint token and the
//! operations saved so far ([`model::InvocationInput`]). Its code runs again from the start on
//! every invocation; each operation (a step, a wait, a callback, a child context, an invoke)
//! gets a deterministic id from its position ([`ids`]), so a replay finds the saved result of
//! what already ran instead of running it again. Progress is saved with checkpoints
//! ([`checkpoint`]), each answering the token of the next, and the invocation ends with a reply
//! ([`model::InvocationOutput`]): `SUCCEEDED` with the result, `FAILED` with an error, or
//! `PENDING` when the execution is suspended (a wait not over, a retry not due, a callback not
//! answered) and Lambda is to invoke it again.
//!
//! What is here:
//! - [`model`]: the wire shapes, with Lambda's field names (the `lambda` service model's
//!   `2025-12-01` operations, and the invocation event and reply of AWS's SDKs).
//! - [`ids`]: operation ids exactly as AWS's SDKs make them.
//! - [`checkpoint`]: `CheckpointDurableExecution` and `GetDurableExecutionState`, on
//!   [`ruchy_lambda_aws`] (signed as service `lambda`, endpoint from `AWS_ENDPOINT_URL_LAMBDA`).
//!
//! - [`DurableContext`] and its operations: [`step`](DurableContext::step) with retries,
//!   [`wait`](DurableContext::wait), [`run_in_child_context`](DurableContext::run_in_child_context),
//!   [`create_callback`](DurableContext::create_callback) and
//!   [`wait_for_callback`](DurableContext::wait_for_callback),
//!   [`invoke`](DurableContext::invoke), [`map`](DurableContext::map) and
//!   [`parallel`](DurableContext::parallel), [`wait_for_condition`](DurableContext::wait_for_condition);
//! - [`run`] and [`execute`]: one invocation, from its event to its reply.

#[cfg(feature = "client")]
pub mod checkpoint;
mod context;
mod error;
mod failure;
pub mod ids;
pub mod model;
mod operation;
mod run;
mod state;

#[cfg(feature = "client")]
pub use checkpoint::Checkpoints;
pub use context::{DurableContext, Name, UNNAMED};
pub use error::Error;
pub use failure::{DurableError, ErrorKind};
pub use model::ErrorObject;
pub use operation::batch_config::{
    MapConfig, Nesting, ParallelBranch, ParallelConfig, branch, named_branch,
};
pub use operation::batch_result::{
    BatchItem, BatchItemStatus, BatchResult, CompletionConfig, CompletionReason,
};
pub use operation::callback::{Callback, CallbackConfig, WaitForCallbackConfig};
pub use operation::child::ChildConfig;
pub use operation::condition::{WaitDecision, WaitForConditionConfig};
pub use operation::invoke::InvokeConfig;
pub use operation::retry::{Exponential, Jitter, RetryStrategy};
pub use operation::serdes::{SerDes, serdes};
pub use operation::step::{StepConfig, StepContext, StepSemantics};
pub use run::{HandlerOutcome, execute, read_input, run};
pub use state::{DurableApi, MAX_BATCH_DELAY};
