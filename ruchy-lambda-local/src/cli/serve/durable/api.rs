//! Lambda's durable execution API (the `lambda` service model's `2025-12-01` operations), as
//! boto3 and the SDKs call it:
//!
//! | Operation | Request |
//! |---|---|
//! | `CheckpointDurableExecution` | `POST /2025-12-01/durable-executions/{Arn}/checkpoint` |
//! | `GetDurableExecutionState` | `GET /2025-12-01/durable-executions/{Arn}/state` |
//! | `GetDurableExecution` | `GET /2025-12-01/durable-executions/{Arn}` |
//! | `GetDurableExecutionHistory` | `GET /2025-12-01/durable-executions/{Arn}/history` |
//! | `StopDurableExecution` | `POST /2025-12-01/durable-executions/{Arn}/stop` |
//! | `ListDurableExecutionsByFunction` | `GET /2025-12-01/functions/{Name}/durable-executions` |
//! | `SendDurableExecutionCallbackSuccess` | `POST /2025-12-01/durable-execution-callbacks/{Id}/succeed` |
//! | `SendDurableExecutionCallbackFailure` | `POST /2025-12-01/durable-execution-callbacks/{Id}/fail` |
//! | `SendDurableExecutionCallbackHeartbeat` | `POST /2025-12-01/durable-execution-callbacks/{Id}/heartbeat` |
//!
//! A checkpoint token is taken once: the next one comes with the checkpoint's answer, and a
//! token used, or one of an invocation that ended, gets `Invalid checkpoint token`; a checkpoint
//! sent again with the same token and `ClientToken` gets its first answer again.
//!
//! Errors are the model's: `400` `InvalidParameterValueException` (a bad token, ARN, marker or
//! body), `404` `ResourceNotFoundException` (no such execution, function or callback), `400`
//! `CallbackTimeoutException` (a callback that timed out).

use std::sync::Arc;

use ruchy_lambda_durable::model::{CheckpointRequest, ErrorObject, OperationStatus, Timestamp};
use ruchy_lambda_local::front::{percent_decode, query_pairs};
use ruchy_lambda_local::http::{Body, RequestHead};
use serde_json::{Value, json};

use super::super::connection::{Reply, too_large};
use super::super::invoke_api::function_not_found;
use super::super::{Deployed, Served};
use super::checkpoint::{self, ChainedStart};
use super::driver;
use super::history::{self, Ending};
use super::store::{Execution, ExecutionStatus, now};

/// The path prefix of the durable execution API.
pub(in super::super) const API_PREFIX: &str = "/2025-12-01/";
const EXECUTIONS: &str = "/2025-12-01/durable-executions/";
const CALLBACKS: &str = "/2025-12-01/durable-execution-callbacks/";
const FUNCTIONS: &str = "/2025-12-01/functions/";
/// The most items of a page (`MaxItems`), and the default.
const MAX_ITEMS: usize = 1000;

/// A request's query parameters, decoded.
struct Query(Vec<(String, String)>);

impl Query {
    fn of(head: &RequestHead) -> Query {
        Query(
            head.target
                .split_once('?')
                .map(|(_, q)| query_pairs(q, true))
                .unwrap_or_default(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, Reply> {
        match self.get(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(invalid(&format!(
                "{name} must be true or false, not `{other}`"
            ))),
        }
    }

    /// `MaxItems`: 1 to 1,000 (0 or none: 1,000).
    fn max_items(&self) -> Result<usize, Reply> {
        match self.get("MaxItems") {
            None => Ok(MAX_ITEMS),
            Some(text) => match text.parse::<usize>() {
                Ok(0) => Ok(MAX_ITEMS),
                Ok(n) if n <= MAX_ITEMS => Ok(n),
                _ => Err(invalid(&format!(
                    "MaxItems must be a whole number from 0 to {MAX_ITEMS}, not `{text}`"
                ))),
            },
        }
    }

    /// `Marker`: where a page starts (a marker this API gave).
    fn marker(&self, len: usize) -> Result<usize, Reply> {
        match self.get("Marker").filter(|m| !m.is_empty()) {
            None => Ok(0),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|&m| m <= len)
                .ok_or_else(|| invalid(&format!("Invalid marker: `{text}`"))),
        }
    }
}

/// `400 InvalidParameterValueException`.
fn invalid(message: &str) -> Reply {
    Reply::aws_error(400, "InvalidParameterValueException", message)
}

/// `404 ResourceNotFoundException` with Lambda's `Message`.
fn not_found(message: &str) -> Reply {
    let body = json!({"Type": "User", "Message": message});
    Reply {
        status: 404,
        headers: vec![("X-Amzn-ErrorType", "ResourceNotFoundException".to_owned())],
        body: body.to_string().into_bytes(),
    }
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    }
}

/// The execution `arn`'s, or `404`.
fn no_execution(arn: &str) -> Reply {
    not_found(&format!("Durable execution not found: {arn}"))
}

/// A path's last segment when it is one of `actions`, and what comes before it (decoded).
fn split_action<'a>(rest: &str, actions: &[&'a str]) -> (String, Option<&'a str>) {
    if let Some((before, last)) = rest.rsplit_once('/')
        && let Some(action) = actions.iter().find(|a| **a == last)
    {
        return (percent_decode(before), Some(action));
    }
    (percent_decode(rest), None)
}

