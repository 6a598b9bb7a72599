//! Durable functions (`--durable`): the local backend of Lambda's durable executions.
//!
//! Invoking a durable function starts an execution, as Lambda does: the function is invoked
//! with the durable event (`DurableExecutionArn`, `CheckpointToken`, `InitialExecutionState`
//! with the `EXECUTION` operation and its `ExecutionDetails.InputPayload`, paged with
//! `NextMarker`), saves its progress through the durable execution API on this same port (the
//! `AWS_ENDPOINT_URL_LAMBDA` every function is given), and replies
//! `{"Status":"SUCCEEDED"|"FAILED"|"PENDING",…}`. A `PENDING` reply suspends the execution
//! until something is due (a wait ends, a step retry is due, a callback is answered or times
//! out, an invoke completes), and the function is invoked again. An invocation that fails (the
//! function's error, a timeout, a crash: what the SDKs do when a checkpoint fails) is tried
//! again after 5 seconds, up to 5 times in a row, as AWS's local backend does. The rooms:
//!
//! - this file: the backend ([`Backend`]) and the Invoke API's side of durable functions;
//! - [`store`]: the executions, their operations, tokens and timers;
//! - [`checkpoint`]: a checkpoint's updates applied, each operation type's rules;
//! - [`driver`]: an execution's thread (invocations, timers) and the chained invokes;
//! - [`history`]: the history events, in Lambda's shape;
//! - [`shapes`]: the API's answers that `ruchy-lambda-durable`'s wire shapes do not have;
//! - [`api`]: the durable execution API's operations, paths, bodies and errors.

pub(super) mod api;
mod checkpoint;
mod driver;
mod history;
mod shapes;
mod store;

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ruchy_lambda_durable::model::{ErrorObject, Operation};
use ruchy_lambda_local::http::RequestHead;
use ruchy_lambda_local::{report, request_id};

use super::super::args::DurableArgs;
use super::connection::Reply;
use super::{Deployed, Served};
use store::{ExecutionStatus, NewExecution, Store};

pub(super) use api::{API_PREFIX, route};

/// The most operations the durable event carries; the rest are read with
/// `GetDurableExecutionState` from its `NextMarker`.
const EVENT_PAGE: usize = 100;

/// The longest a synchronous invocation of a durable function waits for its execution:
/// Lambda's 15 minutes.
const SYNC_LIMIT: Duration = Duration::from_secs(900);

/// The executions of every durable function served, and what wakes their threads.
pub(super) struct Backend {
    store: Mutex<Store>,
    changed: Condvar,
    /// `--skip-time`: waits and step retry delays pass at once.
    skip_time: bool,
}

/// How an execution ended.
pub(super) struct Ended {
    status: ExecutionStatus,
    result: Option<String>,
    error: Option<ErrorObject>,
}

