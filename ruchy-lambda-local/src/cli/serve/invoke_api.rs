//! The Invoke API: `POST /2015-03-31/functions/NAME/invocations`, the function found by its name
//! or ARN, the invocation types, and `X-Amz-Log-Type: Tail`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use ruchy_lambda_local::http::{Body, RequestHead};
use ruchy_lambda_local::{InvocationReport, front, report, stream};

use super::super::log;
use super::connection::{Reply, too_large};
use super::pool::{self, Failure};
use super::relay::Relay;
use super::{Deployed, Served, durable};

/// The path AWS SDKs and the Runtime Interface Emulator use, with the function's name in it.
pub(super) const INVOKE_PREFIX: &str = "/2015-03-31/functions/";
pub(super) const INVOKE_SUFFIX: &str = "/invocations";
/// The function name the Runtime Interface Emulator answers under.
pub(super) const RIE_NAME: &str = "function";
/// The function name `cargo lambda invoke` sends when it is given none.
const CARGO_LAMBDA_NAME: &str = "_";
/// How often an asynchronous invocation that was throttled is tried again.
const ASYNC_RETRY: Duration = Duration::from_millis(50);

/// What the request asks for: an invocation, or something this endpoint does not have.
pub(super) fn route(
    head: &RequestHead,
    body: Body,
    served: &Arc<Served>,
    relay: &mut Relay<'_>,
) -> Reply {
    let path = head.path();
    let Some(name) = path
        .strip_prefix(INVOKE_PREFIX)
        .and_then(|p| p.strip_suffix(INVOKE_SUFFIX))
    else {
        return Reply::aws_error(
            404,
            "UnknownOperationException",
            &format!(
                "no such path: {path}; invoke with POST {INVOKE_PREFIX}{RIE_NAME}{INVOKE_SUFFIX}"
            ),
        );
    };
    let name = front::percent_decode(name);
    let qualifier = head
        .target
        .split_once('?')
        .map(|(_, query)| front::query_pairs(query, true))
        .and_then(|query| {
            query
                .into_iter()
                .find(|(key, _)| key == "Qualifier")
                .map(|(_, value)| value)
        });
    let function = match served.find(&name, qualifier.as_deref()) {
        Ok(function) => function,
        Err(arn) => return function_not_found(&arn),
    };
    if head.method != "POST" {
        let mut reply = Reply::aws_error(405, "MethodNotAllowed", "invoke with POST");
        reply.headers.push(("Allow", "POST".to_owned()));
        return reply;
    }
    let event = match body {
        Body::Complete(event) => event,
        Body::Oversize { .. } => return too_large(),
    };
    let tail = match header_or(head, "x-amz-log-type", "None") {
        "None" => false,
        "Tail" => true,
        other => return invalid_value(other, "logType", "[Tail, None]"),
    };
    let invocation_type = header_or(head, "x-amz-invocation-type", "RequestResponse");
    if let (Some(config), "RequestResponse" | "Event") = (function.durable, invocation_type) {
        let synchronous = invocation_type == "RequestResponse";
        return durable::invoke(served, function, config, head, event, synchronous);
    }
    match invocation_type {
        "RequestResponse" => match pool::invoke(served, function, event, tail, relay) {
            Ok(invoked) => {
                relay.finish(&invoked.report);
                let mut reply = reply_of(&invoked.report);
                if let Some(log) = invoked.log {
                    reply
                        .headers
                        .push(("X-Amz-Log-Result", stream::base64_encode(&log)));
                }
                reply
            }
            Err(Failure::Throttled) => throttled(),
            Err(Failure::Failed(message)) => Reply::aws_error(502, "ServiceException", &message),
        },
        "Event" => {
            invoke_async(served, function, event);
            Reply {
                status: 202,
                headers: Vec::new(),
                body: Vec::new(),
            }
        }
        "DryRun" => Reply {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        },
        other => invalid_value(other, "invocationType", "[Event, RequestResponse, DryRun]"),
    }
}

