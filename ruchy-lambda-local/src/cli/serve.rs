//! `serve`: a function behind Lambda's Invoke endpoint, as the Runtime Interface Emulator offers
//! it: `POST /2015-03-31/functions/function/invocations`.
//!
//! The Invoke API as AWS's clients call it: the function is named `function`, `_` (what
//! `cargo lambda invoke` sends without a name) or its own name, also as an ARN and qualified with
//! `$LATEST`; another name gets Lambda's `404` `ResourceNotFoundException`
//! (`{"Type":"User","Message":"Function not found: ARN"}`). `X-Amz-Invocation-Type` is
//! `RequestResponse`, `Event` (`202` at once, the invocation run on a thread of its own) or
//! `DryRun` (`204`, nothing run); `X-Amz-Log-Type: Tail` sends the last 4 KB of the
//! invocation's log back, base64-encoded, in `X-Amz-Log-Result`: the function's lines are kept
//! through the [`FunctionConfig::output`] sink of its process (see [`LogTail`]).
//!
//! One thread per connection reads requests with the library's [`http`] module. Invocations go
//! to the function in one of three ways:
//!
//! - by default, they take turns on one process (one at a time, as on Lambda), queued;
//! - `--instances N`: classic Lambda scaling, up to N processes (each a [`Function`]), started on
//!   demand (a cold start each), idle ones reused first;
//! - `--concurrency N`: Lambda Managed Instances, one process taking up to N at once; a
//!   dispatcher thread owns the [`Function`], submits requests to it and polls it.
//!
//! With `--instances` or `--concurrency`, a request that finds all N busy is throttled as Lambda
//! throttles: `429`, `X-Amzn-ErrorType: TooManyRequestsException`, and the body
//! `{"errorType":"TooManyRequestsException","errorMessage":"Rate Exceeded."}`.
//!
//! With `--http FRONT` there is no Invoke endpoint: every request becomes the event of that
//! front (API Gateway, load balancer, function URL) and the reply its HTTP response, with the
//! library's [`ruchy_lambda_local::front`]. Only the function URL streams; the other fronts
//! answer once the reply is complete, as they do on AWS.
//!
//! # Stopping
//!
//! Each runtime runs in a process group of its own, so that a terminal's Ctrl-C reaches only
//! this process. SIGINT or SIGTERM then ends every runtime as Lambda ends an execution
//! environment, all at once: `SHUTDOWN` (reason `spindown`) to the extensions registered for
//! it, `SIGTERM`, `SIGKILL` after `--shutdown-budget`; with no extension registered, `SIGKILL`
//! at once. What the runtimes write meanwhile (a shutdown hook's line) is passed on, and the
//! command exits 0. Nothing is accepted once the signal came, and running invocations are not
//! waited for, as Lambda shuts down only idle environments and a Ctrl-C should end promptly: a
//! process busy with an invocation gets [`BUSY_GRACE`] to finish it (then it is shut down as an
//! idle one), else it is killed; with `--concurrency` the process is shut down at once and its
//! running invocations fail. A second signal during the sequence kills what is left and exits
//! at once (status 128 + the signal).

use ruchy_lambda_local::headers;
use std::collections::HashMap;
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use ruchy_lambda_local::front::{self, Front, FrontConfig, HttpRequest, HttpResponse};
use ruchy_lambda_local::http::{self, Body, Limits, RequestHead};
use ruchy_lambda_local::stream::{self, HttpPrelude};
use ruchy_lambda_local::{
    Function, FunctionConfig, InvocationReport, LogFormat, MAX_RESPONSE_BYTES, Output, Progress,
    StreamProgress, report,
};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::args::ServeArgs;
use super::{CliError, log, source};

/// The path AWS SDKs and the Runtime Interface Emulator use, with the function's name in it.
const INVOKE_PREFIX: &str = "/2015-03-31/functions/";
const INVOKE_SUFFIX: &str = "/invocations";
/// The function name the Runtime Interface Emulator answers under.
const RIE_NAME: &str = "function";
/// The function name `cargo lambda invoke` sends when it is given none.
const CARGO_LAMBDA_NAME: &str = "_";
/// How much of an invocation's log `X-Amz-Log-Type: Tail` sends back, as Lambda: the last 4 KB.
const TAIL_BYTES: usize = 4 * 1024;
/// How often an asynchronous invocation that was throttled is tried again.
const ASYNC_RETRY: Duration = Duration::from_millis(50);
/// Connections served at once; more are answered `503` and closed.
const MAX_CONNECTIONS: usize = 256;
/// How long an idle keep-alive connection is kept.
const IDLE: Duration = Duration::from_secs(120);

