//! The Lambda Runtime API (version 2018-06-01), served on loopback.
//!
//! Endpoints, under an optional path prefix:
//! - `GET  /2018-06-01/runtime/invocation/next` — long-polls until an event is queued.
//! - `POST /2018-06-01/runtime/invocation/{id}/response` — the function's reply, buffered or
//!   streamed (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked; see
//!   [`crate::stream`]).
//! - `POST /2018-06-01/runtime/invocation/{id}/error` — the function's error.
//! - `POST /2018-06-01/runtime/init/error` — an error during init, before the first `/next`.
//! - With [`ServerConfig::snap_start`] only (a `404` otherwise, as in AWS's Runtime Interface
//!   Emulator): `GET /2018-06-01/runtime/restore/next` — the end of init; held until the
//!   supervisor releases it ([`RuntimeApiServer::release_restore`]), then `200` with no body —
//!   and `POST /2018-06-01/runtime/restore/error` — an error of the after-restore hooks (`202`).
//! - The Extensions API (version 2020-01-01), on the same host and port:
//!   `POST /2020-01-01/extension/register` (`Lambda-Extension-Name`, `{"events":[…]}`; only
//!   during init) and `GET /2020-01-01/extension/event/next` (`Lambda-Extension-Identifier`),
//!   which long-polls for the `INVOKE` events of invocations handed out and for the `SHUTDOWN`
//!   event ([`RuntimeApiServer::deliver_shutdown`]). Refusals are `403` with Lambda's error types
//!   (`Extension.RegistrationClosed`, `Extension.UnknownExtensionIdentifier`, …). Every request
//!   goes into the request log like the runtime's. Lambda lets only external extensions (their
//!   own processes) register for `SHUTDOWN`; this server cannot tell them from internal ones
//!   (threads of the runtime) and accepts it from both.
//!
//! One thread per connection; connections are kept alive. Events are handed out first in,
//! first out, one per `/next`, to at most [`ServerConfig::max_concurrency`] invocations in flight
//! at once (Lambda Managed Instances run several workers, each polling on its own connection).
//!
//! Every event carries a fresh `Lambda-Runtime-Invocation-Id`. A `/response` or `/error` that
//! echoes a different one, or that comes for an invocation that timed out, gets `410 Gone`; one
//! without the header is accepted (runtimes that predate it).
//!
//! Layout: `state` is the invocation state machine (no sockets), `endpoints` applies a request
//! to it and builds the reply, `routes` maps method and path to an endpoint, and `conn` owns the
//! sockets: the accept loop, the per-connection request loop and the fault hooks.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crate::error_report::ErrorReport;
use crate::faults::FaultPlan;
use crate::http::{self, Limits};
use crate::ids;
use crate::invocation::{Event, InvocationRecord, Outcome};
use crate::stream::{MAX_STREAMED_BYTES, StreamBandwidth, StreamRead};

mod conn;
mod endpoints;
mod lifecycle;
mod routes;
mod state;

pub use lifecycle::{DeliveredEvent, Extension, MAX_EXTENSIONS, ShutdownReason};

use state::State;