/// Answers a request under [`API_PREFIX`].
pub(in super::super) fn route(head: &RequestHead, body: Body, served: &Arc<Served>) -> Reply {
    let body = match body {
        Body::Complete(body) => body,
        Body::Oversize { .. } => return too_large(),
    };
    let path = head.path();
    let query = Query::of(head);
    let method = head.method.as_str();
    let reply = if let Some(rest) = path.strip_prefix(EXECUTIONS) {
        let actions = ["checkpoint", "state", "history", "stop", "pause", "resume"];
        match (method, split_action(rest, &actions)) {
            ("POST", (arn, Some("checkpoint"))) => checkpoint(served, &arn, &body),
            ("GET", (arn, Some("state"))) => state(served, &arn, &query),
            ("GET", (arn, Some("history"))) => history(served, &arn, &query),
            ("POST", (arn, Some("stop"))) => stop(served, &arn, &body),
            ("GET", (arn, None)) => get_execution(served, &arn, &query),
            (_, (_, Some(action @ ("pause" | "resume")))) => Err(unknown(&format!(
                "the local Lambda does not {action} durable executions"
            ))),
            ("DELETE", (_, None)) => Err(unknown(
                "the local Lambda does not delete durable executions; they are kept for their \
                 retention period",
            )),
            _ => Err(not_allowed(path)),
        }
    } else if let Some(rest) = path.strip_prefix(CALLBACKS) {
        match (
            method,
            split_action(rest, &["succeed", "fail", "heartbeat"]),
        ) {
            ("POST", (id, Some(action))) => callback(served, &id, action, body),
            _ => Err(not_allowed(path)),
        }
    } else if let Some(name) = path
        .strip_prefix(FUNCTIONS)
        .and_then(|p| p.strip_suffix("/durable-executions"))
    {
        match method {
            "GET" => list(served, &percent_decode(name), &query),
            _ => Err(not_allowed(path)),
        }
    } else {
        Err(unknown(&format!("no such path: {path}")))
    };
    reply.unwrap_or_else(|reply| reply)
}

fn unknown(message: &str) -> Reply {
    Reply::aws_error(404, "UnknownOperationException", message)
}

fn not_allowed(path: &str) -> Reply {
    Reply::aws_error(
        405,
        "MethodNotAllowed",
        &format!("no such operation of the durable execution API: {path}"),
    )
}

