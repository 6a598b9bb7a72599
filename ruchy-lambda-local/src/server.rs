//! The Lambda Runtime API (version 2018-06-01), served on loopback.
//!
//! Endpoints, under an optional path prefix:
//! - `GET  /2018-06-01/runtime/invocation/next` — long-polls until an event is queued.
//! - `POST /2018-06-01/runtime/invocation/{id}/response` — the function's reply.
//! - `POST /2018-06-01/runtime/invocation/{id}/error` — the function's error.
//! - `POST /2018-06-01/runtime/init/error` — an error during init, before the first `/next`.
//!
//! One thread per connection; connections are kept alive. Events are handed out first in,
//! first out, one per `/next`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::faults::{self, FaultPlan, Preempted};
use crate::http::{self, Body, HttpError, Limits, RequestHead};
use crate::ids;
use crate::invocation::{ErrorReport, Event, InvocationRecord, Outcome};

/// The largest reply Lambda accepts for a buffered (not streamed) invocation: 6 MB.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

const API_VERSION: &str = "/2018-06-01/runtime/";
const HEADER_REQUEST_ID: &str = "Lambda-Runtime-Aws-Request-Id";
const HEADER_DEADLINE: &str = "Lambda-Runtime-Deadline-Ms";
const HEADER_FUNCTION_ARN: &str = "Lambda-Runtime-Invoked-Function-Arn";
const HEADER_TRACE_ID: &str = "Lambda-Runtime-Trace-Id";
const HEADER_CLIENT_CONTEXT: &str = "Lambda-Runtime-Client-Context";
const HEADER_COGNITO_IDENTITY: &str = "Lambda-Runtime-Cognito-Identity";
const HEADER_TENANT_ID: &str = "Lambda-Runtime-Aws-Tenant-Id";
const HEADER_ERROR_TYPE: &str = "Lambda-Runtime-Function-Error-Type";
const ACCEPTED_BODY: &[u8] = br#"{"status":"OK"}"#;

/// How the Runtime API server behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub addr: SocketAddr,
    /// Serve the API under this prefix, e.g. `/some/prefix` (as cargo-lambda does); default empty.
    pub path_prefix: String,
    /// The function's name, used in `Lambda-Runtime-Invoked-Function-Arn`.
    pub function_name: String,
    /// Region in the function ARN; default `us-east-1`.
    pub region: String,
    /// Account in the function ARN; default `012345678912`.
    pub account_id: String,
    /// The function timeout: `Lambda-Runtime-Deadline-Ms` is hand-out time plus this.
    pub timeout: Duration,
    /// Largest reply accepted by `/response` (and error bodies); larger ones get 413.
    pub max_response_bytes: usize,
    /// Cap on a request's line plus header section.
    pub max_header_bytes: usize,
    /// Scripted misbehaviour, for testing how a runtime copes (see [`FaultPlan`]); default
    /// `None`: the server behaves.
    pub faults: Option<FaultPlan>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            path_prefix: String::new(),
            function_name: "test_function".to_owned(),
            region: "us-east-1".to_owned(),
            account_id: "012345678912".to_owned(),
            timeout: Duration::from_secs(3),
            max_response_bytes: MAX_RESPONSE_BYTES,
            max_header_bytes: http::DEFAULT_MAX_HEADER_BYTES,
            faults: None,
        }
    }
}

impl ServerConfig {
    /// The function ARN sent in `Lambda-Runtime-Invoked-Function-Arn`.
    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, self.function_name
        )
    }
}

/// One HTTP request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLogEntry {
    /// The connection it came on, numbered from 1 in accept order.
    pub connection: u64,
    /// The method, or empty when the request line could not be read.
    pub method: String,
    /// The request target as sent (path and query), or empty when it could not be read.
    pub target: String,
    /// The status answered, or `None` when the connection was closed without an answer (a
    /// `/next` cut short by shutdown or by a sandbox reset).
    pub status: Option<u16>,
    /// When the request's header section had been read.
    pub received_at: Instant,
}

/// [`RuntimeApiServer::invoke`] gave up waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeTimeout {
    /// The invocation that did not finish in time; it stays queued or pending.
    pub request_id: String,
}

