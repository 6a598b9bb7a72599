//! The endpoints: a routed request applied to the state machine, and the reply to write.

use crate::headers;
use std::net::TcpStream;
use std::time::Instant;

use crate::error_report::ErrorReport;
use crate::http::{Body, RequestHead};

use super::lifecycle::Refusal;
use super::routes::{Route, route};
use super::state::{Answer, HandOut, Rejection};
use super::{Shared, lock};

pub(super) const ACCEPTED_BODY: &[u8] = br#"{"status":"OK"}"#;

/// What to do after handling one request.
pub(super) enum Reply {
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
    pub(super) fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply::Send {
            status,
            headers: Vec::new(),
            body,
            handed_out: None,
        }
    }

    pub(super) fn error(status: u16, error_type: &str, message: &str) -> Reply {
        Reply::json(status, ErrorReport::lambda(Some(error_type), message).body)
    }

    /// An Extensions API refusal: `403` with its error type and message.
    fn refused(refusal: &Refusal) -> Reply {
        Reply::error(403, refusal.error_type, &refusal.message)
    }

    fn status(&self) -> Option<u16> {
        match self {
            Reply::Send { status, .. } => Some(*status),
            Reply::Close => None,
        }
    }

    pub(super) fn of(result: Result<(), Rejection>, max_response_bytes: usize) -> Reply {
        match result {
            Ok(()) => Reply::json(202, ACCEPTED_BODY.to_vec()),
            Err(Rejection::InvalidRequestId(message)) => {
                Reply::error(400, "InvalidRequestID", &message)
            }
            Err(Rejection::Gone(message)) => Reply::error(410, "InvocationGone", &message),
            Err(Rejection::InvalidState(message)) => {
                Reply::error(403, "InvalidStateTransition", message)
            }
            Err(Rejection::TooLarge(len)) => Reply::error(
                413,
                "RequestEntityTooLarge",
                &format!(
                    "Exceeded maximum allowed payload size ({max_response_bytes} bytes): received {len} bytes."
                ),
            ),
            Err(Rejection::StaleSandbox) => Reply::Close,
        }
    }
}

impl Shared {
    /// Handles one request read on connection `conn` of sandbox `generation`, and logs it.
    pub(super) fn handle(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        body: Body,
        received_at: Instant,
        stream: &TcpStream,
    ) -> Reply {
        let mut route = route(&self.prefix, &head.method, head.path());
        if matches!(route, Route::RestoreNext | Route::RestoreError) && !self.config.snap_start {
            // As Lambda's Runtime Interface Emulator: only routed under SnapStart.
            route = Route::NotFound;
        }
        match route {
            Route::Next => return self.next(conn, generation, head, received_at, stream),
            Route::RestoreNext => return self.restore_next(conn, generation, head, received_at),
            Route::ExtensionNext => {
                return self.extension_next(conn, generation, head, received_at);
            }
            _ => {}
        }
        // The state change and its log entry are made under one lock, so that whoever sees the
        // one sees the other.
        let mut st = lock(&self.state);
        let max = self.config.max_response_bytes;
        let error_type = || head.header(headers::FUNCTION_ERROR_TYPE).map(str::to_owned);
        let invocation_id = head.header(headers::INVOCATION_ID);
        let reply = match route {
            Route::Next | Route::RestoreNext | Route::ExtensionNext => Reply::Close, // above
            Route::Response(id) => Reply::of(
                st.answer(generation, id, invocation_id, body, Answer::Response),
                max,
            ),
            Route::Error(id) => {
                let answer = Answer::Error {
                    error_type: error_type(),
                };
                Reply::of(st.answer(generation, id, invocation_id, body, answer), max)
            }
            Route::InitError => Reply::of(st.init_error(generation, body, error_type()), max),
            Route::RestoreError => Reply::of(st.restore_error(generation, body, error_type()), max),
            Route::ExtensionRegister => self.register(&mut st, generation, head, body),
            Route::WrongMethod(allowed) => Reply::Send {
                status: 405,
                headers: vec![("Allow", allowed.to_owned())],
                body: ErrorReport::lambda(Some("MethodNotAllowed"), "Method not allowed").body,
                handed_out: None,
            },
            Route::NotFound => Reply::error(404, "NotFound", "Not found"),
        };
        st.log_request(conn, Some(head), reply.status(), received_at);
        drop(st);
        self.changed.notify_all();
        reply
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

    /// `POST /extension/register`, under the state lock.
    fn register(
        &self,
        st: &mut super::state::State,
        generation: u64,
        head: &RequestHead,
        body: Body,
    ) -> Reply {
        if st.shutdown || st.generation != generation {
            return Reply::Close;
        }
        let body = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => {
                return Reply::of(
                    Err(Rejection::TooLarge(len)),
                    self.config.max_response_bytes,
                );
            }
        };
        let registered = st.extensions.register(
            head.header(headers::EXTENSION_NAME),
            &body,
            &self.config.function_name,
            Instant::now(),
        );
        match registered {
            Ok((id, body)) => Reply::Send {
                status: 200,
                headers: vec![(headers::EXTENSION_IDENTIFIER, id)],
                body,
                handed_out: None,
            },
            Err(refusal) => Reply::refused(&refusal),
        }
    }

    /// `GET /extension/event/next`: waits until an event is queued for the extension.
    fn extension_next(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        received_at: Instant,
    ) -> Reply {
        let id = head.header(headers::EXTENSION_IDENTIFIER);
        let mut st = lock(&self.state);
        if st.shutdown || st.generation != generation {
            st.log_request(conn, Some(head), None, received_at);
            return Reply::Close;
        }
        match st.extensions.find(id) {
            Ok(extension) => extension.info.ready = true,
            Err(refusal) => {
                let reply = Reply::refused(&refusal);
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
            let event = match st.extensions.find(id) {
                Ok(extension) => extension
                    .take()
                    .map(|e| (e, extension.info.name.clone(), extension.info.id.clone())),
                Err(_) => None,
            };
            if let Some((event, extension, extension_id)) = event {
                st.extension_events.push(super::lifecycle::DeliveredEvent {
                    extension,
                    extension_id,
                    body: String::from_utf8_lossy(&event).into_owned(),
                    at: Instant::now(),
                });
                st.log_request(conn, Some(head), Some(200), received_at);
                drop(st);
                self.changed.notify_all();
                return Reply::Send {
                    status: 200,
                    headers: vec![(
                        headers::EXTENSION_EVENT_IDENTIFIER,
                        crate::ids::request_id(),
                    )],
                    body: event,
                    handed_out: None,
                };
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
