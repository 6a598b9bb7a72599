//! Wait for condition (requirements 6-1 to 6-13): a check run as a step, its state carried from
//! one check to the next, and a strategy deciding after each check whether to wait and check
//! again.

use std::time::Duration;

use ruchy_lambda::durable::{
    DurableContext, DurableError, ErrorObject, StepContext, WaitDecision, WaitForConditionConfig,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use crate::{Function, caught, error};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("WaitForConditionBasic", wfc_basic),
    ("WaitForConditionImmediate", wfc_immediate),
    ("WaitForConditionWithName", wfc_with_name),
    (
        "WaitForConditionCustomInitialState",
        wfc_custom_initial_state,
    ),
    ("WaitForConditionFixedDelay", wfc_fixed_delay),
    ("WaitForConditionCheckThrows", wfc_check_throws),
    ("WaitForConditionCheckThrowsCaught", wfc_check_throws_caught),
    ("WaitForConditionComplexObject", wfc_complex_object),
    ("WaitForConditionNullResult", wfc_null_result),
    ("WaitForConditionCustomSerdes", wfc_custom_serdes),
    ("WaitForConditionThenStep", wfc_then_step),
    (
        "WaitForConditionMultipleSequential",
        wfc_multiple_sequential,
    ),
    ("WaitForConditionMaxAttempts", wfc_max_attempts),
];

/// 6-6: a fixed 1 s delay limited to 3 attempts, and a condition never met: the third check's
/// decision fails the operation, and the execution with it.
fn wfc_max_attempts(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForConditionConfig::new(0_i64, |_state: &i64, attempt: u32| {
        if attempt >= 3 {
            WaitDecision::Fail(ErrorObject::new(
                "WaitForConditionError",
                format!("wait_for_condition exceeded its maximum of 3 attempts ({attempt})"),
            ))
        } else {
            WaitDecision::Continue(Duration::from_secs(1))
        }
    });
    Ok(json!(ctx.wait_for_condition(
        None::<&str>,
        increment,
        config
    )?))
}