/// How often the dispatcher of `--concurrency` polls the function while invocations run.
const POLL: Duration = Duration::from_millis(5);

/// On SIGINT or SIGTERM, how long a process busy with an invocation is waited for before it is
/// killed (see [Stopping](self#stopping)).
const BUSY_GRACE: Duration = Duration::from_secs(1);

/// The answer to an invocation that comes after SIGINT or SIGTERM.
const STOPPING: &str = "the local Lambda is shutting down";

/// The running function, shared by the connections.
struct Served {
    functions: Functions,
    name: String,
    /// The function's ARN without its name: `arn:aws:lambda:REGION:ACCOUNT:function:`.
    arn_prefix: String,
    /// The function's log format, for the log of `X-Amz-Log-Type: Tail`.
    log_format: LogFormat,
    connections: AtomicUsize,
    /// `--http`: the front before the function, instead of the Invoke endpoint.
    front: Option<FrontConfig>,
    /// SIGINT or SIGTERM came: no invocation starts any more.
    stopping: AtomicBool,
    /// The function's `--shutdown-budget`.
    shutdown_budget: Duration,
}

/// Where invocations go.
enum Functions {
    /// One process; requests queue for it.
    Queue(Box<(Mutex<Function>, LogTail)>),
    /// `--instances N`: up to N processes, each started when first needed.
    Instances {
        slots: Vec<Slot>,
        path: PathBuf,
        config: Box<FunctionConfig>,
    },
    /// `--concurrency N`: one process taking up to N at once, owned by a dispatcher thread.
    Concurrent {
        jobs: mpsc::Sender<Order>,
        busy: AtomicUsize,
        limit: usize,
    },
}

/// A process of `--instances`, and the log of its invocations for `X-Amz-Log-Type: Tail`.
struct Slot {
    function: Mutex<Option<Function>>,
    tail: LogTail,
}

/// What the dispatcher of `--concurrency` is told.
enum Order {
    /// Run an invocation.
    Invoke(Job),
    /// Shut the function down, fail the invocations still running, acknowledge, and end.
    Stop(mpsc::Sender<()>),
}

/// A request handed to the dispatcher, and where its outcome goes.
struct Job {
    event: Vec<u8>,
    /// `X-Amz-Log-Type: Tail`: the invocation's log comes back with its report.
    tail: bool,
    reply: mpsc::Sender<Result<Invoked, String>>,
}

/// An invocation's report, and its log when `X-Amz-Log-Type: Tail` asked for it.
struct Invoked {
    report: InvocationReport,
    log: Option<Vec<u8>>,
}

/// Why an invocation produced no report.
enum Failure {
    /// All N are busy: 429.
    Throttled,
    /// The function could not be run.
    Failed(String),
}

/// An HTTP response to write.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    /// An error as AWS's APIs send it: `{"Type":"User","message":"…"}` with `x-amzn-ErrorType`.
    fn aws_error(status: u16, kind: &'static str, message: &str) -> Reply {
        let body = serde_json::json!({"Type": if status < 500 { "User" } else { "Service" }, "message": message});
        Reply {
            status,
            headers: vec![("X-Amzn-ErrorType", kind.to_owned())],
            body: body.to_string().into_bytes(),
        }
    }
}

