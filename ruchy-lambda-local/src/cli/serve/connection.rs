//! One keep-alive connection: its requests read one after another, each routed to the Invoke
//! API or to a front, and answered.

use std::io::BufReader;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use ruchy_lambda_local::MAX_RESPONSE_BYTES;
use ruchy_lambda_local::front::Front;
use ruchy_lambda_local::http::{self, Limits};

use super::relay::Relay;
use super::{Served, durable, fronts, invoke_api};

/// How long an idle keep-alive connection is kept.
const IDLE: Duration = Duration::from_secs(120);

/// An HTTP response to write.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Vec<u8>,
}

impl Reply {
    /// An error as AWS's APIs send it: `{"Type":"User","message":"…"}` with `x-amzn-ErrorType`.
    pub(super) fn aws_error(status: u16, kind: &'static str, message: &str) -> Reply {
        let body = serde_json::json!({"Type": if status < 500 { "User" } else { "Service" }, "message": message});
        Reply {
            status,
            headers: vec![("X-Amzn-ErrorType", kind.to_owned())],
            body: body.to_string().into_bytes(),
        }
    }
}

/// Serves the requests of one keep-alive connection, one after another.
pub(super) fn serve(stream: TcpStream, served: &Arc<Served>) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE));
    let client = Client {
        ip: stream
            .peer_addr()
            .map(|a| a.ip().to_canonical().to_string())
            .unwrap_or_else(|_| "127.0.0.1".to_owned()),
        port: stream.local_addr().map(|a| a.port()).unwrap_or_default(),
    };
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let limits = Limits::with_body(MAX_RESPONSE_BYTES);
    loop {
        let head = match http::read_head(&mut reader, &limits) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => {
                if let Some(status) = e.status() {
                    let _ = write(
                        &mut writer,
                        &Reply::aws_error(status, "BadRequest", &e.to_string()),
                        true,
                    );
                }
                return;
            }
        };
        if head.expects_continue() && http::write_continue(&mut writer).is_err() {
            return;
        }
        // Behind a front, the Invoke API's paths still reach the Invoke API: a function invokes
        // another through AWS_ENDPOINT_URL_LAMBDA on this port.
        let front = served.front.as_ref().filter(|_| {
            !head.path().starts_with(invoke_api::INVOKE_PREFIX)
                && !head.path().starts_with(durable::API_PREFIX)
        });
        let body = match http::read_body(&mut reader, &head, &limits) {
            Ok(body) => body,
            Err(e) => {
                if let Some(status) = e.status() {
                    if let (Some((_, front)), 413) = (front, status) {
                        let _ = fronts::write_http(&mut writer, &front.too_large(), false, true);
                        return;
                    }
                    let reply = match status {
                        413 => too_large(),
                        _ => Reply::aws_error(status, "BadRequest", &e.to_string()),
                    };
                    let _ = write(&mut writer, &reply, true);
                }
                return;
            }
        };
        let keep_alive = head.keep_alive();
        // Behind a front only a function URL streams; API Gateway and the load balancer wait
        // for the whole reply.
        let streams = front.is_none_or(|(_, f)| f.front == Front::FunctionUrl);
        let mut relay = Relay::new(&mut writer, streams);
        if let Some((index, front)) = front {
            let response = fronts::route(*index, front, &head, body, &client, served, &mut relay);
            if relay.broken {
                return;
            }
            if relay.started {
                if !keep_alive {
                    return;
                }
                continue;
            }
            let head_only = head.method == "HEAD";
            if fronts::write_http(&mut writer, &response, head_only, !keep_alive).is_err()
                || !keep_alive
            {
                return;
            }
            continue;
        }
        let reply = if head.path().starts_with(durable::API_PREFIX) {
            durable::route(&head, body, served)
        } else {
            invoke_api::route(&head, body, served, &mut relay)
        };
        if relay.broken {
            return;
        }
        if relay.started {
            // The streamed reply was written as it came.
            if !keep_alive {
                return;
            }
            continue;
        }
        if write(&mut writer, &reply, !keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}

/// The client of a connection, as a front sees it.
pub(super) struct Client {
    /// Its address: `sourceIp`.
    pub(super) ip: String,
    /// The port it connected to: `x-forwarded-port`.
    pub(super) port: u16,
}

pub(super) fn write(writer: &mut TcpStream, reply: &Reply, close: bool) -> std::io::Result<()> {
    let headers: Vec<(&str, &str)> = reply
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    http::write_response(
        writer,
        reply.status,
        Some("application/json"),
        &headers,
        &reply.body,
        close,
    )
}

pub(super) fn too_large() -> Reply {
    Reply::aws_error(
        413,
        "RequestEntityTooLargeException",
        &format!(
            "Request must be smaller than {MAX_RESPONSE_BYTES} bytes for the InvokeFunction operation"
        ),
    )
}