/// The input as a whole number (the suite's thresholds).
fn number(input: &Value) -> i64 {
    input
        .as_i64()
        .or_else(|| input.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

fn increment(state: i64, _s: &StepContext) -> Result<i64, ErrorObject> {
    Ok(state + 1)
}

/// Counts up from `initial` by one a check, 1 s apart, until `threshold`.
fn count_to(
    ctx: &DurableContext,
    name: Option<&str>,
    initial: i64,
    threshold: i64,
) -> Result<i64, DurableError> {
    let config = WaitForConditionConfig::new(initial, move |state: &i64, _attempt: u32| {
        if *state >= threshold {
            WaitDecision::Stop
        } else {
            WaitDecision::Continue(Duration::from_secs(1))
        }
    });
    ctx.wait_for_condition(name, increment, config)
}

/// 6-1: counts from 0 to the input (3).
fn wfc_basic(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    Ok(json!(count_to(ctx, None, 0, number(&input))?))
}

/// 6-2: starts at the input (5), already at the threshold 5: one check, no wait.
fn wfc_immediate(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForConditionConfig::new(number(&input), |state: &i64, _attempt: u32| {
        if *state >= 5 {
            WaitDecision::Stop
        } else {
            WaitDecision::Continue(Duration::from_secs(1))
        }
    });
    let state = ctx.wait_for_condition(
        None::<&str>,
        |state: i64, _s: &StepContext| Ok::<_, ErrorObject>(state),
        config,
    )?;
    Ok(json!(state))
}

/// 6-3: the operation named `poll-status`, counting from 0 to the input (2).
fn wfc_with_name(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    Ok(json!(count_to(
        ctx,
        Some("poll-status"),
        0,
        number(&input)
    )?))
}

/// 6-4: counts from 5 to the input (8).
fn wfc_custom_initial_state(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    Ok(json!(count_to(ctx, None, 5, number(&input))?))
}

/// 6-5: counts from 0 to the input (3), checks a fixed 2 s apart.
fn wfc_fixed_delay(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let threshold = number(&input);
    let config = WaitForConditionConfig::new(0_i64, move |state: &i64, _attempt: u32| {
        if *state < threshold {
            WaitDecision::Continue(Duration::from_secs(2))
        } else {
            WaitDecision::Stop
        }
    });
    Ok(json!(ctx.wait_for_condition(
        None::<&str>,
        increment,
        config
    )?))
}

/// A check that fails on its first run, with a strategy that would stop at once.
fn failing_check(ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForConditionConfig::new(Value::Null, |_state: &Value, _attempt: u32| {
        WaitDecision::Stop
    });
    ctx.wait_for_condition(
        None::<&str>,
        |_state: Value, _s: &StepContext| {
            Err::<Value, _>(error("RuntimeError", "check function failed"))
        },
        config,
    )
}

/// 6-7: the check fails; the execution fails.
fn wfc_check_throws(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    failing_check(ctx)
}

/// 6-8: the check fails, caught: the result is `recovered`.
fn wfc_check_throws_caught(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    match caught(failing_check(ctx))? {
        Ok(value) => Ok(value),
        Err(_) => Ok(json!("recovered")),
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Job {
    status: String,
    attempts: u32,
}

/// 6-9: the state is an object; DONE after two checks.
fn wfc_complex_object(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let initial = Job {
        status: "PENDING".to_owned(),
        attempts: 0,
    };
    let config = WaitForConditionConfig::new(initial, |job: &Job, _attempt: u32| {
        if job.status == "DONE" {
            WaitDecision::Stop
        } else {
            WaitDecision::Continue(Duration::from_secs(1))
        }
    });
    let job = ctx.wait_for_condition(
        None::<&str>,
        |job: Job, _s: &StepContext| {
            let attempts = job.attempts + 1;
            let status = if attempts >= 2 { "DONE" } else { "PENDING" };
            Ok::<_, ErrorObject>(Job {
                status: status.to_owned(),
                attempts,
            })
        },
        config,
    )?;
    Ok(json!(job))
}

/// 6-10: the check returns nothing and the strategy stops at once.
fn wfc_null_result(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = WaitForConditionConfig::new((), |_state: &(), _attempt: u32| WaitDecision::Stop);
    ctx.wait_for_condition(
        None::<&str>,
        |_state: (), _s: &StepContext| Ok::<_, ErrorObject>(()),
        config,
    )?;
    Ok(Value::Null)
}

/// 6-11's state: a string checkpointed with an `ENC:` prefix, which is taken off when it is
/// read back.
#[derive(Clone)]
struct Encoded(String);

impl Serialize for Encoded {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("ENC:{}", self.0))
    }
}

impl<'de> Deserialize<'de> for Encoded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Encoded(
            text.strip_prefix("ENC:").unwrap_or(&text).to_owned(),
        ))
    }
}

/// 6-11: the state goes through a serialization of its own across suspensions; one `x` a check
/// until there are two.
fn wfc_custom_serdes(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config =
        WaitForConditionConfig::new(Encoded(String::new()), |state: &Encoded, _attempt: u32| {
            if state.0.len() >= 2 {
                WaitDecision::Stop
            } else {
                WaitDecision::Continue(Duration::from_secs(1))
            }
        });
    let state = ctx.wait_for_condition(
        None::<&str>,
        |state: Encoded, _s: &StepContext| Ok::<_, ErrorObject>(Encoded(state.0 + "x")),
        config,
    )?;
    Ok(json!(state.0))
}

/// 6-12: counts from 0 to the input (2), then a step multiplies the count by 10.
fn wfc_then_step(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let count = count_to(ctx, None, 0, number(&input))?;
    let result: i64 = ctx.step("multiply", |_| Ok::<_, ErrorObject>(count * 10))?;
    Ok(json!(result))
}

/// 6-13: counts from 0 to 2, then from there to 4.
fn wfc_multiple_sequential(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let first = count_to(ctx, None, 0, 2)?;
    Ok(json!(count_to(ctx, None, first, 4)?))
}
