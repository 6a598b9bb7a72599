//! The invocation state machine, with no sockets: events are queued, handed out to `/next`
//! (up to `max_concurrency` at once), answered, or settled by the supervisor; plus what the
//! server remembers of its connections and requests.
//!
//! ```text
//! Queued ──/next──▶ Pending ──/response──▶ Response
//!    ▲                 │     ──/error─────▶ Error
//!    └──not written────┘     ──settled────▶ TimedOut | Failed | Abandoned
//! ```
//!
//! Layout: `queue` takes an invocation from queued to handed out (and settles it), `answers`
//! applies a runtime's `/response` or `/error` (buffered or streamed), and `init` the init and
//! restore reports; the state itself, the request log and a sandbox reset are here.

use crate::headers;
use std::collections::{HashMap, VecDeque};
use std::net::{Shutdown, TcpStream};
use std::time::Instant;

use crate::error_report::ErrorReport;
use crate::http::RequestHead;
use crate::invocation::{InvocationRecord, Outcome};

use super::lifecycle::{DeliveredEvent, Extensions, Restore};
use super::{RawRequest, RequestLogEntry};

mod answers;
mod init;
mod queue;
#[cfg(test)]
mod tests;

pub(super) use answers::Answer;
pub(super) use queue::HandOut;

/// Why an answer (or an init error) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Rejection {
    /// 400 `InvalidRequestID`: an unknown or malformed id, or an invocation in the wrong state.
    InvalidRequestId(String),
    /// 410 `InvocationGone`: the invocation timed out, or the invocation id does not match.
    Gone(String),
    /// 403 `InvalidStateTransition`: an init error after init, or a second one.
    InvalidState(&'static str),
    /// 413: the body is larger than the limit; the length received.
    TooLarge(u64),
    /// The request came from a sandbox that has since been replaced: close without answering.
    StaleSandbox,
}

#[derive(Debug)]
pub(super) struct State {
    /// Invocations allowed in flight (handed out, not finished) at once.
    max_concurrency: usize,
    send_invocation_id: bool,
    records: HashMap<String, InvocationRecord>,
    /// Request ids in the order queued.
    order: Vec<String>,
    queue: VecDeque<String>,
    /// Invocations handed out and not finished, in hand-out order.
    in_flight: Vec<String>,
    /// The most invocations in flight at once since start or [`State::clear_history`].
    max_in_flight: usize,
    pub(super) first_next: Option<Instant>,
    pub(super) init_error: Option<ErrorReport>,
    pub(super) log: Vec<RequestLogEntry>,
    /// Raw request bytes, when captured.
    pub(super) raw: Vec<RawRequest>,
    pub(super) connections_accepted: u64,
    /// Open connections: the sandbox generation each belongs to, and a handle to shut it down.
    pub(super) open: HashMap<u64, (u64, TcpStream)>,
    /// Bumped by [`State::reset_sandbox`]; connections of older generations are closed.
    pub(super) generation: u64,
    pub(super) waiting_next: usize,
    pub(super) shutdown: bool,
    /// The function's ARN, for the `INVOKE` events of extensions.
    function_arn: String,
    /// The extensions of this sandbox.
    pub(super) extensions: Extensions,
    /// SnapStart's restore phase of this sandbox.
    pub(super) restore: Restore,
    /// Every event handed to an extension, in every sandbox.
    pub(super) extension_events: Vec<DeliveredEvent>,
}

impl State {
    #[cfg(test)]
    pub(super) fn new(max_concurrency: usize, send_invocation_id: bool) -> State {
        State::with_arn(max_concurrency, send_invocation_id, String::new())
    }

    /// [`State::new`] for the function `function_arn`.
    pub(super) fn with_arn(
        max_concurrency: usize,
        send_invocation_id: bool,
        function_arn: String,
    ) -> State {
        State {
            max_concurrency: max_concurrency.max(1),
            send_invocation_id,
            records: HashMap::new(),
            order: Vec::new(),
            queue: VecDeque::new(),
            in_flight: Vec::new(),
            max_in_flight: 0,
            first_next: None,
            init_error: None,
            log: Vec::new(),
            raw: Vec::new(),
            connections_accepted: 0,
            open: HashMap::new(),
            generation: 0,
            waiting_next: 0,
            shutdown: false,
            function_arn,
            extensions: Extensions::default(),
            restore: Restore::default(),
            extension_events: Vec::new(),
        }
    }

    /// The one place a [`RequestLogEntry`] is written.
    pub(super) fn log_request(
        &mut self,
        connection: u64,
        head: Option<&RequestHead>,
        status: Option<u16>,
        received_at: Instant,
    ) {
        self.log.push(RequestLogEntry {
            connection,
            method: head.map(|h| h.method.clone()).unwrap_or_default(),
            target: head.map(|h| h.target.clone()).unwrap_or_default(),
            status,
            received_at,
            invocation_id: head
                .and_then(|h| h.header(headers::INVOCATION_ID))
                .map(str::to_owned),
        });
    }

    /// A new sandbox: forgets init, settles every invocation in flight as abandoned and closes
    /// every open connection. Queued events stay queued.
    pub(super) fn reset_sandbox(&mut self) {
        self.generation += 1;
        self.first_next = None;
        self.init_error = None;
        self.extensions = Extensions::default();
        self.restore = Restore::default();
        for id in self.in_flight.clone() {
            self.finish(&id, Outcome::Abandoned);
        }
        for (_, stream) in self.open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Forgets finished invocations and the request log; the peak in flight starts again from
    /// the invocations in flight now.
    pub(super) fn clear_history(&mut self) {
        self.records.retain(|_, r| !r.outcome.is_finished());
        let records = &self.records;
        self.order.retain(|id| records.contains_key(id));
        self.log.clear();
        self.raw.clear();
        self.extension_events.clear();
        self.max_in_flight = self.in_flight.len();
    }
}