/// Listens, starts the function, and serves until SIGINT or SIGTERM (see
/// [Stopping](self#stopping)).
pub fn run(mut args: ServeArgs) -> Result<(), CliError> {
    let served = match args.functions.len() {
        1 => args.functions.remove(0),
        _ => {
            return Err(CliError::Usage(
                "serving several functions at once is not implemented yet".to_owned(),
            ));
        }
    };
    let addr = resolve(&args.host, args.port)?;
    let listener = TcpListener::bind(addr)
        .map_err(|e| CliError::Failed(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failed(format!("cannot listen on {addr}: {e}")))?;
    let bootstrap = source::resolve(&served.source, None)?;
    let mut config = source::function_config(&served.function, &bootstrap);
    // Out of reach of the terminal's Ctrl-C: the signal thread stops the runtimes.
    config.own_process_group = true;
    let shutdown_budget = config.shutdown_budget;
    // From before the first runtime starts: a signal that comes while they start is kept and
    // handled once they run.
    let signals = Signals::new([SIGINT, SIGTERM])
        .map_err(|e| CliError::Failed(format!("cannot handle SIGINT and SIGTERM: {e}")))?;
    let name = config.name.clone();
    let concurrency = config.concurrency;
    let front = args.http.map(|(_, kind)| {
        let mut front = FrontConfig::new(kind);
        if let Some(stage) = &args.stage {
            front.stage = stage.clone();
        }
        front.multi_value_headers = args.multi_value_headers;
        front.region = config.region.clone();
        front.function_name = name.clone();
        front
    });
    let log_format = config.log_format;
    let start = |config: FunctionConfig| {
        Function::start(&bootstrap.path, config).map_err(|e| CliError::Failed(e.to_string()))
    };
    let arn_of = |function: &Function| {
        let arn = function.function_arn();
        arn.strip_suffix(name.as_str()).unwrap_or(&arn).to_owned()
    };
    let (functions, arn_prefix) = if let Some(n) = served.instances {
        // The first is started now (a bootstrap that cannot start fails here), the rest when a
        // request finds every running one busy.
        let slots: Vec<Slot> = (0..n)
            .map(|_| Slot {
                function: Mutex::new(None),
                tail: LogTail::default(),
            })
            .collect();
        let first = start(with_tail(&config, &slots[0].tail))?;
        let arn_prefix = arn_of(&first);
        *slots[0]
            .function
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(first);
        let functions = Functions::Instances {
            slots,
            path: bootstrap.path.clone(),
            config: Box::new(config),
        };
        (functions, arn_prefix)
    } else if concurrency > 1 {
        let tail = LogTail::default();
        let function = start(with_tail(&config, &tail))?;
        let arn_prefix = arn_of(&function);
        let (jobs, incoming) = mpsc::channel();
        thread::Builder::new()
            .name("dispatcher".to_owned())
            .spawn(move || dispatch(function, &tail, &incoming))
            .map_err(|e| CliError::Failed(format!("cannot start the dispatcher: {e}")))?;
        let functions = Functions::Concurrent {
            jobs,
            busy: AtomicUsize::new(0),
            limit: concurrency,
        };
        (functions, arn_prefix)
    } else {
        let tail = LogTail::default();
        let function = start(with_tail(&config, &tail))?;
        let arn_prefix = arn_of(&function);
        (
            Functions::Queue(Box::new((Mutex::new(function), tail))),
            arn_prefix,
        )
    };
    let served = Arc::new(Served {
        functions,
        name,
        arn_prefix,
        log_format,
        connections: AtomicUsize::new(0),
        front,
        stopping: AtomicBool::new(false),
        shutdown_budget,
    });
    {
        let served = Arc::clone(&served);
        thread::Builder::new()
            .name("signals".to_owned())
            .spawn(move || on_signals(signals, served))
            .map_err(|e| CliError::Failed(format!("cannot handle SIGINT and SIGTERM: {e}")))?;
    }
    match &served.front {
        Some(front) => {
            log::line(&format!("listening on http://{local}/"));
            log::line(&format!(
                "front: {} (every request becomes its event; {})",
                front.front.name(),
                front.domain_name()
            ));
        }
        None => log::line(&format!(
            "listening on http://{local}{INVOKE_PREFIX}{RIE_NAME}{INVOKE_SUFFIX}"
        )),
    }
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(_) => {
                // Out of file descriptors and the like: wait rather than spin.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if served.stopping.load(Ordering::SeqCst) {
            // Stopping: the connection is closed unanswered.
            continue;
        }
        let served = Arc::clone(&served);
        if served.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            served.connections.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let reply = Reply::aws_error(503, "TooManyRequestsException", "too many connections");
            let _ = write(&mut stream, &reply, true);
            continue;
        }
        let spawned = thread::Builder::new()
            .name("invoke-connection".to_owned())
            .spawn(move || {
                serve_connection(stream, &served);
                served.connections.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            thread::sleep(Duration::from_millis(10));
        }
    }
    Ok(())
}

/// `--host` and `--port` as an address to bind.
fn resolve(host: &str, port: u16) -> Result<SocketAddr, CliError> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "`--host {host}`: not an address or a known host name"
            ))
        })
}

