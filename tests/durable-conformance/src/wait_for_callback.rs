//! Wait for callback (requirements 7-1 to 7-15): a callback, a submitter step that hands its id
//! out, and the wait for the answer, in a context of their own.

use std::time::Duration;

use ruchy_lambda::durable::{
    DurableContext, DurableError, ErrorObject, RetryStrategy, StepContext, WaitForCallbackConfig,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Function, caught, text};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("WfcbBasic", wfcb_named_by_input),
    ("WfcbExplicitName", wfcb_explicit_name),
    ("WfcbAnonymous", wfcb_anonymous),
    ("WfcbExternalFailure", wfcb_named_by_input),
    ("WfcbTimeout", wfcb_timeout),
    ("WfcbFailureCaught", wfcb_failure_caught),
    (
        "WfcbSubmitterRetryExhaustion",
        wfcb_submitter_retry_exhaustion,
    ),
    ("WfcbInChildContext", wfcb_in_child_context),
    ("WfcbTwoSequential", wfcb_two_sequential),
    ("WfcbMixedOps", wfcb_mixed_ops),
    ("WfcbJsonResult", wfcb_json_result),
    ("WfcbHeartbeatTimeout", wfcb_heartbeat_timeout),
    ("WfcbHeartbeatThenSuccess", wfcb_heartbeat_then_success),
    ("WfcbTimeoutCaught", wfcb_timeout_caught),
    ("WfcbNullResult", wfcb_named_by_input),
];

/// The submitter of most requirements: it receives the callback id and does nothing durable.
fn submitter(_callback_id: &str, _s: &StepContext) -> Result<(), ErrorObject> {
    Ok(())
}

fn wait_named(
    ctx: &DurableContext,
    name: Option<String>,
    config: WaitForCallbackConfig,
) -> Result<Value, DurableError> {
    ctx.wait_for_callback(name, submitter, config)
}

/// 7-1, 7-4 (answered with a failure, not caught) and 7-15 (answered without a payload): one
/// wait for callback named by the input; its answer is the result.
fn wfcb_named_by_input(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    wait_named(ctx, Some(text(&input)), WaitForCallbackConfig::new())
}

/// 7-2: the operation named `approval`.
fn wfcb_explicit_name(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    wait_named(
        ctx,
        Some("approval".to_owned()),
        WaitForCallbackConfig::new(),
    )
}

/// 7-3: no name, an inline submitter.
fn wfcb_anonymous(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait_for_callback(
        None::<&str>,
        |_id: &str, _s: &StepContext| Ok::<_, ErrorObject>(()),
        WaitForCallbackConfig::new(),
    )
}

/// 7-5: a 3 s timeout that passes without an answer; the execution fails.
fn wfcb_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForCallbackConfig::new().timeout(Duration::from_secs(3));
    wait_named(ctx, Some(text(&input)), config)
}

/// 7-6: the answer is a failure, caught: the result is `recovered`.
fn wfcb_failure_caught(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    match caught(wait_named(
        ctx,
        Some(text(&input)),
        WaitForCallbackConfig::new(),
    ))? {
        Ok(value) => Ok(value),
        Err(_) => Ok(json!("recovered")),
    }
}

/// 7-7: the submitter always fails; 2 attempts 1 s apart, then the operation fails.
fn wfcb_submitter_retry_exhaustion(
    input: Value,
    ctx: &DurableContext,
) -> Result<Value, DurableError> {
    let config = WaitForCallbackConfig::new().retry(
        RetryStrategy::exponential()
            .max_attempts(2)
            .initial_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(1)),
    );
    ctx.wait_for_callback(
        Some(text(&input)),
        |_id: &str, _s: &StepContext| {
            Err::<(), _>(ErrorObject::new("Exception", "submitter failure"))
        },
        config,
    )
}

/// 7-8: the wait for callback inside a child context named `wrapper`.
fn wfcb_in_child_context(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = text(&input);
    ctx.run_in_child_context("wrapper", |child| {
        wait_named(child, Some(name.clone()), WaitForCallbackConfig::new())
    })
}

/// 7-9: two waits for callback, `first` then `second`; the second's answer is the result.
fn wfcb_two_sequential(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    wait_named(ctx, Some("first".to_owned()), WaitForCallbackConfig::new())?;
    wait_named(ctx, Some("second".to_owned()), WaitForCallbackConfig::new())
}

/// 7-10: a 1 s wait, a step, then the wait for callback.
fn wfcb_mixed_ops(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    let _data: String = ctx.step(None::<&str>, |_| {
        Ok::<_, ErrorObject>("fixed-data".to_owned())
    })?;
    wait_named(ctx, Some(text(&input)), WaitForCallbackConfig::new())
}

#[derive(Serialize, Deserialize)]
struct Status {
    status: String,
}

/// 7-11: the answer read as a JSON object; the result is its `status`.
fn wfcb_json_result(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let answer: Status =
        ctx.wait_for_callback(Some(text(&input)), submitter, WaitForCallbackConfig::new())?;
    Ok(json!(answer.status))
}

/// 7-12: a 5 s heartbeat timeout and no heartbeat; the execution fails.
fn wfcb_heartbeat_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForCallbackConfig::new().heartbeat_timeout(Duration::from_secs(5));
    wait_named(ctx, Some(text(&input)), config)
}

/// 7-13: a 10 s heartbeat timeout, a heartbeat, then the answer.
fn wfcb_heartbeat_then_success(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForCallbackConfig::new().heartbeat_timeout(Duration::from_secs(10));
    wait_named(ctx, Some(text(&input)), config)
}

/// 7-14: a 3 s timeout, caught: the result is `timed-out-handled`.
fn wfcb_timeout_caught(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForCallbackConfig::new().timeout(Duration::from_secs(3));
    match caught(wait_named(ctx, Some(text(&input)), config))? {
        Ok(value) => Ok(value),
        Err(_) => Ok(json!("timed-out-handled")),
    }
}
