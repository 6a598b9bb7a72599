//! Steps (requirements 1-1 to 1-20).

use std::time::Duration;

use ruchy_lambda::durable::{
    DurableContext, DurableError, ErrorObject, Jitter, RetryStrategy, StepConfig, StepContext,
    StepSemantics,
};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};

use crate::{Function, caught, error, log_for, text};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("StepBasic", step_basic),
    ("StepWithName", step_with_name),
    ("StepNested", step_nested),
    ("StepComplexObject", step_complex_object),
    ("StepNullResult", step_null_result),
    ("StepCustomSerdes", step_custom_serdes),
    ("StepLogging", step_logging),
    ("StepAndWaitReplay", step_and_wait_replay),
    ("StepReplaySkipsSucceeded", step_replay_skips_succeeded),
    ("StepReplayRethrowsFailed", step_replay_rethrows_failed),
    ("StepWithRetry", step_with_retry),
    ("StepRetryExhaustion", step_retry_exhaustion),
    ("StepDefaultRetry", step_default_retry),
    ("StepRetryCustomConfig", step_retry_custom_config),
    ("StepRetrySpecificException", step_retry_specific_exception),
    ("StepRetryNonRetryable", step_retry_non_retryable),
    ("StepAtMostOnceNoRetry", step_at_most_once_no_retry),
    ("StepAtMostOnceWithRetry", step_at_most_once_with_retry),
    ("StepWithError", step_with_error),
    ("StepErrorCaught", step_error_caught),
];

fn greeting(name: &str) -> String {
    format!("Hello, {name}!")
}

/// 1-1: one step greeting the input.
fn step_basic(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = text(&input);
    let result: String = ctx.step("greet", |_| Ok::<_, ErrorObject>(greeting(&name)))?;
    Ok(json!(result))
}

/// 1-2: the step named `custom_step_name`.
fn step_with_name(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = text(&input);
    let result: String = ctx.step("custom_step_name", |_| {
        Ok::<_, ErrorObject>(greeting(&name))
    })?;
    Ok(json!(result))
}

/// 1-3: the second step uses the first one's result.
fn step_nested(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let first: String = ctx.step("step_one", |_| Ok::<_, ErrorObject>("first".to_owned()))?;
    let second: String = ctx.step("step_two", |_| {
        Ok::<_, ErrorObject>(format!("{first}_second"))
    })?;
    Ok(json!(second))
}

#[derive(Deserialize)]
struct Tagged {
    name: String,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct User {
    name: String,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Profile {
    user: User,
    count: usize,
}

/// 1-4: a step returning a nested object.
fn step_complex_object(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let Tagged { name, tags } = serde_json::from_value(input)
        .map_err(|e| DurableError::user("InvalidInput", e.to_string()))?;
    let profile: Profile = ctx.step("build_response", |_| {
        Ok::<_, ErrorObject>(Profile {
            count: tags.len(),
            user: User {
                name: name.clone(),
                tags: tags.clone(),
            },
        })
    })?;
    Ok(json!(profile))
}

/// 1-5: a step returning nothing.
fn step_null_result(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.step("do_nothing", |_| Ok::<_, ErrorObject>(()))?;
    Ok(Value::Null)
}

/// A string checkpointed in upper case: its serialization is the custom serdes of 1-6, read
/// back as it was written.
#[derive(Deserialize)]
#[serde(transparent)]
struct Uppercase(String);

impl Serialize for Uppercase {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_uppercase())
    }
}

/// 1-6: the step's result goes through a serialization that upper-cases it.
fn step_custom_serdes(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let value = text(&input);
    let result: Uppercase = ctx.step("return_input", |_| {
        Ok::<_, ErrorObject>(Uppercase(value.clone()))
    })?;
    Ok(json!(result))
}

/// 1-7: the step logs as it starts and as it ends.
fn step_logging(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = text(&input);
    let arn = ctx.durable_execution_arn();
    let result: String = ctx.step("greet", |_| {
        log_for(arn, &format!("Greeting step started for: {name}"));
        let result = greeting(&name);
        log_for(arn, &format!("Greeting step completed with: {result}"));
        Ok::<_, ErrorObject>(result)
    })?;
    Ok(json!(result))
}

/// 1-8: a step, then a 2 s wait; the replay after the wait does not run the step again.
fn step_and_wait_replay(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result: String = ctx.step("compute", |_| Ok::<_, ErrorObject>("computed".to_owned()))?;
    ctx.wait(None::<&str>, Duration::from_secs(2))?;
    Ok(json!(result))
}

/// 1-9: a logging step, then a 1 s wait; on replay the step's saved result is returned.
fn step_replay_skips_succeeded(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let arn = ctx.durable_execution_arn();
    let result: String = ctx.step("compute_with_log", |_| {
        log_for(arn, "step executed");
        Ok::<_, ErrorObject>("cached_value".to_owned())
    })?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(json!(result))
}

/// 1-10: a step failing for good is caught, then a 1 s wait; on replay the same error comes back
/// from the checkpoint.
fn step_replay_rethrows_failed(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let arn = ctx.durable_execution_arn();
    let outcome = caught(ctx.step_with(
        "failing_with_log",
        StepConfig::new().retry(RetryStrategy::none()),
        |_| {
            log_for(arn, "step executed");
            Err::<String, _>(error("RuntimeError", "Something went wrong"))
        },
    ))?;
    let message = match outcome {
        Ok(value) => value,
        Err(e) => e.cause().error_message.clone().unwrap_or_default(),
    };
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(json!(format!("caught: {message}")))
}

