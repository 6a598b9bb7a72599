//! Callbacks (requirements 4-1 to 4-19). The validator answers each callback (success,
//! failure, heartbeat) as the requirement's `CallbackActions` say, or leaves it to time out.

use std::time::Duration;

use ruchy_lambda::durable::{Callback, CallbackConfig, DurableContext, DurableError, ErrorObject};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Value, json};

use crate::{Function, caught, text};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("CallbackBasic", callback_basic),
    ("CallbackWithName", callback_with_name),
    ("CallbackTimeout", callback_timeout),
    ("CallbackHeartbeatTimeout", callback_heartbeat_timeout),
    ("CallbackHeartbeatSuccess", callback_heartbeat_success),
    ("CallbackFailure", callback_failure),
    ("CallbackStepFailure", callback_step_then_result),
    ("CallbackStepTimeout", callback_step_timeout),
    ("CallbackWaitSuccess", callback_wait_then_result),
    ("CallbackWaitFailure", callback_wait_then_result),
    ("CallbackWaitTimeout", callback_wait_timeout),
    ("CallbackReplayWithWait", callback_replay_with_wait),
    ("CallbackReplayFailure", callback_replay_failure),
    ("CallbackReplayTimeout", callback_replay_timeout),
    ("CallbackSerdesHappy", callback_serdes_happy),
    ("CallbackSerdesNumeric", callback_serdes_numeric),
    ("CallbackTwoSequential", callback_two_sequential),
    ("CallbackTwoParallel", callback_two_parallel),
    ("CallbackTwoParallelReverse", callback_two_parallel_reverse),
];

fn seconds(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A callback named by the input, answered with a string.
fn named(
    input: &Value,
    ctx: &DurableContext,
    config: CallbackConfig,
) -> Result<Callback<String>, DurableError> {
    ctx.create_callback(text(input), config)
}

/// 4-1: a callback named by the input; its answer is the result.
fn callback_basic(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result = named(&input, ctx, CallbackConfig::new())?.result()?;
    Ok(json!(result))
}

/// 4-2: a callback named `approval`.
fn callback_with_name(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback: Callback<String> = ctx.create_callback("approval", CallbackConfig::new())?;
    Ok(json!(callback.result()?))
}

/// 4-3: a callback with a 5 s timeout that nobody answers.
fn callback_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(&input, ctx, CallbackConfig::new().timeout(seconds(5)))?;
    Ok(json!(callback.result()?))
}

/// 4-4: a callback with a 5 s heartbeat timeout and no heartbeat.
fn callback_heartbeat_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(
        &input,
        ctx,
        CallbackConfig::new().heartbeat_timeout(seconds(5)),
    )?;
    Ok(json!(callback.result()?))
}

/// 4-5: a callback with a 10 s heartbeat timeout, kept alive by a heartbeat, then answered.
fn callback_heartbeat_success(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(
        &input,
        ctx,
        CallbackConfig::new().heartbeat_timeout(seconds(10)),
    )?;
    Ok(json!(callback.result()?))
}

/// 4-6: the callback is answered with a failure, which fails the execution.
fn callback_failure(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    callback_basic(input, ctx)
}

/// A step named `notify-external` between creating a callback and waiting for it.
fn notify(ctx: &DurableContext) -> Result<String, DurableError> {
    ctx.step("notify-external", |_| {
        Ok::<_, ErrorObject>("notified".to_owned())
    })
}

/// 4-7: a callback, a step, then the callback's answer (a failure).
fn callback_step_then_result(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(&input, ctx, CallbackConfig::new())?;
    notify(ctx)?;
    Ok(json!(callback.result()?))
}

/// 4-8: a callback with a 5 s timeout, a step, then the callback, which times out.
fn callback_step_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(&input, ctx, CallbackConfig::new().timeout(seconds(5)))?;
    notify(ctx)?;
    Ok(json!(callback.result()?))
}

/// 4-9 (answered with success) and 4-10 (with a failure): a callback, a 5 s wait during which
/// it is answered, then its answer.
fn callback_wait_then_result(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(&input, ctx, CallbackConfig::new())?;
    ctx.wait("delay", seconds(5))?;
    Ok(json!(callback.result()?))
}

/// 4-11: a callback with a 3 s timeout, a 6 s wait during which it times out, then the
/// callback's timeout.
fn callback_wait_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(&input, ctx, CallbackConfig::new().timeout(seconds(3)))?;
    ctx.wait("delay", seconds(6))?;
    Ok(json!(callback.result()?))
}

