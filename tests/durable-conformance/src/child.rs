//! Child contexts (requirements 3-1 to 3-18).

use std::time::Duration;

use ruchy_lambda::durable::{
    ChildConfig, DurableContext, DurableError, ErrorObject, Jitter, RetryStrategy, StepConfig,
    serdes,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Function, caught, error, log_for, text};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("ChildBasic", child_basic),
    ("ChildWithName", child_with_name),
    ("ChildMultipleSteps", child_multiple_steps),
    ("ChildError", child_error),
    ("ChildErrorCaught", child_error_caught),
    ("ChildNested", child_nested),
    ("ChildRetry", child_retry),
    ("ChildRetryExhaustion", child_retry_exhaustion),
    ("ChildReplay", child_replay),
    ("ChildInterrupted", child_interrupted),
    ("ChildStepAndWait", child_step_and_wait),
    ("ChildLargePayload", child_large_payload),
    ("ChildWaitReplay", child_wait_replay),
    ("ChildCustomSerdes", child_custom_serdes),
    ("ChildErrorNoStep", child_error_no_step),
    ("ChildNullResult", child_null_result),
    ("ChildPrintOnly", child_print_only),
    ("ChildStepWaitAfter", child_step_wait_after),
];

/// A step named `name` returning `value`.
fn echo_step(ctx: &DurableContext, name: &str, value: &str) -> Result<String, DurableError> {
    ctx.step(name, |_| Ok::<_, ErrorObject>(value.to_owned()))
}

/// A step named `failing_step` failing for good.
fn failing_step(ctx: &DurableContext) -> Result<String, DurableError> {
    ctx.step_with(
        "failing_step",
        StepConfig::new().retry(RetryStrategy::none()),
        |_| Err::<String, _>(error("RuntimeError", "Child step failed")),
    )
}

/// 3-1: a child context running one step that returns the input.
fn child_basic(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result =
        ctx.run_in_child_context("child_operation", |c| echo_step(c, "child_step", &value))?;
    Ok(json!(result))
}

#[derive(Deserialize)]
struct NameAndValue {
    name: String,
    value: String,
}

/// 3-2: the child context named by the input's `name`, its step returning `value`.
fn child_with_name(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let NameAndValue { name, value } = serde_json::from_value(input)
        .map_err(|e| DurableError::user("InvalidInput", e.to_string()))?;
    let result = ctx.run_in_child_context(name, |c| echo_step(c, "child_step", &value))?;
    Ok(json!(result))
}

/// 3-3: two steps in a child context, the second taking the first one's result.
fn child_multiple_steps(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result = ctx.run_in_child_context("multi-step", |c| {
        let first = echo_step(c, "first_step", &value)?;
        echo_step(c, "second_step", &first)
    })?;
    Ok(json!(result))
}

/// 3-4: the child's step fails, the child context fails, the execution fails.
fn child_error(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result = ctx.run_in_child_context("failing-child", failing_step)?;
    Ok(json!(result))
}

/// 3-5: the child context's failure is caught; a recovery step returns the input.
fn child_error_caught(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let _failed = caught(ctx.run_in_child_context("failing_child", failing_step))?;
    let result = echo_step(ctx, "recovery_step", &text(&input))?;
    Ok(json!(result))
}

/// 3-6: a child context with a step and an inner child context with a step.
fn child_nested(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result = ctx.run_in_child_context("outer", |outer| {
        echo_step(outer, "outer_step", &value)?;
        outer.run_in_child_context("inner", |inner| echo_step(inner, "inner_step", &value))
    })?;
    Ok(json!(result))
}

/// 3-7: the child's step fails once, then succeeds on its retry.
fn child_retry(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result = ctx.run_in_child_context("retry-child", |c| {
        let config = StepConfig::new().retry(RetryStrategy::exponential().max_attempts(3));
        c.step_with("unreliable_step", config, |s| {
            let attempt = s.attempt();
            if attempt < 2 {
                Err(error("RuntimeError", format!("Attempt {attempt} failed")))
            } else {
                Ok(value.clone())
            }
        })
    })?;
    Ok(json!(result))
}

/// 3-8: the child's step fails twice, its retries exhausted: the child context fails.
fn child_retry_exhaustion(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result: String = ctx.run_in_child_context("exhaust-child", |c| {
        let retry = RetryStrategy::exponential()
            .max_attempts(2)
            .initial_delay(Duration::from_secs(1))
            .backoff_rate(1.0)
            .jitter(Jitter::None);
        c.step_with("always_fail", StepConfig::new().retry(retry), |_| {
            Err::<String, _>(error("RuntimeError", "Always fails"))
        })
    })?;
    Ok(json!(result))
}

/// 3-9: a child context, then a 2 s wait; on replay the child's saved result is returned.
fn child_replay(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result =
        ctx.run_in_child_context("cached_child", |c| echo_step(c, "compute_step", &value))?;
    ctx.wait(None::<&str>, Duration::from_secs(2))?;
    Ok(json!(result))
}

