//! The Runtime API (version 2018-06-01), under `/2018-06-01/runtime/`: its routes, and its
//! endpoints applied to the state machine — `/invocation/next`, `/invocation/{id}/response`
//! (when buffered; a streamed one is read by `conn`), `/invocation/{id}/error`, `/init/error`,
//! and SnapStart's `/restore/next` and `/restore/error`.

use crate::headers;
use std::net::TcpStream;
use std::time::Instant;

use crate::http::{Body, RequestHead};

use super::dispatch::Incoming;
use super::reply::Reply;
use super::state::{Answer, HandOut, Rejection};
use super::{Shared, lock};

/// The Runtime API's base path, under the prefix.
pub(super) const BASE: &str = "/2018-06-01/runtime/";

/// A Runtime API endpoint.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RuntimeRoute<'a> {
    Next,
    Response(&'a str),
    Error(&'a str),
    InitError,
    /// `GET /runtime/restore/next` (SnapStart only).
    RestoreNext,
    /// `POST /runtime/restore/error` (SnapStart only).
    RestoreError,
}

/// The endpoint for `rest`, the path under [`BASE`], and the method it takes.
pub(super) fn route(rest: &str) -> Option<(RuntimeRoute<'_>, &'static str)> {
    let mut parts = rest.split('/');
    let parts = (parts.next(), parts.next(), parts.next(), parts.next());
    Some(match parts {
        (Some("invocation"), Some("next"), None, None) => (RuntimeRoute::Next, "GET"),
        (Some("init"), Some("error"), None, None) => (RuntimeRoute::InitError, "POST"),
        (Some("restore"), Some("next"), None, None) => (RuntimeRoute::RestoreNext, "GET"),
        (Some("restore"), Some("error"), None, None) => (RuntimeRoute::RestoreError, "POST"),
        (Some("invocation"), Some(id), Some("response"), None) => {
            (RuntimeRoute::Response(id), "POST")
        }
        (Some("invocation"), Some(id), Some("error"), None) => (RuntimeRoute::Error(id), "POST"),
        _ => return None,
    })
}

impl Shared {
    /// Handles a Runtime API request.
    pub(super) fn runtime_api(
        &self,
        route: RuntimeRoute<'_>,
        request: &Incoming<'_>,
        body: Body,
        stream: &TcpStream,
    ) -> Reply {
        let &Incoming {
            conn,
            generation,
            head,
            received_at,
        } = request;
        let max = self.config.max_response_bytes;
        let error_type = || head.header(headers::FUNCTION_ERROR_TYPE).map(str::to_owned);
        let invocation_id = head.header(headers::INVOCATION_ID);
        match route {
            RuntimeRoute::RestoreNext | RuntimeRoute::RestoreError if !self.config.snap_start => {
                // As Lambda's Runtime Interface Emulator: only routed under SnapStart.
                self.answer_locked(request, |_| Reply::not_found())
            }
            RuntimeRoute::Next => self.next(conn, generation, head, received_at, stream),
            RuntimeRoute::RestoreNext => self.restore_next(conn, generation, head, received_at),
            RuntimeRoute::Response(id) => self.answer_locked(request, |st| {
                Reply::of(
                    st.answer(generation, id, invocation_id, body, Answer::Response),
                    max,
                )
            }),
            RuntimeRoute::Error(id) => self.answer_locked(request, |st| {
                let answer = Answer::Error {
                    error_type: error_type(),
                };
                Reply::of(st.answer(generation, id, invocation_id, body, answer), max)
            }),
            RuntimeRoute::InitError => self.answer_locked(request, |st| {
                Reply::of(st.init_error(generation, body, error_type()), max)
            }),
            RuntimeRoute::RestoreError => self.answer_locked(request, |st| {
                Reply::of(st.restore_error(generation, body, error_type()), max)
            }),
        }
    }

    /// `GET /runtime/invocation/next`: waits until an event is queued and fewer than the
    /// maximum are in flight.
    fn next(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        received_at: Instant,
        stream: &TcpStream,
    ) -> Reply {
        let mut st = lock(&self.state);
        if !st.next_arrived(generation, received_at) {
            st.log_request(conn, Some(head), None, received_at);
            return Reply::Close;
        }
        self.changed.notify_all();
        st.waiting_next += 1;
        let timeout_ms = self.config.timeout.as_millis() as u64;
        loop {
            if st.shutdown
                || st.generation != generation
                || (st.can_hand_out() && super::conn::peer_closed(stream))
            {
                st.waiting_next -= 1;
                st.log_request(conn, Some(head), None, received_at);
                return Reply::Close;
            }
            if let Some(hand_out) = st.hand_out(conn, timeout_ms) {
                st.waiting_next -= 1;
                let reply = self.hand_out_reply(hand_out);
                st.log_request(conn, Some(head), Some(200), received_at);
                drop(st);
                self.changed.notify_all();
                return reply;
            }
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// `GET /runtime/restore/next` (SnapStart): marks the end of init, then waits until the
    /// supervisor releases it (the snapshot is "restored") and answers `200` with no body.
    fn restore_next(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        received_at: Instant,
    ) -> Reply {
        let mut st = lock(&self.state);
        match st.restore_next_arrived(generation, received_at) {
            Ok(()) => {}
            Err(Rejection::StaleSandbox) => {
                st.log_request(conn, Some(head), None, received_at);
                return Reply::Close;
            }
            Err(other) => {
                let reply = Reply::of(Err(other), self.config.max_response_bytes);
                st.log_request(conn, Some(head), reply.status(), received_at);
                drop(st);
                self.changed.notify_all();
                return reply;
            }
        }
        self.changed.notify_all();
        loop {
            if st.shutdown || st.generation != generation {
                st.log_request(conn, Some(head), None, received_at);
                return Reply::Close;
            }
            if st.restore.released_at.is_some() {
                st.log_request(conn, Some(head), Some(200), received_at);
                drop(st);
                self.changed.notify_all();
                return Reply::Send {
                    status: 200,
                    headers: Vec::new(),
                    body: Vec::new(),
                    handed_out: None,
                };
            }
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn hand_out_reply(&self, hand_out: HandOut) -> Reply {
        let HandOut {
            request_id,
            deadline_ms,
            trace_id,
            invocation_id,
            event,
        } = hand_out;
        let mut headers = vec![
            (headers::REQUEST_ID, request_id.clone()),
            (headers::DEADLINE_MS, deadline_ms.to_string()),
            (headers::INVOKED_FUNCTION_ARN, self.function_arn.clone()),
            (headers::TRACE_ID, trace_id),
        ];
        let optional = [
            (headers::CLIENT_CONTEXT, event.client_context),
            (headers::COGNITO_IDENTITY, event.cognito_identity),
            (headers::TENANT_ID, event.tenant_id),
            (headers::INVOCATION_ID, invocation_id),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                headers.push((name, value));
            }
        }
        Reply::Send {
            status: 200,
            headers,
            body: event.body,
            handed_out: Some(request_id),
        }
    }

    /// The `/next` response for `id` could not be written: back to the front of the queue.
    pub(super) fn requeue(&self, id: &str) {
        lock(&self.state).requeue(id);
        self.changed.notify_all();
    }
}