impl Backend {
    pub(super) fn new(skip_time: bool) -> Backend {
        Backend {
            store: Mutex::new(Store::default()),
            changed: Condvar::new(),
            skip_time,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every thread waiting on an execution: something changed.
    fn notify(&self) {
        self.changed.notify_all();
    }

    fn wait<'a>(&self, store: MutexGuard<'a, Store>, at_most: Duration) -> MutexGuard<'a, Store> {
        self.changed
            .wait_timeout(store, at_most)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    /// Waits until the execution `arn` ends (at most `limit`); how it ended, or `None` when it
    /// has not or does not exist.
    fn wait_for_end(&self, arn: &str, limit: Option<Duration>) -> Option<Ended> {
        let deadline = limit.map(|l| Instant::now() + l);
        let mut store = self.lock();
        loop {
            let execution = store.get(arn)?;
            if execution.status != ExecutionStatus::Running {
                return Some(Ended {
                    status: execution.status,
                    result: execution.result.clone(),
                    error: execution.error.clone(),
                });
            }
            let left = match deadline {
                Some(deadline) => deadline.checked_duration_since(Instant::now())?,
                None => Duration::from_secs(60),
            };
            store = self.wait(store, left.min(Duration::from_secs(60)));
        }
    }
}

/// An operation as the durable event carries it: its timestamps in milliseconds (the restJson
/// answers have them in seconds).
fn in_millis(op: &Operation) -> Operation {
    let mut op = op.clone();
    let ms = |t: &mut Option<ruchy_lambda_durable::model::Timestamp>| {
        if let Some(t) = t {
            t.0 = (t.0 * 1000.0).round();
        }
    };
    ms(&mut op.start_timestamp);
    ms(&mut op.end_timestamp);
    if let Some(d) = op.step_details.as_mut() {
        ms(&mut d.next_attempt_timestamp);
    }
    if let Some(d) = op.wait_details.as_mut() {
        ms(&mut d.scheduled_end_timestamp);
    }
    op
}

/// Lambda's rule for execution names: 1 to 64 of `a-z A-Z 0-9 - _`.
fn is_execution_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An invocation of a durable function (`RequestResponse` or `Event`): an execution started,
/// or the one already started under `X-Amz-Durable-Execution-Name` with the same input.
pub(super) fn invoke(
    served: &Arc<Served>,
    function: &Deployed,
    config: DurableArgs,
    head: &RequestHead,
    event: Vec<u8>,
    synchronous: bool,
) -> Reply {
    let name = head
        .header("x-amz-durable-execution-name")
        .filter(|n| !n.is_empty());
    if let Some(name) = name
        && !is_execution_name(name)
    {
        return Reply::aws_error(
            400,
            "InvalidParameterValueException",
            &format!(
                "1 validation error detected: Value '{name}' at 'durableExecutionName' failed to \
                 satisfy constraint: Member must be 1 to 64 letters, digits, '-' or '_'"
            ),
        );
    }
    let Ok(input) = String::from_utf8(event) else {
        return Reply::aws_error(
            400,
            "InvalidRequestContentException",
            "the input of a durable execution must be UTF-8 text (JSON)",
        );
    };
    let arn = {
        let mut store = served.durable.lock();
        match name.and_then(|n| store.named(&function.name, n)) {
            Some(existing) if existing.input == input => Ok(existing.arn.clone()),
            Some(existing) => Err(Reply::aws_error(
                409,
                "DurableExecutionAlreadyStartedException",
                &format!(
                    "Execution {} is already started with a different input: {}",
                    existing.name, existing.arn
                ),
            )),
            None => {
                let function_arn = format!("{}{}", served.arn_prefix, function.name);
                let arn = store.start(NewExecution {
                    name: name.map(str::to_owned),
                    id: None,
                    function: &function.name,
                    function_arn: &function_arn,
                    input,
                    config,
                });
                drop(store);
                driver::spawn(served, arn.clone());
                Ok(arn)
            }
        }
    };
    let arn = match arn {
        Ok(arn) => arn,
        Err(reply) => return reply,
    };
    let mut headers = vec![
        ("X-Amzn-RequestId", request_id()),
        ("X-Amz-Durable-Execution-Arn", arn.clone()),
    ];
    if !synchronous {
        return Reply {
            status: 202,
            headers,
            body: Vec::new(),
        };
    }
    headers.push(("X-Amz-Executed-Version", report::VERSION.to_owned()));
    let limit = SYNC_LIMIT.min(
        Duration::from_secs(u64::from(config.execution_timeout_seconds)) + Duration::from_secs(1),
    );
    let body = match served.durable.wait_for_end(&arn, Some(limit)) {
        Some(Ended {
            status: ExecutionStatus::Succeeded,
            result,
            ..
        }) => result.unwrap_or_default().into_bytes(),
        Some(Ended { status, error, .. }) => {
            headers.push(("X-Amz-Function-Error", "Unhandled".to_owned()));
            let error = error.unwrap_or_default();
            let kind = error
                .error_type
                .clone()
                .unwrap_or_else(|| format!("Execution{}", status_word(status)));
            let mut body = serde_json::json!({
                "errorType": kind,
                "errorMessage": error.error_message.clone().unwrap_or_default(),
            });
            if let Some(data) = &error.error_data {
                body["errorData"] = serde_json::json!(data);
            }
            if let Some(trace) = &error.stack_trace {
                body["stackTrace"] = serde_json::json!(trace);
            }
            body.to_string().into_bytes()
        }
        None => {
            headers.push(("X-Amz-Function-Error", "Unhandled".to_owned()));
            serde_json::json!({
                "errorType": "Sandbox.Timedout",
                "errorMessage": format!(
                    "the durable execution did not end within the {} seconds of a synchronous \
                     invocation; it goes on: {arn}",
                    limit.as_secs()
                ),
            })
            .to_string()
            .into_bytes()
        }
    };
    Reply {
        status: 200,
        headers,
        body,
    }
}

/// `Failed`, `TimedOut`, `Stopped`…: the end of an error type for an execution that ended so.
fn status_word(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Running => "Running",
        ExecutionStatus::Succeeded => "Succeeded",
        ExecutionStatus::Failed => "Failed",
        ExecutionStatus::TimedOut => "TimedOut",
        ExecutionStatus::Stopped => "Stopped",
    }
}