/// 3-10: a step and a 2 s wait inside a child context.
fn child_step_and_wait(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result = ctx.run_in_child_context("mixed-ops", |c| {
        echo_step(c, "compute_step", &value)?;
        c.wait(None::<&str>, Duration::from_secs(2))?;
        Ok::<_, DurableError>(value.clone())
    })?;
    Ok(json!(result))
}

/// 3-11: a child context whose result (about 300 KB) is too large for a checkpoint: it is saved
/// without it, and the child runs again on replay to make it.
fn child_large_payload(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let logged = text(&input);
    let result = ctx.run_in_child_context("large-data-processor", |c| {
        log_for(c.durable_execution_arn(), &logged);
        let data: String = c.step("generate_data", |_| {
            Ok::<_, ErrorObject>("A".repeat(50 * 1024))
        })?;
        Ok::<_, DurableError>(data.repeat(6))
    })?;
    ctx.wait(None::<&str>, Duration::from_secs(2))?;
    Ok(json!({"success": true, "dataSize": result.len()}))
}

/// How many times the step of 3-12 has run for `execution`, this time included: a counter in the
/// DynamoDB table `ATTEMPTS_TABLE_NAME` (it outlives the process the step crashes).
fn count_attempt(execution: &str) -> Result<u64, ErrorObject> {
    let failed = |e: &dyn std::fmt::Display| error("AttemptsTableError", e.to_string());
    let table = std::env::var("ATTEMPTS_TABLE_NAME").map_err(|e| failed(&e))?;
    let client = ruchy_lambda::aws::Client::from_env().map_err(|e| failed(&e))?;
    let updated: Value = client
        .dynamodb()
        .call(
            "UpdateItem",
            &json!({
                "TableName": table,
                "Key": {"executionId": {"S": execution}},
                "UpdateExpression": "SET attemptCount = if_not_exists(attemptCount, :zero) + :inc",
                "ExpressionAttributeValues": {":zero": {"N": "0"}, ":inc": {"N": "1"}},
                "ReturnValues": "UPDATED_NEW",
            }),
        )
        .map_err(|e| failed(&e))?;
    updated["Attributes"]["attemptCount"]["N"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| failed(&format!("no attemptCount in {updated}")))
}

/// 3-12: the process crashes in the child's step after the step's start was saved; the next
/// invocation runs the step again and saves its result (without a second start).
fn child_interrupted(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let execution = ctx.durable_execution_arn().to_owned();
    let result = ctx.run_in_child_context("interrupted_child", |c| {
        c.step_with(
            "crashable_step",
            StepConfig::new().retry(RetryStrategy::none()),
            |_| {
                if count_attempt(&execution)? < 2 {
                    // The step's start reaches the backend first, then the process ends as a
                    // crashed runtime does.
                    std::thread::sleep(Duration::from_secs(1));
                    std::process::exit(1);
                }
                Ok::<_, ErrorObject>(value.clone())
            },
        )
    })?;
    Ok(json!(result))
}

/// 3-13: a child context with only a 1 s wait, then a step after it.
fn child_wait_replay(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    ctx.run_in_child_context("wait-child", |c| {
        c.wait(None::<&str>, Duration::from_secs(1))?;
        Ok::<_, DurableError>(value.clone())
    })?;
    let result = echo_step(ctx, "after_child_step", &value)?;
    Ok(json!(result))
}

/// 3-14: the child context's result is written by a serializer that upper-cases it (and reads
/// it back as it is), so the result is the upper-cased input, on the first run as on a replay.
fn child_custom_serdes(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let uppercase = serdes(
        |value: &String| Ok(value.to_uppercase()),
        |text: &str| Ok(text.to_owned()),
    );
    let result =
        ctx.run_in_child_context_with("serdes-child", ChildConfig::new().serdes(uppercase), |c| {
            echo_step(c, "return_input", &value)
        })?;
    Ok(json!(result))
}

/// 3-15: the child context fails without any operation inside.
fn child_error_no_step(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result: String = ctx.run_in_child_context("direct-error", |_| {
        Err(DurableError::user("RuntimeError", "direct error"))
    })?;
    Ok(json!(result))
}

/// 3-16: the child context returns nothing.
fn child_null_result(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.run_in_child_context("null-child", |_| Ok::<_, DurableError>(()))?;
    Ok(Value::Null)
}

/// 3-17: a child context that only logs, then a 1 s wait: the child does not run again on the
/// replay after the wait (its log line is written once).
fn child_print_only(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result = ctx.run_in_child_context("print-child", |c| {
        log_for(c.durable_execution_arn(), &value);
        Ok::<_, DurableError>(value.clone())
    })?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(json!(result))
}

/// 3-18: a step and a 2 s wait in a child context, then a step and a 2 s wait after it.
fn child_step_wait_after(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    ctx.run_in_child_context("step-wait-child", |c| {
        echo_step(c, "inner_step", &value)?;
        c.wait(None::<&str>, Duration::from_secs(2))?;
        Ok::<_, DurableError>(value.clone())
    })?;
    let result = echo_step(ctx, "outer_step", &value)?;
    ctx.wait(None::<&str>, Duration::from_secs(2))?;
    Ok(json!(result))
}
