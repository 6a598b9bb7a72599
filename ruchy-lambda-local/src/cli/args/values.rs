//! The value parsers clap calls, and [`Scoped`]: a value given for every function, or with a
//! `NAME:` prefix for one.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use ruchy_lambda_local::front::Front;
use ruchy_lambda_local::{LogFormat, LogLevel, StreamBandwidth, is_availability_zone_id};

use super::super::CliError;
use super::Source;

/// Lambda's timeout range, in seconds.
const TIMEOUT_SECONDS: RangeInclusive<u32> = 1..=900;
/// Lambda's memory size range, in MB.
const MEMORY_MB: RangeInclusive<u32> = 128..=10_240;
/// Longest function name Lambda accepts.
const MAX_NAME: usize = 64;
/// `--concurrency` and `--instances`: invocations per process, and processes.
const CONCURRENCY: RangeInclusive<usize> = 1..=1024;
/// `DurableConfig.ExecutionTimeout`'s range, in seconds (366 days at most).
const EXECUTION_TIMEOUT_SECONDS: RangeInclusive<u32> = 1..=31_622_400;
/// `DurableConfig.RetentionPeriodInDays`'s range.
const RETENTION_DAYS: RangeInclusive<u32> = 1..=90;
/// `--restore-pause`, in ms.
pub(super) const RESTORE_PAUSE_MS: RangeInclusive<u64> = 0..=60_000;
/// `--shutdown-budget`, in ms: Lambda's whole shutdown phase is capped at 2,000 ms.
pub(super) const SHUTDOWN_BUDGET_MS: RangeInclusive<u64> = 0..=2_000;

/// A value given for every function, or with a `NAME:` prefix for one (`serve --function`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Scoped<T> {
    /// The prefix: the function it is for.
    pub(super) function: Option<String>,
    pub(super) value: T,
}

/// `NAME:VALUE` as the prefix and the value, when the part before the first `:` is a function
/// name; else no prefix. (A function name has no `:`, nor does a number or a front.)
fn scoped<T>(
    given: &str,
    value: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Scoped<T>, String> {
    match given.split_once(':') {
        Some((name, rest)) => {
            check_function_name(name).map_err(|e| e.to_string())?;
            Ok(Scoped {
                function: Some(name.to_owned()),
                value: value(rest)?,
            })
        }
        None => Ok(Scoped {
            function: None,
            value: value(given)?,
        }),
    }
}

/// The value for the function `name`: the last one prefixed with its name, else the last one
/// without a prefix, else `default`.
pub(super) fn pick<T: Clone>(values: &[Scoped<T>], name: Option<&str>, default: T) -> T {
    given(values, name).unwrap_or(default)
}

/// The value for the function `name`, as [`pick`], if one was given.
pub(super) fn given<T: Clone>(values: &[Scoped<T>], name: Option<&str>) -> Option<T> {
    let own = values
        .iter()
        .rev()
        .find(|v| v.function.is_some() && v.function.as_deref() == name);
    own.or_else(|| values.iter().rev().find(|v| v.function.is_none()))
        .map(|v| v.value.clone())
}

fn number<T>(given: &str, range: &RangeInclusive<T>) -> Result<T, String>
where
    T: FromStr + PartialOrd + Display,
{
    given
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "must be a whole number from {} to {}, not `{given}`",
                range.start(),
                range.end()
            )
        })
}

pub(super) fn timeout(given: &str) -> Result<Scoped<u32>, String> {
    scoped(given, |v| number(v, &TIMEOUT_SECONDS))
}

pub(super) fn execution_timeout(given: &str) -> Result<Scoped<u32>, String> {
    scoped(given, |v| number(v, &EXECUTION_TIMEOUT_SECONDS))
}

pub(super) fn retention_days(given: &str) -> Result<Scoped<u32>, String> {
    scoped(given, |v| number(v, &RETENTION_DAYS))
}

/// `--durable` alone (the one function) or `--durable NAME`.
pub(super) fn durable(given: &str) -> Result<String, String> {
    if given.is_empty() {
        return Ok(String::new());
    }
    function_name(given)
}

pub(super) fn memory(given: &str) -> Result<Scoped<u32>, String> {
    scoped(given, |v| number(v, &MEMORY_MB))
}

pub(super) fn processes(given: &str) -> Result<Scoped<usize>, String> {
    scoped(given, |v| number(v, &CONCURRENCY))
}

pub(super) fn log_format(given: &str) -> Result<Scoped<LogFormat>, String> {
    scoped(given, |v| {
        v.parse()
            .map_err(|_| format!("must be `text` or `json`, not `{v}`"))
    })
}

