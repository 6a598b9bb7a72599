//! Invoking other functions (requirements 5-1 to 5-16), and the functions they invoke. The
//! target's name comes from `TARGET_FUNCTION_NAME` (`_1`, `_2` for two), a qualified ARN.

use std::time::Duration;

use ruchy_lambda::durable::{DurableContext, DurableError, ErrorObject, InvokeConfig};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::{Function, caught, text};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("TargetEcho", target_echo),
    ("TargetEchoTenant", target_echo),
    ("TargetError", target_error),
    ("InvokeBasic", invoke_echo),
    ("InvokeWithName", invoke_with_name),
    ("InvokeComplexObject", invoke_echo),
    ("InvokeNullResult", invoke_null_result),
    ("InvokeTargetFails", invoke_echo),
    ("InvokeTargetFailsCaught", invoke_target_fails_caught),
    ("InvokeReplaySkips", invoke_replay_skips),
    ("InvokeReplayRethrows", invoke_replay_rethrows),
    ("StepThenInvoke", step_then_invoke),
    ("InvokeThenStep", invoke_then_step),
    ("InvokeInChildContext", invoke_in_child_context),
    ("InvokeMultipleSequential", invoke_multiple_sequential),
    ("InvokeCustomPayloadSerdes", invoke_echo),
    ("InvokeCustomResultSerdes", invoke_custom_result_serdes),
    ("InvokeLargePayload", invoke_large_payload),
    ("InvokeWithTenantId", invoke_with_tenant_id),
];

/// The function to invoke, from the environment variable `variable`.
fn target(variable: &str) -> Result<String, DurableError> {
    std::env::var(variable)
        .map_err(|_| DurableError::user("MissingTarget", format!("{variable} is not set")))
}

/// The target that returns its input after a 1 s wait.
fn target_echo(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(input)
}

/// The target that fails after a 1 s wait.
fn target_error(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Err(DurableError::user("RuntimeError", "target function error"))
}

/// 5-1, 5-3, 5-5 (the target fails), 5-15: invokes the target with the input; its result is the
/// result. (5-15's payload serialization upper-cases a string payload; its input is an object,
/// which goes as it is.)
fn invoke_echo(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &input)
}

/// 5-2: the invoke named by the input's `name`, with its `payload`.
fn invoke_with_name(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = input.get("name").map(text).unwrap_or_default();
    let payload = input.get("payload").cloned().unwrap_or(Value::Null);
    ctx.invoke(name, &target("TARGET_FUNCTION_NAME")?, &payload)
}

/// 5-4: invokes with a null payload.
fn invoke_null_result(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &Value::Null)
}

/// 5-6: the target's failure is caught: the result is `fallback`.
fn invoke_target_fails_caught(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let _failed =
        caught(ctx.invoke::<_, Value>(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &input))?;
    Ok(json!("fallback"))
}

/// 5-9: the invoke, then a 1 s wait; on replay the invoke's saved result is returned.
fn invoke_replay_skips(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result: Value = ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &input)?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(result)
}

/// 5-10: the failing invoke is caught, then a 1 s wait; on replay its saved error comes back.
fn invoke_replay_rethrows(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let _failed =
        caught(ctx.invoke::<_, Value>(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &input))?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(json!("caught and continued"))
}

/// 5-11: a step, then the invoke with the step's result.
fn step_then_invoke(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let payload: String = ctx.step("compute_payload", |_| {
        Ok::<_, ErrorObject>("step result".to_owned())
    })?;
    ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &payload)
}

/// 5-12: the invoke, then a step processing its result.
fn invoke_then_step(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let invoked: Value = ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &input)?;
    let result: String = ctx.step("process_result", |_| {
        Ok::<_, ErrorObject>(format!("processed: {}", text(&invoked)))
    })?;
    Ok(json!(result))
}

/// 5-13: the invoke inside a child context.
fn invoke_in_child_context(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let function = target("TARGET_FUNCTION_NAME")?;
    ctx.run_in_child_context("invoke_in_child", |child| {
        child.invoke(None::<&str>, &function, &Value::Null)
    })
}

/// 5-14: two invokes, the second with the first one's result.
fn invoke_multiple_sequential(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let first: Value = ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME_1")?, &input)?;
    ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME_2")?, &first)
}

/// 5-16: the target's result read as its JSON text and upper-cased.
fn invoke_custom_result_serdes(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let raw: Box<RawValue> = ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &input)?;
    Ok(json!(raw.get().to_uppercase()))
}

/// 5-7: a payload of about 200 KB.
fn invoke_large_payload(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let payload = json!({"data": "x".repeat(200_000)});
    ctx.invoke(None::<&str>, &target("TARGET_FUNCTION_NAME")?, &payload)
}

/// 5-8: the invoke with the input's `tenantId`, its `payload` as the payload.
fn invoke_with_tenant_id(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let tenant = input.get("tenantId").map(text).unwrap_or_default();
    let payload = input.get("payload").cloned().unwrap_or(Value::Null);
    ctx.invoke_with(
        None::<&str>,
        &target("TARGET_FUNCTION_NAME")?,
        &payload,
        InvokeConfig::new().tenant_id(tenant),
    )
}