/// The largest reply Lambda accepts for a buffered (not streamed) invocation: 6 MB.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

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
    pub max_head_bytes: usize,
    /// Scripted misbehaviour, for testing how a runtime copes (see [`FaultPlan`]); default
    /// `None`: the server behaves.
    pub faults: Option<FaultPlan>,
    /// How many invocations may be in flight (handed out, not finished) at once, as
    /// `AWS_LAMBDA_MAX_CONCURRENCY` on Lambda Managed Instances; default 1 (0 counts as 1).
    ///
    /// With 1, a runtime that asks for `/next` again without answering abandons the invocation
    /// it holds ([`Outcome::Abandoned`]), as Lambda does. With N > 1, up to N `/next` requests
    /// (each on its own connection) get events at once, further ones wait until one of the N is
    /// finished, and a `/next` abandons nothing.
    pub max_concurrency: usize,
    /// Send `Lambda-Runtime-Invocation-Id` (a fresh id per hand-out) with every event; default
    /// `true`. Off, a test can check that a runtime does not echo an id it was never sent.
    pub send_invocation_id: bool,
    /// Largest streamed reply passed on; default [`MAX_STREAMED_BYTES`] (200 MiB). Past it the
    /// invocation fails with `Function.ResponseSizeTooLarge`, keeping the bytes up to the limit,
    /// and the runtime gets `413`.
    pub max_streamed_bytes: u64,
    /// The bandwidth cap on streamed replies, reproduced by reading them more slowly; default
    /// `None` (read at full speed). [`StreamBandwidth::LAMBDA`] is Lambda's.
    pub stream_bandwidth: Option<StreamBandwidth>,
    /// Keep the raw bytes of every request as read from the connection (request line, headers,
    /// body with its chunk framing and trailers), for [`RuntimeApiServer::raw_requests`];
    /// default `false`.
    pub capture_raw_requests: bool,
    /// SnapStart: serve `/runtime/restore/next` and `/runtime/restore/error` (else they are
    /// `404`); default `false`.
    pub snap_start: bool,
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
            max_head_bytes: http::DEFAULT_MAX_HEAD_BYTES,
            faults: None,
            max_concurrency: 1,
            send_invocation_id: true,
            max_streamed_bytes: MAX_STREAMED_BYTES,
            stream_bandwidth: None,
            capture_raw_requests: false,
            snap_start: false,
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
    /// The `Lambda-Runtime-Invocation-Id` header the request carried, if any.
    pub invocation_id: Option<String>,
}