/// Fails while `attempt` is below `succeed_at`, then returns `value`.
fn flaky(s: &StepContext, succeed_at: u32, value: &str) -> Result<String, ErrorObject> {
    let attempt = s.attempt();
    if attempt < succeed_at {
        Err(error("RuntimeError", format!("Attempt {attempt} failed")))
    } else {
        Ok(value.to_owned())
    }
}

/// 1-11: fails once, then succeeds, with up to 3 attempts.
fn step_with_retry(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = StepConfig::new().retry(RetryStrategy::exponential().max_attempts(3));
    let result: String = ctx.step_with("unreliable_operation", config, |s| {
        flaky(s, 2, "Operation succeeded")
    })?;
    Ok(json!(result))
}

/// 1-12: always fails; 4 attempts 1 s apart, then the execution fails.
fn step_retry_exhaustion(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let retry = RetryStrategy::exponential()
        .max_attempts(4)
        .initial_delay(Duration::from_secs(1))
        .backoff_rate(1.0)
        .jitter(Jitter::None);
    let result: String = ctx.step_with("always_fail", StepConfig::new().retry(retry), |_| {
        Err::<String, _>(error("RuntimeError", "Always fails"))
    })?;
    Ok(json!(result))
}

/// 1-13: fails twice, then succeeds, with the SDK's default retry strategy.
fn step_default_retry(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result: String = ctx.step("unreliable", |s| flaky(s, 3, "recovered"))?;
    Ok(json!(result))
}

/// 1-14: fails twice, then succeeds: 2 s, then 6 s between attempts (backoff 3, no jitter).
fn step_retry_custom_config(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let retry = RetryStrategy::exponential()
        .max_attempts(5)
        .initial_delay(Duration::from_secs(2))
        .backoff_rate(3.0)
        .jitter(Jitter::None);
    let result: String = ctx.step_with("flaky", StepConfig::new().retry(retry), |s| {
        flaky(s, 3, "finally succeeded")
    })?;
    Ok(json!(result))
}

/// A retry strategy that retries errors of `retryable` only, 1 s apart, up to `max_attempts`.
fn retry_only(retryable: &'static str, max_attempts: u32) -> RetryStrategy {
    RetryStrategy::custom(move |err: &ErrorObject, attempt: u32| {
        let matches = err.error_type.as_deref() == Some(retryable);
        (matches && attempt < max_attempts).then_some(Duration::from_secs(1))
    })
}

/// 1-15: a TransientError on the first attempt is retried (only TransientError is).
fn step_retry_specific_exception(
    _input: Value,
    ctx: &DurableContext,
) -> Result<Value, DurableError> {
    let config = StepConfig::new().retry(retry_only("TransientError", 3));
    let result: String = ctx.step_with("transient_on_first", config, |s| {
        if s.attempt() < 2 {
            Err(error("TransientError", "Temporary failure"))
        } else {
            Ok("recovered from transient".to_owned())
        }
    })?;
    Ok(json!(result))
}

/// 1-16: a TransientError when only ValidationError is retried: the step fails at once.
fn step_retry_non_retryable(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = StepConfig::new().retry(retry_only("ValidationError", 3));
    let result: String = ctx.step_with("throw_transient", config, |_| {
        Err::<String, _>(error("TransientError", "transient failure"))
    })?;
    Ok(json!(result))
}

/// The process ends as a crashed Lambda runtime does, in the middle of a step.
fn crash() -> ! {
    // What was logged reaches the log before the process ends.
    log::logger().flush();
    std::process::exit(1)
}

/// 1-17: at most once per retry, no retries: the process crashes inside the step, and the
/// next invocation fails the step instead of running it again.
fn step_at_most_once_no_retry(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let logged = text(&input);
    let arn = ctx.durable_execution_arn();
    let config = StepConfig::new()
        .retry(RetryStrategy::none())
        .semantics(StepSemantics::AtMostOncePerRetry);
    let result: String = ctx.step_with(
        "at_most_once_flaky_step",
        config,
        |_| -> Result<String, ErrorObject> {
            log_for(arn, &logged);
            crash()
        },
    )?;
    Ok(json!(result))
}

/// 1-18: at most once per retry, with retries: the first attempt crashes, the retry succeeds.
fn step_at_most_once_with_retry(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let logged = text(&input);
    let arn = ctx.durable_execution_arn();
    let config = StepConfig::new()
        .retry(
            RetryStrategy::exponential()
                .max_attempts(3)
                .initial_delay(Duration::from_secs(1)),
        )
        .semantics(StepSemantics::AtMostOncePerRetry);
    let result: String = ctx.step_with("at_most_once_step", config, |s| {
        log_for(arn, &logged);
        if s.attempt() < 2 {
            crash();
        }
        Ok::<_, ErrorObject>("succeeded on second attempt".to_owned())
    })?;
    Ok(json!(result))
}

/// 1-19: a step that fails, no retries: the execution fails.
fn step_with_error(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result: String = ctx.step_with(
        "failing_step",
        StepConfig::new().retry(RetryStrategy::none()),
        |_| Err::<String, _>(error("RuntimeError", "Something went wrong")),
    )?;
    Ok(json!(result))
}

/// 1-20: a failing step is caught and a fallback step runs.
fn step_error_caught(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let _failed = caught(ctx.step_with(
        "failing_step",
        StepConfig::new().retry(RetryStrategy::none()),
        |_| Err::<String, _>(error("RuntimeError", "Something went wrong")),
    ))?;
    let result: String = ctx.step("fallback_step", |_| {
        Ok::<_, ErrorObject>("fallback_result".to_owned())
    })?;
    Ok(json!(result))
}