pub(super) fn log_level(given: &str) -> Result<Scoped<LogLevel>, String> {
    scoped(given, |v| {
        v.parse().map_err(|_| {
            format!("must be one of trace, debug, info, warn, error, fatal, not `{v}`")
        })
    })
}

pub(super) fn availability_zone_id(given: &str) -> Result<Scoped<String>, String> {
    scoped(given, |v| {
        if is_availability_zone_id(v) {
            Ok(v.to_owned())
        } else {
            Err(format!(
                "must be an Availability Zone ID (a region's code, `-az`, a number, e.g. \
                 use1-az1), not `{v}`"
            ))
        }
    })
}

/// `KEY=VALUE` or `NAME:KEY=VALUE`: a prefix only when its `:` comes before the first `=`, so
/// that a value may hold `:`.
pub(super) fn env(given: &str) -> Result<Scoped<(String, String)>, String> {
    let pair = |pair: &str| match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("takes `KEY=VALUE`, not `{pair}`")),
    };
    match (given.find(':'), given.find('=')) {
        (Some(colon), Some(equals)) if equals < colon => Ok(Scoped {
            function: None,
            value: pair(given)?,
        }),
        _ => scoped(given, pair),
    }
}

pub(super) fn front(given: &str) -> Result<Scoped<Front>, String> {
    scoped(given, |v| {
        Front::from_name(v)
            .ok_or_else(|| format!("must be one of apigw-v2, apigw-v1, alb, url, not `{v}`"))
    })
}

/// `lambda` (6 MiB, then 2 MiB/s), `RATE` (bytes per second after Lambda's 6 MiB) or
/// `RATE:BURST` (bytes per second after BURST bytes).
pub(super) fn stream_bandwidth(value: &str) -> Result<StreamBandwidth, String> {
    if value.eq_ignore_ascii_case("lambda") {
        return Ok(StreamBandwidth::LAMBDA);
    }
    let bad = || {
        format!("takes `lambda`, `RATE` or `RATE:BURST` (bytes per second, bytes), not `{value}`")
    };
    let (rate, burst) = match value.split_once(':') {
        Some((rate, burst)) => (rate, Some(burst)),
        None => (value, None),
    };
    let rate: u64 = rate.parse().ok().filter(|&r| r > 0).ok_or_else(bad)?;
    let burst = match burst {
        Some(b) => b.parse().map_err(|_| bad())?,
        None => StreamBandwidth::LAMBDA.burst_bytes,
    };
    Ok(StreamBandwidth {
        burst_bytes: burst,
        bytes_per_second: rate,
    })
}

pub(super) fn function_name(given: &str) -> Result<String, String> {
    check_function_name(given).map_err(|e| e.to_string())?;
    Ok(given.to_owned())
}

pub(super) fn non_empty(given: &str) -> Result<String, String> {
    if given.is_empty() {
        return Err("needs a non-empty value".to_owned());
    }
    Ok(given.to_owned())
}

pub(super) fn stage(given: &str) -> Result<String, String> {
    if given.is_empty()
        || !given
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!("takes letters, digits, `-` and `_`, not `{given}`"));
    }
    Ok(given.to_owned())
}

/// `--function NAME=SOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FunctionSpec {
    pub(super) name: String,
    pub(super) source: Source,
}

pub(super) fn function_spec(given: &str) -> Result<FunctionSpec, String> {
    let Some((name, source)) = given.split_once('=') else {
        return Err(format!(
            "takes `NAME=example:NAME`, `NAME=bin:PATH` or `NAME=ruchy:FILE`, not `{given}`"
        ));
    };
    check_function_name(name).map_err(|e| e.to_string())?;
    let source = match source.split_once(':') {
        Some(("example", example)) if !example.is_empty() => Source::Example {
            name: example.to_owned(),
            package: None,
        },
        Some(("bin", path)) if !path.is_empty() => Source::Bin(path.into()),
        Some(("ruchy", file)) if !file.is_empty() => Source::Ruchy(file.into()),
        _ => {
            return Err(format!(
                "the source of `{name}` must be `example:NAME`, `bin:PATH` or `ruchy:FILE`, \
                 not `{source}`"
            ));
        }
    };
    Ok(FunctionSpec {
        name: name.to_owned(),
        source,
    })
}

/// Lambda's rule for function names: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn check_function_name(name: &str) -> Result<(), CliError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "invalid function name `{name}`: use 1 to {MAX_NAME} letters, digits, `-` or `_`"
        )))
    }
}