/// A header's value, or `default` when it is missing or empty.
fn header_or<'a>(head: &'a RequestHead, name: &str, default: &'a str) -> &'a str {
    head.header(name)
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
}

/// Lambda's answer to a function it does not have: `404`, `ResourceNotFoundException`, and the
/// function's ARN in the message.
pub(super) fn function_not_found(arn: &str) -> Reply {
    let body = serde_json::json!({"Type": "User", "Message": format!("Function not found: {arn}")});
    Reply {
        status: 404,
        headers: vec![("X-Amzn-ErrorType", "ResourceNotFoundException".to_owned())],
        body: body.to_string().into_bytes(),
    }
}

/// Lambda's answer to a header outside its values: `400`, `InvalidParameterValueException`.
fn invalid_value(value: &str, member: &str, allowed: &str) -> Reply {
    Reply::aws_error(
        400,
        "InvalidParameterValueException",
        &format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must satisfy enum value set: {allowed}"
        ),
    )
}

/// Which of the functions served (`names`, in order) the Invoke API's function name names: a
/// name, a partial or a full ARN, with or without a qualifier (`qualifier` is the `Qualifier`
/// query parameter), unqualified or `$LATEST`; with `aliases`, `function` (the Runtime Interface
/// Emulator's) and `_` (`cargo lambda invoke`'s) name the first. Else the ARN Lambda says it did
/// not find, made with `arn_prefix` (`arn:aws:lambda:REGION:ACCOUNT:function:`) unless it was
/// given whole.
pub(super) fn find_function(
    name: &str,
    qualifier: Option<&str>,
    names: &[&str],
    aliases: bool,
    arn_prefix: &str,
) -> Result<usize, String> {
    // `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, `ACCOUNT:function:NAME…`
    // or `NAME[:QUALIFIER]`.
    let parts: Vec<&str> = name.split(':').collect();
    let (function, in_name) = match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", function, rest @ ..]
        | [_, "function", function, rest @ ..]
        | [function, rest @ ..] => match rest {
            [] => (*function, None),
            [qualifier] => (*function, Some(*qualifier)),
            _ => ("", None),
        },
        [] => ("", None),
    };
    let qualifier = in_name.or(qualifier);
    let index = names
        .iter()
        .position(|n| !function.is_empty() && *n == function)
        .or(
            (aliases && !names.is_empty() && [RIE_NAME, CARGO_LAMBDA_NAME].contains(&function))
                .then_some(0),
        );
    if let Some(index) = index
        && qualifier.is_none_or(|q| q == report::VERSION)
    {
        return Ok(index);
    }
    if name.starts_with("arn:") {
        return Err(match (in_name, qualifier) {
            (None, Some(q)) => format!("{name}:{q}"),
            _ => name.to_owned(),
        });
    }
    let mut arn = format!("{arn_prefix}{function}");
    if function.is_empty() {
        arn = format!("{arn_prefix}{name}");
    } else if let Some(q) = qualifier {
        arn = format!("{arn}:{q}");
    }
    Err(arn)
}

/// `X-Amz-Invocation-Type: Event`: the invocation runs on a thread of its own, as Lambda runs
/// an asynchronous one from its queue; its log is printed as any other. A throttled one is
/// tried again until it runs (Lambda keeps such events for up to six hours); one that fails is
/// not retried (Lambda retries twice, a minute and two minutes later).
fn invoke_async(served: &Arc<Served>, function: &Deployed, event: Vec<u8>) {
    let served = Arc::clone(served);
    let name = function.name.clone();
    let spawned = thread::Builder::new()
        .name("invoke-async".to_owned())
        .spawn(move || {
            loop {
                let mut relay = Relay::detached();
                let Some(function) = served.functions.iter().find(|f| f.name == name) else {
                    return;
                };
                match pool::invoke(&served, function, event.clone(), false, &mut relay) {
                    Err(Failure::Throttled) if !served.stopping.load(Ordering::SeqCst) => {
                        thread::sleep(ASYNC_RETRY);
                    }
                    _ => return,
                }
            }
        });
    if let Err(e) = spawned {
        log::line(&format!(
            "error: cannot run an asynchronous invocation: {e}"
        ));
    }
}

