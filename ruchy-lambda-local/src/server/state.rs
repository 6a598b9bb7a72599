//! The invocation state machine, with no sockets: events are queued, handed out to `/next`
//! (up to `max_concurrency` at once), answered, or settled by the supervisor; plus what the
//! server remembers of its connections and requests.
//!
//! ```text
//! Queued ──/next──▶ Pending ──/response──▶ Response
//!    ▲                 │     ──/error─────▶ Error
//!    └──not written────┘     ──settled────▶ TimedOut | Failed | Abandoned
//! ```

use crate::headers;
use std::collections::{HashMap, VecDeque};
use std::net::{Shutdown, TcpStream};
use std::time::Instant;

use crate::error_report::ErrorReport;
use crate::http::{Body, RequestHead};
use crate::ids;
use crate::invocation::{Event, InvocationRecord, Outcome};
use crate::stream::StreamRecord;

use super::lifecycle::{DeliveredEvent, Extensions, Restore};
use super::{RawRequest, RequestLogEntry};

/// What a runtime posted for an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// `POST /runtime/invocation/{id}/response`.
    Response,
    /// `POST /runtime/invocation/{id}/error`, with its `Lambda-Runtime-Function-Error-Type`.
    Error {
        /// The error type header, if sent.
        error_type: Option<String>,
    },
}

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

