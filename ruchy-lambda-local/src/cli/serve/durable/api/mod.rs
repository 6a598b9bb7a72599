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
//! The rooms: [`checkpoints`] (the calls the function makes), [`executions`] (one execution,
//! asked about or stopped), [`listing`] (a function's executions) and [`callbacks`].
//!
//! Errors are the model's: `400` `InvalidParameterValueException` (a bad token, ARN, marker or
//! body), `404` `ResourceNotFoundException` (no such execution, function or callback), `400`
//! `CallbackTimeoutException` (a callback that timed out).

use std::sync::Arc;

use ruchy_lambda_durable::model::ErrorObject;
use ruchy_lambda_local::front::{percent_decode, query_pairs};
use ruchy_lambda_local::http::{Body, RequestHead};
use serde_json::json;

use super::super::Served;
use super::super::connection::{Reply, too_large};

mod callbacks;
mod checkpoints;
mod executions;
mod listing;

/// The path prefix of the durable execution API.
pub(in super::super) const API_PREFIX: &str = "/2025-12-01/";
const EXECUTIONS: &str = "/2025-12-01/durable-executions/";
const CALLBACKS: &str = "/2025-12-01/durable-execution-callbacks/";
const FUNCTIONS: &str = "/2025-12-01/functions/";
/// The most items of a page (`MaxItems`), and the default but for the state's.
const MAX_ITEMS: usize = 1000;
/// The operations of a `GetDurableExecutionState` page without `MaxItems`, as the service
/// pages them.
const STATE_PAGE: usize = 100;

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

    /// `MaxItems`: 1 to 1,000 (0 or none: `default`).
    fn max_items(&self, default: usize) -> Result<usize, Reply> {
        match self.get("MaxItems") {
            None => Ok(default),
            Some(text) => match text.parse::<usize>() {
                Ok(0) => Ok(default),
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

/// `200` with `body`'s JSON.
fn ok(body: &impl serde::Serialize) -> Reply {
    Reply {
        status: 200,
        headers: Vec::new(),
        body: serde_json::to_vec(body).unwrap_or_default(),
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
            ("POST", (arn, Some("checkpoint"))) => checkpoints::checkpoint(served, &arn, &body),
            ("GET", (arn, Some("state"))) => checkpoints::state(served, &arn, &query),
            ("GET", (arn, Some("history"))) => executions::history(served, &arn, &query),
            ("POST", (arn, Some("stop"))) => executions::stop(served, &arn, &body),
            ("GET", (arn, None)) => executions::get_execution(served, &arn, &query),
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
            ("POST", (id, Some(action))) => callbacks::callback(served, &id, action, body),
            _ => Err(not_allowed(path)),
        }
    } else if let Some(name) = path
        .strip_prefix(FUNCTIONS)
        .and_then(|p| p.strip_suffix("/durable-executions"))
    {
        match method {
            "GET" => listing::list(served, &percent_decode(name), &query),
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
/// A page of `items` from the query's `Marker` and `MaxItems` (`default` when none), and the
/// next page's marker.
fn paged<'a, T>(
    items: &'a [T],
    query: &Query,
    default: usize,
) -> Result<(&'a [T], Option<String>), Reply> {
    let from = query.marker(items.len())?;
    let to = (from + query.max_items(default)?).min(items.len());
    let next = (to < items.len()).then(|| to.to_string());
    Ok((&items[from..to], next))
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
}