impl fmt::Display for InvokeTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invocation {} did not finish in time", self.request_id)
    }
}

impl std::error::Error for InvokeTimeout {}

/// A local Lambda Runtime API: queue events, let a runtime poll them with `/next`, and see what it
/// answered.
///
/// Dropping the server stops it: it stops accepting, closes every connection (a runtime blocked
/// in `/next` sees its connection closed) and joins its threads.
///
/// ```no_run
/// use ruchy_lambda_local::{Event, RuntimeApiServer, ServerConfig};
/// use std::time::Duration;
///
/// let server = RuntimeApiServer::start(ServerConfig::default())?;
/// // Start a bootstrap with AWS_LAMBDA_RUNTIME_API=server.runtime_api(), then:
/// let record = server.invoke(Event::new(r#"{"n":1}"#), Duration::from_secs(5))?;
/// println!("{:?}", record.outcome);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RuntimeApiServer {
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    config: ServerConfig,
    /// `config.path_prefix` normalized: empty, or `/a/b` without a trailing slash.
    prefix: String,
    function_arn: String,
    limits: Limits,
    addr: SocketAddr,
    state: Mutex<State>,
    changed: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Debug, Default)]
struct State {
    records: HashMap<String, InvocationRecord>,
    /// Request ids in the order queued.
    order: Vec<String>,
    queue: VecDeque<String>,
    /// The invocation handed out last, while it is unanswered.
    current: Option<String>,
    first_next: Option<Instant>,
    init_error: Option<ErrorReport>,
    log: Vec<RequestLogEntry>,
    connections_accepted: u64,
    /// Open connections: the sandbox generation each belongs to, and a handle to shut it down.
    open: HashMap<u64, (u64, TcpStream)>,
    /// Bumped by [`RuntimeApiServer::reset_sandbox`]; connections of older generations are closed.
    generation: u64,
    waiting_next: usize,
    shutdown: bool,
}