/// Lambda's pattern of an execution's ARN:
/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME:VERSION/durable-execution/NAME/ID`.
fn check_arn(arn: &str) -> Result<(), Reply> {
    let ok = arn.len() <= 1024 && {
        let parts: Vec<&str> = arn.split('/').collect();
        let fields: Vec<&str> = parts[0].split(':').collect();
        let word = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        parts.len() == 4
            && parts[1] == "durable-execution"
            && word(parts[2])
            && word(parts[3])
            && fields.len() == 8
            && fields[0] == "arn"
            && fields[2] == "lambda"
            && fields[4].len() == 12
            && fields[4].bytes().all(|b| b.is_ascii_digit())
            && fields[5] == "function"
            && word(fields[6])
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(&format!(
            "1 validation error detected: Value '{arn}' at 'durableExecutionArn' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: \
             arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\\d{{12}}):function:([a-zA-Z0-9_-]+):\
             (\\$LATEST(?:\\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)"
        )))
    }
}

fn ops_json(ops: &[ruchy_lambda_durable::model::Operation]) -> Value {
    json!(ops)
}

fn checkpoint(served: &Arc<Served>, arn: &str, body: &[u8]) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let request: CheckpointRequest = serde_json::from_slice(body)
        .map_err(|e| invalid(&format!("the checkpoint's body: {e}")))?;
    let resolve = |name: &str| -> Result<(usize, bool, String), String> {
        let function = served.find(name, None)?;
        let index = served
            .functions
            .iter()
            .position(|g| g.name == function.name)
            .unwrap_or_default();
        Ok((
            index,
            function.durable.is_some(),
            format!("{}{}", served.arn_prefix, function.name),
        ))
    };
    let (answer, saved) = {
        let mut store = served.durable.lock();
        let Some(current) = store.get(arn) else {
            return Err(invalid(&format!("Invalid durable execution ARN: {arn}")));
        };
        // The same checkpoint sent again (a retry after a lost answer) gets the same answer.
        if let (Some((token, client, answer)), Some(client_token)) =
            (&current.last_checkpoint, &request.client_token)
            && *token == request.checkpoint_token
            && client == client_token
        {
            return Ok(ok(answer.clone()));
        }
        if !current.invoking
            || current.status != ExecutionStatus::Running
            || current.token.as_deref() != Some(request.checkpoint_token.as_str())
        {
            return Err(invalid("Invalid checkpoint token"));
        }
        let mut execution = current.clone();
        let saved = checkpoint::apply(&mut execution, &request.updates, &resolve)
            .map_err(|e| invalid(&e))?;
        let changed: Vec<_> = std::mem::take(&mut execution.changed)
            .iter()
            .filter_map(|id| execution.operation(id).cloned())
            .collect();
        let mut answer = json!({"NewExecutionState": {"Operations": ops_json(&changed)}});
        if execution.status == ExecutionStatus::Running {
            answer["CheckpointToken"] = json!(execution.next_token());
        }
        if let Some(client_token) = &request.client_token {
            execution.last_checkpoint = Some((
                request.checkpoint_token.clone(),
                client_token.clone(),
                answer.clone(),
            ));
        }
        store.put(execution);
        for (callback_id, op_id) in &saved.callbacks {
            store
                .callbacks
                .insert(callback_id.clone(), (arn.to_owned(), op_id.clone()));
        }
        (answer, saved)
    };
    start_invokes(served, arn, saved.chained);
    served.durable.notify();
    Ok(ok(answer))
}

/// The invokes a checkpoint started: a durable target's execution created and driven, then
/// each invoke run.
fn start_invokes(served: &Arc<Served>, arn: &str, chained: Vec<ChainedStart>) {
    for start in chained {
        if let Some(child) = driver::create_child(served, &start) {
            driver::spawn(served, child);
        }
        driver::start_chained(served, arn, start);
    }
}

fn state(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let token = query
        .get("CheckpointToken")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("CheckpointToken is required"))?;
    let store = served.durable.lock();
    let execution = store
        .get(arn)
        .ok_or_else(|| invalid(&format!("Invalid durable execution ARN: {arn}")))?;
    if !execution.invoking || !execution.invocation_tokens.iter().any(|t| t == token) {
        return Err(invalid("Invalid checkpoint token"));
    }
    let (page, next) = paged(&execution.operations, query)?;
    let mut answer = json!({"Operations": ops_json(page)});
    if let Some(next) = next {
        answer["NextMarker"] = json!(next);
    }
    Ok(ok(answer))
}

/// A page of `items` from the query's `Marker` and `MaxItems`, and the next page's marker.
fn paged<'a, T>(items: &'a [T], query: &Query) -> Result<(&'a [T], Option<String>), Reply> {
    let from = query.marker(items.len())?;
    let to = (from + query.max_items()?).min(items.len());
    let next = (to < items.len()).then(|| to.to_string());
    Ok((&items[from..to], next))
}

fn execution_summary(execution: &Execution) -> Value {
    let mut summary = json!({
        "DurableExecutionArn": execution.arn,
        "DurableExecutionName": execution.name,
        "FunctionArn": execution.function_arn,
        "Status": execution.status.as_str(),
        "StartTimestamp": execution.start,
    });
    if let Some(end) = execution.end {
        summary["EndTimestamp"] = json!(end);
    }
    summary
}

fn get_execution(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let include = query.flag("IncludeExecutionData", true)?;
    let store = served.durable.lock();
    let execution = store.get(arn).ok_or_else(|| no_execution(arn))?;
    let mut answer = execution_summary(execution);
    answer["Version"] = json!(ruchy_lambda_local::report::VERSION);
    answer["DurableConfig"] = json!({
        "ExecutionTimeout": execution.config.execution_timeout_seconds,
        "RetentionPeriodInDays": execution.config.retention_days,
    });
    answer["ExpectedExecutionTimeoutTimestamp"] =
        json!(execution.start + f64::from(execution.config.execution_timeout_seconds));
    answer["ExecutionDataIncluded"] = json!(include);
    if include {
        answer["InputPayload"] = json!(execution.input);
        if let Some(result) = &execution.result {
            answer["Result"] = json!(result);
        }
    }
    if let Some(error) = &execution.error {
        answer["Error"] = json!(error);
    }
    Ok(ok(answer))
}

fn history(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let include = query.flag("IncludeExecutionData", false)?;
    let reverse = query.flag("ReverseOrder", false)?;
    let store = served.durable.lock();
    let execution = store.get(arn).ok_or_else(|| no_execution(arn))?;
    let mut numbered: Vec<Value> = execution
        .history
        .iter()
        .enumerate()
        .map(|(i, event)| event.to_json(i + 1, include))
        .collect();
    if reverse {
        numbered.reverse();
    }
    let (page, next) = paged(&numbered, query)?;
    let mut answer = json!({"Events": page});
    if let Some(next) = next {
        answer["NextMarker"] = json!(next);
    }
    Ok(ok(answer))
}

/// An optional `ErrorObject` body (`StopDurableExecution`, `SendDurableExecutionCallbackFailure`).
fn error_body(body: &[u8]) -> Result<Option<ErrorObject>, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| invalid(&format!("the body is not an ErrorObject: {e}")))
}

fn stop(served: &Served, arn: &str, body: &[u8]) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let error = error_body(body)?;
    let mut store = served.durable.lock();
    let execution = store.get_mut(arn).ok_or_else(|| no_execution(arn))?;
    // Stopping an execution that has ended answers when it ended.
    if execution.status == ExecutionStatus::Running {
        let error = error.unwrap_or_else(|| {
            let mut error = ErrorObject::default();
            error.error_message = Some("Execution stopped by user request".to_owned());
            error
        });
        execution.finish(ExecutionStatus::Stopped, None, Some(error));
    }
    let stopped = execution.end.unwrap_or_else(now);
    drop(store);
    served.durable.notify();
    Ok(ok(json!({"StopTimestamp": stopped})))
}

/// Lambda's pattern of a callback id (base64).
fn is_callback_id(id: &str) -> bool {
    let body = id.trim_end_matches('=');
    !body.is_empty()
        && id.len() <= 1024
        && id.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn callback(served: &Served, id: &str, action: &str, body: Vec<u8>) -> Result<Reply, Reply> {
    if !is_callback_id(id) {
        return Err(invalid(&format!(
            "1 validation error detected: Value '{id}' at 'callbackId' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [A-Za-z0-9+/]+={{0,2}}"
        )));
    }
    let (result, error) = match action {
        "succeed" => {
            let result = String::from_utf8(body)
                .map_err(|_| invalid("the callback's result must be UTF-8 text"))?;
            (Some(result), None)
        }
        "fail" => (None, Some(error_body(&body)?.unwrap_or_default())),
        _ => (None, None),
    };
    let mut store = served.durable.lock();
    let (arn, op_id) = store
        .callbacks
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(&format!("Callback not found: {id}")))?;
    let execution = store
        .get_mut(&arn)
        .ok_or_else(|| not_found(&format!("Callback not found: {id}")))?;
    let op = execution
        .operation(&op_id)
        .cloned()
        .ok_or_else(|| not_found(&format!("Callback not found: {id}")))?;
    match op.status {
        OperationStatus::Started if execution.status == ExecutionStatus::Running => {}
        OperationStatus::TimedOut => {
            return Err(Reply::aws_error(
                400,
                "CallbackTimeoutException",
                &format!("Callback timed out: {id}"),
            ));
        }
        _ if execution.status != ExecutionStatus::Running => {
            return Err(invalid(&format!(
                "the callback's durable execution has ended ({}): {arn}",
                execution.status.as_str()
            )));
        }
        status => {
            return Err(invalid(&format!(
                "the callback has already completed ({status:?}): {id}"
            )));
        }
    }
    if action == "heartbeat" {
        if let Some(timers) = execution.callbacks.get_mut(&op_id)
            && timers.heartbeat_seconds > 0
        {
            timers.heartbeat_at = Some(now() + f64::from(timers.heartbeat_seconds));
        }
        drop(store);
        served.durable.notify();
        return Ok(ok(json!({})));
    }
    let at = now();
    let mut op = op;
    let ending = if error.is_some() {
        Ending::Failed
    } else {
        Ending::Succeeded
    };
    op.status = match ending {
        Ending::Succeeded => OperationStatus::Succeeded,
        _ => OperationStatus::Failed,
    };
    op.end_timestamp = Some(Timestamp(at));
    let mut details = op.callback_details.clone().unwrap_or_default();
    details.result = result.clone();
    details.error = error.clone();
    op.callback_details = Some(details);
    let event = history::callback_ended(&op, ending, result.as_deref(), error.as_ref(), at);
    execution.record(event);
    execution.callbacks.remove(&op_id);
    execution.save_update(op);
    drop(store);
    served.durable.notify();
    Ok(ok(json!({})))
}

/// A timestamp of a query: ISO 8601 (`2026-01-02T03:04:05Z`, what botocore sends), or seconds
/// since the epoch.
fn query_time(text: &str) -> Option<f64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return Some(seconds);
    }
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (date.next()??, date.next()??, date.next()??);
    let (time, offset) = match time.find(['Z', '+']).or_else(|| time.rfind('-')) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let mut hms = time.splitn(3, ':');
    let h: f64 = hms.next()?.parse().ok()?;
    let min: f64 = hms.next()?.parse().ok()?;
    let s: f64 = hms.next().unwrap_or("0").parse().ok()?;
    let offset_seconds = match offset {
        "Z" | "" => 0.0,
        o => {
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            let mut parts = o[1..].split(':');
            let oh: f64 = parts.next()?.parse().ok()?;
            let om: f64 = parts.next().unwrap_or("0").parse().ok()?;
            sign * (oh * 3600.0 + om * 60.0)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + s - offset_seconds)
}

fn list(served: &Served, name: &str, query: &Query) -> Result<Reply, Reply> {
    let function: &Deployed = served
        .find(name, query.get("Qualifier"))
        .map_err(|arn| function_not_found(&arn))?;
    let statuses: Vec<&str> = query.all("Statuses").collect();
    for status in &statuses {
        if !ExecutionStatus::ALL.iter().any(|s| s.as_str() == *status)
            && !["DELETING", "PAUSING", "PAUSED"].contains(status)
        {
            return Err(invalid(&format!(
                "Statuses: `{status}` is not one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, \
                 STOPPED, DELETING, PAUSING, PAUSED"
            )));
        }
    }
    let time = |key: &str| -> Result<Option<f64>, Reply> {
        query
            .get(key)
            .map(|t| query_time(t).ok_or_else(|| invalid(&format!("{key}: not a time: `{t}`"))))
            .transpose()
    };
    let (after, before) = (time("StartedAfter")?, time("StartedBefore")?);
    let named = query.get("DurableExecutionName");
    let reverse = query.flag("ReverseOrder", false)?;
    let store = served.durable.lock();
    let mut found: Vec<Value> = store
        .of_function(&function.name)
        .filter(|e| statuses.is_empty() || statuses.contains(&e.status.as_str()))
        .filter(|e| named.is_none_or(|n| e.name == n))
        .filter(|e| after.is_none_or(|t| e.start >= t))
        .filter(|e| before.is_none_or(|t| e.start <= t))
        .map(execution_summary)
        .collect();
    if reverse {
        found.reverse();
    }
    let (page, next) = paged(&found, query)?;
    let mut answer = json!({"DurableExecutions": page});
    if let Some(next) = next {
        answer["NextMarker"] = json!(next);
    }
    Ok(ok(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_lambdas_pattern() {
        let good = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/\
                    durable-execution/run-1/0b5f-aa";
        assert!(check_arn(good).is_ok());
        for bad in [
            "",
            "orders",
            "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
            "arn:aws:lambda:us-east-1:1234:function:orders:$LATEST/durable-execution/a/b",
            "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/a b/c",
        ] {
            assert!(check_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn actions_are_the_last_segment_and_arns_are_decoded() {
        let (arn, action) = split_action(
            "arn%3Ax%2Fdurable-execution%2Fa%2Fb/checkpoint",
            &["checkpoint"],
        );
        assert_eq!(
            (arn.as_str(), action),
            ("arn:x/durable-execution/a/b", Some("checkpoint"))
        );
        let (arn, action) = split_action("arn:x/durable-execution/a/b", &["checkpoint"]);
        assert_eq!(
            (arn.as_str(), action),
            ("arn:x/durable-execution/a/b", None)
        );
    }

    #[test]
    fn callback_ids_are_base64() {
        assert!(is_callback_id("YWJj+/=="));
        assert!(!is_callback_id(""));
        assert!(!is_callback_id("a b"));
        assert!(!is_callback_id("abc==="));
    }

    #[test]
    fn query_times_read_iso_8601_and_seconds() {
        assert_eq!(query_time("0"), Some(0.0));
        assert_eq!(query_time("1970-01-02T00:00:00Z"), Some(86_400.0));
        assert_eq!(query_time("2026-12-07T00:10:00Z"), Some(1_796_602_200.0));
        assert_eq!(
            query_time("2026-12-07T01:10:00+01:00"),
            Some(1_796_602_200.0)
        );
        assert_eq!(query_time("yesterday"), None);
    }
}