/// The bytes of one request as they came off the connection (see
/// [`ServerConfig::capture_raw_requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The connection it came on, numbered from 1 in accept order.
    pub connection: u64,
    /// The request target, or empty when the request line could not be read.
    pub target: String,
    /// Every byte read for it, up to where reading stopped (the end of the request, an error, or
    /// a lost connection).
    pub bytes: Vec<u8>,
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

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RuntimeApiServer {
    /// Binds `config.addr` and starts serving.
    pub fn start(config: ServerConfig) -> io::Result<RuntimeApiServer> {
        let listener = TcpListener::bind(config.addr)?;
        let addr = listener.local_addr()?;
        let prefix = routes::normalize_prefix(&config.path_prefix);
        let mut limits = Limits::with_body(config.max_response_bytes);
        limits.max_head_bytes = config.max_head_bytes;
        let state = State::with_arn(
            config.max_concurrency,
            config.send_invocation_id,
            config.function_arn(),
        );
        let shared = Arc::new(Shared {
            function_arn: config.function_arn(),
            config,
            prefix,
            limits,
            addr,
            state: Mutex::new(state),
            changed: Condvar::new(),
            threads: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("runtime-api-accept".to_owned())
            .spawn(move || conn::accept_loop(&accept_shared, &listener))?;
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
        lock(&self.shared.state).enqueue(id, event, Instant::now());
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
            let record = st.record(request_id)?;
            record.outcome.is_finished().then(|| record.clone())
        })
    }

    /// The record of invocation `request_id`, in whatever state it is.
    pub fn record(&self, request_id: &str) -> Option<InvocationRecord> {
        lock(&self.shared.state).record(request_id).cloned()
    }

    /// Every invocation, in the order queued.
    pub fn records(&self) -> Vec<InvocationRecord> {
        lock(&self.shared.state).records().cloned().collect()
    }

    /// The raw bytes of every request read so far, in the order finished, when
    /// [`ServerConfig::capture_raw_requests`] is on.
    pub fn raw_requests(&self) -> Vec<RawRequest> {
        lock(&self.shared.state).raw.clone()
    }

    /// The bytes of invocation `request_id`'s streamed reply from `offset` on, as far as they
    /// have arrived; `None` if it is unknown or its reply is not (yet) streamed.
    pub fn read_stream(&self, request_id: &str, offset: u64) -> Option<StreamRead> {
        read_stream(&lock(&self.shared.state), request_id, offset)
    }

    /// Waits up to `timeout` until invocation `request_id`'s streamed reply has bytes past
    /// `offset`, or has ended, or the invocation is settled without streaming; then
    /// [`RuntimeApiServer::read_stream`]. `None` on timeout or when the reply is not streamed.
    pub fn wait_stream(
        &self,
        request_id: &str,
        offset: u64,
        timeout: Duration,
    ) -> Option<StreamRead> {
        self.wait_until(timeout, |st| {
            let read = read_stream(st, request_id, offset)?;
            (read.ended || !read.bytes.is_empty()).then_some(read)
        })
    }

    /// Waits up to `timeout` for invocation `request_id` to finish or for new bytes of its
    /// streamed reply past `offset`.
    pub(crate) fn wait_progress(&self, request_id: &str, offset: u64, timeout: Duration) {
        self.wait_until(timeout, |st| {
            let record = st.record(request_id)?;
            let more = record
                .streamed_body()
                .is_some_and(|b| b.len() as u64 > offset);
            (more || record.outcome.is_finished()).then_some(())
        });
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
        lock(&self.shared.state).queued()
    }

    /// Invocations handed out and not yet finished.
    pub fn in_flight(&self) -> usize {
        lock(&self.shared.state).in_flight()
    }

    /// The most invocations that were in flight (handed out and not yet finished) at the same
    /// moment, since the server started or since [`RuntimeApiServer::clear_history`] (which
    /// starts it again from the number in flight then).
    pub fn max_in_flight(&self) -> usize {
        lock(&self.shared.state).max_in_flight()
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

    /// The extensions registered in this sandbox, in registration order.
    pub fn extensions(&self) -> Vec<Extension> {
        lock(&self.shared.state).extensions.list()
    }

    /// Every event handed to an extension (`INVOKE`, `SHUTDOWN`), in every sandbox so far, in
    /// order (until [`RuntimeApiServer::clear_history`]).
    pub fn extension_events(&self) -> Vec<DeliveredEvent> {
        lock(&self.shared.state).extension_events.clone()
    }

    /// Waits up to `timeout` until every registered extension of this sandbox has asked for an
    /// event (Lambda's `Ready`); whether they all have.
    pub fn wait_extensions_ready(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| {
            st.extensions
                .registered
                .iter()
                .all(|r| r.info.ready)
                .then_some(())
        })
        .is_some()
    }

    /// Waits up to `timeout` until at least `count` extensions are registered in this sandbox.
    pub fn wait_for_extensions(&self, count: usize, timeout: Duration) -> Option<Vec<Extension>> {
        self.wait_until(timeout, |st| {
            (st.extensions.registered.len() >= count).then(|| st.extensions.list())
        })
    }

    /// Queues the `SHUTDOWN` event (`shutdownReason` `reason`, `deadlineMs` `deadline`) for every
    /// extension registered for it that has not had it yet, ahead of any event still queued for
    /// it; nothing is handed out to them after it. Returns how many extensions it was queued for.
    pub fn deliver_shutdown(&self, reason: ShutdownReason, deadline: SystemTime) -> usize {
        let count = lock(&self.shared.state)
            .extensions
            .shutdown(reason, lifecycle::epoch_ms(deadline));
        self.shared.changed.notify_all();
        count
    }

    /// Waits up to `timeout` until every `SHUTDOWN` event queued has been handed out; whether it
    /// was.
    pub fn wait_shutdown_delivered(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| {
            (!st.extensions.shutdown_pending()).then_some(())
        })
        .is_some()
    }

    /// When `/runtime/restore/next` arrived in this sandbox (SnapStart): the end of init.
    pub fn restore_next_at(&self) -> Option<Instant> {
        lock(&self.shared.state).restore.next_at
    }

    /// Answers the waiting `/runtime/restore/next` (the snapshot is "restored"): the start of the
    /// restore phase. `false` if none has arrived, or it was already released.
    pub fn release_restore(&self) -> bool {
        let released = {
            let mut st = lock(&self.shared.state);
            if st.restore.next_at.is_none() || st.restore.released_at.is_some() {
                false
            } else {
                st.restore.released_at = Some(Instant::now());
                true
            }
        };
        self.shared.changed.notify_all();
        released
    }

    /// When `/runtime/restore/next` was released in this sandbox.
    pub fn restore_released_at(&self) -> Option<Instant> {
        lock(&self.shared.state).restore.released_at
    }

    /// The error the runtime posted to `/runtime/restore/error` in this sandbox, and when.
    pub fn restore_error(&self) -> Option<(ErrorReport, Instant)> {
        let st = lock(&self.shared.state);
        Some((st.restore.error.clone()?, st.restore.error_at?))
    }

    /// Settles a queued or pending invocation as [`Outcome::TimedOut`]; an answer posted for it
    /// afterwards gets `410 Gone`. `false` if it was already finished or is unknown.
    pub fn mark_timed_out(&self, request_id: &str) -> bool {
        self.settle(request_id, Outcome::TimedOut)
    }

    /// Settles a queued or pending invocation as [`Outcome::Failed`] with the error Lambda gives
    /// the caller. `false` if it was already finished or is unknown.
    pub fn mark_failed(&self, request_id: &str, error: ErrorReport) -> bool {
        self.settle(request_id, Outcome::Failed(error))
    }

    /// Starts a new sandbox, as after the runtime process was stopped: closes every open
    /// connection (they belong to the old process), forgets the first `/next`, the init error,
    /// the restore phase and the registered extensions,
    /// and settles every invocation still in flight as [`Outcome::Abandoned`]. Queued events stay
    /// queued.
    pub fn reset_sandbox(&self) {
        lock(&self.shared.state).reset_sandbox();
        self.shared.changed.notify_all();
    }

    /// Forgets finished invocations, the request log and the extension events (for long runs); the peak of
    /// [`RuntimeApiServer::max_in_flight`] starts again from the invocations in flight now.
    pub fn clear_history(&self) {
        lock(&self.shared.state).clear_history();
    }

    /// Whether invocation `request_id` is finished, and when it was handed out; `None` if unknown.
    pub(crate) fn progress(&self, request_id: &str) -> Option<(bool, Option<Instant>)> {
        let st = lock(&self.shared.state);
        let record = st.record(request_id)?;
        Some((record.outcome.is_finished(), record.handed_out_at))
    }

    /// Waits up to `timeout` for any change (a request handled, an invocation settled).
    pub(crate) fn wait_change(&self, timeout: Duration) {
        let st = lock(&self.shared.state);
        let _ = self.shared.changed.wait_timeout(st, timeout);
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

fn read_stream(st: &State, request_id: &str, offset: u64) -> Option<StreamRead> {
    let record = st.record(request_id)?;
    let body = record.streamed_body()?;
    let stream = record.stream.as_ref()?;
    let from = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(body.len());
    Some(StreamRead {
        bytes: body[from..].to_vec(),
        ended: stream.ended_at.is_some() || record.outcome.is_finished(),
        content_type: stream.content_type.clone(),
    })
}

impl Drop for RuntimeApiServer {
    fn drop(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.changed.notify_all();
        if let Some(accept) = self.accept_thread.take() {
            // Wake the accept loop with a connection of our own; if that fails the thread is left
            // to end with the process rather than hang this drop.
            if TcpStream::connect_timeout(
                &conn::wake_addr(self.shared.addr),
                Duration::from_secs(1),
            )
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
