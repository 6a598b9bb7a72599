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
//! - The metadata endpoint (version 2026-01-15), on the same host and port but at the root
//!   (not under the prefix): `GET /2026-01-15/metadata/execution-environment` with
//!   `Authorization: Bearer <token>` ([`RuntimeApiServer::metadata_token`], fresh for each
//!   server) answers `{"AvailabilityZoneID":"…"}`
//!   ([`ServerConfig::effective_availability_zone_id`]); a missing or wrong token gets `401`.
//!
//! One thread per connection; connections are kept alive. Events are handed out first in,
//! first out, one per `/next`, to at most [`ServerConfig::max_concurrency`] invocations in flight
//! at once (Lambda Managed Instances run several workers, each polling on its own connection).
//!
//! Every event carries a fresh `Lambda-Runtime-Invocation-Id`. A `/response` or `/error` that
//! echoes a different one, or that comes for an invocation that timed out, gets `410 Gone`; one
//! without the header is accepted (runtimes that predate it).
//!
//! Layout: `routes` maps method and path to an endpoint of an API family, and each family is a
//! room with its routes and its endpoints: `runtime_api` (the Runtime API), `extensions_api`
//! (the Extensions API) and `metadata_api` (the metadata endpoint); `dispatch` hands a request
//! to its family and logs it, and `reply` is what an endpoint answers. `state` is the invocation
//! state machine (no sockets), `lifecycle` the restore and extensions state beside it, and
//! `conn` owns the sockets: the accept loop, the per-connection request loop, streamed replies
//! and the fault hooks. The server's own API is in `config`, `invocations`,
//! `execution_environment` and `request_log`.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::http::Limits;

mod config;
mod conn;
mod dispatch;
mod execution_environment;
mod extensions_api;
mod invocations;
mod lifecycle;
mod metadata_api;
mod reply;
mod request_log;
mod routes;
mod runtime_api;
mod state;
mod streamed_response;

pub use config::{MAX_RESPONSE_BYTES, ServerConfig};
pub use lifecycle::{DeliveredEvent, Extension, MAX_EXTENSIONS, ShutdownReason};
pub use metadata_api::{default_availability_zone_id, is_availability_zone_id};
pub use request_log::{RawRequest, RequestLogEntry};

use state::State;

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
    /// The secret a metadata request must carry (`AWS_LAMBDA_METADATA_TOKEN`).
    metadata_token: String,
    /// What the metadata endpoint reports as `AvailabilityZoneID`.
    availability_zone_id: String,
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
            metadata_token: crate::ids::metadata_token(),
            availability_zone_id: config.effective_availability_zone_id(),
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

    /// The value for `AWS_LAMBDA_METADATA_API`: `host:port` as Lambda sets it (the metadata
    /// endpoint is at the root, whatever the prefix).
    pub fn metadata_api(&self) -> String {
        conn::wake_addr(self.shared.addr).to_string()
    }

    /// The value for `AWS_LAMBDA_METADATA_TOKEN`: the secret the metadata endpoint asks for, 64
    /// random hex digits drawn when the server started.
    pub fn metadata_token(&self) -> &str {
        &self.shared.metadata_token
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// Waits up to `timeout` for any change (a request handled, an invocation settled).
    pub(crate) fn wait_change(&self, timeout: Duration) {
        let st = lock(&self.shared.state);
        let _ = self.shared.changed.wait_timeout(st, timeout);
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