impl State {
    fn finish(&mut self, id: &str, outcome: Outcome) -> bool {
        let Some(record) = self.records.get_mut(id) else {
            return false;
        };
        if record.outcome.is_finished() {
            return false;
        }
        if record.outcome == Outcome::Queued {
            self.queue.retain(|q| q != id);
        }
        record.outcome = outcome;
        record.completed_at = Some(Instant::now());
        if self.current.as_deref() == Some(id) {
            self.current = None;
        }
        true
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RuntimeApiServer {
    /// Binds `config.addr` and starts serving.
    pub fn start(config: ServerConfig) -> io::Result<RuntimeApiServer> {
        let listener = TcpListener::bind(config.addr)?;
        let addr = listener.local_addr()?;
        let prefix = normalize_prefix(&config.path_prefix);
        let mut limits = Limits::with_body(config.max_response_bytes);
        limits.header_bytes = config.max_header_bytes;
        let shared = Arc::new(Shared {
            function_arn: config.function_arn(),
            config,
            prefix,
            limits,
            addr,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            threads: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("runtime-api-accept".to_owned())
            .spawn(move || accept_loop(&accept_shared, &listener))?;
        Ok(RuntimeApiServer {
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The value for the runtime's `AWS_LAMBDA_RUNTIME_API`: `host:port` as Lambda sets it, or
    /// `http://host:port/prefix` when the API is served under a prefix.
    pub fn runtime_api(&self) -> String {
        if self.shared.prefix.is_empty() {
            self.shared.addr.to_string()
        } else {
            format!("http://{}{}", self.shared.addr, self.shared.prefix)
        }
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// Queues an event; returns its fresh request id.
    pub fn enqueue(&self, event: impl Into<Event>) -> String {
        let id = ids::request_id();
        self.enqueue_as(id.clone(), event.into());
        id
    }

    /// Queues an event under `id`, a fresh request id from [`ids::request_id`].
    pub(crate) fn enqueue_as(&self, id: String, event: Event) {
        let mut st = lock(&self.shared.state);
        st.records.insert(
            id.clone(),
            InvocationRecord {
                request_id: id.clone(),
                event,
                queued_at: Instant::now(),
                handed_out_at: None,
                deadline_ms: None,
                trace_id: None,
                completed_at: None,
                outcome: Outcome::Queued,
                connection: None,
                answers: 0,
                rejected: 0,
            },
        );
        st.order.push(id.clone());
        st.queue.push_back(id);
        drop(st);
        self.shared.changed.notify_all();
    }

    /// Queues an event and waits up to `timeout` for its outcome.
    pub fn invoke(
        &self,
        event: impl Into<Event>,
        timeout: Duration,
    ) -> Result<InvocationRecord, InvokeTimeout> {
        let request_id = self.enqueue(event);
        self.wait_for(&request_id, timeout)
            .ok_or(InvokeTimeout { request_id })
    }

    /// Waits up to `timeout` for invocation `request_id` to finish (see [`Outcome::is_finished`]);
    /// `None` if it did not, or if there is no such invocation.
    pub fn wait_for(&self, request_id: &str, timeout: Duration) -> Option<InvocationRecord> {
        self.wait_until(timeout, |st| {
            let record = st.records.get(request_id)?;
            record.outcome.is_finished().then(|| record.clone())
        })
    }

    /// The record of invocation `request_id`, in whatever state it is.
    pub fn record(&self, request_id: &str) -> Option<InvocationRecord> {
        lock(&self.shared.state).records.get(request_id).cloned()
    }

    /// Every invocation, in the order queued.
    pub fn records(&self) -> Vec<InvocationRecord> {
        let st = lock(&self.shared.state);
        st.order
            .iter()
            .filter_map(|id| st.records.get(id).cloned())
            .collect()
    }

    /// Every request received, in the order answered (a `/next` is logged when it is answered).
    pub fn request_log(&self) -> Vec<RequestLogEntry> {
        lock(&self.shared.state).log.clone()
    }

    /// Connections accepted since the server started.
    pub fn connections_accepted(&self) -> u64 {
        lock(&self.shared.state).connections_accepted
    }

    /// Connections currently open.
    pub fn open_connections(&self) -> usize {
        lock(&self.shared.state).open.len()
    }

    /// Events queued and not yet handed out.
    pub fn queued(&self) -> usize {
        lock(&self.shared.state).queue.len()
    }

    /// `/next` requests currently blocked waiting for an event.
    pub fn waiting_next(&self) -> usize {
        lock(&self.shared.state).waiting_next
    }

    /// Waits up to `timeout` until at least one `/next` is blocked waiting for an event.
    pub fn wait_for_long_poll(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| (st.waiting_next > 0).then_some(()))
            .is_some()
    }

    /// The error the runtime posted to `/runtime/init/error` in this sandbox, if any.
    pub fn init_error(&self) -> Option<ErrorReport> {
        lock(&self.shared.state).init_error.clone()
    }

    /// When the first `/next` of this sandbox arrived: the end of init.
    pub fn first_next_at(&self) -> Option<Instant> {
        lock(&self.shared.state).first_next
    }

    /// Waits up to `timeout` for the first `/next` of this sandbox; returns when it arrived.
    pub fn wait_for_first_next(&self, timeout: Duration) -> Option<Instant> {
        self.wait_until(timeout, |st| st.first_next)
    }

    /// Settles a queued or pending invocation as [`Outcome::TimedOut`]; an answer posted for it
    /// afterwards gets 400. `false` if it was already finished or is unknown.
    pub fn mark_timed_out(&self, request_id: &str) -> bool {
        self.settle(request_id, Outcome::TimedOut)
    }

    /// Settles a queued or pending invocation as [`Outcome::Failed`] with the error Lambda gives
    /// the caller. `false` if it was already finished or is unknown.
    pub fn mark_failed(&self, request_id: &str, error: ErrorReport) -> bool {
        self.settle(request_id, Outcome::Failed(error))
    }

    /// Starts a new sandbox, as after the runtime process was stopped: closes every open
    /// connection (they belong to the old process), forgets the first `/next` and the init error,
    /// and settles a still-pending invocation as [`Outcome::Abandoned`]. Queued events stay queued.
    pub fn reset_sandbox(&self) {
        let mut st = lock(&self.shared.state);
        st.generation += 1;
        st.first_next = None;
        st.init_error = None;
        if let Some(current) = st.current.clone() {
            st.finish(&current, Outcome::Abandoned);
        }
        for (_, stream) in st.open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        drop(st);
        self.shared.changed.notify_all();
    }

    /// Forgets finished invocations and the request log (for long runs).
    pub fn clear_history(&self) {
        let mut st = lock(&self.shared.state);
        st.records.retain(|_, r| !r.outcome.is_finished());
        let State { order, records, .. } = &mut *st;
        order.retain(|id| records.contains_key(id));
        st.log.clear();
    }

    /// Whether invocation `request_id` is finished, and when it was handed out; `None` if unknown.
    pub(crate) fn progress(&self, request_id: &str) -> Option<(bool, Option<Instant>)> {
        let st = lock(&self.shared.state);
        let record = st.records.get(request_id)?;
        Some((record.outcome.is_finished(), record.handed_out_at))
    }

    /// Like [`RuntimeApiServer::wait_for`] without copying the record.
    pub(crate) fn wait_finished(&self, request_id: &str, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| {
            st.records
                .get(request_id)
                .is_none_or(|r| r.outcome.is_finished())
                .then_some(())
        })
        .is_some()
    }

    fn settle(&self, request_id: &str, outcome: Outcome) -> bool {
        let settled = lock(&self.shared.state).finish(request_id, outcome);
        self.shared.changed.notify_all();
        settled
    }

    fn wait_until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut st = lock(&self.shared.state);
        loop {
            if let Some(found) = check(&st) {
                return Some(found);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            st = self
                .shared
                .changed
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

impl Drop for RuntimeApiServer {
    fn drop(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.changed.notify_all();
        if let Some(accept) = self.accept_thread.take() {
            // Wake the accept loop with a connection of our own; if that fails the thread is left
            // to end with the process rather than hang this drop.
            if TcpStream::connect_timeout(&wake_addr(self.shared.addr), Duration::from_secs(1))
                .is_ok()
            {
                let _ = accept.join();
            }
        }
        {
            let st = lock(&self.shared.state);
            for (_, stream) in st.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        self.shared.changed.notify_all();
        let threads = std::mem::take(
            &mut *self
                .shared
                .threads
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        for t in threads {
            let _ = t.join();
        }
    }
}

/// The address to connect to in order to reach a listener bound to `addr`.
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut to = addr;
    if addr.ip().is_unspecified() {
        to.set_ip(match addr {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    to
}

fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) if lock(&shared.state).shutdown => return,
            Err(_) => {
                // Out of descriptors or similar: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let mut st = lock(&shared.state);
        if st.shutdown {
            return;
        }
        st.connections_accepted += 1;
        let conn = st.connections_accepted;
        let generation = st.generation;
        match stream.try_clone() {
            Ok(handle) => {
                st.open.insert(conn, (generation, handle));
            }
            Err(_) => continue,
        }
        drop(st);
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("runtime-api-conn-{conn}"))
            .spawn(move || serve_connection(&conn_shared, stream, conn, generation));
        match spawned {
            Ok(handle) => {
                let mut threads = shared.threads.lock().unwrap_or_else(|p| p.into_inner());
                threads.retain(|t| !t.is_finished());
                threads.push(handle);
            }
            Err(_) => {
                if let Some((_, s)) = lock(&shared.state).open.remove(&conn) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

/// What to do after handling one request.
enum Reply {
    /// Write this response. `handed_out` names the invocation a `/next` response carries.
    Send {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
        handed_out: Option<String>,
    },
    /// Close the connection without answering.
    Close,
}

impl Reply {
    fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply::Send {
            status,
            headers: Vec::new(),
            body,
            handed_out: None,
        }
    }

    fn error(status: u16, error_type: &str, message: &str) -> Reply {
        Reply::json(status, ErrorReport::lambda(Some(error_type), message).body)
    }

    fn status(&self) -> Option<u16> {
        match self {
            Reply::Send { status, .. } => Some(*status),
            Reply::Close => None,
        }
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream, conn: u64, generation: u64) {
    let _ = stream.set_nodelay(true);
    if let Ok(read_half) = stream.try_clone() {
        let mut reader = BufReader::with_capacity(64 * 1024, read_half);
        serve_requests(shared, &mut reader, &stream, conn, generation);
    }
    let _ = stream.shutdown(Shutdown::Both);
    lock(&shared.state).open.remove(&conn);
}

fn serve_requests(
    shared: &Shared,
    reader: &mut BufReader<TcpStream>,
    stream: &TcpStream,
    conn: u64,
    generation: u64,
) {
    let mut writer = stream;
    loop {
        let head = match http::read_head(reader, &shared.limits) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => return reject(shared, &mut writer, conn, None, &e),
        };
        let received_at = Instant::now();
        if head.expects_continue() && http::write_continue(&mut writer).is_err() {
            return;
        }
        let body = match http::read_body(reader, &head, &shared.limits) {
            Ok(body) => body,
            Err(e) => return reject(shared, &mut writer, conn, Some(&head), &e),
        };
        let keep_alive = head.keep_alive();
        let fault = (shared.config.faults.as_ref()).and_then(|plan| plan.take(head.path()));
        if let Some(fault) = &fault {
            if let Preempted::Yes { status, keep_open } =
                faults::before_handling(fault, &mut writer, keep_alive)
            {
                lock(&shared.state).log.push(RequestLogEntry {
                    connection: conn,
                    method: head.method.clone(),
                    target: head.target.clone(),
                    status,
                    received_at,
                });
                if keep_open {
                    continue;
                }
                return;
            }
        }
        let reply = shared.handle(conn, generation, &head, body, received_at, stream);
        let Reply::Send {
            status,
            headers,
            body,
            handed_out,
        } = reply
        else {
            return;
        };
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let written = match &fault {
            None => http::write_response(
                &mut writer,
                status,
                Some("application/json"),
                &headers,
                &body,
                !keep_alive,
            )
            .map(|()| keep_alive),
            Some(fault) => {
                faults::write_response(fault, &mut writer, status, &headers, &body, !keep_alive)
            }
        };
        match written {
            Ok(true) => {}
            Ok(false) => return,
            Err(_) => {
                if let Some(id) = handed_out {
                    shared.requeue(&id);
                }
                return;
            }
        }
    }
}

/// Answers a request that could not be read (when the connection still can be written to),
/// logs it, and lets the caller close the connection.
fn reject(
    shared: &Shared,
    writer: &mut &TcpStream,
    conn: u64,
    head: Option<&RequestHead>,
    error: &HttpError,
) {
    let Some(status) = error.status() else {
        return;
    };
    lock(&shared.state).log.push(RequestLogEntry {
        connection: conn,
        method: head.map(|h| h.method.clone()).unwrap_or_default(),
        target: head.map(|h| h.target.clone()).unwrap_or_default(),
        status: Some(status),
        received_at: Instant::now(),
    });
    let error_type = if status == 413 {
        "RequestEntityTooLarge"
    } else {
        "InvalidRequest"
    };
    let body = ErrorReport::lambda(Some(error_type), &error.to_string()).body;
    let _ = http::write_response(writer, status, Some("application/json"), &[], &body, true);
}

/// A Runtime API endpoint, from the method and path of a request.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Next,
    Response(&'a str),
    Error(&'a str),
    InitError,
    /// A known path with the wrong method; the method it takes.
    WrongMethod(&'static str),
    NotFound,
}

fn route<'a>(prefix: &str, method: &str, path: &'a str) -> Route<'a> {
    let Some(rest) = path
        .strip_prefix(prefix)
        .and_then(|p| p.strip_prefix(API_VERSION))
    else {
        return Route::NotFound;
    };
    let mut parts = rest.split('/');
    let parts = (parts.next(), parts.next(), parts.next(), parts.next());
    let (route, allowed) = match parts {
        (Some("invocation"), Some("next"), None, None) => (Route::Next, "GET"),
        (Some("init"), Some("error"), None, None) => (Route::InitError, "POST"),
        (Some("invocation"), Some(id), Some("response"), None) => (Route::Response(id), "POST"),
        (Some("invocation"), Some(id), Some("error"), None) => (Route::Error(id), "POST"),
        _ => return Route::NotFound,
    };
    if method == allowed {
        route
    } else {
        Route::WrongMethod(allowed)
    }
}

impl Shared {
    fn handle(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        body: Body,
        received_at: Instant,
        stream: &TcpStream,
    ) -> Reply {
        let route = route(&self.prefix, &head.method, head.path());
        if route == Route::Next {
            return self.next(conn, generation, head, received_at, stream);
        }
        // The state change and its log entry are made under one lock, so that whoever sees the
        // one sees the other.
        let mut st = lock(&self.state);
        let reply = match route {
            Route::Next => Reply::Close, // answered above
            Route::Response(id) => self.answer(&mut st, generation, id, body, None),
            Route::Error(id) => {
                let error_type = head.header(HEADER_ERROR_TYPE).map(str::to_owned);
                self.answer(&mut st, generation, id, body, Some(error_type))
            }
            Route::InitError => {
                let error_type = head.header(HEADER_ERROR_TYPE).map(str::to_owned);
                self.init_error(&mut st, generation, body, error_type)
            }
            Route::WrongMethod(allowed) => Reply::Send {
                status: 405,
                headers: vec![("Allow", allowed.to_owned())],
                body: ErrorReport::lambda(Some("MethodNotAllowed"), "Method not allowed").body,
                handed_out: None,
            },
            Route::NotFound => Reply::error(404, "NotFound", "Not found"),
        };
        st.log.push(RequestLogEntry {
            connection: conn,
            method: head.method.clone(),
            target: head.target.clone(),
            status: reply.status(),
            received_at,
        });
        drop(st);
        self.changed.notify_all();
        reply
    }

    /// `GET /runtime/invocation/next`
    fn next(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        received_at: Instant,
        stream: &TcpStream,
    ) -> Reply {
        let mut st = lock(&self.state);
        let log = |st: &mut State, status: Option<u16>| {
            st.log.push(RequestLogEntry {
                connection: conn,
                method: head.method.clone(),
                target: head.target.clone(),
                status,
                received_at,
            });
        };
        if st.shutdown || st.generation != generation {
            log(&mut st, None);
            return Reply::Close;
        }
        st.first_next.get_or_insert(received_at);
        if let Some(current) = st.current.clone() {
            // Asking again without answering: Lambda considers the previous invocation lost.
            st.finish(&current, Outcome::Abandoned);
        }
        self.changed.notify_all();
        st.waiting_next += 1;
        loop {
            if st.shutdown
                || st.generation != generation
                || (!st.queue.is_empty() && peer_closed(stream))
            {
                st.waiting_next -= 1;
                log(&mut st, None);
                return Reply::Close;
            }
            if let Some(id) = st.queue.pop_front() {
                st.waiting_next -= 1;
                let reply = self.hand_out(&mut st, &id, conn);
                log(&mut st, Some(200));
                drop(st);
                self.changed.notify_all();
                return reply;
            }
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn hand_out(&self, st: &mut State, id: &str, conn: u64) -> Reply {
        st.current = Some(id.to_owned());
        let Some(record) = st.records.get_mut(id) else {
            return Reply::Close;
        };
        let deadline = ids::epoch_millis() + self.config.timeout.as_millis() as u64;
        let trace_id = record.event.trace_id.clone().unwrap_or_else(ids::trace_id);
        record.handed_out_at = Some(Instant::now());
        record.deadline_ms = Some(deadline);
        record.trace_id = Some(trace_id.clone());
        record.outcome = Outcome::Pending;
        record.connection = Some(conn);
        let event = &record.event;
        let mut headers = vec![
            (HEADER_REQUEST_ID, id.to_owned()),
            (HEADER_DEADLINE, deadline.to_string()),
            (HEADER_FUNCTION_ARN, self.function_arn.clone()),
            (HEADER_TRACE_ID, trace_id),
        ];
        let optional = [
            (HEADER_CLIENT_CONTEXT, &event.client_context),
            (HEADER_COGNITO_IDENTITY, &event.cognito_identity),
            (HEADER_TENANT_ID, &event.tenant_id),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                headers.push((name, value.clone()));
            }
        }
        Reply::Send {
            status: 200,
            headers,
            body: event.body.clone(),
            handed_out: Some(id.to_owned()),
        }
    }

    /// The `/next` response for `id` could not be written: the runtime never got it, so it goes
    /// back to the front of the queue.
    fn requeue(&self, id: &str) {
        let mut st = lock(&self.state);
        let st = &mut *st;
        let Some(record) = st.records.get_mut(id) else {
            return;
        };
        if record.outcome == Outcome::Pending {
            record.outcome = Outcome::Queued;
            record.handed_out_at = None;
            record.deadline_ms = None;
            record.connection = None;
            st.queue.push_front(id.to_owned());
            if st.current.as_deref() == Some(id) {
                st.current = None;
            }
        }
        self.changed.notify_all();
    }

    /// `POST /runtime/invocation/{id}/response` (`error_type` is `None`) and
    /// `POST /runtime/invocation/{id}/error` (`Some(header)`).
    fn answer(
        &self,
        st: &mut State,
        generation: u64,
        id: &str,
        body: Body,
        error_type: Option<Option<String>>,
    ) -> Reply {
        if !ids::is_valid_request_id(id) {
            return Reply::error(400, "InvalidRequestID", "Invalid request ID");
        }
        if st.generation != generation {
            return Reply::Close;
        }
        let Some(record) = st.records.get_mut(id) else {
            return Reply::error(
                400,
                "InvalidRequestID",
                &format!("Invalid request ID: {id}"),
            );
        };
        let problem = match record.outcome {
            Outcome::Pending => None,
            Outcome::Queued => Some("has not been handed out"),
            Outcome::TimedOut => Some("timed out"),
            Outcome::Response(_) | Outcome::Error(_) => Some("was already answered"),
            Outcome::Failed(_) | Outcome::Abandoned => Some("is no longer in progress"),
        };
        if let Some(problem) = problem {
            record.rejected += 1;
            return Reply::error(
                400,
                "InvalidRequestID",
                &format!("Invocation {id} {problem}"),
            );
        }
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => {
                // The invocation stays pending: the runtime can still report an error for it.
                record.rejected += 1;
                return self.too_large(len);
            }
        };
        record.answers += 1;
        let outcome = match error_type {
            None => Outcome::Response(bytes),
            Some(header) => Outcome::Error(ErrorReport::parse(bytes, header)),
        };
        st.finish(id, outcome);
        Reply::json(202, ACCEPTED_BODY.to_vec())
    }

    /// `POST /runtime/init/error`
    fn init_error(
        &self,
        st: &mut State,
        generation: u64,
        body: Body,
        error_type: Option<String>,
    ) -> Reply {
        if st.generation != generation {
            return Reply::Close;
        }
        if st.first_next.is_some() || st.init_error.is_some() {
            let message = if st.first_next.is_some() {
                "Init error reported after the runtime asked for an invocation"
            } else {
                "Init error already reported"
            };
            return Reply::error(403, "InvalidStateTransition", message);
        }
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => return self.too_large(len),
        };
        st.init_error = Some(ErrorReport::parse(bytes, error_type));
        Reply::json(202, ACCEPTED_BODY.to_vec())
    }

    fn too_large(&self, len: u64) -> Reply {
        let message = format!(
            "Exceeded maximum allowed payload size ({} bytes): received {len} bytes.",
            self.config.max_response_bytes
        );
        Reply::error(413, "RequestEntityTooLarge", &message)
    }
}

/// Whether the peer has closed `stream` (checked without blocking, before handing it an event).
fn peer_closed(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let closed = match stream.peek(&mut [0u8; 1]) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    closed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let p = "/2018-06-01/runtime";
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/next")),
            Route::Next
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/next")),
            Route::WrongMethod("GET")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/ab-1/response")),
            Route::Response("ab-1")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/ab-1/error")),
            Route::Error("ab-1")
        );
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/ab-1/error")),
            Route::WrongMethod("POST")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/init/error")),
            Route::InitError
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation//response")),
            Route::Response("")
        );
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/next/")),
            Route::NotFound
        );
        assert_eq!(
            route("", "GET", "/2018-06-01/runtime/next"),
            Route::NotFound
        );
        assert_eq!(
            route("/x", "GET", &format!("/x{p}/invocation/next")),
            Route::Next
        );
        assert_eq!(
            route("/x", "GET", &format!("{p}/invocation/next")),
            Route::NotFound
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(normalize_prefix(""), "");
        assert_eq!(normalize_prefix("/"), "");
        assert_eq!(normalize_prefix("a/b/"), "/a/b");
        assert_eq!(normalize_prefix("/a"), "/a");
    }
}