/// An invocation just handed out: what the `/next` response carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HandOut {
    pub(super) request_id: String,
    pub(super) deadline_ms: u64,
    pub(super) trace_id: String,
    pub(super) invocation_id: Option<String>,
    pub(super) event: Event,
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

    pub(super) fn enqueue(&mut self, id: String, event: Event, now: Instant) {
        self.records.insert(
            id.clone(),
            InvocationRecord {
                request_id: id.clone(),
                event,
                queued_at: now,
                handed_out_at: None,
                deadline_ms: None,
                trace_id: None,
                invocation_id: None,
                completed_at: None,
                outcome: Outcome::Queued,
                connection: None,
                answers: 0,
                rejected: 0,
                stream: None,
            },
        );
        self.order.push(id.clone());
        self.queue.push_back(id);
    }

    pub(super) fn record(&self, id: &str) -> Option<&InvocationRecord> {
        self.records.get(id)
    }

    pub(super) fn records(&self) -> impl Iterator<Item = &InvocationRecord> {
        self.order.iter().filter_map(|id| self.records.get(id))
    }

    pub(super) fn queued(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub(super) fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// A `/next` arrived from a runtime of sandbox `generation`. `false` when it cannot be served
    /// (shutting down, or the sandbox was replaced). Marks the end of init; with a concurrency
    /// of 1, abandons the invocation the runtime did not answer before asking again.
    pub(super) fn next_arrived(&mut self, generation: u64, at: Instant) -> bool {
        if self.shutdown || self.generation != generation {
            return false;
        }
        self.first_next.get_or_insert(at);
        // Init is over: extensions can no longer register.
        self.extensions.closed = true;
        if self.max_concurrency == 1 {
            for id in self.in_flight.clone() {
                self.finish(&id, Outcome::Abandoned);
            }
        }
        true
    }

    /// Whether a waiting `/next` can be given an event now.
    pub(super) fn can_hand_out(&self) -> bool {
        !self.queue.is_empty() && self.in_flight.len() < self.max_concurrency
    }

    /// Hands the first queued event out on connection `conn`, with the deadline `timeout_ms`
    /// from now.
    pub(super) fn hand_out(&mut self, conn: u64, timeout_ms: u64) -> Option<HandOut> {
        if !self.can_hand_out() {
            return None;
        }
        let id = self.queue.pop_front()?;
        let record = self.records.get_mut(&id)?;
        let deadline_ms = ids::epoch_millis() + timeout_ms;
        let trace_id = record.event.trace_id.clone().unwrap_or_else(ids::trace_id);
        let invocation_id = self.send_invocation_id.then(ids::invocation_id);
        record.handed_out_at = Some(Instant::now());
        record.deadline_ms = Some(deadline_ms);
        record.trace_id = Some(trace_id.clone());
        record.invocation_id = invocation_id.clone();
        record.outcome = Outcome::Pending;
        record.connection = Some(conn);
        let hand_out = HandOut {
            request_id: id.clone(),
            deadline_ms,
            trace_id,
            invocation_id,
            event: record.event.clone(),
        };
        self.in_flight.push(id);
        self.max_in_flight = self.max_in_flight.max(self.in_flight.len());
        self.extensions.invoke(
            &hand_out.request_id,
            deadline_ms,
            &self.function_arn,
            &hand_out.trace_id,
        );
        Some(hand_out)
    }

    /// The `/next` response for `id` could not be written: the runtime never got it, so it goes
    /// back to the front of the queue.
    pub(super) fn requeue(&mut self, id: &str) {
        let Some(record) = self.records.get_mut(id) else {
            return;
        };
        if record.outcome == Outcome::Pending {
            record.outcome = Outcome::Queued;
            record.handed_out_at = None;
            record.deadline_ms = None;
            record.invocation_id = None;
            record.connection = None;
            record.stream = None;
            self.queue.push_front(id.to_owned());
            self.in_flight.retain(|i| i != id);
        }
    }

    /// Settles a queued or pending invocation; `false` if it is unknown or already finished.
    pub(super) fn finish(&mut self, id: &str, outcome: Outcome) -> bool {
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
        self.in_flight.retain(|i| i != id);
        true
    }

    /// Whether invocation `id` may be answered now by a runtime of sandbox `generation` that
    /// sent the `Lambda-Runtime-Invocation-Id` header `invocation_id` (if any); counts a refusal.
    fn check_answer(
        &mut self,
        generation: u64,
        id: &str,
        invocation_id: Option<&str>,
    ) -> Result<&mut InvocationRecord, Rejection> {
        if !ids::is_valid_request_id(id) {
            return Err(Rejection::InvalidRequestId("Invalid request ID".to_owned()));
        }
        if self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        let Some(record) = self.records.get_mut(id) else {
            return Err(Rejection::InvalidRequestId(format!(
                "Invalid request ID: {id}"
            )));
        };
        let rejection = match &record.outcome {
            Outcome::Queued => Some(Rejection::InvalidRequestId(format!(
                "Invocation {id} has not been handed out"
            ))),
            _ if invocation_id.is_some() && invocation_id != record.invocation_id.as_deref() => {
                Some(Rejection::Gone(format!(
                    "Invocation id {} does not match invocation {id}",
                    invocation_id.unwrap_or_default()
                )))
            }
            Outcome::Pending if record.stream.is_some() => Some(Rejection::InvalidRequestId(
                format!("Invocation {id} is already streaming a response"),
            )),
            Outcome::Pending => None,
            Outcome::TimedOut => Some(Rejection::Gone(format!("Invocation {id} timed out"))),
            Outcome::Response(_) | Outcome::Error(_) => Some(Rejection::InvalidRequestId(format!(
                "Invocation {id} was already answered"
            ))),
            Outcome::Failed(_) | Outcome::Abandoned => Some(Rejection::InvalidRequestId(format!(
                "Invocation {id} is no longer in progress"
            ))),
        };
        if let Some(rejection) = rejection {
            record.rejected += 1;
            return Err(rejection);
        }
        Ok(record)
    }

    /// An answer from a runtime of sandbox `generation` for invocation `id`, carrying the
    /// `Lambda-Runtime-Invocation-Id` header `invocation_id` (if sent).
    pub(super) fn answer(
        &mut self,
        generation: u64,
        id: &str,
        invocation_id: Option<&str>,
        body: Body,
        answer: Answer,
    ) -> Result<(), Rejection> {
        let record = self.check_answer(generation, id, invocation_id)?;
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => {
                // The invocation stays pending: the runtime can still report an error for it.
                record.rejected += 1;
                return Err(Rejection::TooLarge(len));
            }
        };
        record.answers += 1;
        let outcome = match answer {
            Answer::Response => Outcome::Response(bytes),
            Answer::Error { error_type } => Outcome::Error(ErrorReport::parse(bytes, error_type)),
        };
        self.finish(id, outcome);
        Ok(())
    }

    /// A streamed `/response` begins for invocation `id` (checked as [`State::answer`] checks).
    pub(super) fn begin_stream(
        &mut self,
        generation: u64,
        id: &str,
        invocation_id: Option<&str>,
        content_type: Option<String>,
        at: Instant,
    ) -> Result<(), Rejection> {
        let record = self.check_answer(generation, id, invocation_id)?;
        record.answers += 1;
        record.stream = Some(StreamRecord::new(content_type, at));
        Ok(())
    }

    /// The stream of invocation `id`, while it may still receive bytes: the invocation is
    /// pending (not settled by a timeout or a reset meanwhile).
    pub(super) fn open_stream(&mut self, id: &str) -> Option<&mut StreamRecord> {
        let record = self.records.get_mut(id)?;
        if record.outcome != Outcome::Pending {
            return None;
        }
        record.stream.as_mut()
    }

    /// Ends the stream of invocation `id` with `outcome` (the bytes move into a
    /// [`Outcome::Response`]); `false` if the invocation was settled meanwhile.
    pub(super) fn end_stream(&mut self, id: &str, outcome: Outcome, at: Instant) -> bool {
        let Some(stream) = self.open_stream(id) else {
            if let Some(stream) = self.records.get_mut(id).and_then(|r| r.stream.as_mut()) {
                stream.ended_at.get_or_insert(at);
            }
            return false;
        };
        stream.ended_at = Some(at);
        let outcome = match outcome {
            Outcome::Response(_) => Outcome::Response(std::mem::take(&mut stream.body)),
            other => other,
        };
        let settled = self.finish(id, outcome);
        if let Some(record) = self.records.get_mut(id).filter(|_| settled) {
            // Duration ends at the last chunk.
            record.completed_at = Some(at);
        }
        settled
    }

    /// `POST /runtime/init/error` from a runtime of sandbox `generation`.
    pub(super) fn init_error(
        &mut self,
        generation: u64,
        body: Body,
        error_type: Option<String>,
    ) -> Result<(), Rejection> {
        if self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        if self.first_next.is_some() || self.restore.next_at.is_some() {
            return Err(Rejection::InvalidState(
                "Init error reported after the runtime asked for an invocation",
            ));
        }
        if self.init_error.is_some() {
            return Err(Rejection::InvalidState("Init error already reported"));
        }
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => return Err(Rejection::TooLarge(len)),
        };
        self.init_error = Some(ErrorReport::parse(bytes, error_type));
        Ok(())
    }

    /// `GET /runtime/restore/next` from a runtime of sandbox `generation`, at `at`: the end of
    /// init under SnapStart. Refused after an earlier `/restore/next` or `/invocation/next`.
    pub(super) fn restore_next_arrived(
        &mut self,
        generation: u64,
        at: Instant,
    ) -> Result<(), Rejection> {
        if self.shutdown || self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        if self.first_next.is_some() || self.restore.next_at.is_some() {
            return Err(Rejection::InvalidState(
                "State transition from Ready to RestoreReady failed for runtime. Error: \
                 the runtime has already finished init",
            ));
        }
        if self.init_error.is_some() {
            return Err(Rejection::InvalidState(
                "State transition from InitError to RestoreReady failed for runtime. Error: \
                 init already failed",
            ));
        }
        self.restore.next_at = Some(at);
        self.extensions.closed = true;
        Ok(())
    }

    /// `POST /runtime/restore/error` from a runtime of sandbox `generation`: allowed while
    /// restoring (after `/restore/next` was answered, before the first `/invocation/next`),
    /// once.
    pub(super) fn restore_error(
        &mut self,
        generation: u64,
        body: Body,
        error_type: Option<String>,
    ) -> Result<(), Rejection> {
        if self.generation != generation {
            return Err(Rejection::StaleSandbox);
        }
        if self.restore.released_at.is_none()
            || self.first_next.is_some()
            || self.restore.error.is_some()
        {
            return Err(Rejection::InvalidState(
                "State transition to RestoreError failed for runtime. Error: \
                 not restoring",
            ));
        }
        let bytes = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => return Err(Rejection::TooLarge(len)),
        };
        self.restore.error = Some(ErrorReport::parse(bytes, error_type));
        self.restore.error_at = Some(Instant::now());
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn state(max_concurrency: usize) -> State {
        State::new(max_concurrency, true)
    }

    fn queue(st: &mut State, body: &str) -> String {
        let id = ids::request_id();
        st.enqueue(id.clone(), Event::new(body), Instant::now());
        id
    }

    fn body(bytes: &[u8]) -> Body {
        Body::Complete(bytes.to_vec())
    }

    #[test]
    fn hands_out_in_order_and_records_the_answer() {
        let mut st = state(1);
        let a = queue(&mut st, "a");
        let b = queue(&mut st, "b");
        assert!(st.next_arrived(0, Instant::now()));
        let out = st.hand_out(7, 3000).unwrap();
        assert_eq!(
            (out.request_id.as_str(), out.event.body.as_slice()),
            (a.as_str(), &b"a"[..])
        );
        assert!(out.invocation_id.is_some());
        assert_eq!(st.record(&a).unwrap().connection, Some(7));
        assert_eq!((st.in_flight(), st.queued()), (1, 1));
        // One at a time.
        assert!(!st.can_hand_out());
        assert_eq!(st.hand_out(7, 3000), None);
        st.answer(0, &a, None, body(b"ok"), Answer::Response)
            .unwrap();
        assert_eq!(
            st.record(&a).unwrap().outcome,
            Outcome::Response(b"ok".to_vec())
        );
        assert_eq!(st.in_flight(), 0);
        assert_eq!(st.hand_out(7, 3000).unwrap().request_id, b);
        assert_eq!(st.max_in_flight(), 1);
    }

    #[test]
    fn with_concurrency_one_asking_again_abandons() {
        let mut st = state(1);
        let a = queue(&mut st, "a");
        st.next_arrived(0, Instant::now());
        st.hand_out(1, 1000).unwrap();
        st.next_arrived(0, Instant::now());
        assert_eq!(st.record(&a).unwrap().outcome, Outcome::Abandoned);
        assert_eq!(st.in_flight(), 0);
    }

    #[test]
    fn with_concurrency_n_up_to_n_are_in_flight_and_nothing_is_abandoned() {
        let mut st = state(3);
        let ids: Vec<String> = (0..5).map(|i| queue(&mut st, &i.to_string())).collect();
        let mut handed = Vec::new();
        while st.can_hand_out() {
            assert!(st.next_arrived(0, Instant::now()));
            handed.push(st.hand_out(handed.len() as u64, 1000).unwrap());
        }
        assert_eq!(handed.len(), 3);
        assert_eq!((st.in_flight(), st.max_in_flight(), st.queued()), (3, 3, 2));
        assert!(
            ids[..3]
                .iter()
                .all(|id| st.record(id).unwrap().outcome == Outcome::Pending)
        );
        let mut unique: Vec<_> = handed.iter().map(|h| h.invocation_id.clone()).collect();
        unique.dedup();
        assert_eq!(unique.len(), 3);
        // An answer frees a slot; the peak stays.
        st.answer(0, &ids[1], None, body(b"1"), Answer::Response)
            .unwrap();
        assert!(st.can_hand_out());
        assert_eq!(st.hand_out(9, 1000).unwrap().request_id, ids[3]);
        assert_eq!((st.in_flight(), st.max_in_flight()), (3, 3));
        // Settling (a timeout) frees a slot too.
        assert!(st.finish(&ids[0], Outcome::TimedOut));
        assert_eq!(st.in_flight(), 2);
        st.clear_history();
        assert_eq!(st.max_in_flight(), 2);
    }

    #[test]
    fn invocation_ids_must_match_when_sent() {
        let mut st = state(1);
        let a = queue(&mut st, "a");
        st.next_arrived(0, Instant::now());
        let sent = st.hand_out(1, 1000).unwrap().invocation_id.unwrap();
        assert_eq!(
            st.record(&a).unwrap().invocation_id.as_deref(),
            Some(sent.as_str())
        );
        let wrong = st.answer(0, &a, Some("other"), body(b"x"), Answer::Response);
        assert!(matches!(wrong, Err(Rejection::Gone(_))), "{wrong:?}");
        let record = st.record(&a).unwrap();
        assert_eq!(
            (record.outcome.clone(), record.rejected),
            (Outcome::Pending, 1)
        );
        st.answer(
            0,
            &a,
            Some(&sent),
            body(b"x"),
            Answer::Error {
                error_type: Some("E".into()),
            },
        )
        .unwrap();
        assert!(matches!(st.record(&a).unwrap().outcome, Outcome::Error(_)));

        // No header: accepted.
        let b = queue(&mut st, "b");
        st.next_arrived(0, Instant::now());
        st.hand_out(1, 1000).unwrap();
        st.answer(0, &b, None, body(b"y"), Answer::Response)
            .unwrap();

        // None sent: a header that was never issued does not match.
        let mut st = State::new(1, false);
        let c = queue(&mut st, "c");
        st.next_arrived(0, Instant::now());
        assert_eq!(st.hand_out(1, 1000).unwrap().invocation_id, None);
        assert!(matches!(
            st.answer(0, &c, Some("made-up"), body(b"z"), Answer::Response),
            Err(Rejection::Gone(_))
        ));
        st.answer(0, &c, None, body(b"z"), Answer::Response)
            .unwrap();
    }

    #[test]
    fn late_repeated_and_early_answers_are_refused() {
        let mut st = state(2);
        let a = queue(&mut st, "a");
        assert!(matches!(
            st.answer(0, &a, None, body(b"x"), Answer::Response),
            Err(Rejection::InvalidRequestId(_))
        ));
        st.next_arrived(0, Instant::now());
        st.hand_out(1, 1000).unwrap();
        assert!(st.finish(&a, Outcome::TimedOut));
        assert!(!st.finish(&a, Outcome::Abandoned));
        assert!(matches!(
            st.answer(0, &a, None, body(b"x"), Answer::Response),
            Err(Rejection::Gone(_))
        ));
        let b = queue(&mut st, "b");
        st.hand_out(1, 1000).unwrap();
        assert_eq!(
            st.answer(0, &b, None, Body::Oversize { len: 9 }, Answer::Response),
            Err(Rejection::TooLarge(9))
        );
        st.answer(0, &b, None, body(b"x"), Answer::Response)
            .unwrap();
        assert!(matches!(
            st.answer(0, &b, None, body(b"x"), Answer::Response),
            Err(Rejection::InvalidRequestId(_))
        ));
        assert_eq!(st.record(&b).unwrap().rejected, 2);
        assert_eq!(
            st.answer(1, &b, None, body(b"x"), Answer::Response),
            Err(Rejection::StaleSandbox)
        );
    }

    #[test]
    fn a_reset_abandons_what_is_in_flight_and_keeps_the_queue() {
        let mut st = state(2);
        let a = queue(&mut st, "a");
        let b = queue(&mut st, "b");
        let c = queue(&mut st, "c");
        st.next_arrived(0, Instant::now());
        st.hand_out(1, 1000).unwrap();
        st.hand_out(2, 1000).unwrap();
        st.requeue(&b);
        assert_eq!(st.record(&b).unwrap().outcome, Outcome::Queued);
        st.reset_sandbox();
        assert_eq!(st.record(&a).unwrap().outcome, Outcome::Abandoned);
        assert_eq!((st.queued(), st.in_flight(), st.first_next), (2, 0, None));
        assert!(!st.next_arrived(0, Instant::now()));
        assert!(st.next_arrived(1, Instant::now()));
        assert_eq!(st.hand_out(1, 1000).unwrap().request_id, b);
        assert_eq!(st.hand_out(1, 1000).unwrap().request_id, c);
    }

    #[test]
    fn restore_next_ends_init_once_and_restore_error_needs_a_restore() {
        let mut st = state(1);
        assert_eq!(
            st.restore_error(0, body(b"{}"), None),
            Err(Rejection::InvalidState(
                "State transition to RestoreError failed for runtime. Error: not restoring"
            ))
        );
        st.restore_next_arrived(0, Instant::now()).unwrap();
        assert!(st.extensions.closed);
        assert!(matches!(
            st.restore_next_arrived(0, Instant::now()),
            Err(Rejection::InvalidState(_))
        ));
        assert!(matches!(
            st.init_error(0, body(b"{}"), None),
            Err(Rejection::InvalidState(_))
        ));
        // Not released yet: no restore error.
        assert!(st.restore_error(0, body(b"{}"), None).is_err());
        st.restore.released_at = Some(Instant::now());
        assert_eq!(
            st.restore_error(1, body(b"{}"), None),
            Err(Rejection::StaleSandbox)
        );
        st.restore_error(0, body(br#"{"errorType":"E"}"#), Some("H".into()))
            .unwrap();
        assert_eq!(st.restore.error.as_ref().unwrap().kind(), "E");
        assert!(st.restore_error(0, body(b"{}"), None).is_err());
        st.reset_sandbox();
        assert!(st.restore.next_at.is_none() && st.restore.error.is_none());
        assert!(!st.extensions.closed);
    }

    #[test]
    fn init_errors_only_before_the_first_next() {
        let mut st = state(1);
        st.init_error(0, body(b"{}"), Some("E".into())).unwrap();
        assert_eq!(
            st.init_error(0, body(b"{}"), None),
            Err(Rejection::InvalidState("Init error already reported"))
        );
        st.reset_sandbox();
        st.next_arrived(1, Instant::now());
        assert!(matches!(
            st.init_error(1, body(b"{}"), None),
            Err(Rejection::InvalidState(_))
        ));
    }
}