/// 4-12: the callback's answer, then a 2 s wait, then the answer as the result.
fn callback_replay_with_wait(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result = named(&input, ctx, CallbackConfig::new())?.result()?;
    ctx.wait("after-cb", seconds(2))?;
    Ok(json!(result))
}

/// The outcome of a callback as the handler reports it after catching its error.
fn outcome(result: Result<String, DurableError>, prefix: &str) -> String {
    match result {
        Ok(value) => value,
        Err(e) => format!(
            "{prefix}:{}",
            e.cause().error_message.clone().unwrap_or_default()
        ),
    }
}

/// 4-13: the callback's failure is caught, then a 2 s wait.
fn callback_replay_failure(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let result = caught(named(&input, ctx, CallbackConfig::new())?.result())?;
    let outcome = outcome(result, "caught_failure");
    ctx.wait("after-cb", seconds(2))?;
    Ok(json!(outcome))
}

/// 4-14: the callback's timeout (3 s) is caught, then a 2 s wait.
fn callback_replay_timeout(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback = named(&input, ctx, CallbackConfig::new().timeout(seconds(3)))?;
    let outcome = outcome(caught(callback.result())?, "caught_timeout");
    ctx.wait("after-cb", seconds(2))?;
    Ok(json!(outcome))
}

/// 4-15's answer: an object whose `timestamp` is an ISO 8601 UTC time, read as seconds since
/// the epoch.
#[derive(Deserialize)]
struct CustomData {
    id: Value,
    message: String,
    #[serde(deserialize_with = "epoch_seconds")]
    timestamp: i64,
}

fn epoch_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_utc(&text).ok_or_else(|| de::Error::custom(format!("not an ISO 8601 UTC time: {text}")))
}

/// `YYYY-MM-DDThh:mm:ss[.fff]Z` as seconds since the epoch.
fn parse_utc(text: &str) -> Option<i64> {
    let text = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix("+00:00"))?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, d) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let time = time.split('.').next()?;
    let mut time = time.splitn(3, ':').map(str::parse::<i64>);
    let (hh, mm, ss) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// 4-15: the callback's answer read as a typed object, its time converted on the way.
fn callback_serdes_happy(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback: Callback<CustomData> =
        ctx.create_callback(text(&input), CallbackConfig::new())?;
    let data = callback.result()?;
    Ok(json!({"received": {"id": data.id, "message": data.message, "timestamp": data.timestamp}}))
}

/// 4-16: the callback's answer read as a number.
fn callback_serdes_numeric(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let callback: Callback<i64> = ctx.create_callback(text(&input), CallbackConfig::new())?;
    let count = callback.result()?;
    Ok(json!({"count": count, "doubled": count * 2}))
}

/// The two callback names of 4-17 to 4-19.
fn two_names(input: &Value) -> (String, String) {
    let name = |i: usize| input.get(i).map(text).unwrap_or_default();
    (name(0), name(1))
}

/// 4-17: callback A and its answer, then callback B and its answer.
fn callback_two_sequential(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let (a, b) = two_names(&input);
    let a: String = ctx
        .create_callback::<String>(a, CallbackConfig::new())?
        .result()?;
    let b: String = ctx
        .create_callback::<String>(b, CallbackConfig::new())?
        .result()?;
    Ok(json!({"a": a, "b": b}))
}

/// 4-18: callbacks A and B, then A's answer, then B's.
fn callback_two_parallel(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let (a, b) = two_names(&input);
    let a: Callback<String> = ctx.create_callback(a, CallbackConfig::new())?;
    let b: Callback<String> = ctx.create_callback(b, CallbackConfig::new())?;
    let a = a.result()?;
    let b = b.result()?;
    Ok(json!({"a": a, "b": b}))
}

/// 4-19: callbacks A and B, then B's answer, then A's.
fn callback_two_parallel_reverse(
    input: Value,
    ctx: &DurableContext,
) -> Result<Value, DurableError> {
    let (a, b) = two_names(&input);
    let a: Callback<String> = ctx.create_callback(a, CallbackConfig::new())?;
    let b: Callback<String> = ctx.create_callback(b, CallbackConfig::new())?;
    let b = b.result()?;
    let a = a.result()?;
    Ok(json!({"a": a, "b": b}))
}

#[cfg(test)]
mod tests {
    use super::parse_utc;

    #[test]
    fn reads_utc_times() {
        assert_eq!(parse_utc("2026-01-01T00:00:00.000Z"), Some(1_767_225_600));
        assert_eq!(parse_utc("1970-01-01T00:00:01Z"), Some(1));
        assert_eq!(parse_utc("2000-03-01T12:30:15+00:00"), Some(951_913_815));
        assert_eq!(parse_utc("yesterday"), None);
    }
}
