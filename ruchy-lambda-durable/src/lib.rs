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
//! The durable context and its operations (step with retries, wait, callbacks, child contexts,
//! invoke, map, parallel, wait for condition) are built on these three.

#[cfg(feature = "client")]
pub mod checkpoint;
mod error;
pub mod ids;
pub mod model;

#[cfg(feature = "client")]
pub use checkpoint::Checkpoints;
pub use error::Error;
