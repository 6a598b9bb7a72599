//! A durable function (feature `durable`): a step with a retry, a wait, and a callback that
//! someone answers.
//!
//! Input `{"name":"Ada","wait_s":2,"fail_first":true}`:
//! 1. step `greet` makes `"Hello, Ada!"`; with `fail_first` its first attempt fails and it is
//!    retried 1 s later (the execution suspends meanwhile, and Lambda invokes it again);
//! 2. it waits `wait_s` seconds (nothing runs, nothing is billed);
//! 3. it waits for the callback `approve`, whose id its `CallbackStarted` history event
//!    carries: answer it with `SendDurableExecutionCallbackSuccess` (or `…Failure`).
//!
//! The result: `{"greeting":"Hello, Ada!","approved":<the callback's result, as JSON, or as a
//! string when it is not JSON>}`. Run it on the local Lambda:
//! `ruchy-lambda-local serve --example durable --durable durable --skip-time`.

use std::time::Duration;

use ruchy_lambda::durable::{
    CallbackConfig, DurableContext, DurableError, Jitter, RetryStrategy, StepConfig,
};
use serde_json::{Value, json};

#[derive(serde::Deserialize)]
struct Greeting {
    name: String,
    #[serde(default)]
    wait_s: u64,
    #[serde(default)]
    fail_first: bool,
}

/// The first attempt of `greet` failed on purpose.
#[derive(Debug)]
struct FirstAttempt;

impl std::fmt::Display for FirstAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the first attempt fails, as asked")
    }
}

#[ruchy_lambda::handler]
fn greet(input: Greeting, ctx: &DurableContext) -> Result<Value, DurableError> {
    let retry = RetryStrategy::exponential()
        .max_attempts(3)
        .initial_delay(Duration::from_secs(1))
        .jitter(Jitter::None);
    let greeting: String = ctx.step_with("greet", StepConfig::new().retry(retry), |step| {
        if input.fail_first && step.attempt() == 1 {
            return Err(FirstAttempt);
        }
        Ok(format!("Hello, {}!", input.name))
    })?;
    if input.wait_s > 0 {
        ctx.wait("pause", Duration::from_secs(input.wait_s))?;
    }
    let approve = ctx.create_callback::<Value>("approve", CallbackConfig::new())?;
    log::info!("waiting for callback {}", approve.callback_id());
    let approved = approve.result()?;
    Ok(json!({ "greeting": greeting, "approved": approved }))
}