/// Serves the requests of one keep-alive connection, one after another.
fn serve_connection(stream: TcpStream, served: &Arc<Served>) {
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
        let body = match http::read_body(&mut reader, &head, &limits) {
            Ok(body) => body,
            Err(e) => {
                if let Some(status) = e.status() {
                    if let (Some(front), 413) = (&served.front, status) {
                        let _ = write_http(&mut writer, &front.too_large(), false, true);
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
        let streams = served
            .front
            .as_ref()
            .is_none_or(|f| f.front == Front::FunctionUrl);
        let mut relay = Relay::new(&mut writer, streams);
        if let Some(front) = &served.front {
            let response = route_front(front, &head, body, &client, served, &mut relay);
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
            if write_http(&mut writer, &response, head_only, !keep_alive).is_err() || !keep_alive {
                return;
            }
            continue;
        }
        let reply = route(&head, body, served, &mut relay);
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
struct Client {
    /// Its address: `sourceIp`.
    ip: String,
    /// The port it connected to: `x-forwarded-port`.
    port: u16,
}

/// A request behind a front: its event, the invocation, and the front's response.
fn route_front(
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
    match invoke(served, event.into_bytes(), false, relay) {
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
fn write_http(
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

fn write(writer: &mut TcpStream, reply: &Reply, close: bool) -> std::io::Result<()> {
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

fn too_large() -> Reply {
    Reply::aws_error(
        413,
        "RequestEntityTooLargeException",
        &format!(
            "Request must be smaller than {MAX_RESPONSE_BYTES} bytes for the InvokeFunction operation"
        ),
    )
}

/// What the request asks for: an invocation, or something this endpoint does not have.
fn route(head: &RequestHead, body: Body, served: &Arc<Served>, relay: &mut Relay<'_>) -> Reply {
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
    if let Err(arn) = served.find(&name, qualifier.as_deref()) {
        return function_not_found(&arn);
    }
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
    match header_or(head, "x-amz-invocation-type", "RequestResponse") {
        "RequestResponse" => match invoke(served, event, tail, relay) {
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
            invoke_async(served, event);
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
fn function_not_found(arn: &str) -> Reply {
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

impl Served {
    /// Whether the Invoke API's function name is the function served: see [`find_function`].
    fn find(&self, name: &str, qualifier: Option<&str>) -> Result<(), String> {
        find_function(name, qualifier, &self.name, &self.arn_prefix)
    }
}

/// Whether the Invoke API's function name (a name, a partial or a full ARN, with or without a
/// qualifier; `qualifier` is the `Qualifier` query parameter) is the function served:
/// `function` (the Runtime Interface Emulator's), `_` (`cargo lambda invoke`'s) or its own name
/// `own`, unqualified or `$LATEST`. Else the ARN Lambda says it did not find, made with
/// `arn_prefix` (`arn:aws:lambda:REGION:ACCOUNT:function:`) unless it was given whole.
fn find_function(
    name: &str,
    qualifier: Option<&str>,
    own: &str,
    arn_prefix: &str,
) -> Result<(), String> {
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
    let known = [RIE_NAME, CARGO_LAMBDA_NAME, own].contains(&function)
        && qualifier.is_none_or(|q| q == report::VERSION);
    if known {
        return Ok(());
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
fn invoke_async(served: &Arc<Served>, event: Vec<u8>) {
    let served = Arc::clone(served);
    let spawned = thread::Builder::new()
        .name("invoke-async".to_owned())
        .spawn(move || {
            loop {
                let mut relay = Relay::detached();
                match invoke(&served, event.clone(), false, &mut relay) {
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

/// Invokes the function, logging the invocation as Lambda does; with `tail`, its log comes
/// back with the report.
fn invoke(
    served: &Served,
    event: Vec<u8>,
    tail: bool,
    relay: &mut Relay<'_>,
) -> Result<Invoked, Failure> {
    let stopping = || {
        served
            .stopping
            .load(Ordering::SeqCst)
            .then(|| Failure::Failed(STOPPING.to_owned()))
    };
    if let Some(refused) = stopping() {
        return Err(refused);
    }
    let tail_of = |log: &LogTail| tail.then(|| log.clone());
    match &served.functions {
        Functions::Queue(queue) => {
            let (function, log) = &**queue;
            let mut function = function.lock().unwrap_or_else(PoisonError::into_inner);
            // Queued behind another invocation while the signal came.
            if let Some(refused) = stopping() {
                return Err(refused);
            }
            invoke_on(&mut function, event, tail_of(log), served.log_format, relay)
        }
        Functions::Instances {
            slots,
            path,
            config,
        } => {
            // A warm, idle process first; else a slot with none yet: a cold start.
            for want_running in [true, false] {
                for slot in slots {
                    let Ok(mut function) = slot.function.try_lock() else {
                        continue;
                    };
                    if function.is_some() != want_running {
                        continue;
                    }
                    if let Some(refused) = stopping() {
                        return Err(refused);
                    }
                    if function.is_none() {
                        let started = Function::start(path, with_tail(config, &slot.tail))
                            .map_err(|e| Failure::Failed(e.to_string()))?;
                        *function = Some(started);
                    }
                    if let Some(function) = function.as_mut() {
                        let log = tail_of(&slot.tail);
                        return invoke_on(function, event, log, served.log_format, relay);
                    }
                }
            }
            Err(Failure::Throttled)
        }
        Functions::Concurrent { jobs, busy, limit } => {
            if busy.fetch_add(1, Ordering::SeqCst) >= *limit {
                busy.fetch_sub(1, Ordering::SeqCst);
                return Err(Failure::Throttled);
            }
            let (reply, outcome) = mpsc::channel();
            let sent = jobs.send(Order::Invoke(Job { event, tail, reply }));
            let result = match sent {
                Ok(()) => outcome
                    .recv()
                    .unwrap_or_else(|_| Err("the function is no longer running".to_owned())),
                Err(_) => Err("the function is no longer running".to_owned()),
            };
            busy.fetch_sub(1, Ordering::SeqCst);
            result.map_err(Failure::Failed)
        }
    }
}

/// One invocation on one process, its log kept in `tail` when given.
fn invoke_on(
    function: &mut Function,
    event: Vec<u8>,
    tail: Option<LogTail>,
    format: LogFormat,
    relay: &mut Relay<'_>,
) -> Result<Invoked, Failure> {
    let platform = log::Platform::of(function);
    let arn = function.function_arn();
    let mut request_id = None;
    let on_start = |id: &str| {
        platform.start(id);
        if let Some(tail) = &tail {
            tail.open(id, &report::start_log(format, id, &arn));
        }
        request_id = Some(id.to_owned());
    };
    match function.invoke_streaming(event, on_start, |p| relay.pass_on(p)) {
        Ok(report) => {
            platform.finish(&report);
            let log = tail.map(|t| t.close(&report.request_id, &report.finish_log(format)));
            Ok(Invoked { report, log })
        }
        Err(e) => {
            if let (Some(tail), Some(id)) = (&tail, &request_id) {
                tail.close(id, &[]);
            }
            log::line(&format!("error: {e}"));
            Err(Failure::Failed(e.to_string()))
        }
    }
}

/// The dispatcher of `--concurrency`: submits each request to the function as it comes, polls
/// it, logs START when an invocation is handed out and END and REPORT when it is answered, and
/// sends each report back to its request. Ends when the server does.
fn dispatch(mut function: Function, tail: &LogTail, incoming: &mpsc::Receiver<Order>) {
    let platform = log::Platform::of(&function);
    let format = function.config().log_format;
    let arn = function.function_arn();
    let mut waiting: HashMap<String, Waiting> = HashMap::new();
    // A log is kept from the submission: lines may come before `poll` reports the hand-out.
    let tail_log = |id: &str| tail.open(id, &report::start_log(format, id, &arn));
    loop {
        if function.outstanding() == 0 {
            // Idle: block until a request comes.
            let Ok(order) = incoming.recv() else { return };
            if !take_order(order, &mut function, &mut waiting, &tail_log) {
                return;
            }
        }
        while let Ok(order) = incoming.try_recv() {
            if !take_order(order, &mut function, &mut waiting, &tail_log) {
                return;
            }
        }
        match function.poll(POLL) {
            Ok(progress) => {
                for p in progress {
                    match p {
                        Progress::Started(id) => platform.start(&id),
                        Progress::Finished(report) => {
                            platform.finish(&report);
                            if let Some(w) = waiting.remove(&report.request_id) {
                                let log = w.tail.then(|| {
                                    tail.close(&report.request_id, &report.finish_log(format))
                                });
                                let report = *report;
                                let _ = w.reply.send(Ok(Invoked { report, log }));
                            }
                        }
                    }
                }
            }
            Err(e) => {
                log::line(&format!("error: {e}"));
                for (id, w) in waiting.drain() {
                    tail.close(&id, &[]);
                    let _ = w.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// A request the dispatcher has submitted, waiting for its report.
struct Waiting {
    tail: bool,
    reply: mpsc::Sender<Result<Invoked, String>>,
}

/// Carries out an order to the dispatcher; whether it goes on.
fn take_order(
    order: Order,
    function: &mut Function,
    waiting: &mut HashMap<String, Waiting>,
    tail_log: &dyn Fn(&str),
) -> bool {
    match order {
        Order::Invoke(job) => {
            let id = function.submit(job.event);
            if job.tail {
                tail_log(&id);
            }
            let waiter = Waiting {
                tail: job.tail,
                reply: job.reply,
            };
            waiting.insert(id, waiter);
            true
        }
        Order::Stop(done) => {
            for (_, w) in waiting.drain() {
                let _ = w.reply.send(Err(STOPPING.to_owned()));
            }
            function.stop();
            let _ = done.send(());
            false
        }
    }
}

/// The signal thread: on the first SIGINT or SIGTERM, stops every runtime (on a thread of its
/// own) and exits 0; on a second one, kills what is left and exits at once.
fn on_signals(mut signals: Signals, served: Arc<Served>) {
    let mut incoming = signals.forever();
    if incoming.next().is_none() {
        return;
    }
    let stopping = thread::Builder::new()
        .name("shutdown".to_owned())
        .spawn(move || {
            if !stop_all(&served) {
                kill_runtimes_left();
            }
            let _ = std::io::Write::flush(&mut std::io::stdout());
            let _ = std::io::Write::flush(&mut std::io::stderr());
            std::process::exit(0);
        });
    if stopping.is_err() {
        kill_runtimes_left();
        std::process::exit(1);
    }
    if let Some(signal) = incoming.next() {
        kill_runtimes_left();
        std::process::exit(128 + signal);
    }
}

/// Ends every runtime as Lambda ends an execution environment, all at once (see
/// [Stopping](self#stopping)); whether each was shut down (else it is still running, busy).
fn stop_all(served: &Served) -> bool {
    served.stopping.store(true, Ordering::SeqCst);
    let grace = Instant::now() + BUSY_GRACE;
    thread::scope(|scope| {
        let mut stops = Vec::new();
        match &served.functions {
            Functions::Queue(queue) => {
                let function = &queue.0;
                stops.push(scope.spawn(move || {
                    let Some(mut function) = lock_within(function, grace) else {
                        return false;
                    };
                    function.stop();
                    true
                }));
            }
            Functions::Instances { slots, .. } => {
                for slot in slots {
                    stops.push(scope.spawn(move || {
                        let Some(mut slot) = lock_within(&slot.function, grace) else {
                            return false;
                        };
                        if let Some(mut function) = slot.take() {
                            function.stop();
                        }
                        true
                    }));
                }
            }
            Functions::Concurrent { jobs, .. } => {
                let (done, stopped) = mpsc::channel();
                if jobs.send(Order::Stop(done)).is_err() {
                    // The dispatcher has ended: its function with it.
                    return true;
                }
                // The dispatcher takes the order between two polls, or after a cold start's
                // init; then the budget, and the runtime's last lines passed on.
                let wait = BUSY_GRACE + served.shutdown_budget + Duration::from_secs(3);
                return stopped.recv_timeout(wait).is_ok();
            }
        }
        let mut all = true;
        for stop in stops {
            all &= stop.join().unwrap_or(false);
        }
        all
    })
}

/// Locks `mutex`, waiting until `deadline` at most.
fn lock_within<T>(mutex: &Mutex<T>, deadline: Instant) -> Option<MutexGuard<'_, T>> {
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() >= deadline => return None,
            Err(TryLockError::WouldBlock) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Kills (SIGKILL) the process group of every runtime of this process still running: the
/// children of this process that lead a group of their own (Linux's `/proc`; the `kill`
/// command, as this crate has no unsafe code to call `kill(2)` itself).
fn kill_runtimes_left() {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if parent_and_group(&stat) == Some((me, pid)) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The parent and the process group of a process, from its `/proc/PID/stat`:
/// `PID (COMM) STATE PPID PGRP …`, where COMM may hold spaces and parentheses.
fn parent_and_group(stat: &str) -> Option<(u32, u32)> {
    let (_, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split(' ').skip(1);
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some((parent, group))
}

/// The log of the invocations that asked for it with `X-Amz-Log-Type: Tail`, for one process:
/// its `START` line, the lines its runtime writes while it runs (after the log level filter of
/// the JSON format, as CloudWatch keeps them), and Lambda's lines that end it (`END` and
/// `REPORT`, or their JSON records). With one invocation at a time the lines are the
/// invocation's own; with `--concurrency` they cannot be told apart, and each open log gets
/// every line written while it is open, as the terminal does.
#[derive(Clone, Default)]
struct LogTail {
    open: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl LogTail {
    /// Starts keeping the log of `request_id`, from its start line.
    fn open(&self, request_id: &str, start: &str) {
        let mut log = start.as_bytes().to_vec();
        log.push(b'\n');
        self.lock().insert(request_id.to_owned(), log);
    }

    /// A line of the runtime's, for every open log.
    fn line(&self, text: &str) {
        let mut open = self.lock();
        for log in open.values_mut() {
            log.extend_from_slice(text.as_bytes());
            log.push(b'\n');
            // Only the end is sent: keep it from growing without bound.
            if log.len() > 4 * TAIL_BYTES {
                let cut = ceil_char_boundary(log, log.len() - TAIL_BYTES);
                log.drain(..cut);
            }
        }
    }

    /// Stops keeping the log of `request_id` and gives its last 4 KB, `finish` lines included
    /// (cut at a character's start, so it stays UTF-8).
    fn close(&self, request_id: &str, finish: &[String]) -> Vec<u8> {
        let mut log = self.lock().remove(request_id).unwrap_or_default();
        for line in finish {
            log.extend_from_slice(line.as_bytes());
            log.push(b'\n');
        }
        let cut = ceil_char_boundary(&log, log.len().saturating_sub(TAIL_BYTES));
        log.split_off(cut)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The first index at or after `at` where a UTF-8 character starts (or the end).
fn ceil_char_boundary(bytes: &[u8], at: usize) -> usize {
    (at..bytes.len())
        .find(|&i| (bytes[i] as i8) >= -0x40)
        .unwrap_or(bytes.len())
}

/// `config` with its runtime's lines passed on to stderr, as the command does, and to `tail`.
fn with_tail(config: &FunctionConfig, tail: &LogTail) -> FunctionConfig {
    let tail = tail.clone();
    FunctionConfig {
        output: Output::lines(move |l| {
            log::line(&l.text);
            tail.line(&l.text);
        }),
        ..config.clone()
    }
}

/// The longest prelude of an HTTP integration reply waited for before the 8 NULs.
const MAX_PRELUDE: usize = 1024 * 1024;

/// Passes a streamed reply on to the HTTP client as it arrives: a chunked response, its head
/// written with the first bytes (after the prelude, for an HTTP integration reply), the error in
/// trailers.
struct Relay<'a> {
    /// The client's connection; none for an asynchronous invocation, which has no client.
    writer: Option<&'a mut TcpStream>,
    /// Whether streamed replies are passed on as they arrive (else they are kept whole).
    enabled: bool,
    /// The response head has been written.
    started: bool,
    /// The client's connection failed: it is closed after the invocation.
    broken: bool,
    /// An HTTP integration reply's bytes until its prelude is complete.
    pending: Vec<u8>,
}

impl<'a> Relay<'a> {
    fn new(writer: &'a mut TcpStream, enabled: bool) -> Self {
        Relay {
            writer: Some(writer),
            enabled,
            started: false,
            broken: false,
            pending: Vec::new(),
        }
    }

    /// For an invocation no client waits for: nothing is passed on.
    fn detached() -> Relay<'static> {
        Relay {
            writer: None,
            enabled: false,
            started: false,
            broken: false,
            pending: Vec::new(),
        }
    }

    /// The client's connection.
    fn writer(&mut self) -> std::io::Result<&mut TcpStream> {
        self.writer
            .as_deref_mut()
            .ok_or_else(|| std::io::Error::other("no client to pass the reply on to"))
    }

    fn pass_on(&mut self, progress: StreamProgress<'_>) {
        if self.broken || !self.enabled {
            return;
        }
        let http_integration = progress.content_type.is_some_and(|ct| {
            ct.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case(stream::HTTP_INTEGRATION_CONTENT_TYPE)
            })
        });
        let written = if self.started {
            self.writer()
                .and_then(|w| http::write_chunk(w, progress.bytes))
        } else if http_integration {
            self.pending.extend_from_slice(progress.bytes);
            let Some((json, body)) = HttpPrelude::split(&self.pending) else {
                if self.pending.len() > MAX_PRELUDE {
                    self.broken = true;
                }
                return;
            };
            let Some(prelude) = HttpPrelude::parse(json) else {
                self.broken = true;
                return;
            };
            let body = body.to_vec();
            let mut headers = prelude.headers.clone();
            headers.extend(
                prelude
                    .cookies
                    .iter()
                    .map(|c| ("Set-Cookie".to_owned(), c.clone())),
            );
            self.start(progress.request_id, prelude.status_code, &headers)
                .and_then(|()| http::write_chunk(self.writer()?, &body))
        } else {
            let content_type = progress
                .content_type
                .unwrap_or("application/octet-stream")
                .to_owned();
            self.start(
                progress.request_id,
                200,
                &[("Content-Type".to_owned(), content_type)],
            )
            .and_then(|()| http::write_chunk(self.writer()?, progress.bytes))
        };
        if written.is_err() {
            self.broken = true;
        }
    }

    /// Writes the head of the chunked response.
    fn start(
        &mut self,
        request_id: &str,
        status: u16,
        headers: &[(String, String)],
    ) -> std::io::Result<()> {
        self.started = true;
        let mut head = format!("HTTP/1.1 {status} {}\r\n", http::reason(status));
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("transfer-encoding")
            {
                continue;
            }
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "X-Amzn-RequestId: {request_id}\r\nX-Amz-Executed-Version: {}\r\n\
             Transfer-Encoding: chunked\r\nTrailer: {}, {}, X-Amz-Function-Error\r\n\r\n",
            report::VERSION,
            headers::FUNCTION_ERROR_TYPE,
            headers::FUNCTION_ERROR_BODY,
        ));
        std::io::Write::write_all(self.writer()?, head.as_bytes())
    }

    /// Ends a streamed response that was started: the last chunk, with the error in trailers
    /// when the function failed.
    fn finish(&mut self, report: &InvocationReport) {
        if !self.started || self.broken {
            return;
        }
        let result = if report.is_success() {
            self.writer().and_then(|w| http::write_last_chunk(w, &[]))
        } else {
            let kind = match &report.outcome {
                ruchy_lambda_local::Outcome::Error(e) | ruchy_lambda_local::Outcome::Failed(e) => {
                    e.kind().to_owned()
                }
                ruchy_lambda_local::Outcome::TimedOut => "Sandbox.Timedout".to_owned(),
                _ => "Runtime.Unknown".to_owned(),
            };
            let body = stream::base64_encode(&report.payload());
            self.writer().and_then(|w| {
                http::write_last_chunk(
                    w,
                    &[
                        (headers::FUNCTION_ERROR_TYPE, &kind),
                        (headers::FUNCTION_ERROR_BODY, &body),
                        ("X-Amz-Function-Error", "Unhandled"),
                    ],
                )
            })
        };
        if result.is_err() {
            self.broken = true;
        }
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
    fn reads_parent_and_group_from_proc_stat() {
        assert_eq!(
            parent_and_group("4242 (boot strap) S 17 4242 4242 0 -1 4194560 0"),
            Some((17, 4242))
        );
        assert_eq!(parent_and_group("7 (a) b) (c) R 1 9 9"), Some((1, 9)));
        assert_eq!(parent_and_group("7 (a)"), None);
        let me = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(parent_and_group(&me).is_some_and(|(parent, _)| parent > 0));
    }

    #[test]
    fn function_names() {
        let prefix = "arn:aws:lambda:us-east-1:012345678912:function:";
        let find =
            |name: &str, qualifier: Option<&str>| find_function(name, qualifier, "orders", prefix);
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
    fn log_tails() {
        let tail = LogTail::default();
        tail.line("before: not kept");
        tail.open("a", "START a");
        tail.line("one");
        tail.open("b", "START b");
        tail.line("two");
        assert_eq!(
            tail.close("a", &["END a".to_owned(), "REPORT a".to_owned()]),
            b"START a\none\ntwo\nEND a\nREPORT a\n"
        );
        tail.line("three");
        assert_eq!(tail.close("b", &[]), b"START b\ntwo\nthree\n");
        assert_eq!(tail.close("unknown", &[]), b"");
        assert!(tail.lock().is_empty());

        // The last 4 KB, from the start of a character; what is held stays bounded.
        tail.open("c", "START c");
        for _ in 0..10_000 {
            tail.line("é and more");
        }
        assert!(tail.lock()["c"].len() <= 4 * TAIL_BYTES + 16);
        let log = tail.close("c", &["REPORT c".to_owned()]);
        assert!(log.len() <= TAIL_BYTES && log.len() > TAIL_BYTES - 4);
        let text = String::from_utf8(log).expect("UTF-8");
        assert!(text.ends_with("é and more\nREPORT c\n"));
        assert_eq!(ceil_char_boundary("aé".as_bytes(), 2), 3);
        assert_eq!(ceil_char_boundary(b"ab", 5), 2);
    }

    #[test]
    fn resolves_hosts() {
        assert_eq!(
            resolve("127.0.0.1", 80).unwrap(),
            "127.0.0.1:80".parse().unwrap()
        );
        assert_eq!(resolve("[::1]", 0).unwrap(), "[::1]:0".parse().unwrap());
        assert!(resolve("localhost", 1).is_ok());
        assert!(matches!(
            resolve("no such host!", 1),
            Err(CliError::Usage(_))
        ));
    }
}
