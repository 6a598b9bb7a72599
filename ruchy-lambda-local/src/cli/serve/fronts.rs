//! `--http FRONT`: a request becomes the event of an API Gateway, load balancer or function URL
//! front, and the function's reply its HTTP response.

use std::net::TcpStream;
use std::time::SystemTime;

use ruchy_lambda_local::InvocationReport;
use ruchy_lambda_local::front::{self, Front, FrontConfig, HttpRequest, HttpResponse};
use ruchy_lambda_local::http::{Body, RequestHead};
use ruchy_lambda_local::stream::HttpPrelude;

use super::Served;
use super::connection::Client;
use super::pool::{self, Failure, Invoked};
use super::relay::Relay;

/// A request behind a front: its event, the invocation, and the front's response.
pub(super) fn route(
    index: usize,
    front: &FrontConfig,
    head: &RequestHead,
    body: Body,
    client: &Client,
    served: &Served,
    relay: &mut Relay<'_>,
) -> HttpResponse {
    let body = match body {
        Body::Complete(body) => body,
        Body::Oversize { .. } => return front.too_large(),
    };
    let request = HttpRequest {
        method: head.method.clone(),
        target: head.target.clone(),
        protocol: if head.http11 { "HTTP/1.1" } else { "HTTP/1.0" }.to_owned(),
        headers: head.headers.clone(),
        body,
        source_ip: client.ip.clone(),
        port: client.port,
    };
    let event = front.event(&request, SystemTime::now()).to_string();
    let function = &served.functions[index];
    match pool::invoke(served, function, event.into_bytes(), false, relay) {
        Ok(Invoked { report, .. }) => {
            relay.finish(&report);
            front_response(front, &report)
        }
        Err(Failure::Throttled) => front.throttled(),
        Err(Failure::Failed(_)) => front.function_error(),
    }
}

/// What the front answers to an invocation that was not passed on as it streamed.
fn front_response(front: &FrontConfig, report: &InvocationReport) -> HttpResponse {
    if !report.is_success() {
        return front.function_error();
    }
    let payload = report.payload();
    let mut response = match (&report.stream, front.front) {
        // A function URL in RESPONSE_STREAM mode, the stream kept whole (with --concurrency).
        (Some(stream), Front::FunctionUrl) => {
            if stream.is_http_integration() {
                match HttpPrelude::split(&payload)
                    .and_then(|(json, body)| Some((HttpPrelude::parse(json)?, body)))
                {
                    Some((prelude, body)) => {
                        let mut headers = prelude.headers;
                        headers.extend(
                            prelude
                                .cookies
                                .into_iter()
                                .map(|c| ("Set-Cookie".to_owned(), c)),
                        );
                        HttpResponse {
                            status: prelude.status_code,
                            reason: None,
                            headers,
                            body: body.to_vec(),
                        }
                    }
                    None => front.function_error(),
                }
            } else {
                let content_type = stream
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                HttpResponse {
                    status: 200,
                    reason: None,
                    headers: vec![("Content-Type".to_owned(), content_type)],
                    body: payload,
                }
            }
        }
        _ => front.response(&payload),
    };
    if front.front != Front::Alb {
        response
            .headers
            .push(("X-Amzn-RequestId".to_owned(), report.request_id.clone()));
    }
    response
}

/// Writes a front's response with a `Content-Length` body (none for `HEAD`, 204 and 304).
pub(super) fn write_http(
    writer: &mut TcpStream,
    response: &HttpResponse,
    head_only: bool,
    close: bool,
) -> std::io::Result<()> {
    let reason = response
        .reason
        .as_deref()
        .unwrap_or_else(|| front::reason_phrase(response.status));
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        let framing = ["content-length", "transfer-encoding", "connection"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n));
        let unsafe_text = |t: &str| t.contains(['\r', '\n']);
        if framing || name.is_empty() || unsafe_text(name) || unsafe_text(value) {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let no_body = matches!(response.status, 100..=199 | 204 | 304);
    if !no_body {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if !no_body && !head_only {
        bytes.extend_from_slice(&response.body);
    }
    std::io::Write::write_all(writer, &bytes)?;
    std::io::Write::flush(writer)
}