/// Lambda's answer to an invocation beyond the concurrency it has.
fn throttled() -> Reply {
    Reply {
        status: 429,
        headers: vec![("X-Amzn-ErrorType", "TooManyRequestsException".to_owned())],
        body: br#"{"errorType":"TooManyRequestsException","errorMessage":"Rate Exceeded."}"#
            .to_vec(),
    }
}

/// The Invoke API's answer: 200 with the reply, or with the error and `X-Amz-Function-Error`.
fn reply_of(report: &InvocationReport) -> Reply {
    let mut headers = vec![
        ("X-Amzn-RequestId", report.request_id.clone()),
        ("X-Amz-Executed-Version", report::VERSION.to_owned()),
    ];
    if let Some(error) = report.function_error() {
        headers.push(("X-Amz-Function-Error", error.to_owned()));
    }
    Reply {
        status: 200,
        headers,
        body: report.payload(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        let prefix = "arn:aws:lambda:us-east-1:012345678912:function:";
        let find = |name: &str, qualifier: Option<&str>| {
            find_function(name, qualifier, &["orders"], true, prefix).map(|_| ())
        };
        for name in [
            "function",
            "_",
            "orders",
            "orders:$LATEST",
            "_:$LATEST",
            "012345678912:function:orders",
            "arn:aws:lambda:us-east-1:012345678912:function:orders",
            "arn:aws:lambda:eu-west-1:111122223333:function:orders:$LATEST",
        ] {
            assert_eq!(find(name, None), Ok(()), "{name}");
        }
        assert_eq!(find("orders", Some("$LATEST")), Ok(()));
        for (name, qualifier, arn) in [
            ("other", None, format!("{prefix}other")),
            ("orders:v1", None, format!("{prefix}orders:v1")),
            ("orders", Some("live"), format!("{prefix}orders:live")),
            ("1:function:other:7", None, format!("{prefix}other:7")),
            ("a:b:c:d:e", None, format!("{prefix}a:b:c:d:e")),
            (
                "arn:aws:lambda:eu-west-1:111122223333:function:x",
                None,
                "arn:aws:lambda:eu-west-1:111122223333:function:x".to_owned(),
            ),
            (
                "arn:aws:lambda:eu-west-1:111122223333:function:orders",
                Some("3"),
                "arn:aws:lambda:eu-west-1:111122223333:function:orders:3".to_owned(),
            ),
        ] {
            assert_eq!(find(name, qualifier), Err(arn), "{name} {qualifier:?}");
        }
    }

    #[test]
    fn several_functions_by_name() {
        let prefix = "arn:aws:lambda:us-east-1:012345678912:function:";
        let names = ["orders", "stock", "mail"];
        let find = |name: &str, aliases: bool| find_function(name, None, &names, aliases, prefix);
        assert_eq!(find("orders", false), Ok(0));
        assert_eq!(find("stock", false), Ok(1));
        assert_eq!(find(&format!("{prefix}mail"), false), Ok(2));
        assert_eq!(find("mail:$LATEST", false), Ok(2));
        assert_eq!(find("012345678912:function:stock", false), Ok(1));
        // Without the one function's aliases, `function` and `_` are names like any other.
        assert_eq!(find("function", false), Err(format!("{prefix}function")));
        assert_eq!(find("_", false), Err(format!("{prefix}_")));
        assert_eq!(find("function", true), Ok(0));
        assert_eq!(find("other", false), Err(format!("{prefix}other")));
        assert_eq!(find("", false), Err(prefix.to_owned()));
    }
}
